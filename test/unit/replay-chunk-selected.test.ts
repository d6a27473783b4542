/**
 * SELECTED chunk items (functions/adapters/replay-workers/chunk.ts): a record whose stage 1 gave
 * threshold selections and nothing else crosses threads as numbers and one string per selection,
 * and the main thread reads back the same selections (fields, order, and the alert built from the
 * record's text), after a structured clone as postMessage makes it. Records the compact form cannot
 * carry exactly go as FOUND objects, as before.
 */
import { deserialize, serialize } from 'node:v8';
import { chunkItems, ChunkBuilder, FOUND, SELECTED, type EvaluatedChunk } from '../../functions/adapters/replay-workers/chunk';
import { ruleIndexOf } from '../../functions/adapters/replay-workers/file-chunks';
import { alertBuilt, lazyAlert, withoutAlert, type Selection } from '../../functions/core/detect/selection';
import { hashKey } from '../../functions/core/input/duplicate-window';
import { Evaluator } from '../../functions/core/match/evaluator';
import { evaluateValue, settle, settleSelectedHash, type Evaluated } from '../../functions/core/pipeline/record-pipeline';
import { DuplicateWindow } from '../../functions/core/input/duplicate-window';
import type { Alert } from '../../functions/core/common/types';
import { pack, rule, ruleFile } from '../helpers/pack';
import { record } from '../helpers/records';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const SEARCH = { all: [{ fact: 'eventSource', operator: 'equal', value: 'rekognition.amazonaws.com' }, { fact: 'eventName', operator: 'equal', value: 'SearchFaces' }] };
const p = pack([
  ruleFile(rule('plain', SEARCH, { threshold: { count: 3, window: '5m', by: ['principalArn'] } })),
  ruleFile(rule('by-two', SEARCH, { threshold: { count: 2, window: '1m', by: ['principalArn', 'sourceIPAddress'] } })),
  ruleFile(rule('distinct', SEARCH, { threshold: { count: 3, window: '5m', by: ['principalArn'], distinct: { fact: 'requestParameters', path: '$.collectionId' } } })),
]);
const evaluator = new Evaluator(p, { copies: 'each' });
const ruleIds = p.rules.map((r) => r.id);
const ruleIndex = ruleIndexOf(p);
const alertFor = (ruleId: string, text: string) => evaluator.selectionAlert(ruleId, text);

const search = (i: number, over: Record<string, unknown> = {}) =>
  record({ eventName: 'SearchFaces', eventID: `s-${i}`, eventTime: new Date(T0 + i * 10_000).toISOString(), requestParameters: { collectionId: `c${i % 3}` }, ...over });

/** Stage 1 of each record as a worker runs it (with its text), through a builder, cloned as postMessage clones it. */
async function posted(texts: string[], index: ReadonlyMap<string, number> | undefined = ruleIndex, size = 2048): Promise<{ chunks: EvaluatedChunk[]; stage1: Evaluated[] }> {
  const builder = new ChunkBuilder('f', size, index);
  const chunks: EvaluatedChunk[] = [];
  const stage1: Evaluated[] = [];
  for (const [i, text] of texts.entries()) {
    const e = await evaluateValue(JSON.parse(text), evaluator);
    stage1.push(e);
    builder.value(e, 'f', (at) => `record ${at + 1}`, i, text);
    if (builder.full) chunks.push(builder.take());
  }
  if (!builder.empty) chunks.push(builder.take());
  return { chunks: chunks.map((c) => deserialize(serialize(c)) as EvaluatedChunk), stage1 };
}

/** The selections of a stage 1 result or chunk item that must have some. */
function selectionsOf(x: Evaluated | { evaluated: Evaluated } | { item: unknown } | undefined): readonly Selection[] {
  const e = x && ('item' in x ? undefined : 'evaluated' in x ? x.evaluated : x);
  if (!e || e.status !== 'inScope' || !e.selections) throw new Error('expected an in-scope record with selections');
  return e.selections;
}

/** A selection's fields in order, without building its alert. */
const fields = (s: Selection) => Object.entries(withoutAlert(s));

