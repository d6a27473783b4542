/**
 * The backtest worker as deployed: its esbuild bundle (built as the stack builds it: minified CJS,
 * the AWS SDK left out, the rule pack inlined through __REKWATCH_PACK__) loaded in a fresh Node
 * process and invoked with a real Distributed Map item, reading the trail objects from s3rver and
 * writing its batch result there. Proves the bundled pack, the wiring, streaming reads of gzip and
 * plain objects, and the accounting of a corrupt and a missing object, with no AWS account.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { buildSync } from 'esbuild';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { batchResultKey } from '../../functions/adapters/backtest/results';
import { parseBatchResult } from '../../functions/core/backtest/batch-result';
import { packDefine } from '../../functions/core/rules/runtime-pack';
import { record } from '../helpers/records';
import { S3_ENV, startS3, type S3StandIn } from '../helpers/s3';
import { ROOT } from './helpers';

const run = promisify(execFile);
const A = '111122223333';
const TRAIL = 'org-trail';
const RESULTS = 'bt-results';
const k = (hhmm: string, ext = 'json.gz') => `AWSLogs/${A}/CloudTrail/us-east-1/2026/11/19/${A}_CloudTrail_us-east-1_20261119T${hhmm}Z_x.${ext}`;

let s3: S3StandIn;
let outfile: string;

beforeAll(async () => {
  const dir = join(ROOT, 'bench', '.data', 'backtest-bundle');
  mkdirSync(dir, { recursive: true });
  outfile = join(dir, 'index.js');
  buildSync({
    entryPoints: [join(ROOT, 'functions', 'backtest', 'index.ts')],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    define: packDefine(loadRulesDir(join(ROOT, 'rules')).pack),
    logLevel: 'silent',
  });
  s3 = await startS3([TRAIL, RESULTS]);
  await s3.put(TRAIL, k('1000'), gzipSync(JSON.stringify({ Records: [
    record({ eventName: 'DeleteCollection', readOnly: false, eventID: 'del-1', recipientAccountId: A, requestParameters: { collectionId: 'employees' } }),
    record({ eventName: 'DetectFaces', readOnly: true, eventID: 'quiet-1', recipientAccountId: A }),
    record({ eventName: 'GetObject', eventSource: 's3.amazonaws.com', eventID: 'other-1' }),
  ] })));
  await s3.put(TRAIL, k('1010'), gzipSync(JSON.stringify({ Records: [record({ eventName: 'DeleteCollection', eventID: 'lost' })] })).subarray(0, 30));
  await s3.put(TRAIL, k('1020', 'json'), JSON.stringify({ Records: [{ not: 'a record' }] }));
});
afterAll(() => s3.close());

async function invoke(event: unknown): Promise<{ ok: boolean; text: string; logs: string }> {
  const script = `require(${JSON.stringify(outfile)}).handler(${JSON.stringify(event)})
    .then((r) => process.stderr.write('RESULT ' + JSON.stringify(r) + '\\n'), (e) => { process.stderr.write('ERROR ' + e.name + ': ' + e.message + '\\n'); });`;
  const { stdout, stderr } = await run(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, ...S3_ENV, AWS_ENDPOINT_URL_S3: s3.endpoint, TRAIL_BUCKET: TRAIL, RESULTS_BUCKET: RESULTS, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const line = stderr.split('\n').find((l) => l.startsWith('RESULT ') || l.startsWith('ERROR '));
  if (!line) throw new Error(`bundle did not answer: ${stderr}`);
  return { ok: line.startsWith('RESULT '), text: line.replace(/^(RESULT|ERROR) /, ''), logs: stdout };
}

describe('the bundled backtest worker', () => {
  it('evaluates a batch from S3 with the bundled pack and writes its result', async () => {
    const batch = { index: 3, objects: [{ key: k('1000'), size: 1 }, { key: k('1010'), size: 1 }, { key: k('1020', 'json'), size: 1 }, { key: k('1030'), size: 1 }] };
    const r = await invoke({ run: 'rekwatch-20261120T120000-abcd0123', batch, eventSources: null, maxRecordBytes: null });
    expect(r.ok).toBe(true);
    const out = JSON.parse(r.text) as { resultKey: string; objects: number; batch: number };
    expect(out).toEqual({ run: 'rekwatch-20261120T120000-abcd0123', batch: 3, objects: 4, bytes: expect.any(Number), resultKey: batchResultKey('rekwatch-20261120T120000-abcd0123', 3) });
    expect(JSON.parse(r.logs.trim().split('\n').pop() as string)).toMatchObject({ message: 'backtest batch done', batch: 3, objects: 4, found: 1 });

    const got = await s3.client.send(new GetObjectCommand({ Bucket: RESULTS, Key: out.resultKey }));
    const parsed = parseBatchResult(gunzipSync(Buffer.from(await got.Body!.transformToByteArray())).toString(), out.resultKey);
    if (!parsed.ok) throw new Error(parsed.reason);
    const [good, corrupt, plain, missing] = parsed.result.files;
    expect(good?.file).toBe(`s3://${TRAIL}/${k('1000')}`);
    // file, the three records (in scope with an alert, in scope and quiet, out of scope), bytes.
    expect(good?.kinds).toBe('32103');
    expect(good?.found).toHaveLength(1);
    expect(good?.found[0]?.alerts.map((a) => [a.ruleId, a.eventId])).toEqual([['collection-deleted-without-mfa', 'del-1']]);
    expect(good?.keys).toHaveLength(2);
    expect(good?.keys.every((x) => /^[A-Za-z0-9_-]{22}$/.test(x))).toBe(true);
    // A corrupt object is counted and named (never fails the batch), as a local replay counts it.
    expect(corrupt?.kinds).toBe('333');
    expect(corrupt?.others[1]).toEqual({ kind: 'malformed', file: `s3://${TRAIL}/${k('1010')}`, where: 'file', reason: 'corrupt or truncated gzip (unexpected end of file)' });
    expect(plain?.others[1]).toEqual({ kind: 'malformed', file: `s3://${TRAIL}/${k('1020', 'json')}`, where: 'line 1, record 0', reason: 'not a CloudTrail record (no eventVersion, eventSource or eventName)' });
    expect(missing?.others).toEqual([{ kind: 'unreadable', file: `s3://${TRAIL}/${k('1030')}`, reason: expect.stringMatching(/^cannot read \(NoSuchKey/), argument: false }]);
  });

  it('rejects a malformed item naming the field, without retry', async () => {
    const r = await invoke({ run: 'r-1', batch: { index: 0, objects: [{ key: '', size: 1 }] } });
    expect(r).toMatchObject({ ok: false, text: 'BadBatchInput: input.batch.objects[0].key: not an object key' });
  });
});
