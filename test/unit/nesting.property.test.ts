/**
 * Property: `nestsDeeperThan` (core/common/nesting.ts, iterative) says exactly what the
 * depth of the value says, for any JSON value and limit, and handles values
 * nested far deeper than its limit (a record 100,000 levels deep is malformed, not a crash).
 */
import fc from 'fast-check';
import { nestsDeeperThan } from '../../functions/core/common/nesting';

/** Depth of a JSON value by definition (`{}` and `[]` are depth 1, a scalar 0), iteratively. */
function depth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    max = Math.max(max, d + 1);
    for (const c of Object.values(v)) stack.push([c, d + 1]);
  }
  return max;
}

function nested(levels: number, array: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = array ? [v] : { a: v };
  return v;
}

describe('nestsDeeperThan', () => {
  it('is true exactly when the value is deeper than the limit', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (v, limit) => {
      expect(nestsDeeperThan(v, limit)).toBe(depth(v) > limit);
    }), { numRuns: 500 });
  });

  it('counts each level around the limit, in arrays and objects', () => {
    for (const array of [true, false]) {
      expect(nestsDeeperThan(nested(512, array), 512)).toBe(false);
      expect(nestsDeeperThan(nested(513, array), 512)).toBe(true);
      expect(nestsDeeperThan({ x: [1, 'a', null, { y: nested(510, array) }] }, 512)).toBe(true);
      expect(nestsDeeperThan({ x: [1, 'a', null, { y: nested(509, array) }] }, 512)).toBe(false);
    }
    expect(nestsDeeperThan('scalar', 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
  });

  it('does not overflow the stack on a value nested 100,000 levels deep', () => {
    expect(nestsDeeperThan(nested(100_000, false), 512)).toBe(true);
    expect(nestsDeeperThan(nested(100_000, true), 512)).toBe(true);
  });
});
