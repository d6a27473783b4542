/**
 * The batch runner's failure rules, with S3 errors s3rver cannot produce (aws-sdk-client-mock, exact
 * GetObject parameters): a 4xx (access denied) makes the object unreadable by name and the batch goes
 * on; throttling and 5xx throw RetryableS3Error, for the state machine's Retry.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { RetryableS3Error, runBatch } from '../../functions/adapters/backtest/run-batch';
import { Evaluator } from '../../functions/core/match/evaluator';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { record } from '../helpers/records';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());
afterAll(() => s3.restore());

const evaluator = new Evaluator(loadRulesDir('rules').pack, { copies: 'each' });
const awsError = (name: string, status: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
const batch = { index: 0, objects: [{ key: 'AWSLogs/1/a.json.gz', size: 1 }, { key: 'AWSLogs/1/b.json.gz', size: 1 }] };

describe('runBatch', () => {
  it('counts an object S3 refuses for good as unreadable, by name, and reads the rest', async () => {
    s3.on(GetObjectCommand, { Bucket: 'trail', Key: 'AWSLogs/1/a.json.gz' }).rejects(awsError('AccessDenied', 403));
    s3.on(GetObjectCommand, { Bucket: 'trail', Key: 'AWSLogs/1/b.json.gz' }).callsFake(async () => ({ Body: Readable.from([gzipSync(JSON.stringify({ Records: [record({ eventID: 'x' })] }))]) }));
    const r = await runBatch({ client: new S3Client({ region: 'us-east-1' }), trailBucket: 'trail', run: 'r', batch, evaluator });
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: 'trail', Key: 'AWSLogs/1/a.json.gz' }, { Bucket: 'trail', Key: 'AWSLogs/1/b.json.gz' }]);
    expect(r.files[0]).toEqual({
      file: 's3://trail/AWSLogs/1/a.json.gz', kinds: '3', keys: [], found: [],
      others: [{ kind: 'unreadable', file: 's3://trail/AWSLogs/1/a.json.gz', reason: 'cannot read (AccessDenied: AccessDenied happened (the worker role needs s3:GetObject on this object (and kms:Decrypt for a KMS-encrypted trail: backtestTrailKey)))', argument: false }],
    });
    expect(r.files[1]?.kinds).toBe('313');
  });

  it.each([['SlowDown', 503], ['InternalError', 500], ['ThrottlingException', 400]])('throws RetryableS3Error on %s (%i)', async (name, status) => {
    s3.on(GetObjectCommand).rejects(awsError(name, status));
    await expect(runBatch({ client: new S3Client({ region: 'us-east-1' }), trailBucket: 'trail', run: 'r', batch, evaluator })).rejects.toThrow(RetryableS3Error);
  });
});
