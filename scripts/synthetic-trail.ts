/**
 * Deterministic generator of realistic Rekognition CloudTrail records, for the bundled samples and
 * the benchmarks: mostly high-volume DetectFaces/SearchFacesByImage/DetectLabels calls from a few
 * application roles, some console and CLI administration, and occasional risky calls.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CloudTrailRecord } from '../functions/core/common/types';

/** mulberry32: a small seeded PRNG, so generated data is identical on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ACCOUNT = '111122223333';

function uuid(rand: () => number): string {
  const h = () => Math.floor(rand() * 0x10000).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-4${h().slice(1)}-${((8 + Math.floor(rand() * 4)).toString(16))}${h().slice(1)}-${h()}${h()}${h()}`;
}

export function assumedRole(role: string, session: string, mfa: boolean | string, account = ACCOUNT): Record<string, unknown> {
  return {
    type: 'AssumedRole',
    principalId: `AROA${role.toUpperCase().replace(/[^A-Z0-9]/g, '').padEnd(16, 'X').slice(0, 16)}:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    accountId: account,
    accessKeyId: 'ASIAEXAMPLEKEY000001',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: `AROA${role.toUpperCase().slice(0, 12)}`, arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: role },
      webIdFederationData: {},
      attributes: { creationDate: '2026-11-20T08:00:00Z', mfaAuthenticated: String(mfa) },
    },
  };
}

export function iamUser(name: string, account = ACCOUNT): Record<string, unknown> {
  return { type: 'IAMUser', principalId: 'AIDAEXAMPLEUSER00001', arn: `arn:aws:iam::${account}:user/${name}`, accountId: account, accessKeyId: 'AKIAEXAMPLEKEY000001', userName: name };
}

export function rootIdentity(account = ACCOUNT): Record<string, unknown> {
  return { type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account, accessKeyId: 'ASIAEXAMPLEROOT00001' };
}

const APP_ROLES = [
  { role: 'photo-app', ip: '198.51.100.20', agent: 'aws-sdk-js/3.700.0 ua/2.1 os/linux#5.10 lang/js md/nodejs#20.18.0 api/rekognition#3.700.0' },
  { role: 'id-verification', ip: '198.51.100.21', agent: 'Boto3/1.35.40 md/Botocore#1.35.40 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.40' },
  { role: 'moderation-pipeline', ip: '2001:db8:100::7', agent: 'aws-sdk-java/2.28.16 Linux/5.10 OpenJDK_64-Bit_Server_VM/21.0.4+7-LTS Java/21.0.4 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard' },
];

const HOT_CALLS: Array<[string, () => Record<string, unknown>]> = [
  ['DetectFaces', () => ({ image: { s3Object: { bucket: 'photo-uploads', name: 'uploads/2026/11/20/img.jpg' } }, attributes: ['DEFAULT'] })],
  ['SearchFacesByImage', () => ({ collectionId: 'employees', image: { s3Object: { bucket: 'badge-scans', name: 'door-3/scan.jpg' } }, maxFaces: 1, faceMatchThreshold: 95 })],
  ['DetectLabels', () => ({ image: { s3Object: { bucket: 'photo-uploads', name: 'uploads/2026/11/20/img.jpg' } }, maxLabels: 10 })],
  ['DetectModerationLabels', () => ({ image: { s3Object: { bucket: 'photo-uploads', name: 'uploads/2026/11/20/img.jpg' } }, minConfidence: 60 })],
  ['CompareFaces', () => ({ sourceImage: { s3Object: { bucket: 'kyc', name: 'selfie.jpg' } }, targetImage: { s3Object: { bucket: 'kyc', name: 'id.jpg' } }, similarityThreshold: 90 })],
  ['IndexFaces', () => ({ collectionId: 'employees', image: { s3Object: { bucket: 'badge-photos', name: 'new-hire.jpg' } }, externalImageId: 'emp-4711', maxFaces: 1 })],
];

export interface RecordOptions {
  eventName: string;
  identity: Record<string, unknown>;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters?: unknown;
  responseElements?: unknown;
  readOnly: boolean;
  eventTime: string;
  region?: string;
  errorCode?: string;
  errorMessage?: string;
  recipientAccountId?: string;
}

export function makeRecord(rand: () => number, o: RecordOptions): CloudTrailRecord {
  const region = o.region ?? 'us-east-1';
  const r: CloudTrailRecord = {
    eventVersion: '1.11',
    userIdentity: o.identity,
    eventTime: o.eventTime,
    eventSource: 'rekognition.amazonaws.com',
    eventName: o.eventName,
    awsRegion: region,
    sourceIPAddress: o.sourceIPAddress,
    userAgent: o.userAgent,
  };
  if (o.errorCode) {
    r.errorCode = o.errorCode;
    r.errorMessage = o.errorMessage ?? 'User is not authorized to perform this action';
  }
  r.requestParameters = o.requestParameters ?? null;
  r.responseElements = o.responseElements ?? null;
  r.requestID = uuid(rand);
  r.eventID = uuid(rand);
  r.readOnly = o.readOnly;
  r.eventType = 'AwsApiCall';
  r.managementEvent = true;
  r.recipientAccountId = o.recipientAccountId ?? ACCOUNT;
  r.eventCategory = 'Management';
  r.tlsDetails = { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `rekognition.${region}.amazonaws.com` };
  return r;
}

/** One ordinary, high-volume application call. */
export function routineRecord(rand: () => number, eventTime: string): CloudTrailRecord {
  const app = APP_ROLES[Math.floor(rand() * APP_ROLES.length)]!;
  const [eventName, params] = HOT_CALLS[Math.min(HOT_CALLS.length - 1, Math.floor(rand() * rand() * HOT_CALLS.length * 1.2))]!;
  return makeRecord(rand, {
    eventName,
    identity: assumedRole(app.role, `i-0${Math.floor(rand() * 1e12).toString(16)}`, false),
    sourceIPAddress: app.ip,
    userAgent: app.agent,
    requestParameters: params(),
    responseElements: eventName === 'IndexFaces' ? { faceModelVersion: '7.0' } : null,
    readOnly: eventName !== 'IndexFaces',
    eventTime,
  });
}

