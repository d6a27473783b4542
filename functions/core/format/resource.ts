/**
 * Which resource a Rekognition call acted on, from the CloudTrail record's `requestParameters`
 * (pure). CloudTrail records Rekognition request members in lowerCamelCase (`collectionId`,
 * `projectArn`, `name` for stream processors, ...). Known members are picked and labelled in a
 * fixed order; a request with none of them falls back to its compact JSON, so the reader always
 * sees what was asked for.
 */
import { writeJson } from '../common/json-bytes';
import { isPlainObject } from '../common/json-value';

export interface ResourceField {
  /** Human label, e.g. "Face collection". */
  label: string;
  /** The value as text (raw: not escaped, hidden characters not yet revealed). */
  value: string;
}

/** Longest compact JSON kept for a fallback or nested value (the raw event excerpt has the rest). */
export const RESOURCE_JSON_MAX = 1000;
const MAX_LIST_ITEMS = 5;

type Picker = (params: Record<string, unknown>, eventName: string) => ResourceField | undefined;

/** Only the start is written: a value can be 256 KB or nested 100,000 levels deep. */
function compactJson(value: unknown): string {
  let s = '';
  writeJson(value, (piece) => {
    s += piece;
    return s.length <= RESOURCE_JSON_MAX;
  });
  return s.length > RESOURCE_JSON_MAX ? `${s.slice(0, RESOURCE_JSON_MAX)}…` : s;
}

function asText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    if (value.every((v) => typeof v === 'string' || typeof v === 'number')) {
      const head = value.slice(0, MAX_LIST_ITEMS).map(String).join(', ');
      return value.length > MAX_LIST_ITEMS ? `${head} and ${value.length - MAX_LIST_ITEMS} more` : head;
    }
  }
  return compactJson(value);
}

function field(key: string, label: string): Picker {
  return (p) => {
    const v = asText(p[key]);
    return v === undefined ? undefined : { label, value: v };
  };
}

/** `s3://bucket/key` of an `{s3Object: {bucket, name, version}}` image or video. */
function s3Object(key: string, label: string): Picker {
  return (p) => {
    const holder = p[key];
    if (!isPlainObject(holder)) return undefined;
    const o = holder.s3Object;
    if (!isPlainObject(o) || typeof o.bucket !== 'string') return holder.bytes !== undefined ? { label, value: '(bytes in the request)' } : undefined;
    const name = typeof o.name === 'string' ? o.name : '';
    const version = typeof o.version === 'string' ? ` (version ${o.version})` : '';
    return { label, value: `s3://${o.bucket}/${name}${version}` };
  };
}

/** A project policy document: CloudTrail carries it as a JSON string; shown compact. */
const policyDocument: Picker = (p) => {
  const doc = p.policyDocument;
  if (typeof doc === 'string') {
    try {
      return { label: 'Policy document', value: compactJson(JSON.parse(doc)) };
    } catch {
      return { label: 'Policy document', value: doc.length > RESOURCE_JSON_MAX ? `${doc.slice(0, RESOURCE_JSON_MAX)}…` : doc };
    }
  }
  return doc === undefined || doc === null ? undefined : { label: 'Policy document', value: compactJson(doc) };
};

/** `name` is a stream processor for the *StreamProcessor calls; elsewhere just a name. */
const name: Picker = (p, eventName) => {
  const v = asText(p.name);
  if (v === undefined) return undefined;
  return { label: eventName.includes('StreamProcessor') ? 'Stream processor' : 'Name', value: v };
};

/** In order of importance: the thing acted on first, then details that qualify it. */
const PICKERS: readonly Picker[] = [
  field('collectionId', 'Face collection'),
  name,
  field('projectArn', 'Project'),
  field('projectVersionArn', 'Model version'),
  field('datasetArn', 'Dataset'),
  field('sourceProjectArn', 'Source project'),
  field('sourceProjectVersionArn', 'Source model version'),
  field('destinationProjectArn', 'Destination project'),
  field('resourceArn', 'Resource'),
  field('projectName', 'Project name'),
  field('versionName', 'Version name'),
  field('datasetType', 'Dataset type'),
  field('userId', 'User ID'),
  field('faceIds', 'Face IDs'),
  field('userMatchThreshold', 'User match threshold'),
  field('externalImageId', 'External image ID'),
  field('policyName', 'Policy name'),
  field('policyRevisionId', 'Policy revision'),
  policyDocument,
  field('minInferenceUnits', 'Min inference units'),
  field('maxInferenceUnits', 'Max inference units'),
  field('jobId', 'Job ID'),
  field('sessionId', 'Liveness session'),
  field('roleArn', 'Role'),
  field('kmsKeyId', 'KMS key'),
  field('tags', 'Tags'),
  field('tagKeys', 'Tag keys'),
  s3Object('image', 'Image'),
  s3Object('video', 'Video'),
];

/** `requestParameters` of a record (or record excerpt); anything else gives undefined. */
export function requestParametersOf(record: unknown): unknown {
  return isPlainObject(record) ? record.requestParameters : undefined;
}

/**
 * The resource fields of a Rekognition request, most important first. Falls back to one
 * "Request parameters" field holding the compact JSON when no known member is present; empty
 * when the record has no request parameters (missing, null, the string "null", `{}`).
 */
export function resourceFields(eventName: string, requestParameters: unknown): ResourceField[] {
  const p = requestParameters;
  if (p === undefined || p === null || p === 'null' || p === '') return [];
  if (!isPlainObject(p)) return [{ label: 'Request parameters', value: typeof p === 'string' ? p : compactJson(p) }];
  const out: ResourceField[] = [];
  for (const pick of PICKERS) {
    const f = pick(p, eventName);
    if (f) out.push(f);
  }
  if (out.length > 0) {
    if (p.omitted === true) out.push({ label: 'Request parameters', value: 'partly omitted by CloudTrail (too large)' });
    return out;
  }
  const keys = Object.keys(p);
  if (keys.length === 0) return [];
  if (keys.length === 1 && p.omitted === true) return [{ label: 'Request parameters', value: 'omitted by CloudTrail (too large)' }];
  return [{ label: 'Request parameters', value: compactJson(p) }];
}
