import fc from 'fast-check';
import { DuplicateWindow } from '../../functions/core/input/duplicate-window';

/** The window as it was before it hashed keys: the key strings in a Set plus a ring of their order. */
class StringWindow {
  private readonly seen = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;
  constructor(readonly capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }
  seenBefore(key: string): boolean {
    if (this.seen.has(key)) return true;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.seen.delete(evicted);
    this.ring[this.next] = key;
    this.next = (this.next + 1) % this.capacity;
    this.seen.add(key);
    return false;
  }
  get size(): number {
    return this.seen.size;
  }
}

const deliveryKey = fc
  .tuple(fc.uuid(), fc.constantFrom('rekognition.amazonaws.com', 's3.amazonaws.com', 'iam.amazonaws.com'), fc.constantFrom('DeleteCollection', 'IndexFaces', 'GetObject'), fc.integer({ min: 0, max: 59 }))
  .map(([id, src, name, s]) => `${id}|${src}|${name}|2026-12-01T10:00:${String(s).padStart(2, '0')}Z`);

describe('DuplicateWindow (hashed keys)', () => {
  it('answers exactly as the string-keyed window on any key sequence (small windows: crowded tables, many evictions)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        // Indices into a pool about twice the window (so keys come back both inside and past it), and
        // short random strings, unicode included, to exercise every code unit.
        fc.array(fc.oneof(fc.nat(), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 400 }),
        (capacity, picks) => {
          const hashed = new DuplicateWindow(capacity);
          const model = new StringWindow(capacity);
          for (const p of picks) {
            const k = typeof p === 'number' ? `k${p % (2 * capacity + 1)}` : p;
            const want = model.seenBefore(k);
            expect(hashed.seenBefore(k)).toBe(want);
            expect(hashed.size).toBe(model.size);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers as the string-keyed window on delivery-key-shaped streams with duplicates close behind', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(deliveryKey, { minLength: 1, maxLength: 300 }), fc.array(fc.nat(), { maxLength: 600 }), (capacity, fresh, picks) => {
        const hashed = new DuplicateWindow(capacity);
        const model = new StringWindow(capacity);
        const sent: string[] = [];
        let f = 0;
        for (const p of picks) {
          // Half new keys, half re-deliveries of a recent (possibly already forgotten) key.
          const k = p % 2 === 0 || sent.length === 0 ? (fresh[f++ % fresh.length] as string) : (sent[sent.length - 1 - (p % Math.min(sent.length, capacity + 5))] as string);
          sent.push(k);
          expect(hashed.seenBefore(k)).toBe(model.seenBefore(k));
        }
        expect(hashed.size).toBe(model.size);
      }),
    );
  });

  it('keeps every one of a full window of 200,000 distinct keys and forgets exactly the oldest ones after', () => {
    const w = new DuplicateWindow(200_000);
    const key = (i: number) => `${i.toString(16).padStart(8, '0')}-3b1f-4c2a-9d7e-000000000000|rekognition.amazonaws.com|IndexFaces|2026-12-01T10:00:00Z`;
    let seen = 0;
    for (let i = 0; i < 200_000; i++) if (w.seenBefore(key(i))) seen++;
    expect(seen).toBe(0);
    let again = 0;
    for (let i = 0; i < 200_000; i += 7) if (w.seenBefore(key(i))) again++;
    expect(again).toBe(Math.ceil(200_000 / 7)); // no key lost
    for (let i = 200_000; i < 300_000; i++) if (w.seenBefore(key(i))) seen++;
    expect(seen).toBe(0); // and none of these falsely "seen" (a hash collision would show here)
    expect(w.seenBefore(key(99_999))).toBe(false); // evicted by the 100,000 newer keys
    expect(w.seenBefore(key(100_001))).toBe(true);
    expect(w.size).toBe(200_000);
  });
});
