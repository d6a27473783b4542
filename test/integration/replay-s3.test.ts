/**
 * `rekwatch replay s3://BUCKET/PREFIX` against a real S3 stand-in (s3rver on loopback, through
 * --endpoint-url): account, organization and custom-prefix layouts, pruning by --since/--until (one
 * listing per day in range, never the days outside), --accounts and --regions, key order, the same
 * accounting as local files, and one-line errors. Errors S3rver cannot produce (access denied, no
 * credentials, a GetObject failing) and the bound on parallel GETs go through aws-sdk-client-mock.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientResolvedConfig, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { listTrailKeys, readS3Trail } from '../../functions/adapters/sources/s3-trail';
import type { TrailItem } from '../../functions/adapters/trail-reader';
import { runCli } from '../helpers/cli';
import { record } from '../helpers/records';
import { S3_ENV, startS3, type S3StandIn } from '../helpers/s3';

const A = '111122223333';
const B = '444455556666';
const ORG = 'o-abcdef1234';
const BUCKET = 'trail-bucket';
const NOW = Date.parse('2026-11-20T12:00:00Z');

const RULE = {
  id: 'delete-without-mfa', name: 'Delete without MFA', severity: 'high',
  conditions: { all: [{ fact: 'eventName', operator: 'in', value: ['DeleteCollection'] }, { fact: 'mfaAuthenticated', operator: 'notEqual', value: true }] },
  tests: [{ name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true }, { name: 'miss', event: {}, expect: false }],
};

function rulesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-s3-rules-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'delete-without-mfa.json'), JSON.stringify(RULE));
  return dir;
}

const del = (id: string, account = A, region = 'us-east-1') => record({ eventName: 'DeleteCollection', readOnly: false, eventID: id, recipientAccountId: account, awsRegion: region });
const trailFile = (...records: unknown[]) => gzipSync(JSON.stringify({ Records: records }));
/** A log file's key as CloudTrail writes it. */
const logKey = (root: string, account: string, region: string, day: string, hhmm: string) =>
  `${root}${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${day.replace(/\//g, '')}T${hhmm}Z_x${hhmm}.json.gz`;

const K = {
  oct: logKey('AWSLogs/', A, 'us-east-1', '2026/10/01', '1000'),
  nov18: logKey('AWSLogs/', A, 'us-east-1', '2026/11/18', '1000'),
  nov20: logKey('AWSLogs/', A, 'us-east-1', '2026/11/20', '0905'),
  euNov20: logKey('AWSLogs/', A, 'eu-west-1', '2026/11/20', '0800'),
  org: logKey(`AWSLogs/${ORG}/`, B, 'us-east-1', '2026/11/20', '1100'),
  corrupt: logKey('AWSLogs/', A, 'us-east-1', '2026/11/20', '1130'),
  digest: `AWSLogs/${A}/CloudTrail-Digest/us-east-1/2026/11/20/${A}_CloudTrail-Digest_us-east-1_trail_us-east-1_20261120T0905Z.json.gz`,
};

function summaryOf(stderr: string): Record<string, number> {
  return JSON.parse(stderr.trim().split('\n').pop() as string) as Record<string, number>;
}
const alertIds = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { eventId: string }).eventId);