/** Risky calls of the kinds the starter pack alerts on. */
export function riskyRecord(rand: () => number, eventTime: string): CloudTrailRecord {
  const pick = Math.floor(rand() * 6);
  const base = { eventTime, readOnly: false };
  switch (pick) {
    case 0:
      return makeRecord(rand, { ...base, eventName: 'DeleteCollection', identity: iamUser('contractor-ci'), sourceIPAddress: '100.64.23.7', userAgent: 'aws-cli/2.17.50 md/awscrt#0.21.2 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#kali.2024 command/rekognition.delete-collection', requestParameters: { collectionId: 'employees' }, responseElements: { statusCode: 200 } });
    case 1:
      return makeRecord(rand, { ...base, eventName: 'ListCollections', identity: rootIdentity(), sourceIPAddress: '192.0.2.44', userAgent: 'console.amazonaws.com', requestParameters: {}, readOnly: true });
    case 2:
      return makeRecord(rand, { ...base, eventName: 'PutProjectPolicy', identity: assumedRole('ml-admin', 'dana', true), sourceIPAddress: '198.51.100.99', userAgent: 'aws-cli/2.17.50', requestParameters: { projectArn: `arn:aws:rekognition:us-east-1:${ACCOUNT}:project/shoe-classifier/1700000000000`, policyName: 'share-with-partner', policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"rekognition:CopyProjectVersion","Resource":"*"}]}' }, responseElements: { policyRevisionId: '1' } });
    case 3:
      return makeRecord(rand, { ...base, eventName: 'DeleteFaces', identity: assumedRole('photo-app', 'worker-7', false), sourceIPAddress: '198.51.100.20', userAgent: APP_ROLES[0]!.agent, requestParameters: { collectionId: 'employees', faceIds: ['11111111-2222-3333-4444-555555555555'] }, responseElements: { deletedFaces: ['11111111-2222-3333-4444-555555555555'] } });
    case 4:
      return makeRecord(rand, { ...base, eventName: 'DeleteCollection', identity: assumedRole('photo-app', 'worker-2', false), sourceIPAddress: '198.51.100.20', userAgent: APP_ROLES[0]!.agent, requestParameters: { collectionId: 'employees' }, errorCode: 'AccessDeniedException', errorMessage: 'User: arn:aws:sts::111122223333:assumed-role/photo-app/worker-2 is not authorized to perform: rekognition:DeleteCollection' });
    default:
      return makeRecord(rand, { ...base, eventName: 'IndexFaces', identity: assumedRole('partner-sync', 'sync', false, '444455556666'), sourceIPAddress: '2001:db8:beef::10', userAgent: 'Boto3/1.35.40', requestParameters: { collectionId: 'employees', image: { s3Object: { bucket: 'badge-photos', name: 'x.jpg' } } }, responseElements: { faceModelVersion: '7.0' } });
  }
}

