/**
 * Backtests on every core: regular trail files are read and evaluated (record pipeline stage 1) in
 * worker threads, one file at a time per worker, while the main thread takes the results in input
 * order, as if it had read them itself. Inputs a worker cannot open on its own (stdin, FIFOs,
 * devices) and unreadable paths stay in the main thread, in their place. With `inThread` (replay's
 * way) the main thread is one of the threads: rather than wait for a worker, it reads a file no
 * worker has started itself (the same code, file-chunks.ts), and its results take their turn.
 *
 * Memory: each worker holds one file (whole-file reading is capped, trail-reader.ts), two at the start
 * when it prefetched them (EarlyWorkers.prefetch), and at most a few chunks ahead of the main thread
 * (worker.ts); the main thread holds the file it reads and the results of files it read ahead of
 * their turn (at most MAX_READ_AHEAD, each a file read whole), so the total is bounded by the number
 * of threads, not the input. A worker that fails is fatal (it is a bug, not bad input: bad input is a result).
 */
import { channel } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrailInput } from '../trail-reader';
import type { EvaluatedChunk } from './chunk';
import type { FromWorker, ToWorker, WorkerSetup } from './worker';

/**
 * Published to once per worker thread the pool puts to work, with `{ threadId }` (a thread started
 * early and never used is not announced): nothing subscribes in normal runs (a publish without
 * subscribers costs nothing); tests and the bench subscribe to check that a run really evaluated in
 * worker threads (output alone cannot tell: it is the same either way).
 */
export const WORKER_STARTED_CHANNEL = 'rekwatch:replay-worker-started';
const started = channel(WORKER_STARTED_CHANNEL);

/** Published to, with `{ threadId }`, for each job that read a file its thread had prefetched (EarlyWorkers.prefetch). */
export const PREFETCH_USED_CHANNEL = 'rekwatch:replay-prefetch-used';
const prefetchUsed = channel(PREFETCH_USED_CHANNEL);

/** Published to, with `{ file }`, for each regular file the main thread read itself instead of waiting for a worker (`inThread`). */
export const IN_THREAD_CHANNEL = 'rekwatch:replay-file-in-main-thread';
const inThreadRead = channel(IN_THREAD_CHANNEL);

/**
 * One input's results, in order: its chunks (from a worker, or from the main thread's `inThread`
 * when it read the file ahead of its turn), or the input itself for the main thread to read (an
 * input no worker can open: stdin, a FIFO, an unreadable path).
 */
export type PooledInput = { kind: 'chunks'; chunks: AsyncIterable<EvaluatedChunk> } | { kind: 'main'; input: TrailInput };

interface Slot {
  worker: Worker;
  /** Jobs handed to it and not finished: the one it reads and those queued after it (at most JOBS_PER_WORKER). */
  pending: number;
}

/**
 * Jobs a worker holds at once: the file it reads and the next ones, so it starts the next as soon as
 * one ends instead of waiting for the main thread to hand it one (the main thread hands out jobs
 * only between its own work: settling, and reading a file itself, which takes as long as a worker's
 * file). Two were too few once the main thread read files too: a worker waited for jobs for a tenth
 * of the bench's 300 MB run; four leave it none. A worker still holds one file in memory at a time
 * (worker.ts reads its jobs one after the other); a queued job is only a path.
 */
const JOBS_PER_WORKER = 4;

/**
 * Files the main thread may have read ahead of their turn (`inThread`) and not yet handed over: their
 * results wait in memory (a file's results, not its text: a few bytes per quiet record, the text of
 * the records with alerts or selections), each bounded by a whole-read file's size (trail-reader.ts
 * WHOLE_FILE_MAX_BYTES). The files it takes come after the ones the workers hold (up to
 * JOBS_PER_WORKER each), so its results wait for those: with two, the main thread of a 2-core run
 * was idle for a quarter of the bench's 1 GB trail, waiting for a worker to catch up; with as many
 * as a worker holds it is idle under 5% and the run is 6–9% faster (bench/RESULTS.md, seventh round).
 */
export const MAX_READ_AHEAD = JOBS_PER_WORKER;

/** Files each early thread reads while the rules load (EarlyWorkers.prefetch): held whole until their jobs come. */
const PREFETCH_PER_WORKER = 2;

