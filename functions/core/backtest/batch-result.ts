/**
 * The result of one backtest batch, as a worker writes it to the results bucket and the CLI reads it
 * back: versioned JSON, plain data. Per object of the batch, in manifest order, it holds exactly what
 * stage 2 of the record pipeline (`settle`) and the replay tally need, the same as a local worker
 * thread posts (adapters/replay-workers/chunk.ts):
 *
 *   kinds   one character per item, in input order: `0` out of scope, `1` in scope and quiet, `2` in
 *           scope with alerts or rule errors, `3` anything else the reader said (see `others`);
 *   keys    the delivery key of every in-scope item (`1` and `2`), in order, opaque (the worker
 *           hashes them: only equality matters to the duplicate window);
 *   found   per `2` item: its alerts, rule errors, threshold selections (detect/selection.ts: the
 *           CLI runs the detect stage over them in one place, as over a worker thread's), event id
 *           and where it was in the file;
 *   others  per `3` item: file start, bytes read, unreadable, malformed (with the reader's note).
 *
 * Versioning: `version` is a major version. A reader takes its own version only, and ignores fields it
 * does not know, so a later worker can add sections (issue 13: the state of stateful selections, to be
 * merged in the CLI) without breaking the merge of what is here. `parseBatchResult` never throws: a bad
 * document is `{ok: false}` with `NAME: field: message`.
 */
import type { Alert } from '../common/types';
import type { RuleError } from '../match/evaluator';
import type { Selection } from '../detect/selection';

export const BATCH_RESULT_FORMAT = 'rekwatch-backtest-batch';
export const BATCH_RESULT_VERSION = 1;

export const KIND_OUT_OF_SCOPE = '0';
export const KIND_QUIET = '1';
export const KIND_FOUND = '2';
export const KIND_OTHER = '3';

/** What the trail reader says besides records (trail-reader.ts TrailItem without `value`). */
export type ReaderNote =
  | { kind: 'file'; file: string }
  | { kind: 'malformed'; file: string; where: string; reason: string }
  | { kind: 'unreadable'; file: string; reason: string; argument: boolean }
  | { kind: 'bytes'; bytes: number };

/** An in-scope record with alerts or rule errors. */
export interface FoundItem {
  key: string;
  where: string;
  alerts: readonly Alert[];
  errors: readonly RuleError[];
  /** A threshold rule's matches (absent when none). */
  selections?: readonly Selection[];
  eventId?: string;
}

export interface FileResult {
  /** The object as replay names it (`s3://BUCKET/KEY`). */
  file: string;
  kinds: string;
  keys: string[];
  found: FoundItem[];
  others: ReaderNote[];
}

export interface BatchResult {
  format: typeof BATCH_RESULT_FORMAT;
  version: typeof BATCH_RESULT_VERSION;
  /** The run (the CLI's execution name) and the batch's index in its manifest. */
  run: string;
  batch: number;
  /** Objects and their bytes as read (for progress and the cost check). */
  objects: number;
  bytes: number;
  files: FileResult[];
}

type Parsed = { ok: true; result: BatchResult } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const KINDS = /^[0-3]*$/;

function checkNote(n: unknown): string | undefined {
  if (!isObject(n)) return 'not an object';
  switch (n.kind) {
    case 'file':
      return typeof n.file === 'string' ? undefined : 'file: not a string';
    case 'bytes':
      return typeof n.bytes === 'number' && n.bytes >= 0 ? undefined : 'bytes: not a byte count';
    case 'malformed':
      return typeof n.file === 'string' && typeof n.where === 'string' && typeof n.reason === 'string' ? undefined : 'file, where and reason must be strings';
    case 'unreadable':
      return typeof n.file === 'string' && typeof n.reason === 'string' && typeof n.argument === 'boolean' ? undefined : 'file, reason (strings) and argument (boolean) are required';
    default:
      return `kind: unknown kind ${JSON.stringify(n.kind)}`;
  }
}

function checkFound(f: unknown): string | undefined {
  if (!isObject(f)) return 'not an object';
  if (typeof f.key !== 'string' || typeof f.where !== 'string') return 'key and where must be strings';
  if (!Array.isArray(f.alerts) || !f.alerts.every(isObject)) return 'alerts: not a list of alerts';
  if (!Array.isArray(f.errors) || !f.errors.every((e) => isObject(e) && typeof e.ruleId === 'string' && typeof e.message === 'string')) return 'errors: not a list of {ruleId, message}';
  if (f.eventId !== undefined && typeof f.eventId !== 'string') return 'eventId: not a string';
  if (f.selections !== undefined) {
    if (!Array.isArray(f.selections)) return 'selections: not a list';
    for (const s of f.selections as unknown[]) {
      if (!isObject(s) || typeof s.ruleId !== 'string' || typeof s.key !== 'string' || typeof s.id !== 'string' || typeof s.eventTime !== 'number' || !Number.isFinite(s.eventTime) || !isObject(s.alert) || !isObject(s.keyValues)) {
        return 'selections: not a list of {ruleId, key, keyValues, id, eventTime, alert}';
      }
      if (s.distinct !== undefined && typeof s.distinct !== 'string') return 'selections: distinct must be a string';
    }
  }
  return undefined;
}

