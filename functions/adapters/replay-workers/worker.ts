/**
 * A backtest worker thread: reads the inputs the main thread hands it (one at a time) with the
 * trail reader and takes each record through stage 1 of the record pipeline (`evaluateValue`: scope,
 * key, evaluator), posting the results in chunks (chunk.ts). Everything that depends on other
 * records (duplicate and copy windows, mutes, dedupe, counting, output) is the main thread's.
 *
 * Flow control: at most MAX_UNACKED chunks are posted and not yet consumed; then the worker waits,
 * so a worker cannot run ahead of the main thread by more than that, and memory stays bounded.
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { parseWholeText, readInput, TOO_DEEP, wholeFileText, wholeWhere, type TrailInput, type WholeText } from '../trail-reader';
import { Evaluator, type EvaluatorOptions } from '../../core/match/evaluator';
import { evaluateValue } from '../../core/pipeline/record-pipeline';
import { PARSE, QUIET_HASHED, RawStage } from '../../core/pipeline/raw-record';
import { scanDocument, type RawDocument } from '../../core/input/raw-document';
import { MAX_NESTING, nestsDeeperThan } from '../../core/common/nesting';
import type { RulePack } from '../../core/common/types';
import { ChunkBuilder, type EvaluatedChunk } from './chunk';

export interface WorkerSetup {
  pack: RulePack;
  evaluator: EvaluatorOptions;
  maxRecordBytes?: number;
  /** Items per chunk posted (default 2048). */
  chunkSize?: number;
}

/**
 * Main thread to worker: its setup first when it was started without one (pool.ts EarlyWorkers),
 * possibly after inputs to start reading before it (`prefetch`: read and scanned, held for the
 * `read` job of the same file, which classifies them once the setup is there).
 */
export type ToWorker =
  | { type: 'setup'; setup: WorkerSetup }
  | { type: 'prefetch'; input: TrailInput; maxRecordBytes?: number }
  | { type: 'read'; job: number; input: TrailInput }
  /** Every job has been handed out: prefetched files no job claimed (the tree changed between walks) are let go. */
  | { type: 'drop-prefetched' }
  | { type: 'ack' };
/** Worker to main thread. */
export type FromWorker =
  | { type: 'chunk'; job: number; chunk: EvaluatedChunk }
  /** `prefetched`: the job read a file the worker had prefetched (not read again). */
  | { type: 'done'; job: number; prefetched?: true }
  | { type: 'failed'; job: number; message: string };

const MAX_UNACKED = 6;

/** A file read whole and scanned (either may be null: then it is parsed, or streamed). */
interface Read {
  text: WholeText | null;
  raw: RawDocument | null;
}

/** A file read before its job came (with the run's record size limit, which its setup repeats). */
interface Prefetched {
  read: Promise<Read>;
}
/** Workers are handed regular files only; stdin, FIFOs and devices are read by the main thread. */
const NO_STDIN = Readable.from([]);

