/**
 * The lateness-bounded reorder buffer (functions/core/detect/reorder.ts): time order out, ties by
 * key whatever the input order, release strictly before the watermark, late items refused.
 */
import fc from 'fast-check';
import { ReorderBuffer } from '../../functions/core/detect/reorder';

const buffer = (lateness = 10) => new ReorderBuffer<{ t: number; k: string }>(lateness, (x) => x.k);
const push = (b: ReturnType<typeof buffer>, t: number, k = `k${t}`) => b.push(t, { t, k });

describe('ReorderBuffer', () => {
  it('releases items strictly before newest - lateness, in time order', () => {
    const b = buffer();
    expect([push(b, 5), push(b, 3), push(b, 9)]).toEqual([true, true, true]);
    expect(b.release()).toEqual([]);
    push(b, 15);
    expect(b.release().map((x) => x.t)).toEqual([3]); // watermark 5: 5 is not before it
    expect(b.watermark).toBe(5);
    push(b, 20);
    expect(b.release().map((x) => x.t)).toEqual([5, 9]);
    expect(b.flush().map((x) => x.t)).toEqual([15, 20]);
    expect(b.size).toBe(0);
  });

  it('refuses an item older than the watermark (late), and accepts one exactly at it', () => {
    const b = buffer();
    push(b, 30);
    expect(push(b, 19)).toBe(false);
    expect(push(b, 20)).toBe(true);
    expect(b.flush().map((x) => x.t)).toEqual([20, 30]);
  });

  it('gives every arrival order within the bound the same sequence, ties by key', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10 }), fc.constantFrom('a', 'b', 'c', 'd')), { maxLength: 80 }), (items) => {
      const sorted = [...items].sort((x, y) => x[0] - y[0] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0));
      const b = buffer();
      const out: Array<{ t: number; k: string }> = [];
      // Arrival by time plus a delay within the bound: nothing is late.
      for (const [t, , k] of [...items].sort((x, y) => x[0] + x[1] - (y[0] + y[1]))) {
        expect(b.push(t, { t, k })).toBe(true);
        out.push(...b.release());
      }
      out.push(...b.flush());
      expect(out.map((x) => [x.t, x.k])).toEqual(sorted.map(([t, , k]) => [t, k]));
    }));
  });
});
