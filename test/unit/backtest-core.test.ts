/**
 * The pure parts of the backtest fan-out: batching by objects, bytes and JSON size (every object
 * once, in order); the batch result format's checks (each bad field named, another version refused,
 * unknown fields ignored); the merge's checks against the manifest; the cost estimate's arithmetic
 * and its wording (an estimate, with the dated prices); the pack digest the CLI compares with the stack's.
 */
import { join } from 'node:path';
import { packDigest } from '../../functions/adapters/backtest/pack-digest';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { BATCH_RESULT_FORMAT, BATCH_RESULT_VERSION, FileResultBuilder, parseBatchResult, type BatchResult } from '../../functions/core/backtest/batch-result';
import { costLines, estimateCost, formatBytes, LAMBDA_ARM_GB_SECOND_USD, S3_GET_USD, S3_PUT_LIST_USD, SFN_STATE_TRANSITION_USD, LAMBDA_REQUEST_USD } from '../../functions/core/backtest/cost';
import { manifestText, planBatches, planTotals } from '../../functions/core/backtest/manifest';
import { batchMismatch, evaluatedFile } from '../../functions/core/backtest/merge';

const obj = (i: number, size = 10) => ({ key: `AWSLogs/1/CloudTrail/r/2026/11/19/f${String(i).padStart(3, '0')}.json.gz`, size });

describe('planBatches', () => {
  it('cuts at the object count, the byte budget and the JSON size, keeping order', () => {
    const objects = Array.from({ length: 7 }, (_, i) => obj(i));
    expect(planBatches(objects, { maxObjects: 3, maxBytes: 1e9, maxItemBytes: 1e9 }).map((b) => [b.index, b.objects.length])).toEqual([[0, 3], [1, 3], [2, 1]]);
    expect(planBatches(objects, { maxObjects: 100, maxBytes: 25, maxItemBytes: 1e9 }).map((b) => b.objects.length)).toEqual([2, 2, 2, 1]);
    const oneItem = JSON.stringify(obj(0)).length * 3 + 1;
    expect(planBatches(objects, { maxObjects: 100, maxBytes: 1e9, maxItemBytes: oneItem * 2 }).map((b) => b.objects.length)).toEqual([2, 2, 2, 1]);
    const flat = planBatches(objects, { maxObjects: 3, maxBytes: 25, maxItemBytes: 1e9 }).flatMap((b) => b.objects);
    expect(flat).toEqual(objects);
  });

  it('gives an object larger than the byte budget a batch of its own, and no batch for nothing', () => {
    expect(planBatches([obj(0, 5), obj(1, 500), obj(2, 5)], { maxObjects: 10, maxBytes: 100, maxItemBytes: 1e9 }).map((b) => b.objects.map((o) => o.size))).toEqual([[5], [500], [5]]);
    expect(planBatches([])).toEqual([]);
  });

  it('totals the plan and writes it as the JSON array the ItemReader reads', () => {
    const plan = planBatches([obj(0, 5), obj(1, 7)], { maxObjects: 1, maxBytes: 100, maxItemBytes: 1e9 });
    expect(planTotals(plan)).toEqual({ objects: 2, bytes: 12, batches: 2 });
    expect(JSON.parse(manifestText(plan))).toEqual([{ index: 0, objects: [obj(0, 5)] }, { index: 1, objects: [obj(1, 7)] }]);
  });
});

function result(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const b = new FileResultBuilder('s3://t/k', (k) => `h:${k}`);
  b.note({ kind: 'file', file: 's3://t/k' });
  b.outOfScope();
  b.inScope('key-1', [], [], 'line 1');
  b.inScope('key-2', [{ ruleId: 'r' } as never], [{ ruleId: 'r', message: 'boom' }], 'line 2', 'ev-2');
  b.note({ kind: 'bytes', bytes: 9 });
  return { format: BATCH_RESULT_FORMAT, version: BATCH_RESULT_VERSION, run: 'run-1', batch: 0, objects: 1, bytes: 9, files: [b.build()], ...overrides };
}