describe('rekwatch replay s3:// against s3rver', () => {
  let s3: S3StandIn;
  let cwd: string;
  const replay = (args: string[]) => runCli(['replay', '--json', '--rules', 'rules', '--endpoint-url', s3.endpoint, ...args], { cwd, env: S3_ENV, now: () => NOW });

  beforeAll(async () => {
    s3 = await startS3([BUCKET, 'other-bucket']);
    cwd = rulesDir();
    await s3.put(BUCKET, K.oct, trailFile(del('oct')));
    await s3.put(BUCKET, K.nov18, trailFile(del('nov18')));
    await s3.put(BUCKET, K.nov20, trailFile(del('nov20'), { not: 'a record' }));
    await s3.put(BUCKET, K.euNov20, trailFile(del('eu', A, 'eu-west-1')));
    await s3.put(BUCKET, K.org, trailFile(del('org', B)));
    await s3.put(BUCKET, K.corrupt, gzipSync(JSON.stringify({ Records: [del('lost')] })).subarray(0, 40));
    await s3.put(BUCKET, K.digest, trailFile({ digest: true }));
    await s3.put(BUCKET, `AWSLogs/${A}/CloudTrail/us-east-1/2026/11/20/README.txt`, 'not a log');
    await s3.put('other-bucket', `custom/prefix/AWSLogs/${A}/CloudTrail/ap-southeast-2/2026/11/19/${A}_CloudTrail_ap-southeast-2_20261119T2300Z_y.json`, JSON.stringify({ Records: [del('custom', A, 'ap-southeast-2')] }));
  });
  afterAll(() => s3.close());
  beforeEach(() => {
    s3.lists.length = 0;
  });

  it('reads a whole bucket in key order, streaming gzip JSON, with the accounting of local files', async () => {
    const res = await replay([`s3://${BUCKET}`]);
    expect(res.code).toBe(0);
    // AWSLogs/111…/CloudTrail/eu-west-1 < …/us-east-1 (2026/10 < 2026/11) < AWSLogs/o-… ; digests and other files skipped.
    expect(alertIds(res.stdout)).toEqual(['eu', 'oct', 'nov18', 'nov20', 'org']);
    expect(summaryOf(res.stderr)).toMatchObject({ files: 6, records: 7, evaluated: 5, malformed: 2, alerts: 5, unreadable: 0 });
    expect(res.stderr).toContain(`rekwatch: malformed: s3://${BUCKET}/${K.nov20}: line 1, record 1: `);
    expect(res.stderr).toMatch(new RegExp(`rekwatch: malformed: s3://${BUCKET}/${K.corrupt.replace(/[.]/g, '\\.')}: file: (corrupt or truncated gzip|unexpected end of file)`));
    // Folders above a region are listed one level at a time; each region flat (no time bound).
    expect(s3.lists.filter((l) => l.delimiter === '').map((l) => l.prefix)).toEqual([
      `AWSLogs/${A}/CloudTrail/eu-west-1/`, `AWSLogs/${A}/CloudTrail/us-east-1/`, `AWSLogs/${ORG}/${B}/CloudTrail/us-east-1/`,
    ]);
    expect(s3.lists.map((l) => l.prefix)).not.toContain(`AWSLogs/${A}/CloudTrail-Digest/`);
  });

  it('--since/--until list one prefix per day in range and never the days outside it', async () => {
    const res = await replay(['--since', '2026-11-19T00:00Z', '--until', '2026-11-20T10:00Z', `s3://${BUCKET}/AWSLogs/${A}/`]);
    expect(res.code).toBe(0);
    expect(alertIds(res.stdout)).toEqual(['eu', 'nov20']); // the 11:30 file was written after --until + 1 h: not fetched
    expect(summaryOf(res.stderr)).toMatchObject({ files: 2, records: 3, malformed: 1 });
    const flat = s3.lists.filter((l) => l.delimiter === '').map((l) => l.prefix);
    expect(flat).toEqual(['eu-west-1', 'us-east-1'].flatMap((r) => ['19', '20'].map((d) => `AWSLogs/${A}/CloudTrail/${r}/2026/11/${d}/`)));
    expect(s3.lists.every((l) => !/2026\/1[0]|11\/18/.test(l.prefix))).toBe(true);
  });

  it('a duration --since counts back from now; --accounts and --regions prune by path, in organization trails too', async () => {
    const res = await replay(['--since', '1d', '--accounts', B, '--regions', 'us-east-1', `s3://${BUCKET}/`]);
    expect(res.code).toBe(0);
    expect(alertIds(res.stdout)).toEqual(['org']);
    expect(s3.lists.map((l) => l.prefix)).not.toContain(`AWSLogs/${A}/CloudTrail/`); // account A pruned at its folder
    expect(s3.lists.filter((l) => l.delimiter === '').map((l) => l.prefix)).toEqual([`AWSLogs/${ORG}/${B}/CloudTrail/us-east-1/2026/11/19/`, `AWSLogs/${ORG}/${B}/CloudTrail/us-east-1/2026/11/20/`]);
  });

  it('a PREFIX may point anywhere: an organization, a day, a partial name, a trail with its own key prefix', async () => {
    expect(alertIds((await replay([`s3://${BUCKET}/AWSLogs/${ORG}/`])).stdout)).toEqual(['org']);
    expect(alertIds((await replay([`s3://${BUCKET}/AWSLogs/${A}/CloudTrail/us-east-1/2026/11/18/`])).stdout)).toEqual(['nov18']);
    expect(alertIds((await replay([`s3://${BUCKET}/AWSLogs/${A.slice(0, 4)}`])).stdout)).toEqual(['eu', 'oct', 'nov18', 'nov20']);
    const custom = await replay(['--since', '2026-11-19T00:00Z', 's3://other-bucket/custom/']);
    expect(alertIds(custom.stdout)).toEqual(['custom']);
    expect(summaryOf(custom.stderr)).toMatchObject({ files: 1, records: 1 });
  });

  it('mixes local paths and buckets, in the order given', async () => {
    mkdirSync(join(cwd, 'local'), { recursive: true });
    writeFileSync(join(cwd, 'local', 'a.json'), JSON.stringify({ Records: [del('local')] }));
    const res = await replay([`s3://${BUCKET}/AWSLogs/${ORG}/`, 'local']);
    expect(alertIds(res.stdout)).toEqual(['org', 'local']);
  });

  it('a bucket that does not exist, or a prefix with no logs in range, is a named input that cannot be read: exit 2', async () => {
    const missing = await replay(['s3://no-such-bucket/AWSLogs/']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('rekwatch: cannot read s3://no-such-bucket/AWSLogs/: cannot list (NoSuchBucket: The specified bucket does not exist (no such bucket; check the name and the account))\n');
    const empty = await replay(['--since', '2025-01-01', '--until', '2025-01-02', `s3://${BUCKET}/AWSLogs/${A}/`]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`rekwatch: cannot read s3://${BUCKET}/AWSLogs/${A}/: no trail log files under this prefix for the --since/--until, --accounts and --regions given\n`);
    const partial = await replay([`s3://${BUCKET}/AWSLogs/${ORG}/`, 's3://no-such-bucket']);
    expect(partial.code).toBe(2);
    expect(alertIds(partial.stdout)).toEqual(['org']);
  });
});

describe('usage errors for history options', () => {
  it('refuses bad times, bucket names, accounts and regions with one line and exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['--since', 'yesterday', 's3://trail-bucket'], 'error: --since "yesterday": not an ISO 8601 time (2026-11-20T09:00Z) or a duration back from now (6h, 2d)'],
      [['--since', '1d', '--until', '2d', 's3://trail-bucket'], 'error: --since 1d is after --until 2d'],
      [['s3://Trail_Bucket/x'], 'error: s3://Trail_Bucket/x: "Trail_Bucket" is not an S3 bucket name (s3://BUCKET/PREFIX)'],
      [['--accounts', '1234', 's3://trail-bucket'], 'error: --accounts 1234: not a 12-digit account id'],
      [['--regions', 'useast1', 's3://trail-bucket'], 'error: --regions useast1: not a region name like us-east-1'],
    ];
    for (const [args, line] of cases) {
      const res = await runCli(['replay', ...args]);
      expect({ code: res.code, first: res.stderr.split('\n')[0] }).toEqual({ code: 2, first: line });
    }
  });

  it('says when --since and friends do not apply (local files are read whole)', async () => {
    const res = await runCli(['replay', '--since', '7d', '--rules', join(__dirname, '..', '..', 'rules'), join(__dirname, '..', '..', 'samples', 'trail')]);
    expect(res.code).toBe(0);
    expect(res.stderr.split('\n')[0]).toBe('rekwatch replay: --since, --until, --accounts and --regions select s3:// objects and --lookup-events; local files are read whole');
  });
});

