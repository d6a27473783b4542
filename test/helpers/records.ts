/** Real-shaped CloudTrail records for tests: the two records of the Rekognition CloudTrail documentation, and builders. */
import type { CloudTrailRecord } from '../../functions/core/common/types';
import { BASE_TEST_RECORD } from '../../functions/core/testing/base-record';

/** StartLabelDetection from the Rekognition developer guide's CloudTrail page (the seed document). */
export const SEED_START_LABEL_DETECTION: CloudTrailRecord = {
  eventVersion: '1.05',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AIDAJ45Q7YFFAREXAMPLE',
    arn: 'arn:aws:sts::111122223333:assumed-role/Admin/JorgeSouza',
    accountId: '111122223333',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AIDAJ45Q7YFFAREXAMPLE', arn: 'arn:aws:iam::111122223333:role/Admin', accountId: '111122223333', userName: 'Admin' },
      webIdFederationData: {},
      attributes: { mfaAuthenticated: 'false', creationDate: '2020-06-30T20:10:09Z' },
    },
  },
  eventTime: '2020-06-30T20:42:14Z',
  eventSource: 'rekognition.amazonaws.com',
  eventName: 'StartLabelDetection',
  awsRegion: 'us-east-1',
  sourceIPAddress: '192.0.2.0',
  userAgent: 'aws-cli/3',
  requestParameters: { video: { s3Object: { bucket: 'my-bucket', name: 'my-video.mp4' } } },
  responseElements: { jobId: '653de5a7ee03bd5083edde98ea8fce5794fcea66d077bdd4cfb39d71aff8fc25' },
  requestID: 'dfcef8fc-479c-4c25-bef0-d83a7f9a7240',
  eventID: 'b602e460-c134-4ecb-ae78-6d383720f29d',
  readOnly: false,
  eventType: 'AwsApiCall',
  recipientAccountId: '111122223333',
};

/** DetectLabels from the same page. */
export const SEED_DETECT_LABELS: CloudTrailRecord = {
  ...SEED_START_LABEL_DETECTION,
  eventTime: '2020-06-30T21:21:47Z',
  eventName: 'DetectLabels',
  requestParameters: { image: { s3Object: { bucket: 'my-bucket', name: 'my-image.jpg' } } },
  responseElements: null,
  requestID: '5a683fb2-aec0-4af4-a7df-219018be2155',
  eventID: 'b356b0fd-ea01-436f-a9df-e1186b275bfa',
  readOnly: true,
};

export function record(overrides: CloudTrailRecord = {}): CloudTrailRecord {
  return { ...structuredClone(BASE_TEST_RECORD), ...overrides };
}

/** `{"a":[{"a":…}]}` nested `depth` levels, built in memory (JSON.stringify overflows the stack on 100,000). */
export function nested(depth: number, leaf: unknown = 'bottom'): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

export function envelope(detail: CloudTrailRecord): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.rekognition',
    account: String(detail.recipientAccountId ?? '111122223333'),
    time: String(detail.eventTime ?? '2026-11-20T09:15:00Z'),
    region: String(detail.awsRegion ?? 'us-east-1'),
    resources: [],
    detail,
  };
}

export function withIdentity(identity: Record<string, unknown> | undefined): CloudTrailRecord {
  const r = record();
  if (identity === undefined) delete r.userIdentity;
  else r.userIdentity = identity;
  return r;
}

/**
 * One cross-account call as CloudTrail records it: a role of 444455556666 copies a Custom Labels
 * model version out of 111122223333 (allowed by a project policy there). Each account gets its own
 * copy, with its own eventID and recipientAccountId and the common sharedEventID; the caller's
 * identity is the same in both. Returns [the resource owner's copy, the caller's copy].
 */
export function crossAccountCopies(overrides: CloudTrailRecord = {}): [CloudTrailRecord, CloudTrailRecord] {
  const call: CloudTrailRecord = {
    ...record(),
    eventName: 'CopyProjectVersion',
    readOnly: false,
    eventTime: '2026-11-20T09:20:00Z',
    sourceIPAddress: '198.51.100.90',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEML-IMPORT:job-17',
      arn: 'arn:aws:sts::444455556666:assumed-role/ml-importer/job-17',
      accountId: '444455556666',
      accessKeyId: 'ASIAEXAMPLEKEY000002',
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEML-IMPORT', arn: 'arn:aws:iam::444455556666:role/ml-importer', accountId: '444455556666', userName: 'ml-importer' },
        webIdFederationData: {},
        attributes: { creationDate: '2026-11-20T08:55:00Z', mfaAuthenticated: 'false' },
      },
    },
    requestParameters: {
      sourceProjectArn: 'arn:aws:rekognition:us-east-1:111122223333:project/defect-detector/1690556751958',
      sourceProjectVersionArn: 'arn:aws:rekognition:us-east-1:111122223333:project/defect-detector/version/defect-detector.2026-11-01/1698765432101',
      destinationProjectArn: 'arn:aws:rekognition:us-east-1:444455556666:project/imported/1700000000000',
      versionName: 'copy-1',
    },
    responseElements: { projectVersionArn: 'arn:aws:rekognition:us-east-1:444455556666:project/imported/version/copy-1/1700000000001' },
    requestID: '5d0c1a2b-3333-4c4d-9e5f-000000000020',
    sharedEventID: '0b7c3f5e-4444-4a1b-8c2d-000000000020',
    ...overrides,
  };
  return [
    { ...structuredClone(call), eventID: 'a1d2e3f4-5555-4b6c-9d7e-000000000021', recipientAccountId: '111122223333' },
    { ...structuredClone(call), eventID: 'c5b6a7d8-6666-4e9f-8a0b-000000000022', recipientAccountId: '444455556666' },
  ];
}