/**
 * A small young generation for the workers. A worker that scans its files (trail-reader.ts,
 * core/input/raw-document.ts) makes short-lived garbage and little that survives a file, so small,
 * frequent scavenges cost less than V8's default nursery and keep the process's peak RSS lower:
 * measured on the bench's 300 MB trail with 2 workers (bench/RESULTS.md), 4 to 12 MB gave 290 to
 * 311 MB peak RSS and 4.28 to 4.58 CPU s against the default's 318 to 363 MB and 4.52 to 4.75 s.
 */
const YOUNG_GENERATION_MB = 8;

class Job {
  private readonly queue: EvaluatedChunk[] = [];
  private done = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  /** `helpOut`: what the consuming thread does instead of waiting for this job's next chunk (pool's `steal`); false when it has nothing to do. */
  constructor(private readonly helpOut?: () => Promise<boolean>) {}

  /** The worker reading this job: each chunk consumed is acknowledged to it (worker.ts's flow control). */
  reader: Worker | undefined;

  /** Called once every chunk of this job has been taken (a job the main thread read ahead of its turn). */
  taken: (() => void) | undefined;

  push(chunk: EvaluatedChunk): void {
    this.queue.push(chunk);
    this.notify();
  }

  finish(failure?: Error): void {
    this.done = true;
    this.failure = failure;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *chunks(): AsyncGenerator<EvaluatedChunk> {
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk) {
        this.reader?.postMessage({ type: 'ack' } satisfies ToWorker);
        yield chunk;
        continue;
      }
      if (this.done) {
        const taken = this.taken;
        this.taken = undefined;
        taken?.();
      }
      if (this.failure) throw this.failure;
      if (this.done) return;
      if (this.helpOut && (await this.helpOut())) continue;
      await new Promise<void>((r) => (this.wake = r));
    }
  }
}

function newWorker(setup: WorkerSetup | null): Worker {
  return new Worker(join(__dirname, 'entry.js'), { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
}

/**
 * Worker threads started before their setup is known, so that their start-up (loading the
 * evaluator's modules: about a tenth of a second) overlaps the main thread's (loading and checking
 * the rules). evaluateInWorkers takes them first and sends each its setup; `end` stops the ones no
 * run took (always call it: a run may end before it needs workers, or need none).
 */
export class EarlyWorkers {
  private readonly idle: Worker[];
  /** Files handed to a thread to read before its setup (`prefetch`), by path: their jobs go to it. */
  private readonly prefetchedBy = new Map<string, Worker>();

  constructor(count: number) {
    this.idle = Array.from({ length: count }, () => {
      const w = newWorker(null);
      // A thread that fails before it is taken is dropped (the pool then starts one of its own, whose
      // failure it reports); after that the pool's own handler reports it.
      w.on('error', () => {
        const at = this.idle.indexOf(w);
        if (at !== -1) this.idle.splice(at, 1);
      });
      return w;
    });
  }

  /**
   * Has the threads start reading the run's first regular files (at most PREFETCH_PER_WORKER each, in
   * turn) while the main thread loads the rules: each file is read and scanned, and held for the job
   * that reads it, which evaluateInWorkers gives to the same thread. Only the read options must be
   * known; an input the run never reads is dropped with its thread (`end`).
   */
  prefetch(inputs: readonly TrailInput[], options: { maxRecordBytes?: number }): void {
    let k = 0;
    for (const input of inputs) {
      if ('unreadable' in input || !input.regular || this.prefetchedBy.has(input.fsPath)) continue;
      if (k >= this.prefetchLimit) return;
      const worker = this.idle[k++ % this.idle.length] as Worker;
      this.prefetchedBy.set(input.fsPath, worker);
      worker.postMessage({ type: 'prefetch', input, ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }) } satisfies ToWorker);
    }
  }

  /** How many inputs `prefetch` can hand out. */
  get prefetchLimit(): number {
    return this.idle.length * PREFETCH_PER_WORKER;
  }

  /** The thread that prefetched this file, if one did. */
  prefetcher(fsPath: string): Worker | undefined {
    return this.prefetchedBy.get(fsPath);
  }

  /** One of the threads, now the taker's to give a setup and to end. */
  take(): Worker | undefined {
    return this.idle.shift();
  }

  async end(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }
}