describe('S3 errors and parallel GETs (aws-sdk-client-mock)', () => {
  // Created here, not at collection time: mocking S3Client stubs every instance, s3rver's tests' too.
  let s3Mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>;
  let cwd: string;
  beforeAll(() => {
    s3Mock = mockClient(S3Client);
    cwd = rulesDir();
  });
  beforeEach(() => s3Mock.reset());
  afterAll(() => s3Mock.restore());
  const replay = (args: string[]) => runCli(['replay', '--json', '--rules', 'rules', ...args], { cwd, env: S3_ENV, now: () => NOW });
  const body = (...records: unknown[]) => Readable.from([trailFile(...records)]);

  it('names access denied and missing credentials in one line, with what to do; exit 2', async () => {
    s3Mock.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const denied = await replay([`s3://${BUCKET}/AWSLogs/`]);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain(`rekwatch: cannot read s3://${BUCKET}/AWSLogs/: cannot list (AccessDenied: Access Denied (needs s3:ListBucket on the bucket for this prefix and s3:GetObject on its objects; KMS-encrypted trails also need kms:Decrypt))\n`);
    expect(s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([{ Bucket: BUCKET, Prefix: 'AWSLogs/', Delimiter: '/' }]);
    s3Mock.reset();
    s3Mock.on(ListObjectsV2Command).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const nocreds = await replay([`s3://${BUCKET}`]);
    expect(nocreds.code).toBe(2);
    expect(nocreds.stderr).toContain(`rekwatch: cannot read s3://${BUCKET}/: cannot list (CredentialsProviderError: Could not load credentials from any providers (set AWS credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or aws sso login))\n`);
  });

  it('an object that cannot be fetched is named and the others are read (exit 0, as a file skipped in a directory)', async () => {
    const day = `AWSLogs/${A}/CloudTrail/us-east-1/2026/11/20/`;
    s3Mock.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: day }).resolves({ Contents: [{ Key: `${day}a.json.gz` }, { Key: `${day}b.json.gz` }] });
    s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: `${day}a.json.gz` }).rejects(Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }));
    s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: `${day}b.json.gz` }).callsFake(async () => ({ Body: body(del('b')) }));
    const res = await replay([`s3://${BUCKET}/${day}`]);
    expect(res.code).toBe(0);
    expect(alertIds(res.stdout)).toEqual(['b']);
    expect(res.stderr).toContain(`rekwatch: cannot read s3://${BUCKET}/${day}a.json.gz: cannot read (Forbidden: Forbidden (needs s3:GetObject on this object (and kms:Decrypt for a KMS-encrypted trail)))\n`);
    expect(summaryOf(res.stderr)).toMatchObject({ files: 1, unreadable: 1 });
  });

  it('pages through listings with the continuation token, in key order (s3rver 3.7.1 cannot: its tokens use DES, which Node 20 lacks)', async () => {
    const region = `AWSLogs/${A}/CloudTrail/us-east-1/`;
    s3Mock.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: region }).resolves({ Contents: [{ Key: `${region}2026/11/20/b.json` }, { Key: `${region}2026/11/20/a.json` }], IsTruncated: true, NextContinuationToken: 'page-2' });
    s3Mock.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: region, ContinuationToken: 'page-2' }).resolves({ Contents: [{ Key: `${region}2026/11/21/c.json` }], IsTruncated: false });
    const keys: string[] = [];
    for await (const l of listTrailKeys(new S3Client({ region: 'us-east-1' }), BUCKET, region, { filter: {}, now: NOW, pageSize: 2 })) keys.push('key' in l ? l.key : l.reason);
    expect(keys).toEqual(['a', 'b', 'c'].map((n, i) => `${region}2026/11/${i < 2 ? 20 : 21}/${n}.json`));
    expect(s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Prefix: region, MaxKeys: 2 },
      { Bucket: BUCKET, Prefix: region, MaxKeys: 2, ContinuationToken: 'page-2' },
    ]);
  });

  it('keeps at most 8 GETs ahead of the object being read, and yields objects in key order however they arrive', async () => {
    const day = `AWSLogs/${A}/CloudTrail/us-east-1/2026/11/20/`;
    const keys = Array.from({ length: 20 }, (_, i) => `${day}f${String(i).padStart(2, '0')}.json.gz`);
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: keys.map((Key) => ({ Key })) });
    let started = 0;
    let finished = 0;
    let most = 0;
    s3Mock.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      started++;
      most = Math.max(most, started - finished);
      const i = keys.indexOf(input.Key);
      await new Promise((r) => setTimeout(r, (20 - i) % 5)); // later keys answer sooner
      const stream = body(del(`e${i}`));
      stream.on('end', () => finished++);
      return { Body: stream };
    });
    const ids: string[] = [];
    for await (const batch of readS3Trail(new S3Client({ region: 'us-east-1' }), BUCKET, day, { filter: {}, now: NOW })) {
      for (const item of batch as TrailItem[]) if (item.kind === 'value') ids.push((item.value as { eventID: string }).eventID);
    }
    expect(ids).toEqual(keys.map((_, i) => `e${i}`));
    expect(most).toBeLessThanOrEqual(8);
    expect(most).toBeGreaterThan(1); // in parallel
  });
});