/** Management calls of other services, as an organization trail is mostly made of: [eventSource, eventName, readOnly, requestParameters]. */
const OTHER_CALLS: Array<[string, string, boolean, () => unknown]> = [
  ['sts.amazonaws.com', 'AssumeRole', true, () => ({ roleArn: `arn:aws:iam::${ACCOUNT}:role/photo-app`, roleSessionName: 'i-0819b154afa', durationSeconds: 3600 })],
  ['kms.amazonaws.com', 'Decrypt', true, () => ({ encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::photo-uploads/uploads/2026/11/20/img.jpg' } })],
  ['kms.amazonaws.com', 'GenerateDataKey', true, () => ({ keyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/6f1c2a9e-0b5d-4c1e-9a7f-2d3b4c5e6f70`, keySpec: 'AES_256' })],
  ['ec2.amazonaws.com', 'DescribeInstances', true, () => ({ instancesSet: {}, filterSet: { items: [{ name: 'tag:app', valueSet: { items: [{ value: 'photo-app' }] } }] } })],
  ['s3.amazonaws.com', 'ListBuckets', true, () => ({ Host: 's3.us-east-1.amazonaws.com' })],
  ['s3.amazonaws.com', 'PutBucketTagging', false, () => ({ bucketName: 'photo-uploads', Host: 'photo-uploads.s3.us-east-1.amazonaws.com', tagging: '' })],
  ['iam.amazonaws.com', 'GetRole', true, () => ({ roleName: 'photo-app' })],
  ['lambda.amazonaws.com', 'GetFunction20150331v2', true, () => ({ functionName: 'thumbnailer' })],
  ['logs.amazonaws.com', 'CreateLogStream', false, () => ({ logGroupName: '/aws/lambda/thumbnailer', logStreamName: '2026/11/20/[$LATEST]9f8e7d6c5b4a' })],
  ['ssm.amazonaws.com', 'GetParameter', true, () => ({ name: '/photo-app/config', withDecryption: true })],
];

/** A management call of another service by one of the application roles (out of rekwatch's default scope). */
export function otherServiceRecord(rand: () => number, eventTime: string): CloudTrailRecord {
  const [source, name, readOnly, params] = OTHER_CALLS[Math.floor(rand() * OTHER_CALLS.length)] as (typeof OTHER_CALLS)[number];
  const role = APP_ROLES[Math.floor(rand() * APP_ROLES.length)] as (typeof APP_ROLES)[number];
  const r = makeRecord(rand, { eventName: name, identity: assumedRole(role.role, `i-0${Math.floor(rand() * 0xfffffff).toString(16)}`, false), sourceIPAddress: role.ip, userAgent: role.agent, requestParameters: params(), readOnly, eventTime });
  r.eventSource = source;
  r.tlsDetails = { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${source.replace('.amazonaws.com', '')}.us-east-1.amazonaws.com` };
  if (source === 'kms.amazonaws.com') r.resources = [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:us-east-1:${ACCOUNT}:key/6f1c2a9e-0b5d-4c1e-9a7f-2d3b4c5e6f70` }];
  return r;
}

/** A stream of records: about `riskyRate` of them risky, the rest routine, times spread over a day. */
export function* syntheticRecords(count: number, seed: number, riskyRate = 0.005, start = Date.parse('2026-11-20T00:00:00Z'), rekognitionShare = 1): Generator<CloudTrailRecord> {
  const rand = prng(seed);
  for (let i = 0; i < count; i++) {
    const eventTime = new Date(start + Math.floor((i / Math.max(1, count)) * 86_400_000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (rekognitionShare < 1 && rand() >= rekognitionShare) yield otherServiceRecord(rand, eventTime);
    else yield rand() < riskyRate ? riskyRecord(rand, eventTime) : routineRecord(rand, eventTime);
  }
}

/**
 * Writes a trail as CloudTrail delivers it: many gzip `{"Records":[...]}` files (about
 * `recordsPerFile` records each, ~4 MB of JSON at the default) under an
 * AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/ tree, until `targetBytes` of JSON are written.
 * `rekognitionShare` below 1 mixes in other services' management calls (an organization trail:
 * 0.05 leaves one record in twenty for Rekognition). Deterministic for a seed. Returns the files
 * written, the uncompressed JSON bytes and the records.
 */
export function writeSyntheticTrail(dir: string, targetBytes: number, seed = 7, recordsPerFile = 3000, rekognitionShare = 1): { files: number; bytes: number; records: number } {
  const base = join(dir, 'AWSLogs', ACCOUNT, 'CloudTrail', 'us-east-1', '2026', '11', '20');
  mkdirSync(base, { recursive: true });
  let bytes = 0;
  let records = 0;
  let files = 0;
  const estimate = Math.max(1, Math.ceil(targetBytes / 1350));
  const gen = syntheticRecords(estimate * 2, seed, 0.005, Date.parse('2026-11-20T00:00:00Z'), rekognitionShare);
  while (bytes < targetBytes) {
    const batch: string[] = [];
    for (let i = 0; i < recordsPerFile; i++) {
      const r = gen.next();
      if (r.done) break;
      batch.push(JSON.stringify(r.value));
    }
    if (batch.length === 0) break;
    const text = `{"Records":[${batch.join(',')}]}`;
    const name = `${ACCOUNT}_CloudTrail_us-east-1_20261120T${String(files).padStart(6, '0')}Z_${seed.toString(16).padStart(16, '0')}.json.gz`;
    writeFileSync(join(base, name), gzipSync(text, { level: 6 }));
    bytes += Buffer.byteLength(text);
    records += batch.length;
    files++;
  }
  return { files, bytes, records };
}

if (require.main === module) {
  // tsx scripts/synthetic-trail.ts OUT_DIR MEGABYTES [SEED]: a many-file gzip trail for the bench (1070 for the 1 GB case).
  const [out, mb, seed] = process.argv.slice(2);
  if (!out || !mb) {
    process.stderr.write('usage: tsx scripts/synthetic-trail.ts OUT_DIR MEGABYTES [SEED]\n');
    process.exit(2);
  }
  const r = writeSyntheticTrail(out, Number(mb) * 1e6, seed === undefined ? 7 : Number(seed));
  process.stdout.write(`${r.files} files, ${r.records} records, ${(r.bytes / 1e6).toFixed(1)} MB of JSON in ${out}\n`);
}