/**
 * The main thread's own way through one file (file-chunks.ts `evaluateFile` over its evaluator, with
 * `wholeOnly`), handing over the file's chunks in order; false, having handed over nothing, when the
 * file cannot be read whole (a worker then reads it).
 */
export type InThread = (input: TrailInput, push: (chunk: EvaluatedChunk) => void) => Promise<boolean>;

/**
 * How many worker threads a run of `threads` threads starts: with `inThread` the main thread is one
 * of them (it reads files whenever it would otherwise wait for a worker), so one fewer.
 */
export function workerThreads(threads: number, inThread: boolean): number {
  return inThread ? Math.max(1, threads - 1) : threads;
}

/**
 * The inputs' results in input order, evaluated by `workers` threads. Worker threads start on the
 * first regular file (or are taken from `early`) and end when the iteration does (however it ends).
 *
 * With `inThread`, the main thread is one of the `workers` (workerThreads): when the file whose
 * results it needs next is still being read by a worker, it reads the first file no worker has been
 * handed yet (and no worker prefetched) itself, with `inThread`, rather than wait (`steal`: only a
 * file it can read whole, at most MAX_READ_AHEAD ahead of their turn). Its results are
 * queued as a worker's are and taken in their turn, so the output is the same; on a machine with as
 * many cores as threads, no thread then competes with the main thread for a core, and one thread's
 * start-up (modules, rules, compiling the hot code) is saved.
 */
