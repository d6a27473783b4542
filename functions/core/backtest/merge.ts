/**
 * The merge of a backtest's batch results: batches in manifest order, each checked against the
 * manifest, become the stage 2 input a local worker-thread replay gets (per object, the chunk that
 * adapters/replay-workers/chunk.ts describes: `kinds` as bytes, the quiet records' key hashes,
 * found items, reader notes). replay then runs `settle` and its tally over them exactly as for its own workers: the
 * duplicate window, copy folding, dedupe and mutes see every record in the same order, so duplicates
 * across batches are removed the same way.
 */
import type { Evaluated } from '../pipeline/record-pipeline';
import { hashKey } from '../input/duplicate-window';
import { KIND_FOUND, KIND_QUIET, type BatchResult, type FileResult, type ReaderNote } from './batch-result';
import type { ManifestBatch } from './manifest';

/** One object's stage 1 results (the shape of EvaluatedChunk in adapters/replay-workers/chunk.ts). */
export interface EvaluatedFile {
  file: string;
  kinds: Uint8Array;
  /** The QUIET records' delivery key hashes (duplicate-window.ts `hashKey`), two numbers each. */
  hashes: Int32Array;
  found: Array<Extract<Evaluated, { status: 'inScope' }> & { where: string }>;
  others: ReaderNote[];
}

const QUIET_KIND = Number(KIND_QUIET);
const FOUND_KIND = Number(KIND_FOUND);

/** A file result as stage 2 input. */
export function evaluatedFile(f: FileResult): EvaluatedFile {
  const kinds = new Uint8Array(f.kinds.length);
  for (let i = 0; i < f.kinds.length; i++) kinds[i] = f.kinds.charCodeAt(i) - 48;
  // The batch result lists a key for every in-scope record; stage 2 wants the quiet ones' hashes
  // (a found item carries its own key).
  const hashes = new Int32Array(f.keys.length * 2);
  let h = 0;
  let k = 0;
  for (let i = 0; i < kinds.length; i++) {
    if (kinds[i] === QUIET_KIND) {
      hashKey(f.keys[k] as string, hashes, h);
      h += 2;
    }
    if (kinds[i] === QUIET_KIND || kinds[i] === FOUND_KIND) k++;
  }
  return {
    file: f.file,
    kinds,
    hashes: hashes.subarray(0, h),
    found: f.found.map((x) => ({ status: 'inScope' as const, key: x.key, where: x.where, alerts: x.alerts, errors: x.errors, ...(x.selections ? { selections: x.selections } : {}), ...(x.eventId === undefined ? {} : { eventId: x.eventId }) })),
    others: f.others,
  };
}

/**
 * Why a batch result does not belong where it is (or undefined): another run, another batch index,
 * or not one file result per manifest object, in order (`url` names an object as replay does).
 */
export function batchMismatch(result: BatchResult, expected: ManifestBatch, run: string, url: (key: string) => string): string | undefined {
  if (result.run !== run) return `run: expected ${run}, got ${result.run}`;
  if (result.batch !== expected.index) return `batch: expected ${expected.index}, got ${result.batch}`;
  if (result.files.length !== expected.objects.length) return `files: ${result.files.length} results for ${expected.objects.length} objects`;
  for (let i = 0; i < expected.objects.length; i++) {
    const want = url((expected.objects[i] as { key: string }).key);
    const got = (result.files[i] as FileResult).file;
    if (got !== want) return `files[${i}].file: expected ${want}, got ${got}`;
  }
  return undefined;
}