describe('batch results', () => {
  it('round-trip: builder, JSON, parse, stage 2 input', () => {
    const parsed = parseBatchResult(JSON.stringify(result()), 'NAME');
    if (!parsed.ok) throw new Error(parsed.reason);
    const [file] = parsed.result.files;
    expect(file).toMatchObject({ kinds: '30123', keys: ['h:key-1', 'h:key-2'] });
    const e = evaluatedFile(file!);
    expect([...e.kinds]).toEqual([3, 0, 1, 2, 3]);
    expect(e.found).toEqual([{ status: 'inScope', key: 'h:key-2', where: 'line 2', alerts: [{ ruleId: 'r' }], errors: [{ ruleId: 'r', message: 'boom' }], eventId: 'ev-2' }]);
  });

  it('ignores fields it does not know (a later worker may add sections)', () => {
    expect(parseBatchResult(JSON.stringify(result({ stateful: { thresholds: [] } })), 'N').ok).toBe(true);
  });

  const files = (f: Record<string, unknown>) => ({ files: [{ ...(result().files as object[])[0], ...f }] });
  it.each([
    ['not json', 'NAME: not JSON'],
    [JSON.stringify(result({ format: 'x' })), 'NAME: format: expected "rekwatch-backtest-batch", got "x"'],
    [JSON.stringify(result({ version: 2 })), 'NAME: version: this rekwatch reads version 1, the worker wrote 2 (deploy the stack and run the CLI from the same release)'],
    [JSON.stringify(result({ batch: -1 })), 'NAME: batch: not a batch index'],
    [JSON.stringify(result(files({ kinds: '0124' }))), 'NAME: files[0].kinds: not a string of 0-3'],
    [JSON.stringify(result(files({ keys: ['a'] }))), 'NAME: files[0].keys: 1 keys for 2 in-scope items'],
    [JSON.stringify(result(files({ found: [] }))), 'NAME: files[0].found: 0 entries for 1 items with alerts or rule errors'],
    [JSON.stringify(result(files({ others: [{ kind: 'file', file: 'f' }, { kind: 'nope' }] }))), 'NAME: files[0].others[1]: kind: unknown kind "nope"'],
  ])('names what is wrong: %s', (text, reason) => {
    const parsed = parseBatchResult(text, 'NAME');
    expect(parsed.ok).toBe(false);
    expect((parsed as { reason: string }).reason.startsWith(reason)).toBe(true);
  });

  it('must match its place in the manifest', () => {
    const r = parseBatchResult(JSON.stringify(result()), 'N');
    if (!r.ok) throw new Error(r.reason);
    const url = (k: string) => `s3://t/${k}`;
    expect(batchMismatch(r.result, { index: 0, objects: [{ key: 'k', size: 1 }] }, 'run-1', url)).toBeUndefined();
    expect(batchMismatch(r.result, { index: 0, objects: [{ key: 'k', size: 1 }] }, 'run-2', url)).toBe('run: expected run-2, got run-1');
    expect(batchMismatch(r.result, { index: 1, objects: [{ key: 'k', size: 1 }] }, 'run-1', url)).toBe('batch: expected 1, got 0');
    expect(batchMismatch(r.result, { index: 0, objects: [] }, 'run-1', url)).toBe('files: 1 results for 0 objects');
    expect(batchMismatch(r.result, { index: 0, objects: [{ key: 'other', size: 1 }] }, 'run-1', url)).toBe('files[0].file: expected s3://t/other, got s3://t/k');
    void (r.result satisfies BatchResult);
  });
});

describe('the cost estimate', () => {
  it('adds up Lambda GB-s, requests, state transitions and S3 requests at the named prices', () => {
    const e = estimateCost({ objects: 1000, bytes: 19_000_000_000, batches: 10, listRequests: 30, memoryMb: 1024, bytesPerSecond: 19_000_000 });
    expect(e.workerSeconds).toBe(1000 + 10);
    expect(e.lambdaGbSeconds).toBe(1010);
    expect(e.lambdaUsd).toBeCloseTo(1010 * LAMBDA_ARM_GB_SECOND_USD + 10 * LAMBDA_REQUEST_USD, 12);
    expect(e.stateTransitions).toBe(23);
    expect(e.stepFunctionsUsd).toBeCloseTo(23 * SFN_STATE_TRANSITION_USD, 12);
    expect(e.s3Requests).toEqual({ get: 1011, put: 11, list: 30 });
    expect(e.s3Usd).toBeCloseTo(1011 * S3_GET_USD + 41 * S3_PUT_LIST_USD, 12);
    expect(e.totalUsd).toBeCloseTo(e.lambdaUsd + e.stepFunctionsUsd + e.s3Usd, 12);
  });

  it('says it is an estimate, with the prices\' date and region', () => {
    const input = { objects: 262, bytes: 1_070_000_000, batches: 2, listRequests: 12, memoryMb: 1769 };
    const [plan, cost] = costLines(input, estimateCost(input));
    expect(plan).toBe('rekwatch replay --on-aws: 262 objects, 1.1 GB, in 2 batches');
    // 1.07 GB at 1 MB/s is 1,070 s, plus 1 s per batch, at 1769/1024 GB: 1,852 GB-s.
    expect(cost).toBe('Estimated cost (an estimate, not a promise; us-east-1 list prices of 2026-12-01, at an assumed 1.0 MB/s per worker): about $0.03 (Lambda 1852 GB-s at 1769 MB $0.02, Step Functions 7 state transitions $0.0002, S3 265 GET + 3 PUT + 12 LIST $0.0002)');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(12_345_678_901_234)).toBe('12.3 TB');
  });
});

describe('packDigest', () => {
  it('is the same for the same rules read from another directory, and differs when a rule does', () => {
    const a = loadRulesDir(join(__dirname, '..', '..', 'rules'), '/').pack;
    const b = loadRulesDir('rules').pack;
    expect(a.rules[0]?.file).not.toBe(b.rules[0]?.file);
    expect(packDigest(a)).toBe(packDigest(b));
    expect(packDigest({ ...b, rules: b.rules.map((r, i) => (i === 0 ? { ...r, severity: 'low' as const } : r)) })).not.toBe(packDigest(b));
    expect(packDigest(b)).toMatch(/^[0-9a-f]{16}$/);
  });
});
