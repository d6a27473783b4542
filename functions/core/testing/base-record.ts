/**
 * The realistic base record that partial test events are laid over.
 *
 * A test `event` is used as written when it is an EventBridge event (has `detail-type`) or a full
 * CloudTrail record (has `eventVersion`). Otherwise it is a partial record: each top-level field it
 * gives replaces the base record's field of that name whole (no deep merge), and every other field
 * comes from here. The base is an ordinary, harmless call: an application role without MFA calling
 * DetectFaces from a trusted documentation-range address.
 */
import type { CloudTrailRecord } from '../common/types';

export const BASE_TEST_RECORD: Readonly<CloudTrailRecord> = Object.freeze({
  eventVersion: '1.11',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEAPPROLE01:app-session',
    arn: 'arn:aws:sts::111122223333:assumed-role/photo-app/app-session',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLEKEY000001',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEAPPROLE01',
        arn: 'arn:aws:iam::111122223333:role/photo-app',
        accountId: '111122223333',
        userName: 'photo-app',
      },
      webIdFederationData: {},
      attributes: { creationDate: '2026-11-20T09:00:00Z', mfaAuthenticated: 'false' },
    },
  },
  eventTime: '2026-11-20T09:15:00Z',
  eventSource: 'rekognition.amazonaws.com',
  eventName: 'DetectFaces',
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.20',
  userAgent: 'aws-sdk-js/3.700.0 ua/2.1 os/linux lang/js md/nodejs#20.18.0 api/rekognition#3.700.0',
  requestParameters: { image: { s3Object: { bucket: 'photo-uploads', name: 'uploads/2026/11/20/a.jpg' } }, attributes: ['DEFAULT'] },
  responseElements: null,
  requestID: '0f2c3a4b-1111-4a2b-9c3d-000000000001',
  eventID: '7e1a9b2c-2222-4d3e-8f4a-000000000001',
  readOnly: true,
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '111122223333',
  eventCategory: 'Management',
  tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: 'rekognition.us-east-1.amazonaws.com' },
});

/** The event a test case describes, as the evaluator will receive it. */
export function testEventInput(event: Record<string, unknown>): Record<string, unknown> {
  if ('detail-type' in event || 'eventVersion' in event) return event;
  return { ...structuredClone(BASE_TEST_RECORD), ...event };
}