function checkFile(f: unknown, at: string): string | undefined {
  if (!isObject(f)) return `${at}: not an object`;
  if (typeof f.file !== 'string') return `${at}.file: not a string`;
  if (typeof f.kinds !== 'string' || !KINDS.test(f.kinds)) return `${at}.kinds: not a string of 0-3`;
  if (!Array.isArray(f.keys) || !f.keys.every((k) => typeof k === 'string')) return `${at}.keys: not a list of strings`;
  if (!Array.isArray(f.found)) return `${at}.found: not a list`;
  if (!Array.isArray(f.others)) return `${at}.others: not a list`;
  let inScope = 0;
  let found = 0;
  let other = 0;
  for (const c of f.kinds) {
    if (c === KIND_QUIET) inScope++;
    else if (c === KIND_FOUND) {
      inScope++;
      found++;
    } else if (c === KIND_OTHER) other++;
  }
  if (f.keys.length !== inScope) return `${at}.keys: ${f.keys.length} keys for ${inScope} in-scope items`;
  if (f.found.length !== found) return `${at}.found: ${f.found.length} entries for ${found} items with alerts or rule errors`;
  if (f.others.length !== other) return `${at}.others: ${f.others.length} entries for ${other} reader notes`;
  for (let i = 0; i < f.found.length; i++) {
    const why = checkFound(f.found[i]);
    if (why) return `${at}.found[${i}]: ${why}`;
  }
  for (let i = 0; i < f.others.length; i++) {
    const why = checkNote(f.others[i]);
    if (why) return `${at}.others[${i}]: ${why}`;
  }
  return undefined;
}

/** A batch result from its JSON text; `name` (e.g. its S3 URL) opens every message. */
export function parseBatchResult(text: string, name: string): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `${name}: not JSON (${(e as Error).message})` };
  }
  if (!isObject(doc)) return { ok: false, reason: `${name}: not a JSON object` };
  if (doc.format !== BATCH_RESULT_FORMAT) return { ok: false, reason: `${name}: format: expected "${BATCH_RESULT_FORMAT}", got ${JSON.stringify(doc.format)}` };
  if (doc.version !== BATCH_RESULT_VERSION) {
    return { ok: false, reason: `${name}: version: this rekwatch reads version ${BATCH_RESULT_VERSION}, the worker wrote ${JSON.stringify(doc.version)} (deploy the stack and run the CLI from the same release)` };
  }
  if (typeof doc.run !== 'string') return { ok: false, reason: `${name}: run: not a string` };
  if (typeof doc.batch !== 'number' || !Number.isInteger(doc.batch) || doc.batch < 0) return { ok: false, reason: `${name}: batch: not a batch index` };
  for (const field of ['objects', 'bytes'] as const) {
    if (typeof doc[field] !== 'number' || (doc[field] as number) < 0) return { ok: false, reason: `${name}: ${field}: not a count` };
  }
  if (!Array.isArray(doc.files)) return { ok: false, reason: `${name}: files: not a list` };
  for (let i = 0; i < doc.files.length; i++) {
    const why = checkFile(doc.files[i], `files[${i}]`);
    if (why) return { ok: false, reason: `${name}: ${why}` };
  }
  return { ok: true, result: doc as unknown as BatchResult };
}

/** Builds one object's FileResult from stage 1 results and reader notes, in input order. */
export class FileResultBuilder {
  private kinds = '';
  private readonly keys: string[] = [];
  private readonly found: FoundItem[] = [];
  private readonly others: ReaderNote[] = [];
  private pending: string[] = [];

  constructor(private readonly file: string, private readonly hashKey: (key: string) => string) {}

  private kind(k: string): void {
    this.pending.push(k);
    if (this.pending.length >= 4096) this.flushKinds();
  }

  private flushKinds(): void {
    this.kinds += this.pending.join('');
    this.pending = [];
  }

  outOfScope(): void {
    this.kind(KIND_OUT_OF_SCOPE);
  }

  inScope(key: string, alerts: readonly Alert[], errors: readonly RuleError[], where: string, eventId?: string, selections?: readonly Selection[]): void {
    const hashed = this.hashKey(key);
    this.keys.push(hashed);
    if (alerts.length === 0 && errors.length === 0 && !selections?.length) {
      this.kind(KIND_QUIET);
      return;
    }
    this.kind(KIND_FOUND);
    this.found.push({ key: hashed, where, alerts, errors, ...(selections?.length ? { selections } : {}), ...(eventId === undefined ? {} : { eventId }) });
  }

  note(n: ReaderNote): void {
    this.kind(KIND_OTHER);
    this.others.push(n);
  }

  build(): FileResult {
    this.flushKinds();
    return { file: this.file, kinds: this.kinds, keys: this.keys, found: this.found, others: this.others };
  }
}
