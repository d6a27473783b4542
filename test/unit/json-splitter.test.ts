import fc from 'fast-check';
import { JsonRecordSplitter, type SplitOutput } from '../../functions/core/json-splitter';

function split(text: string, chunkSizes: number[] = [1 << 30]): SplitOutput[] {
  const s = new JsonRecordSplitter();
  const buf = Buffer.from(text, 'utf8');
  const out: SplitOutput[] = [];
  let pos = 0;
  let i = 0;
  while (pos < buf.length) {
    const size = Math.max(1, chunkSizes[i++ % chunkSizes.length] ?? 1);
    out.push(...s.push(buf.subarray(pos, pos + size)));
    pos += size;
  }
  out.push(...s.end());
  return out;
}

const texts = (out: SplitOutput[]) => out.map((o) => ('text' in o ? JSON.parse(o.text) : o));

describe('JsonRecordSplitter', () => {
  const r1 = { eventName: 'A', s: 'quote " brace } bracket ] backslash \\ ', n: [1, { x: '[{' }] };
  const r2 = { eventName: 'B', u: 'ünïcødé 😀' };

  it('emits each element of a trail file Records array, with line numbers', () => {
    const text = JSON.stringify({ Records: [r1, r2] }, null, 2);
    const out = split(text);
    expect(texts(out)).toEqual([r1, r2]);
    expect(out.map((o) => ('line' in o ? o.line : 0))).toEqual([3, 13]);
    expect(out.map((o) => ('index' in o ? o.index : -2))).toEqual([0, 1]);
  });

  it('handles Records after other keys, top-level arrays, single objects and sequences of them', () => {
    expect(texts(split(JSON.stringify({ other: { Records: [9] }, Records: [r1] })))).toEqual([r1]);
    expect(texts(split(JSON.stringify([r1, r2])))).toEqual([r1, r2]);
    expect(texts(split(JSON.stringify(r1)))).toEqual([r1]);
    expect(texts(split(`${JSON.stringify(r1)}\n${JSON.stringify({ Records: [r2] })}\n[${JSON.stringify(r1)}]`))).toEqual([r1, r2, r1]);
    expect(split('{"Records": []}')).toEqual([]);
    expect(texts(split('\ufeff{"Records":[{"a":1}]}'))).toEqual([{ a: 1 }]);
  });

  it('is independent of how the bytes are chunked', () => {
    const text = JSON.stringify({ Records: [r1, r2, r1, 'x', 5, null] }, null, 1);
    const expected = texts(split(text));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }), (sizes) => {
        expect(texts(split(text, sizes))).toEqual(expected);
      }),
    );
  });

  it('reports a truncated file and structural junk, then resumes at the next line', () => {
    const out = split('{"Records": [{"a": 1}, {"b": ');
    expect(out).toEqual([expect.objectContaining({ text: '{"a": 1}' }), { error: 'unexpected end of input (truncated file?)', line: 1 }]);
    const junk = split('garbage here\n{"a": 1}\n}\n{"b": 2}');
    expect(texts(junk)).toEqual([
      { error: 'unexpected content outside a JSON object or array', line: 1 },
      { a: 1 },
      { error: 'unexpected "}"', line: 3 },
      { b: 2 },
    ]);
  });

  it('leaves element-level syntax errors to JSON.parse (one bad record, not the file)', () => {
    const out = split('{"Records": [{"a": 1}, {"b": tru}, {"c": 3}]}');
    expect(out).toHaveLength(3);
    expect(() => JSON.parse((out[1] as { text: string }).text)).toThrow();
    expect(JSON.parse((out[2] as { text: string }).text)).toEqual({ c: 3 });
  });

  it('skips records larger than the limit instead of buffering them', () => {
    const s = new JsonRecordSplitter({ maxElementBytes: 100 });
    const big = JSON.stringify({ Records: [{ a: 'x'.repeat(500) }, { b: 1 }] });
    const out = [...s.push(Buffer.from(big)), ...s.end()];
    expect(out).toEqual([{ error: 'record larger than 100 bytes; skipped', line: 1 }, expect.objectContaining({ text: '{"b":1}' })]);
  });
});
