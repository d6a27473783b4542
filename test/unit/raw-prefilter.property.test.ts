/**
 * The raw-text pre-filter never changes a result: for generated rule packs (threshold rules among
 * them, so selections are checked too) and generated records, whatever RawStage says of a record
 * without parsing it (functions/core/pipeline/raw-record.ts) is exactly what stage 1 says after
 * parsing it (`evaluateValue`): the same status, delivery key, alerts (none), rule errors (none)
 * and selections (none). Records are written as JSON text with escapes sprinkled in (`\u` spellings
 * of letters, `\/`), keys repeated and literals of the rules placed in other fields, so the filter
 * meets what would fool a text search. Both scopes are tried: Rekognition only, and every service.
 */
import fc from 'fast-check';
import { Evaluator } from '../../functions/core/match/evaluator';
import { scanDocument, type RawDocument } from '../../functions/core/input/raw-document';
import { scanAsciiDocument } from '../../functions/core/input/raw-ascii';
import { recordsKeyAmbiguous } from '../../functions/adapters/trail-reader';
import { PARSE, QUIET_HASHED, RawStage } from '../../functions/core/pipeline/raw-record';
import { hashKey, hashKeySpans } from '../../functions/core/input/duplicate-window';
import { evaluateValue } from '../../functions/core/pipeline/record-pipeline';
import { textRequirement, longestLiteral } from '../../functions/core/match/text-requirement';
import { createEngine, operatorsOf } from '../../functions/core/match/engine';
import type { RulePack } from '../../functions/core/common/types';
import { arbPack, arbRecord } from '../helpers/arbitraries';

/** Spells some characters of a JSON text's strings as escapes (the text stays the same JSON). */
function sprinkleEscapes(text: string, seed: number): string {
  if (seed % 4 !== 0) return text;
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' && text[i - 1] !== '\\') inString = !inString;
    // Letters of "Records" are escaped only now and then: a document with such an escape is left to
    // the trail reader's other path (the trail reader streams it), so it tests nothing here.
    const recordsLetter = 'Records'.includes(c) && seed % 16 !== 0;
    if (inString && !recordsLetter && c !== '"' && c !== '\\' && text[i - 1] !== '\\' && (i * 7 + seed) % 11 === 0) out += c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

/** A record's text with a key repeated (JSON.parse keeps the last) or a rule's literal in another field. */
const arbRecordText = fc
  .record({
    record: arbRecord,
    seed: fc.nat(),
    extra: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('eventName', 'eventSource', 'eventID', 'note', 'eventTime'), fc.constantFrom('Root', 'DeleteCollection', 'AccessDenied', 'rekognition.amazonaws.com', 'kali', 'x')) },
    ),
    noId: fc.boolean(),
  })
  .map(({ record, seed, extra, noId }) => {
    const r = { ...record } as Record<string, unknown>;
    if (noId && seed % 5 === 0) delete r.eventID;
    let text = JSON.stringify(r);
    if (extra) text = `{${JSON.stringify(extra[0])}:${JSON.stringify(extra[1])},${text.slice(1)}`;
    return sprinkleEscapes(text, seed);
  });

/**
 * Rules shaped like the pack's (an `all` of leaves on facts the text holds, some under `any` or
 * `not`), so that many rules have requirements and many records are ruled out; the generic
 * generated rules (arbPack) bring the odd shapes and throwing leaves.
 */
const FACTS: Array<[string, string | undefined]> = [['principalType', undefined], ['errorCode', undefined], ['userAgent', undefined], ['sourceIPAddress', undefined], ['awsRegion', undefined], ['principalArn', undefined], ['userIdentity', '$.type'], ['requestParameters', '$.collectionId'], ['eventSource', undefined], ['accountId', undefined], ['readOnly', undefined], ['eventName', undefined]];
const STRINGS = ['Root', 'AccessDenied', 'IAMUser', 'kali', 'us-east-1', 'rekognition.amazonaws.com', 'DeleteCollection', 'col-1', '111122223333', 'true', 'arn:aws:iam::111122223333:root', ''];
const safeLeaf = fc
  .tuple(
    fc.constantFrom(...FACTS),
    fc.oneof(
      fc.tuple(fc.constantFrom('equal', 'notEqual'), fc.oneof(fc.constantFrom(...STRINGS), fc.constantFrom(true, 5, null, { fact: 'recipientAccountId' }))),
      fc.tuple(fc.constantFrom('in', 'notIn'), fc.oneof(fc.subarray(STRINGS, { minLength: 1, maxLength: 3 }), fc.constant({ fact: 'lists', path: '$.globs' }))),
      fc.tuple(fc.constantFrom('startsWith', 'endsWith', 'matches', 'matchesIgnoreCase'), fc.oneof(fc.constantFrom(...STRINGS), fc.constantFrom('*Denied*', 'arn:*:root', '?*', ['*kali*', 'Boto3*']))),
      fc.tuple(fc.constant('contains'), fc.constantFrom(...STRINGS)),
    ),
  )
  .map(([fp, [operator, value]]) => ({ fact: fp[0], ...(fp[1] ? { path: fp[1] } : {}), operator, value }));
