import fc from 'fast-check';
import { RecentMap } from '../../functions/core/common/recent-map';
import { DuplicateWindow } from '../../functions/core/input/duplicate-window';

describe('RecentMap', () => {
  it('keeps the most recent `capacity` distinct keys, evicting the oldest first (as a model queue does)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'), fc.nat(9))), (capacity, ops) => {
        const map = new RecentMap<number>(capacity);
        const order: string[] = [];
        const model = new Map<string, number>();
        for (const [k, v] of ops) {
          map.set(k, v);
          if (!model.has(k)) {
            order.push(k);
            if (order.length > capacity) model.delete(order.shift()!);
          }
          model.set(k, v);
          expect(map.size).toBe(model.size);
        }
        for (const k of 'abcdefghij') expect(map.get(k)).toBe(model.get(k));
      }),
    );
  });

  it('refuses a capacity that is not a positive whole number', () => {
    for (const c of [0, -1, 1.5, Number.NaN]) expect(() => new RecentMap(c)).toThrow(/capacity must be a whole number of at least 1/);
  });

  it('the duplicate window answers as a model queue of the last `capacity` new keys does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')), (capacity, keys) => {
        const w = new DuplicateWindow(capacity);
        const order: string[] = [];
        for (const k of keys) {
          const want = order.includes(k);
          if (!want) {
            order.push(k);
            if (order.length > capacity) order.shift();
          }
          expect(w.seenBefore(k)).toBe(want);
          expect(w.size).toBe(order.length);
        }
      }),
    );
    expect(() => new DuplicateWindow(0)).toThrow(RangeError);
  });

  it('the duplicate window forgets a key once `capacity` newer keys have been seen, and not before', () => {
    const w = new DuplicateWindow(3);
    expect(['a', 'b', 'c'].map((k) => w.seenBefore(k))).toEqual([false, false, false]);
    expect(w.seenBefore('a')).toBe(true);
    expect(w.seenBefore('d')).toBe(false); // remembers d, forgets a (the oldest; seeing a again does not renew it)
    expect(w.seenBefore('b')).toBe(true);
    expect(w.seenBefore('a')).toBe(false); // forgotten: remembered again, forgetting b
    expect([w.seenBefore('c'), w.seenBefore('d'), w.seenBefore('b')]).toEqual([true, true, false]);
    expect(w.size).toBe(3);
  });
});
