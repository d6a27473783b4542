import fc from 'fast-check';
import { JsonRecordSplitter, type SplitOutput } from '../../functions/core/input/json-splitter';

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

  it('ends a string at a quote after an even run of backslashes ("C:\\\\" is a string ending in an escaped backslash), however it is chunked', () => {
    // The JSON text: {"Records":[{"path":"C:\\","n":1},{"q":"a\\\"b\\\\"},{"r":"\\\\\\\\"}]}
    const records = [{ path: 'C:\\', n: 1 }, { q: 'a\\"b\\\\' }, { r: '\\\\\\\\' }];
    const text = JSON.stringify({ Records: records });
    expect(text).toContain('"C:\\\\"'); // two backslashes, then the closing quote
    for (let size = 1; size <= text.length; size++) expect(texts(split(text, [size]))).toEqual(records);
    // Every cut, so a run of backslashes is split across two chunks at every point.
    for (let cut = 1; cut < text.length; cut++) expect(texts(split(text, [cut, text.length]))).toEqual(records);
  });

  it('reads a record of exactly the maximum size and skips one a byte larger, whatever the layout and chunking', () => {
    const MAX = 100;
    const sized = (bytes: number) => `{"s":"${'x'.repeat(bytes - 8)}"}`; // 8 bytes of {"s":""}
    const layouts = (r: string) => ({
      compact: `{"Records":[${r},${r}]}`,
      pretty: `{"Records": [\n  ${r} ,\n  ${r}\n  ]\n}`,
      array: `[ ${r} , ${r} ]`,
      'top-level values': `${r}\n${r}\n`,
    });
    const run = (text: string, chunk: number) => {
      const s = new JsonRecordSplitter({ maxElementBytes: MAX });
      const b = Buffer.from(text);
      const out: SplitOutput[] = [];
      for (let i = 0; i < b.length; i += chunk) out.push(...s.push(b.subarray(i, i + chunk)));
      return [...out, ...s.end()].map((o) => ('error' in o ? 'skipped' : o.text.length));
    };
    for (const chunk of [1, 7, MAX, MAX + 3, 1 << 20]) {
      for (const [layout, text] of Object.entries(layouts(sized(MAX)))) expect([layout, chunk, run(text, chunk)]).toEqual([layout, chunk, [MAX, MAX]]);
      for (const [layout, text] of Object.entries(layouts(sized(MAX + 1)))) expect([layout, chunk, run(text, chunk)]).toEqual([layout, chunk, ['skipped', 'skipped']]);
    }
  });

  it('skips records larger than the limit instead of buffering them', () => {
    const s = new JsonRecordSplitter({ maxElementBytes: 100 });
    const big = JSON.stringify({ Records: [{ a: 'x'.repeat(500) }, { b: 1 }] });
    const out = [...s.push(Buffer.from(big)), ...s.end()];
    expect(out).toEqual([{ error: 'record larger than 100 bytes; skipped', line: 1 }, expect.objectContaining({ text: '{"b":1}' })]);
  });
});