describe('SELECTED chunk items', () => {
  it('carry every selection of a selection-only record: same fields in the same order, the alert built from the text', async () => {
    const texts = [0, 1, 2, 3, 4].map((i) => JSON.stringify(search(i, i === 2 ? { sourceIPAddress: '203.0.113.9' } : {})));
    const { chunks, stage1 } = await posted(texts, ruleIndex, 2);
    expect(chunks.map((c) => [...c.kinds])).toEqual([[SELECTED, SELECTED], [SELECTED, SELECTED], [SELECTED]]);
    const back = chunks.flatMap((c) => [...chunkItems(c, alertFor, ruleIds)]);
    expect(back).toHaveLength(5);
    back.forEach((x, i) => {
      if ('item' in x || x.evaluated.status !== 'inScope') throw new Error('expected an in-scope record');
      const before = stage1[i] as Extract<Evaluated, { status: 'inScope' }>;
      const h = new Int32Array(2);
      hashKey(before.key, h, 0);
      expect(x.evaluated.key).toBe(`#${(h[0]! >>> 0).toString(16).padStart(8, '0')}${(h[1]! >>> 0).toString(16).padStart(8, '0')}`);
      const got = x.evaluated.selections as Selection[];
      const want = before.selections as Selection[];
      expect([...got.map((s) => s.ruleId)].sort()).toEqual(['by-two', 'distinct', 'plain']);
      expect(got.map(fields)).toEqual(want.map(fields));
      expect(got.every((s) => !alertBuilt(s))).toBe(true);
      expect(got.map((s) => s.alert)).toEqual(want.map((s) => s.alert));
    });
    // The distinct rule's value went too, and the others have none.
    expect(selectionsOf(back[0]).map((s) => [s.ruleId, s.distinct === undefined]).sort()).toEqual([['by-two', true], ['distinct', false], ['plain', true]]);
  });

  it('settle the way FOUND records do: duplicates by the delivery key, else evaluated with the selections', async () => {
    const text = JSON.stringify(search(7));
    const e = (await evaluateValue(JSON.parse(text), evaluator)) as Extract<Evaluated, { status: 'inScope' }>;
    const h = new Int32Array(2);
    hashKey(e.key, h, 0);
    const viaFound = new DuplicateWindow();
    const viaSelected = new DuplicateWindow();
    for (let round = 0; round < 2; round++) {
      const found = settle(e, { duplicates: viaFound });
      const selected = settleSelectedHash(h[0]!, h[1]!, e.selections as Selection[], { duplicates: viaSelected });
      expect(selected).toEqual(found);
      expect(selected.status).toBe(round === 0 ? 'evaluated' : 'duplicate');
    }
  });

  it('leave as FOUND what the compact form cannot carry exactly', async () => {
    const text = JSON.stringify(search(1));
    const base = (await evaluateValue(JSON.parse(text), evaluator)) as Extract<Evaluated, { status: 'inScope' }>;
    const sel = base.selections as Selection[];
    const copy = (s: Selection, over: Partial<Selection>) => lazyAlert({ ...withoutAlert(s), ...over }, () => s.alert);
    const cases: Array<[string, Evaluated, string | undefined, ReadonlyMap<string, number> | undefined]> = [
      ['no text to build the alert from', base, undefined, ruleIndex],
      ['no rule index (the main thread could not name the rule)', base, text, undefined],
      ['a rule the index does not know', { ...base, selections: [copy(sel[0]!, { ruleId: 'elsewhere' })] }, text, ruleIndex],
      ['a key value that is not a string or null (JSON would give -0 back as 0)', { ...base, selections: [copy(sel[0]!, { keyValues: { port: -0 } })] }, text, ruleIndex],
      ['an alert already built', { ...base, selections: [{ ...withoutAlert(sel[0]!), alert: { ruleId: 'plain' } as Alert }] }, text, ruleIndex],
      ['a key of another width', { ...base, selections: [copy(sel[0]!, { key: 'abc' })] }, text, ruleIndex],
      ['an alert beside the selections', { ...base, alerts: [{ ruleId: 'other' } as Alert] }, text, ruleIndex],
    ];
    for (const [name, e, t, index] of cases) {
      const b = new ChunkBuilder('f', 8, index);
      if (t === undefined) b.value(e, 'f', 'record 1');
      else b.value(e, 'f', () => 'record 1', 0, t);
      const chunk = deserialize(serialize(b.take())) as EvaluatedChunk;
      expect([name, [...chunk.kinds]]).toEqual([name, [FOUND]]);
      const [x] = [...chunkItems(chunk, alertFor, ruleIds)];
      if (!x || 'item' in x || x.evaluated.status !== 'inScope') throw new Error(name);
      expect([name, x.evaluated.selections?.map(fields)]).toEqual([name, selectionsOf(e).map(fields)]);
    }
  });

  it('keep the text of key values exactly: nulls, quotes, non-ASCII and lone surrogates', async () => {
    const odd = 'arn:aws:sts::111122223333:assumed-role/x/"é\u2028\ud800';
    const text = JSON.stringify(search(3, { userIdentity: { type: 'AssumedRole', arn: odd, accountId: '111122223333' }, sourceIPAddress: undefined }));
    const { chunks, stage1 } = await posted([text]);
    expect([...(chunks[0] as EvaluatedChunk).kinds]).toEqual([SELECTED]);
    const [x] = [...chunkItems(chunks[0] as EvaluatedChunk, alertFor, ruleIds)];
    const got = selectionsOf(x);
    const want = selectionsOf(stage1[0]);
    expect(got.map((s) => s.keyValues)).toEqual(want.map((s) => s.keyValues));
    expect(got[0]!.keyValues.principalArn).toBe(want[0]!.keyValues.principalArn);
    expect(got.map((s) => s.alert)).toEqual(want.map((s) => s.alert));
  });
});
