/**
 * Property: reading a `.json` trail file whole (gunzip + one JSON.parse, trail-reader.ts
 * readWholeDocument) gives exactly what streaming it through the record splitter gives, whatever
 * the bytes: the same values in the same order with the same positions, the same malformed records
 * and reasons, the same byte count. Inputs are built to hit the cases where the two could differ:
 * duplicate and escaped "Records" keys, other keys, several documents, BOM, newlines, deep and
 * oversize records, invalid JSON, gzip whole and cut. And the well-formed one-line trail file is
 * really read whole (else the property would hold trivially).
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readInput, type TrailItem } from '../../functions/adapters/trail-reader';
import { record } from '../helpers/records';

const dir = mkdtempSync(join(tmpdir(), 'rekwatch-whole-'));
const MAX = 4096;
let n = 0;

async function items(path: string, wholeFileMaxBytes?: number): Promise<{ items: TrailItem[]; bytes: number }> {
  const out: TrailItem[] = [];
  let bytes = 0;
  const input = { file: 'f.json', fsPath: path, regular: true, argument: true };
  for await (const batch of readInput(input, Readable.from([]), { maxRecordBytes: MAX, ...(wholeFileMaxBytes === undefined ? {} : { wholeFileMaxBytes }) })) {
    for (const item of batch) {
      if (item.kind === 'bytes') bytes += item.bytes;
      else out.push(item);
    }
  }
  return { items: out, bytes };
}

const rec = fc.constantFrom('a', 'b').map((id) => JSON.stringify(record({ eventID: id })));
const element = fc.oneof(
  rec,
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.constant(`{"eventName":"Big","pad":"${'x'.repeat(MAX)}"}`),
  fc.constant(`{"eventVersion":"1.08","x":${'['.repeat(600)}${']'.repeat(600)}}`),
  fc.constant('{"eventVersion":"1.08","s":"\\u0052ecords \\"Records\\" [ { \\\\"}'),
);
const key = fc.constantFrom('"Records"', '"R\\u0065cords"', '"Other"', '"Records" ');
const doc = fc.oneof(
  fc.tuple(fc.array(element, { maxLength: 5 }), fc.option(fc.tuple(key, fc.array(element, { maxLength: 2 })), { nil: undefined }), fc.constantFrom('', ' ', '\n'))
    .map(([es, second, sep]) => `{"Records":[${es.join(`,${sep}`)}]${second ? `,${second[0]}:[${second[1].join(',')}]` : ''}}`),
  fc.array(element, { maxLength: 5 }).map((es) => `[${es.join(',')}]`),
  element,
);
const text = fc.tuple(fc.array(doc, { minLength: 1, maxLength: 2 }), fc.constantFrom('', '\ufeff', ' ', '\n'), fc.constantFrom('', '\n', ' \r\n', 'x'), fc.option(fc.nat(), { nil: undefined }))
  .map(([docs, head, tail, cut]) => {
    let b = Buffer.from(`${head}${docs.join('\n')}${tail}`);
    if (cut !== undefined && cut % 5 === 0 && b.length > 0) b = b.subarray(0, cut % b.length);
    return b;
  });
const bytes = fc.tuple(text, fc.constantFrom('plain', 'gzip', 'gzip-cut'), fc.nat()).map(([b, enc, c]) => {
  if (enc === 'plain') return b;
  const gz = gzipSync(b);
  return enc === 'gzip' ? gz : gz.subarray(0, c % gz.length);
});

describe('reading a .json file whole', () => {
  it('gives what streaming gives, for any bytes', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => {
        const path = join(dir, `in-${n++}.json`);
        writeFileSync(path, b);
        expect(await items(path)).toEqual(await items(path, 0));
      }),
      { numRuns: 400 },
    );
  });

  it('is what happens to a one-line trail file, and not to one over the size or on several lines', async () => {
    const path = join(dir, 'trail.json.gz');
    writeFileSync(path, gzipSync(JSON.stringify({ Records: [record({ eventID: 'a' }), 42] })));
    const whole = await items(path);
    expect(whole.items).toEqual([
      { kind: 'file', file: 'f.json' },
      { kind: 'value', file: 'f.json', where: 'line 1, record 0', value: record({ eventID: 'a' }) },
      { kind: 'value', file: 'f.json', where: 'line 1, record 1', value: 42 },
    ]);
    // Only the whole-file path yields the whole file in one batch; streaming yields one per chunk read.
    const batches = async (wholeFileMaxBytes?: number) => {
      const out: number[] = [];
      for await (const batch of readInput({ file: 'f.json', fsPath: path, regular: true, argument: true }, Readable.from([]), wholeFileMaxBytes === undefined ? {} : { wholeFileMaxBytes })) out.push(batch.length);
      return out;
    };
    expect(await batches()).toEqual([4]);
    expect(await batches(10)).toEqual([1, 3]);
  });
});