describe('JsonRecordSplitter on hostile input (bounded memory, every element accounted)', () => {
  const CHUNK = 64 * 1024;
  /** Pushes `total` bytes made of `head`, then `fill` repeated, in CHUNK-sized pieces, without building them in one buffer. */
  function pushMany(s: JsonRecordSplitter, head: string, fill: number, total: number, out: SplitOutput[], maxHeld: { bytes: number }): void {
    out.push(...s.push(Buffer.from(head)));
    const piece = Buffer.alloc(CHUNK, fill);
    for (let sent = 0; sent < total; sent += CHUNK) {
      out.push(...s.push(piece));
      maxHeld.bytes = Math.max(maxHeld.bytes, s.bufferedBytes);
    }
  }

  it('does not keep (or re-copy) an unterminated string inside a record over the limit: linear time, memory bounded by the limit', () => {
    const s = new JsonRecordSplitter({ maxElementBytes: 1 << 20 });
    const out: SplitOutput[] = [];
    const held = { bytes: 0 };
    const started = Date.now();
    pushMany(s, '{"Records": [{"a": "', 0x78, 256 << 20, out, held); // 256 MiB of "xxx…", never closed
    out.push(...s.end());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(held.bytes).toBeLessThanOrEqual((1 << 20) + 2 * CHUNK);
    expect(out).toEqual([{ error: 'unexpected end of input (truncated file?)', line: 1 }]);
  });

  it('reports a record over the limit once, with its line, even when the buffer was trimmed inside it, and goes on', () => {
    const s = new JsonRecordSplitter({ maxElementBytes: 1 << 20 });
    const out: SplitOutput[] = [];
    const held = { bytes: 0 };
    pushMany(s, '{"Records": [\n{"eventName": "A"},\n{"big": "', 0x79, 8 << 20, out, held);
    out.push(...s.push(Buffer.from('", "n": [1, {"x": "]}"}]},\n{"eventName": "B"}\n]}')));
    out.push(...s.end());
    expect(held.bytes).toBeLessThanOrEqual((1 << 20) + 2 * CHUNK);
    expect(texts(out)).toEqual([{ eventName: 'A' }, { error: 'record larger than 1048576 bytes; skipped', line: 3 }, { eventName: 'B' }]);
  });

  it('reports a top-level value over the limit once and keeps reading the values after it', () => {
    const s = new JsonRecordSplitter({ maxElementBytes: 1 << 20 });
    const out: SplitOutput[] = [];
    const held = { bytes: 0 };
    pushMany(s, '{"eventName": "big", "s": "', 0x7a, 4 << 20, out, held);
    out.push(...s.push(Buffer.from('",\n"t": {"u": [1, 2]}}\n{"eventName": "next"}\n')));
    out.push(...s.end());
    expect(held.bytes).toBeLessThanOrEqual((1 << 20) + 2 * CHUNK);
    expect(texts(out)).toEqual([
      { error: 'JSON value larger than 1048576 bytes that is not a {"Records": [...]} log; skipped', line: 1 },
      { eventName: 'next' },
    ]);
  });

  it('does not keep a long string that is not a record (e.g. a huge value beside Records)', () => {
    const s = new JsonRecordSplitter({ maxElementBytes: 1 << 20 });
    const out: SplitOutput[] = [];
    const held = { bytes: 0 };
    pushMany(s, '{"Records": [{"eventName": "A"}], "junk": "', 0x78, 8 << 20, out, held);
    out.push(...s.push(Buffer.from('"}')), ...s.end());
    expect(held.bytes).toBeLessThanOrEqual(2 * CHUNK);
    expect(texts(out)).toEqual([{ eventName: 'A' }]);
  });

  it('reads the records of every "Records" key of a file, not only the first', () => {
    expect(texts(split('{"Records": [{"a": 1}], "Records": [{"b": 2}, {"c": 3}]}'))).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it('reports a top-level string or number instead of dropping it', () => {
    expect(texts(split('"just a string"\n{"a": 1}\n12\n'))).toEqual([
      { error: 'unexpected content outside a JSON object or array', line: 1 },
      { a: 1 },
      { error: 'unexpected content outside a JSON object or array', line: 3 },
    ]);
  });

  it('reports junk without a newline once, however many chunks it spans', () => {
    const s = new JsonRecordSplitter();
    const out: SplitOutput[] = [];
    for (let i = 0; i < 100; i++) out.push(...s.push(Buffer.alloc(1000, 0x41)));
    out.push(...s.push(Buffer.from('\n{"a": 1}')), ...s.end());
    expect(texts(out)).toEqual([{ error: 'unexpected content outside a JSON object or array', line: 1 }, { a: 1 }]);
  });

  it('splits any Records document exactly as JSON.parse reads it, however it is chunked (escapes and backslashes across chunk edges)', () => {
    const tricky = fc.stringMatching(/^[\\"a{}[\],:\n ]{0,12}$/);
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(tricky, tricky));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }), fc.boolean(), (records, sizes, pretty) => {
        const text = JSON.stringify({ Records: records }, null, pretty ? 1 : undefined);
        expect(texts(split(text, sizes))).toEqual(JSON.parse(text).Records);
      }),
      { numRuns: 300 },
    );
  });
});
