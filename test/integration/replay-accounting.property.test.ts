/**
 * Property: replay accounts for every record, whatever the bytes. Through the real reader and the
 * real counting code (`rekwatch replay --json`, in-process), for arbitrary byte streams, truncated
 * JSON, gzip of them (whole or cut), JSON Lines and trail documents, read from stdin or from files
 * of every extension: records == evaluated + outOfScope + duplicates + malformed, the input is one
 * file or one unreadable path, and replay never throws. For well-formed documents and JSON Lines the
 * number of records is exactly the number of elements and lines, however big or deep each one is.
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isPlainObject } from '../../functions/core/common/json-value';
import { runCli } from '../helpers/cli';
import { record } from '../helpers/records';

const RULE = {
  id: 'delete-without-mfa', name: 'Delete without MFA', severity: 'high',
  conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] },
  tests: [{ name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true }, { name: 'miss', event: {}, expect: false }],
};
const MAX = 4096; // --max-record-size 4KiB (test records are about 1.3 KB), so oversize records and lines are cheap to generate

const dir = mkdtempSync(join(tmpdir(), 'rekwatch-accounting-'));
mkdirSync(join(dir, 'rules'));
writeFileSync(join(dir, 'rules', 'delete-without-mfa.json'), JSON.stringify(RULE));
let n = 0;

/**
 * Record-level values of every kind the accounting must see, as JSON text with the number of records
 * a JSON Lines reader expands the line into: in scope (some repeated), out of scope, not records,
 * too big, and 20,000 levels deep (no eventID, so nothing but the reader's depth check stands
 * between it and a stack overflow).
 */
const DEEP = `{"eventVersion": "1.08", "eventSource": "rekognition.amazonaws.com", "eventName": "DeleteCollection", "x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
const asElement = (v: unknown): [string, number] => [JSON.stringify(v) ?? 'null', Array.isArray(v) ? v.length : isPlainObject(v) && Array.isArray(v.Records) ? v.Records.length : 1];
const element: fc.Arbitrary<[string, number]> = fc.oneof(
  fc.constantFrom('d1', 'd2', 'd3').map((id) => asElement(record({ eventName: 'DeleteCollection', eventID: id }))),
  fc.constant(asElement(record({ eventSource: 's3.amazonaws.com', eventName: 'DeleteBucket', eventID: 's3' }))),
  fc.jsonValue({ maxDepth: 3 }).map(asElement),
  fc.constant(asElement({ 'detail-type': 'AWS API Call via CloudTrail', detail: record({ eventID: 'eb' }) })),
  fc.constant(asElement({ eventName: 'Big', pad: 'x'.repeat(MAX) })),
  fc.constant<[string, number]>([DEEP, 1]),
);

const fragment = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  element.map(([text]) => Buffer.from(text)),
  fc.array(element, { maxLength: 4 }).map((es) => Buffer.from(`{"Records": [\n${es.map(([text]) => text).join(',\n')}\n]}`)),
  fc.constantFrom('\n', '{', '}', '[', ']', '"', '\\', ',', ':', '{"Records": [', '"Records"', '\ufeff', '\r\n').map((s) => Buffer.from(s)),
);

/** Arbitrary bytes built from fragments, optionally cut short, optionally gzip (whole or cut). */
const anyBytes = fc
  .tuple(fc.array(fragment, { maxLength: 10 }), fc.option(fc.nat(), { nil: undefined }), fc.constantFrom('plain', 'gzip', 'gzip-cut'), fc.nat())
  .map(([parts, cut, enc, gzCut]) => {
    let bytes = Buffer.concat(parts);
    if (cut !== undefined && bytes.length > 0) bytes = bytes.subarray(0, cut % bytes.length);
    if (enc === 'plain') return bytes;
    const gz = gzipSync(bytes);
    return enc === 'gzip' ? gz : gz.subarray(0, gzCut % gz.length);
  });

async function replay(bytes: Buffer, where: string): Promise<Record<string, number>> {
  const args = ['replay', '--json', '--max-record-size', `${MAX}`, '--rules', 'rules'];
  let res;
  if (where === '-') {
    res = await runCli([...args, '-'], { cwd: dir, stdin: bytes });
  } else {
    const name = `in-${n++}${where}`;
    writeFileSync(join(dir, name), bytes);
    res = await runCli([...args, name], { cwd: dir });
  }
  expect([0, 2]).toContain(res.code);
  return JSON.parse(res.stderr.trim().split('\n').pop() as string) as Record<string, number>;
}

const inputs = fc.constantFrom('-', '.json', '.json.gz', '.jsonl', '.jsonl.gz', '.log');

describe('replay record accounting', () => {
  it('records == evaluated + outOfScope + duplicates + malformed for arbitrary byte streams', async () => {
    await fc.assert(
      fc.asyncProperty(anyBytes, inputs, async (bytes, where) => {
        const s = await replay(bytes, where);
        expect(s.records).toBe((s.evaluated as number) + (s.outOfScope as number) + (s.duplicates as number) + (s.malformed as number));
        expect((s.files as number) + (s.unreadable as number)).toBe(1);
      }),
      { numRuns: 50 },
    );
  });

  it('counts exactly one record per element of a trail document and per line of JSON Lines, big, deep or not a record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(element, { maxLength: 6 }), fc.boolean(), fc.boolean(), async (elements, lines, gzip) => {
        // JSON Lines expand a line holding an array or a Records wrapper into its elements.
        const expected = lines ? elements.reduce((sum, [, count]) => sum + count, 0) : elements.length;
        const text = lines ? elements.map(([t]) => t).join('\n') : `{"Records": [${elements.map(([t]) => t).join(',')}]}`;
        const s = await replay(gzip ? gzipSync(text) : Buffer.from(text), `${lines ? '.jsonl' : '.json'}${gzip ? '.gz' : ''}`);
        expect(s.records).toBe(expected);
        expect(s.records).toBe((s.evaluated as number) + (s.outOfScope as number) + (s.duplicates as number) + (s.malformed as number));
      }),
      { numRuns: 60 },
    );
  });
});