const positiveLeaf = fc.record({
  fp: fc.constantFrom<[string, string | undefined]>(['principalType', undefined], ['errorCode', undefined], ['userAgent', undefined], ['principalArn', undefined], ['userIdentity', '$.type'], ['requestParameters', '$.collectionId'], ['awsRegion', undefined]),
  operator: fc.constantFrom('equal', 'in', 'startsWith', 'matches'),
  value: fc.constantFrom('Root', 'AccessDenied', 'IAMUser', '*kali*', 'us-east-1', 'col-1', 'arn:aws:iam::111122223333:root', ['Root', 'IAMUser'], ['AccessDenied', 'ValidationException'], { fact: 'lists', path: '$.globs' }),
}).map(({ fp, operator, value }) => ({ fact: fp[0], ...(fp[1] ? { path: fp[1] } : {}), operator, value }));
const safeConditions = fc
  .tuple(positiveLeaf, fc.array(fc.oneof({ weight: 4, arbitrary: safeLeaf as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: fc.record({ any: fc.array(safeLeaf, { minLength: 1, maxLength: 3 }) }) }, { weight: 1, arbitrary: fc.record({ not: safeLeaf }) }), { maxLength: 3 }))
  .map(([first, rest]) => ({ all: [first, ...rest] }));

/** Generated packs with pack-like rules added; some rules become threshold rules, so a filter that loses selections is seen. */
const arbPackWithThresholds = fc
  .tuple(arbPack, fc.array(safeConditions, { minLength: 1, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), fc.nat({ max: 3 }).map((n) => n === 0))
  .map(([pack, extra, flags, generic]): RulePack => {
    const rules = [...(generic ? pack.rules : []), ...extra.map((conditions, i) => ({ ...(pack.rules[0] as RulePack['rules'][number]), id: `s${i}`, name: `s${i}`, file: `s${i}.json`, conditions: conditions as RulePack['rules'][number]['conditions'] }))];
    return { ...pack, rules: rules.map((r, i) => (flags[i] ? { ...r, threshold: { count: 2, window: '5m', windowMs: 300_000, by: ['principalArn' as const] } } : r)) };
  });

describe('raw-text pre-filter', () => {
  it('says of a record without parsing it exactly what stage 1 says after parsing it, read from the text or the bytes', async () => {
    const seen = { decided: 0, quiet: 0, records: 0, hashed: 0, fromBytes: 0 };
    await fc.assert(
      fc.asyncProperty(arbPackWithThresholds, fc.array(arbRecordText, { minLength: 1, maxLength: 8 }), fc.boolean(), async (pack, texts, everyService) => {
        const evaluator = new Evaluator(pack, { copies: 'each', ...(everyService ? { eventSources: '*' as const } : {}) });
        const doc = `{"Records":[${texts.join(',')}]}`;
        const raw = scanDocument(doc, 512);
        // A valid document is refused only where the trail reader streams it instead: a \u escape
        // of a letter of "Records" (which the escapes sprinkled here often are).
        if (raw === null) {
          expect(recordsKeyAmbiguous(doc)).toBe(true);
          return;
        }
        // An ASCII document is read from its bytes too (raw-ascii.ts), and must give the same.
        const bytes = Buffer.from(doc);
        const docs: RawDocument[] = [raw];
        if (bytes.every((b) => b < 0x80)) {
          const fromBytes = scanAsciiDocument(bytes, 512);
          expect(fromBytes).not.toBeNull();
          docs.push(fromBytes as RawDocument);
          seen.fromBytes++;
        }
        for (const scanned of docs) {
          const stage = new RawStage(scanned, evaluator);
          const twin = new RawStage(scanned, evaluator);
          const hash = new Int32Array(2);
          for (let i = 0; i < scanned.count; i++) {
            seen.records++;
            expect(stage.text(i)).toBe(raw.text.slice(raw.starts[i], raw.ends[i]));
            const fast = stage.evaluate(i);
            // classify (the worker's) is evaluate without an object for a quiet record: its key's hash.
            const classified = twin.classify(i, hash, 0);
            if (classified === QUIET_HASHED) {
              seen.hashed++;
              const want = new Int32Array(2);
              hashKey((fast as { key: string }).key, want, 0);
              expect(fast).toMatchObject({ status: 'inScope', alerts: [], errors: [] });
              expect([...hash]).toEqual([...want]);
            } else {
              expect(classified).toEqual(fast);
            }
            if (fast === PARSE) continue;
            seen.decided++;
            if (fast.status === 'inScope') seen.quiet++;
            const full = await evaluateValue(JSON.parse(texts[i] as string), evaluator);
            expect(fast).toEqual(full);
          }
        }
      }),
      { numRuns: 800 },
    );
    // Not vacuous: many records are decided from their text, in scope with rules ruled out.
    expect(seen.decided).toBeGreaterThan(seen.records / 8);
    expect(seen.quiet).toBeGreaterThan(200);
    expect(seen.hashed).toBeGreaterThan(150);
    expect(seen.fromBytes).toBeGreaterThan(200);
  });

  it('gives requirements only for rules that cannot throw, from the literals json-rules-engine compares', () => {
    const ops = operatorsOf(createEngine());
    const lists = { ops: ['DeleteCollection', 'DeleteProject'], nets: ['10.0.0.0/8'] };
    const req = (conditions: unknown) => textRequirement(conditions, ops, lists);
    expect(req({ all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }, { fact: 'errorCode', operator: 'startsWith', value: ['AccessDenied', 'Unauthorized'] }] })).toEqual([['Root'], ['AccessDenied', 'Unauthorized']]);
    expect(req({ any: [{ fact: 'userAgent', operator: 'matches', value: ['*kali*', 'sqlmap/*'] }, { fact: 'principalArn', operator: 'in', value: { fact: 'lists', path: '$.ops' } }] })).toEqual([['kali', 'sqlmap/', 'DeleteCollection', 'DeleteProject']]);
    // eventName is the eventName index's; computed facts and the lists are not in the text.
    expect(req({ all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] })).toBeNull();
    expect(req({ all: [{ fact: 'mfaAuthenticated', operator: 'equal', value: 'false' }, { fact: 'projectPolicy', path: '$.accounts[0]', operator: 'equal', value: '1' }] })).toBeNull();
    // A leaf that may throw for some record makes the whole rule unprunable.
    expect(req({ all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }, { fact: 'sourceIPAddress', operator: 'in', value: { fact: 'userAgent' } }] })).toBeNull();
    expect(req({ all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }, { fact: 'userIdentity', path: '$[?(@.x)]', operator: 'equal', value: 'a' }] })).toBeNull();
    expect(req({ all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }, { fact: 'requestParameters', path: '$.n', operator: 'greaterThan', value: 5 }] })).toBeNull();
    expect(req({ all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }, { fact: 'eventName', operator: 'in', value: { fact: 'lists', path: '$.missing' } }] })).toBeNull();
    // Safe fact references: lists that exist, notEqual against another fact.
    expect(req({ all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }, { fact: 'eventName', operator: 'in', value: { fact: 'lists', path: '$.ops' } }, { fact: 'accountId', operator: 'notEqual', value: { fact: 'recipientAccountId' } }] })).toEqual([['Root']]);
    expect(longestLiteral('arn:aws:sts::*:assumed-role/BreakGlass*/*')).toBe(':assumed-role/BreakGlass');
    expect(longestLiteral('?*')).toBe('');
  });

  it('hashes a key from spans of a text exactly as the key itself', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 4 }), (parts, pad) => {
        let text = pad;
        const spans = new Int32Array(parts.length * 2);
        parts.forEach((p, k) => {
          spans[2 * k] = text.length;
          text += p;
          spans[2 * k + 1] = text.length;
          text += pad;
        });
        const got = new Int32Array(2);
        const want = new Int32Array(2);
        hashKeySpans(text, spans, parts.length, got, 0);
        hashKey(parts.join('|'), want, 0);
        expect([...got]).toEqual([...want]);
        // The bytes of an ASCII text hash as the text.
        if (/^[\x00-\x7f]*$/.test(text)) {
          const fromBytes = new Int32Array(2);
          hashKeySpans(Buffer.from(text), spans, parts.length, fromBytes, 0);
          expect([...fromBytes]).toEqual([...want]);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
