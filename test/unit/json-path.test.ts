import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { parseSimplePath, resolveSteps, UNRESOLVED } from '../../functions/core/common/json-path';

const jsonpathPlus = (json: object, path: string) => JSONPath({ path, json, wrap: false });

describe('simple JSONPath resolver', () => {
  it('parses the simple subset and rejects the rest', () => {
    expect(parseSimplePath('$')).toEqual([]);
    expect(parseSimplePath("$.a.b[0]['c-d']")).toEqual([
      { kind: 'name', name: 'a' }, { kind: 'name', name: 'b' }, { kind: 'index', index: 0 }, { kind: 'name', name: 'c-d' },
    ]);
    for (const p of ['a.b', '$..a', '$.*', '$[*]', '$.a[-1]', '$[?(@.x)]', '$.a[0:2]', '$.', '$a']) expect(parseSimplePath(p)).toBeNull();
  });

  it('agrees with jsonpath-plus (json-rules-engine\'s resolver) wherever it answers', () => {
    const key = fc.constantFrom('a', 'b', 'c-d', 'length', '__proto__', 'constructor', '0');
    const path = fc
      .array(fc.oneof(key.map((k) => (/^[A-Za-z_][\w-]*$/.test(k) ? `.${k}` : `['${k}']`)), fc.nat({ max: 3 }).map((i) => `[${i}]`)), { maxLength: 4 })
      .map((steps) => `$${steps.join('')}`);
    fc.assert(
      fc.property(fc.jsonValue().filter((v): v is object => typeof v === 'object' && v !== null), path, (json, p) => {
        const steps = parseSimplePath(p);
        if (!steps) return;
        const ours = resolveSteps(json, steps);
        if (ours === UNRESOLVED) return;
        expect(ours).toEqual(jsonpathPlus(json, p));
      }),
      { numRuns: 3000 },
    );
  });
});
