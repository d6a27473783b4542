/**
 * One trail file through stage 1 of the record pipeline, as chunks (chunk.ts): what a backtest
 * worker thread does with each file it is handed (worker.ts), and what the main thread does with a
 * file no worker has started when it would otherwise wait (pool.ts). One function for both, so a
 * file's chunks are the same whichever thread read it.
 *
 * A file read whole is scanned without JSON.parse where that is sound (core/input/raw-document.ts):
 * most records are then classified from their text alone (core/pipeline/raw-record.ts) and the rest
 * parsed one by one. A file the scan does not take is parsed whole (`parseWholeText`), and one that
 * cannot be read whole is streamed (`readInput`).
 */
import { Readable } from 'node:stream';
import { parseWholeText, readInput, TOO_DEEP, wholeFileText, wholeWhere, type TrailInput, type WholeText } from '../trail-reader';
import type { Evaluator } from '../../core/match/evaluator';
import { evaluateValue } from '../../core/pipeline/record-pipeline';
import { PARSE, QUIET_HASHED, RawStage } from '../../core/pipeline/raw-record';
import { scanDocument, type RawDocument } from '../../core/input/raw-document';
import { scanAsciiDocument } from '../../core/input/raw-ascii';
import { isAscii } from 'node:buffer';
import { MAX_NESTING, nestsDeeperThan } from '../../core/common/nesting';
import type { RulePack } from '../../core/common/types';
import { ChunkBuilder, type EvaluatedChunk } from './chunk';

/** A file read whole and scanned (either may be null: then it is parsed, or streamed). */
export interface ScannedFile {
  text: WholeText | null;
  raw: RawDocument | null;
}

/** How files are evaluated: the same for every thread of a run. */
export interface FileEvaluation {
  /** The run's evaluator (`copies: 'each'`: copies are folded in stage 2, record-pipeline.ts). */
  evaluator: Evaluator;
  /** Each rule's position in the pack (`ruleIndexOf`): how a SELECTED item names its rules. */
  ruleIndex: ReadonlyMap<string, number>;
  /** Items per chunk (default 2048). */
  chunkSize?: number;
  maxRecordBytes?: number;
}

/** Each rule's position in the pack: how a SELECTED item names its rules (chunk.ts `selectedItem`). */
export function ruleIndexOf(pack: RulePack): Map<string, number> {
  return new Map(pack.rules.map((r, i) => [r.id, i]));
}

/** Inputs that are not regular files are read by the main thread (pool.ts); here they read as empty. */
const NO_STDIN = Readable.from([]);

/**
 * A file's text, scanned: what reading a file does before anything that needs the rules. A file all
 * ASCII (nearly every trail file) is scanned from its bytes, never decoded as a whole (raw-ascii.ts:
 * the same result as the scan of its text, so a null from it is the text scan's answer too); any
 * other from its text.
 */
export async function scanFile(input: TrailInput, maxRecordBytes: number | undefined): Promise<ScannedFile> {
  const text = 'unreadable' in input ? null : await wholeFileText(input, { maxRecordBytes });
  if (!text) return { text, raw: null };
  if (isAscii(text.json)) return { text, raw: scanAsciiDocument(text.json, MAX_NESTING) };
  return { text, raw: scanDocument(text.text, MAX_NESTING, { controlFree: text.controlFree }) };
}

/**
 * Reads one input (`scanned`: its text read and scanned already, as a worker's prefetch does) and
 * hands its chunks to `post` in order, waiting for each: what the chunks say is what readInput and
 * evaluateValue would say of it, record by record. With `wholeOnly`, an input that cannot be read
 * whole (trail-reader.ts WHOLE_FILE_MAX_BYTES: a stream, JSON Lines, a bigger file) is not read:
 * nothing is posted and it returns false (what the main thread's share is bounded by, pool.ts).
 */
export async function evaluateFile(input: TrailInput, how: FileEvaluation, post: (chunk: EvaluatedChunk) => void | Promise<void>, scanned?: Promise<ScannedFile>, options: { wholeOnly?: boolean } = {}): Promise<boolean> {
  const ev = how.evaluator;
  const file = 'unreadable' in input ? input.unreadable : input.file;
  const builder = new ChunkBuilder(file, how.chunkSize, how.ruleIndex);
  const flush = async () => {
    if (!builder.empty) await post(builder.take());
  };
  const { text, raw } = await (scanned ?? scanFile(input, how.maxRecordBytes));
  if (!text && options.wholeOnly) return false;
  if (raw) {
    builder.other({ kind: 'file', file });
    const stage = new RawStage(raw, ev);
    const hash = new Int32Array(2);
    for (let i = 0; i < raw.count; i++) {
      const e = stage.classify(i, hash, 0);
      if (e === QUIET_HASHED) {
        builder.quietHash(hash[0] as number, hash[1] as number);
      } else if (e === PARSE) {
        // Parsed: its text goes with any threshold selection, whose alert is built only if it fires.
        const text = stage.text(i);
        const value: unknown = JSON.parse(text);
        // Too deep is decided on the value, as the other paths decide it: a text can nest deeper than
        // its value (JSON.parse keeps the last of two equal keys).
        if (stage.mayBeTooDeep(i) && nestsDeeperThan(value, MAX_NESTING)) {
          builder.other({ kind: 'malformed', file, where: wholeWhere(i), reason: TOO_DEEP });
        } else {
          const parsed = evaluateValue(value, ev);
          builder.value(parsed instanceof Promise ? await parsed : parsed, file, wholeWhere, i, text);
        }
      } else {
        builder.value(e, file, wholeWhere, i);
      }
      if (builder.full) await flush();
    }
    builder.other({ kind: 'bytes', bytes: (text as WholeText).bytes });
    await flush();
    return true;
  }
  const whole = text && parseWholeText(text);
  if (whole) {
    // readInput's items for this file (the file, a value or TOO_DEEP per record, the bytes), without
    // building an item and a position string for each record: most records need neither.
    builder.other({ kind: 'file', file });
    const { records, tooDeep } = whole;
    for (let i = 0; i < records.length; i++) {
      if (tooDeep.has(i)) {
        builder.other({ kind: 'malformed', file, where: wholeWhere(i), reason: TOO_DEEP });
      } else {
        const e = evaluateValue(records[i], ev);
        // Let the record go as soon as it is evaluated: what the document still holds is live at
        // every scavenge and copied again (most of a worker's GC time was that copying).
        records[i] = undefined;
        builder.value(e instanceof Promise ? await e : e, file, wholeWhere, i);
      }
      if (builder.full) await flush();
    }
    builder.other({ kind: 'bytes', bytes: whole.bytes });
    await flush();
    return true;
  }
  // Not readable whole (pretty-printed, another shape, too big): streamed, without reading it whole again.
  for await (const batch of readInput(input, NO_STDIN, { maxRecordBytes: how.maxRecordBytes, wholeFileMaxBytes: 0 })) {
    for (const item of batch) {
      if (item.kind === 'value') {
        const e = evaluateValue(item.value, ev);
        builder.value(e instanceof Promise ? await e : e, item.file, item.where);
      } else {
        builder.other(item);
      }
      if (builder.full) await flush();
    }
  }
  await flush();
  return true;
}