export async function* evaluateInWorkers(inputs: AsyncIterable<TrailInput>, workers: number, setup: WorkerSetup, early?: EarlyWorkers, inThread?: InThread): AsyncGenerator<PooledInput> {
  const pool: Slot[] = [];
  const jobs = new Map<number, Job>();
  const waiting: Array<{ id: number; job: Job; input: TrailInput }> = [];
  let fatal: Error | undefined;
  let jobCount = 0;

  /** Files the main thread may read itself: not prefetched by a worker, not handed back (`steal`). */
  const handedBack = new Set<number>();
  const holderOf = (w: (typeof waiting)[number]) => ('fsPath' in w.input ? early?.prefetcher(w.input.fsPath) : undefined);
  const stealable = (w: (typeof waiting)[number]) => !holderOf(w) && !handedBack.has(w.id);

  /**
   * Hands waiting jobs to threads with room, in input order: a prefetched file to the thread that
   * holds it (and only to it), any other to the thread with the fewest jobs (so the first files go
   * to different threads, in turn, as `prefetch` handed them out). With `inThread`, a thread that is
   * busy already gets a file only when another is left waiting for the main thread: otherwise, with
   * as few files as the workers can queue (two files on two threads, or the last files of a run),
   * the workers would hold every file and the main thread would only wait.
   */
  const dispatch = () => {
    for (let w = 0; w < waiting.length; ) {
      const next = waiting[w] as (typeof waiting)[number];
      const holder = holderOf(next);
      let slot: Slot | undefined;
      if (holder) {
        slot = pool.find((s) => s.worker === holder);
        if (slot && slot.pending >= JOBS_PER_WORKER) slot = undefined;
        else if (!slot) slot = leastBusy(); // its thread was dropped before it was taken
      } else {
        slot = leastBusy();
        if (slot && inThread && slot.pending > 0 && stealable(next) && waiting.filter(stealable).length < 2) slot = undefined;
      }
      if (!slot) {
        if (!holder) break; // every thread is full
        w++;
        continue;
      }
      waiting.splice(w, 1);
      slot.pending++;
      next.job.reader = slot.worker;
      slot.worker.postMessage({ type: 'read', job: next.id, input: next.input } satisfies ToWorker);
    }
    releasePrefetched();
  };
  /** Once the walk is over and every job handed out, the threads let go of prefetched files no job claimed. */
  let walked = false;
  let released = false;
  const releasePrefetched = () => {
    if (released || !walked || waiting.length > 0 || !early) return;
    released = true;
    for (const slot of pool) slot.worker.postMessage({ type: 'drop-prefetched' } satisfies ToWorker);
  };
  const leastBusy = (): Slot | undefined => {
    let best: Slot | undefined;
    for (const s of pool) if (s.pending < JOBS_PER_WORKER && (!best || s.pending < best.pending)) best = s;
    return best;
  };
  /** Files the main thread read ahead of their turn and whose results are not yet taken (at most MAX_READ_AHEAD). */
  let readAhead = 0;
  /**
   * Instead of waiting for a worker (with `inThread`): reads the first waiting file that no worker
   * prefetched in this thread, its chunks queued on its job (not flow-controlled as a worker's are,
   * so only a file read whole, at most WHOLE_FILE_MAX_BYTES, and at most MAX_READ_AHEAD of them
   * ahead of their turn: a file `inThread` cannot read whole is handed back to the workers). Whether
   * it did anything (then the caller looks at its own job again).
   */
  const steal = async (): Promise<boolean> => {
    if (!inThread || readAhead >= MAX_READ_AHEAD) return false;
    const at = waiting.findIndex(stealable);
    if (at === -1) return false;
    const [next] = waiting.splice(at, 1) as [(typeof waiting)[number]];
    jobs.delete(next.id);
    readAhead++;
    let read = false;
    try {
      read = await inThread(next.input, (chunk) => next.job.push(chunk));
      if (read) {
        next.job.finish();
        if (inThreadRead.hasSubscribers) inThreadRead.publish({ file: 'fsPath' in next.input ? next.input.file : next.input.unreadable });
      }
    } catch (e) {
      read = true;
      next.job.finish(new Error(`rekwatch: reading a file in the main thread failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    }
    if (read) {
      next.job.taken = () => readAhead--;
    } else {
      // Back in its place for a worker, whose chunks are flow-controlled.
      readAhead--;
      handedBack.add(next.id);
      jobs.set(next.id, next.job);
      const back = waiting.findIndex((w) => w.id > next.id);
      waiting.splice(back === -1 ? waiting.length : back, 0, next);
      dispatch();
    }
    releasePrefetched();
    return true;
  };
  const spawn = () => {
    const ready = early?.take();
    const worker = ready ?? newWorker(setup);
    if (ready) ready.postMessage({ type: 'setup', setup } satisfies ToWorker);
    const slot: Slot = { worker, pending: 0 };
    if (started.hasSubscribers) started.publish({ threadId: worker.threadId });
    worker.on('message', (m: FromWorker) => {
      const job = jobs.get(m.job);
      if (!job) return;
      if (m.type === 'chunk') {
        job.push(m.chunk);
        return;
      }
      jobs.delete(m.job);
      if (m.type === 'done' && m.prefetched && prefetchUsed.hasSubscribers) prefetchUsed.publish({ threadId: worker.threadId });
      job.finish(m.type === 'failed' ? new Error(`rekwatch: a replay worker failed: ${m.message}`) : undefined);
      slot.pending--;
      dispatch();
    });
    worker.on('error', (e) => {
      fatal = new Error(`rekwatch: a replay worker failed: ${e.stack ?? e.message}`);
      for (const job of jobs.values()) job.finish(fatal);
    });
    pool.push(slot);
  };

  /**
   * Jobs handed out but not yet consumed, in input order; bounded so the walk does not run far ahead
   * (a job waiting for a thread is only a path), and far enough for every worker's queue to be full
   * with files left over for the main thread to read.
   */
  const ahead: PooledInput[] = [];
  const lookahead = workers * JOBS_PER_WORKER;
  try {
    for await (const input of inputs) {
      if (fatal) throw fatal;
      if ('unreadable' in input || !input.regular) {
        ahead.push({ kind: 'main', input });
      } else {
        if (pool.length === 0) for (let i = workerThreads(workers, inThread !== undefined); i > 0; i--) spawn();
        const id = jobCount++;
        const job = new Job(inThread ? steal : undefined);
        jobs.set(id, job);
        waiting.push({ id, job, input });
        dispatch();
        ahead.push({ kind: 'chunks', chunks: job.chunks() });
      }
      while (ahead.length > lookahead) yield ahead.shift() as PooledInput;
    }
    walked = true;
    releasePrefetched();
    while (ahead.length > 0) yield ahead.shift() as PooledInput;
  } finally {
    await Promise.all(pool.map((s) => s.worker.terminate()));
  }
}
