/**
 * The merge, as a property: any trail (events delivered twice across files, cross-account copies of
 * one call, quiet and out-of-scope records, malformed records, a corrupt file) split into batches in
 * any way (`--batch-objects` 1…all), evaluated batch by batch by the worker core (in reverse order,
 * as parallel children finish) and merged by the CLI, prints exactly what one local `replay s3://` of
 * the same objects prints: the same JSON Lines and summary with --json, the same readable report
 * without. Both runs are the real CLI (runCli) against the same s3rver bucket.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { runCli } from '../helpers/cli';
import { record } from '../helpers/records';
import { S3_ENV, startS3, type S3StandIn } from '../helpers/s3';
import { fakeFanOut, STACK } from '../helpers/backtest-aws';

const A = '111122223333';
const B = '444455556666';
const TRAIL = 'trail';
const RESULTS = 'results';
const NOW = Date.parse('2026-11-20T12:00:00Z');

const RULES = [
  {
    id: 'delete-without-mfa', name: 'Delete without MFA', severity: 'high',
    conditions: { all: [{ fact: 'eventName', operator: 'in', value: ['DeleteCollection', 'DeleteFaces'] }, { fact: 'mfaAuthenticated', operator: 'notEqual', value: true }] },
    tests: [{ name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true }, { name: 'miss', event: {}, expect: false }],
  },
  {
    id: 'collection-created', name: 'Collection created', severity: 'low',
    conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'CreateCollection' }] },
    tests: [{ name: 'hit', event: { eventName: 'CreateCollection' }, expect: true }, { name: 'miss', event: {}, expect: false }],
  },
  {
    // A threshold rule: its selections travel in the batch results and the CLI's detect stage turns
    // them into alerts, so windows spanning batches come out as in one local replay.
    id: 'collection-changes-burst', name: 'Burst of collection changes', severity: 'medium',
    threshold: { count: 3, window: '10m', by: ['accountId'] },
    conditions: { all: [{ fact: 'eventName', operator: 'in', value: ['DeleteCollection', 'DeleteFaces', 'CreateCollection'] }] },
    tests: [{ name: 'three in a minute', event: { eventName: 'DeleteFaces' }, repeat: 3, every: '20s', expect: true, alertOn: [2] }, { name: 'miss', event: {}, expect: false }],
  },
];

/** The records a file can hold: fixed objects, so "the same record" twice is a real duplicate delivery. */
const POOL: unknown[] = [
  record({ eventName: 'DeleteCollection', readOnly: false, eventID: 'd1', recipientAccountId: A, eventTime: '2026-11-19T10:00:00Z' }),
  record({ eventName: 'DeleteCollection', readOnly: false, eventID: 'd2', recipientAccountId: A, eventTime: '2026-11-19T10:01:00Z' }),
  record({ eventName: 'CreateCollection', readOnly: false, eventID: 'c1', recipientAccountId: A, eventTime: '2026-11-19T10:02:00Z' }),
  // Two copies of one cross-account call (one alert per rule after folding).
  record({ eventName: 'DeleteFaces', readOnly: false, eventID: 'x-a', sharedEventID: 'shared-1', recipientAccountId: A, eventTime: '2026-11-19T10:03:00Z' }),
  record({ eventName: 'DeleteFaces', readOnly: false, eventID: 'x-b', sharedEventID: 'shared-1', recipientAccountId: B, eventTime: '2026-11-19T10:03:00Z' }),
  record({ eventName: 'DetectFaces', readOnly: true, eventID: 'q1', recipientAccountId: A }),
  record({ eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventID: 'o1', recipientAccountId: A }),
  { not: 'a record' },
  42,
];

type File = { corrupt: true } | { records: number[] };
const fileArb: fc.Arbitrary<File> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ corrupt: true as const }) },
  { weight: 6, arbitrary: fc.record({ records: fc.array(fc.integer({ min: 0, max: POOL.length - 1 }), { maxLength: 6 }) }) },
);

const key = (prefix: string, i: number) => {
  const hhmm = `${String(Math.floor(i / 6) + 10).padStart(2, '0')}${String((i % 6) * 10).padStart(2, '0')}`;
  return `${prefix}AWSLogs/${A}/CloudTrail/us-east-1/2026/11/19/${A}_CloudTrail_us-east-1_20261119T${hhmm}Z_f${i}.json.gz`;
};
const body = (f: File) => (('corrupt' in f) ? gzipSync(JSON.stringify({ Records: [POOL[0]] })).subarray(0, 30) : gzipSync(JSON.stringify({ Records: f.records.map((i) => POOL[i]) })));

describe('backtest merge (property)', () => {
  let s3: S3StandIn;
  let cwd: string;
  let n = 0;
  beforeAll(async () => {
    s3 = await startS3([TRAIL, RESULTS]);
    cwd = mkdtempSync(join(tmpdir(), 'rekwatch-backtest-prop-'));
    mkdirSync(join(cwd, 'rules'));
    for (const r of RULES) writeFileSync(join(cwd, 'rules', `${r.id}.json`), JSON.stringify(r));
  });
  afterAll(() => s3.close());

  it('gives the same report and alerts as one local replay, however the input is split into batches', async () => {
    const pack = loadRulesDir(join(cwd, 'rules'), cwd).pack;
    await fc.assert(
      fc.asyncProperty(fc.array(fileArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), async (files, perBatch, json) => {
        const prefix = `run${n++}/`;
        for (let i = 0; i < files.length; i++) await s3.put(TRAIL, key(prefix, i), body(files[i] as File));
        const cli = (extra: string[]) =>
          runCli(['replay', '--rules', 'rules', '--endpoint-url', s3.endpoint, ...(json ? ['--json'] : []), `s3://${TRAIL}/${prefix}`, ...extra], { cwd, env: S3_ENV, now: () => NOW, sleep: async () => undefined });
        const local = await cli([]);
        const fan = fakeFanOut(s3, { trailBucket: TRAIL, resultsBucket: RESULTS, pack });
        try {
          const aws = await cli(['--on-aws', '--stack', STACK, '--yes', '--batch-objects', String(perBatch)]);
          expect(aws.stdout).toBe(local.stdout);
          expect(aws.code).toBe(local.code);
          const rest = (s: string) => s.split('\n').filter((l) => !l.startsWith('rekwatch replay --on-aws:') && !l.startsWith('Estimated cost'));
          expect(rest(aws.stderr)).toEqual(rest(local.stderr));
          expect(aws.stderr).not.toContain('warning');
          expect(aws.stderr).toContain(`in ${Math.ceil(files.length / perBatch)} batch`);
        } finally {
          fan.restore();
        }
      }),
      { numRuns: 25 },
    );
  });
});