function start(): void {
  const port = parentPort;
  if (!port) throw new Error('replay worker: not in a worker thread');
  // Started early (pool.ts EarlyWorkers), a worker gets its setup in a message, after the files it
  // is to prefetch: it reads those at once, and classifies nothing before the setup.
  let setup = workerData as WorkerSetup | null;
  let evaluator = setup && new Evaluator(setup.pack, { ...setup.evaluator, copies: 'each' });
  // The main thread reads SELECTED items with the same pack's rule ids, in this order (chunk.ts).
  let ruleIndex = setup && ruleIndexOf(setup.pack);
  let unacked = 0;
  let wake: (() => void) | undefined;
  const jobs: Array<{ job: number; input: TrailInput; early: Prefetched | undefined }> = [];
  let running = false;

  const post = async (message: FromWorker): Promise<void> => {
    if (message.type === 'chunk') {
      while (unacked >= MAX_UNACKED) await new Promise<void>((r) => (wake = r));
      unacked++;
    }
    // A chunk's arrays are copied, not transferred (their exact bytes: a few KB to some tens of KB):
    // transferring detaches an ArrayBuffer, and the first detach in a thread makes V8 throw away every
    // optimised function that reads a typed array (the scan, the control-byte check, classify) and
    // compile them again with a detach check on every access.
    port.postMessage(message);
  };

  /** A file's text, scanned: what a job reads before anything that needs the rules. */
  const readText = async (input: TrailInput, maxRecordBytes: number | undefined): Promise<Read> => {
    const text = 'unreadable' in input ? null : await wholeFileText(input, { maxRecordBytes });
    // Scanned without JSON.parse where that is sound (core/input/raw-document.ts): most records are
    // then classified from their text alone (core/pipeline/raw-record.ts) and the rest parsed one by one.
    return { text, raw: text && scanDocument(text.text, MAX_NESTING, { controlFree: text.controlFree }) };
  };
  /** Prefetched files by path, each held until the job that reads it (pool.ts sends it here) claims it. */
  const prefetched = new Map<string, Prefetched>();
  /** The prefetched read of a job's file, taken from the map when the job arrives. */
  const claim = (input: TrailInput): Prefetched | undefined => {
    if (!('fsPath' in input)) return undefined;
    const early = prefetched.get(input.fsPath);
    prefetched.delete(input.fsPath);
    return early;
  };

  /** Reads one job's input and posts its chunks; whether it read a file prefetched for it. */
  const read = async (job: number, input: TrailInput, early: Prefetched | undefined): Promise<boolean> => {
    if (!setup || !evaluator) throw new Error('replay worker: a job before its setup');
    const ev = evaluator;
    const { chunkSize, maxRecordBytes } = setup;
    const file = 'unreadable' in input ? input.unreadable : input.file;
    const builder = new ChunkBuilder(file, chunkSize, ruleIndex ?? undefined);
    const flush = async () => {
      if (!builder.empty) await post({ type: 'chunk', job, chunk: builder.take() });
    };
    const options = { maxRecordBytes };
    const prefetchedRead = early?.read;
    const { text, raw } = await (prefetchedRead ?? readText(input, maxRecordBytes));
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
      return prefetchedRead !== undefined;
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
      return prefetchedRead !== undefined;
    }
    // Not readable whole (pretty-printed, another shape, too big): streamed, without reading it whole again.
    for await (const batch of readInput(input, NO_STDIN, { ...options, wholeFileMaxBytes: 0 })) {
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
    return prefetchedRead !== undefined;
  };

  const run = async () => {
    if (running || !setup) return;
    running = true;
    for (let next = jobs.shift(); next; next = jobs.shift()) {
      try {
        const prefetched = await read(next.job, next.input, next.early);
        await post({ type: 'done', job: next.job, ...(prefetched ? { prefetched: true as const } : {}) });
      } catch (e) {
        await post({ type: 'failed', job: next.job, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    }
    running = false;
  };

  port.on('message', (m: ToWorker) => {
    if (m.type === 'setup') {
      setup = m.setup;
      evaluator = new Evaluator(setup.pack, { ...setup.evaluator, copies: 'each' });
      ruleIndex = ruleIndexOf(setup.pack);
      void run(); // jobs that came before the setup
    } else if (m.type === 'prefetch') {
      // Read now, while the main thread loads the rules; a failure is the read job's to report.
      if ('fsPath' in m.input && !prefetched.has(m.input.fsPath)) {
        const read = readText(m.input, m.maxRecordBytes);
        read.catch(() => undefined);
        prefetched.set(m.input.fsPath, { read });
      }
    } else if (m.type === 'ack') {
      unacked--;
      const w = wake;
      wake = undefined;
      w?.();
    } else if (m.type === 'drop-prefetched') {
      prefetched.clear();
    } else {
      jobs.push({ job: m.job, input: m.input, early: claim(m.input) });
      void run();
    }
  });
}

/** Each rule's position in the pack: how a SELECTED item names its rules (chunk.ts `selectedItem`). */
function ruleIndexOf(pack: RulePack): Map<string, number> {
  return new Map(pack.rules.map((r, i) => [r.id, i]));
}

start();
