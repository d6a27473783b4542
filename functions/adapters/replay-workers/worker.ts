/**
 * A backtest worker thread: reads the inputs the main thread hands it (one at a time) with the
 * trail reader and takes each record through stage 1 of the record pipeline (`evaluateValue`: scope,
 * key, evaluator), posting the results in chunks (chunk.ts; the loop over a file is file-chunks.ts,
 * which the main thread runs too for files it takes itself). Everything that depends on other
 * records (duplicate and copy windows, mutes, dedupe, counting, output) is the main thread's.
 *
 * Flow control: at most MAX_UNACKED chunks are posted and not yet consumed; then the worker waits,
 * so a worker cannot run ahead of the main thread by more than that, and memory stays bounded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TrailInput } from '../trail-reader';
import { Evaluator, type EvaluatorOptions } from '../../core/match/evaluator';
import type { RulePack } from '../../core/common/types';
import type { EvaluatedChunk } from './chunk';
import { evaluateFile, ruleIndexOf, scanFile, type ScannedFile } from './file-chunks';

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

/**
 * Chunks a worker may have posted and not yet consumed by the main thread. A chunk is a few KB to a
 * few hundred KB (2048 records' results, the texts of threshold selections among them); ten is two
 * to three trail files, enough that a worker does not wait while the main thread reads a file of
 * its own (pool.ts `inThread`): at six it waited for 20 to 90 ms of the bench's 300 MB run.
 */
const MAX_UNACKED = 10;

/** A file read before its job came (with the run's record size limit, which its setup repeats). */
interface Prefetched {
  read: Promise<ScannedFile>;
}

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
    if (!setup || !evaluator || !ruleIndex) throw new Error('replay worker: a job before its setup');
    const how = { evaluator, ruleIndex, chunkSize: setup.chunkSize, maxRecordBytes: setup.maxRecordBytes };
    await evaluateFile(input, how, (chunk) => post({ type: 'chunk', job, chunk }), early?.read);
    return early !== undefined;
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
        const read = scanFile(m.input, m.maxRecordBytes);
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

start();
