/**
 * The one list of Amazon Rekognition API operations (CloudTrail `eventName` values), each with how
 * CloudTrail records it: `write` (`readOnly: false`, changes state) or `read` (`readOnly: true`).
 * Source: the Rekognition API reference's list of actions (API_Operations, 75 actions as of
 * December 2026) and ../shared/docs/aws-facts.md for the read-only flag. Rekognition Streaming's
 * StartFaceLivenessSession (a separate streaming endpoint, called by the Amplify component) is not
 * in that list and not here.
 *
 * Everything else derives from it: the EventBridge pattern compiler's mutating/read-only sets
 * (event-pattern.ts), validation's unknown-operation warning (rules/conditions.ts), and the shipped
 * `rules/lists/write-operations.json`, which a test keeps equal to `REKOGNITION_WRITE_OPERATIONS`
 * (it stays a file so rules can reference it and deployments can override it).
 */

export const REKOGNITION_EVENT_SOURCE = 'rekognition.amazonaws.com';

export const REKOGNITION_OPERATIONS: Readonly<Record<string, 'write' | 'read'>> = {
  AssociateFaces: 'write',
  CompareFaces: 'read',
  CopyProjectVersion: 'write',
  CreateCollection: 'write',
  CreateDataset: 'write',
  CreateFaceLivenessSession: 'write',
  CreateProject: 'write',
  CreateProjectVersion: 'write',
  CreateStreamProcessor: 'write',
  CreateUser: 'write',
  DeleteCollection: 'write',
  DeleteDataset: 'write',
  DeleteFaces: 'write',
  DeleteProject: 'write',
  DeleteProjectPolicy: 'write',
  DeleteProjectVersion: 'write',
  DeleteStreamProcessor: 'write',
  DeleteUser: 'write',
  DescribeCollection: 'read',
  DescribeDataset: 'read',
  DescribeProjects: 'read',
  DescribeProjectVersions: 'read',
  DescribeStreamProcessor: 'read',
  DetectCustomLabels: 'read',
  DetectFaces: 'read',
  DetectLabels: 'read',
  DetectModerationLabels: 'read',
  DetectProtectiveEquipment: 'read',
  DetectText: 'read',
  DisassociateFaces: 'write',
  DistributeDatasetEntries: 'write',
  GetCelebrityInfo: 'read',
  GetCelebrityRecognition: 'read',
  GetContentModeration: 'read',
  GetFaceDetection: 'read',
  GetFaceLivenessSessionResults: 'read',
  GetFaceSearch: 'read',
  GetLabelDetection: 'read',
  GetMediaAnalysisJob: 'read',
  GetPersonTracking: 'read',
  GetSegmentDetection: 'read',
  GetTextDetection: 'read',
  IndexFaces: 'write',
  ListCollections: 'read',
  ListDatasetEntries: 'read',
  ListDatasetLabels: 'read',
  ListFaces: 'read',
  ListMediaAnalysisJobs: 'read',
  ListProjectPolicies: 'read',
  ListStreamProcessors: 'read',
  ListTagsForResource: 'read',
  ListUsers: 'read',
  PutProjectPolicy: 'write',
  RecognizeCelebrities: 'read',
  SearchFaces: 'read',
  SearchFacesByImage: 'read',
  SearchUsers: 'read',
  SearchUsersByImage: 'read',
  StartCelebrityRecognition: 'write',
  StartContentModeration: 'write',
  StartFaceDetection: 'write',
  StartFaceSearch: 'write',
  StartLabelDetection: 'write',
  StartMediaAnalysisJob: 'write',
  StartPersonTracking: 'write',
  StartProjectVersion: 'write',
  StartSegmentDetection: 'write',
  StartStreamProcessor: 'write',
  StartTextDetection: 'write',
  StopProjectVersion: 'write',
  StopStreamProcessor: 'write',
  TagResource: 'write',
  UntagResource: 'write',
  UpdateDatasetEntries: 'write',
  UpdateStreamProcessor: 'write',
};

const byKind = (kind: 'write' | 'read') =>
  Object.keys(REKOGNITION_OPERATIONS)
    .filter((n) => REKOGNITION_OPERATIONS[n] === kind)
    .sort();

/** Operations CloudTrail records with `readOnly: false`, sorted. */
export const REKOGNITION_WRITE_OPERATIONS: readonly string[] = byKind('write');
/** Operations CloudTrail records with `readOnly: true`, sorted. */
export const REKOGNITION_READ_ONLY_OPERATIONS: readonly string[] = byKind('read');

export function isRekognitionOperation(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(REKOGNITION_OPERATIONS, name);
}
