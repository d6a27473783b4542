/**
 * `rekwatch replay`: backtests the rules over CloudTrail logs, exactly as production would evaluate
 * them (same scope, same evaluator). Streams file by file; memory stays flat.
 *
 * Four steps: set-up (rules, evaluator, live mutes and dedupe, delivery channels), reading with the
 * per-record pipeline (core/record-pipeline.ts `processRecord`), counting (core/replay-tally.ts), and
 * output (alerts as they come; the report or the --json summary, last on stderr, at the end).
 * Exit status: 2 when no input could be read, or when a path named on the command line could not be
 * read (files skipped inside a directory that was read are only counted), or when the `--html` report
 * could not be written; 3 when a delivery failed.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { deliverToAll, type DeliveryChannel } from '../adapters/delivery/channel';
import type { MuteStore } from '../adapters/mute-store';
import { availableParallelism } from 'node:os';
import { runtimePack } from '../core/rules/runtime-pack';
import { FOUND, foundItem, OUT_OF_SCOPE, QUIET, SELECTED, selectedItem, type EvaluatedChunk, type Found, type SelectedCursor } from '../adapters/replay-workers/chunk';
import { EarlyWorkers, evaluateInWorkers, workerThreads, type InThread } from '../adapters/replay-workers/pool';
import { evaluateFile, ruleIndexOf } from '../adapters/replay-workers/file-chunks';
import type { WorkerSetup } from '../adapters/replay-workers/worker';
import { readInput, trailInputs, type TrailInput, type TrailItem } from '../adapters/trail-reader';
import { MemoryDedupeState } from '../core/suppress/dedupe';
import { CopyWindow } from '../core/alert/copies';
import { DEFAULT_BATCH_LIMITS } from '../core/backtest/manifest';
import { DuplicateWindow } from '../core/input/duplicate-window';
import { Evaluator } from '../core/match/evaluator';
import { withMuteLinks, type LinkSigner } from '../core/suppress/mute-links/links';
import type { Mute } from '../core/suppress/mute';
import { decideAll, processRecord, settle, settleQuietHash, settleSelectedHash, type PipelineDeps, type RecordOutcome } from '../core/pipeline/record-pipeline';
import { ReplayDetect } from './replay-detect';
import { formatAlertLines, heldBackNote, renderSummary, unreadableArgumentsNote } from '../core/report/replay-report';
import { ReplayTally } from '../core/report/replay-tally';
import { Suppressor, type Verdict } from '../core/suppress/suppression';
import type { Alert } from '../core/common/types';
import { jsonTerminalSafe, terminalSafe } from '../core/common/text';
import { channelsForCommand, implicitChannelsPath, linkSignerFor } from './channels';
import { Output, writeLine, type CliIo } from './io';
import { eventSourcesFor, loadRulesForCommand } from './load-rules';
import { Progress } from './progress';
import { readInputs, type SourceSpec } from './replay-sources';
import { openState, stateDirFor } from './state';
import { replayTallyDetail, writeReplayHtml } from './report-html';

export interface ReplayOptions {
  /** Deliver alerts to the configured channels (channels file, environment, --deliver-file). */
  deliver?: boolean;
  deliverFile?: string;
  channels?: string;
  stateDir?: string;
  /** `--table`: read live mutes from the deployed stack's table. */
  table?: string;
  /** false with `--no-mutes`. */
  mutes?: boolean;
  /** false with `--no-dedupe`. */
  dedupe?: boolean;
  /** Base URL of the mute page for links in delivered alerts (else $REKWATCH_MUTE_URL). */
  muteUrl?: string;
  rules: string;
  config?: string;
  eventSource?: string[];
  json?: boolean;
  top: number;
  maxAlerts?: number;
  /** `--max-record-size`: larger records and JSON lines are skipped as malformed (default 64 MiB). */
  maxRecordSize?: number;
  /** Trail buckets and Event history to read, with their bounds (replay-sources.ts); local paths only when absent. */
  sources?: SourceSpec;
  /** `--workers`: threads evaluating files (default: the available parallelism; 1: all in this thread). */
  workers?: number;
  /** `--html FILE`: also write the HTML report (report-html.ts). */
  html?: string;
  /** `--on-aws`: evaluate on the stack's Step Functions fan-out (replay-on-aws.ts); `--stack` names it, `--yes` skips the question. */
  onAws?: boolean;
  stack?: string;
  yes?: boolean;
  /** `--batch-objects`: most objects per batch on AWS. */
  batchObjects?: number;
  /** `--lateness` (ms): how far out of event-time order input may be for stateful rules (default 15m). */
  lateness?: number;
  /** `--first-seen-memory` (ms): how long firstSeen remembers a value (default 30d). */
  firstSeenMemory?: number;
}

/**
 * The live mutes a backtest applies (read once): from `--table`, or from the local store when one
 * exists (a backtest never creates state). null after printing why they cannot be read.
 */
async function liveMutes(io: CliIo, opts: ReplayOptions): Promise<readonly Mute[] | undefined | null> {
  if (!opts.table && !existsSync(join(stateDirFor(io, opts.stateDir), 'db'))) return undefined;
  try {
    const state = await openState(io, opts);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { MuteStore: Store } = require('../adapters/mute-store') as { MuteStore: typeof MuteStore };
      return await new Store(state.client, { tableName: state.tableName, now: io.now }).live();
    } finally {
      await state.close();
    }
  } catch (e) {
    writeLine(io.stderr, `rekwatch: cannot read mutes (${(e as Error).message}); use --no-mutes to replay without them`);
    return null;
  }
}

/** Exit status when no input could be read, or a path named on the command line could not be (README: usage error). */
const EXIT_INPUT = 2;
const EXIT_DELIVERY_FAILED = 3;

/** What set-up gives the run. */
interface Replay {
  evaluator: Evaluator;
  /** What a worker thread needs to build the same evaluator. */
  workerSetup: WorkerSetup;
  /** Live mutes, then dedupe windows (each off with --no-mutes / --no-dedupe). */
  decide: (alert: Alert) => Promise<Verdict>;
  /** With --deliver / --deliver-file. */
  deliveries?: Deliveries;
  /** Threshold windows and first-seen memory, when some rule has them (replay-detect.ts). */
  detect?: ReplayDetect<{ file: string; where: string }>;
}

export async function replayCommand(paths: string[], opts: ReplayOptions, io: CliIo): Promise<number> {
  const early = earlyWorkers(paths, opts, io);
  try {
    if (early) await prefetchFirst(early, paths, opts, io);
    const replay = await setUp(opts, io);
    if (typeof replay === 'number') return replay;
    if (opts.onAws) return await onAws(paths, replay, opts, io);
    const run = await readAndEvaluate(paths, replay, opts, io, undefined, early);
    return await finish(run, replay, opts, io);
  } finally {
    await early?.end();
  }
}

/**
 * Worker threads started before the rules are loaded, when the run will likely use them (local paths
 * only, more than one worker, a directory or several paths), so their start-up overlaps loading the
 * rules. Unused ones (one file after all, a firstSeen pack) are ended.
 */
function earlyWorkers(paths: readonly string[], opts: ReplayOptions, io: CliIo): EarlyWorkers | undefined {
  const workers = workerCount(opts);
  if (workers < 2 || opts.onAws || opts.sources?.inputs.some((i) => i.kind !== 'paths')) return undefined;
  const isDirectory = (p: string) => {
    try {
      return statSync(resolve(io.cwd, p)).isDirectory();
    } catch {
      return false;
    }
  };
  return paths.length >= 2 || paths.some(isDirectory) ? new EarlyWorkers(workerThreads(workers, true)) : undefined;
}

/** Threads asked for (the main thread and N - 1 workers): --workers, else the machine's available parallelism. */
function workerCount(opts: ReplayOptions): number {
  return opts.workers ?? availableParallelism();
}

/**
 * The first files of the walk, for the early threads to read while the rules load (loading them
 * blocks this thread, so the walk must come first: a few directory listings). The walk is done
 * again, in the same order, when the run reads its inputs.
 */
async function prefetchFirst(early: EarlyWorkers, paths: readonly string[], opts: ReplayOptions, io: CliIo): Promise<void> {
  const first: TrailInput[] = [];
  const seen = new Set<string>();
  for await (const input of trailInputs(paths, io.cwd)) {
    // A file named twice (itself and inside a directory named too) is read twice, prefetched once.
    if ('unreadable' in input || !input.regular || seen.has(input.fsPath)) continue;
    seen.add(input.fsPath);
    first.push(input);
    if (first.length >= early.prefetchLimit) break;
  }
  early.prefetch(first, { ...(opts.maxRecordSize === undefined ? {} : { maxRecordBytes: opts.maxRecordSize }) });
}

/** `--on-aws`: the same stage 2, counting and output, over the merged batch results of the AWS fan-out. */
async function onAws(paths: string[], replay: Replay, opts: ReplayOptions, io: CliIo): Promise<number> {
  // `require`, not `import()`: tsx's CommonJS hook (bin/rekwatch from a checkout) does not resolve
  // dynamic imports of TypeScript files (main.ts loads the commands the same way).
  const { replayOnAws, OnAwsError } = require('./replay-on-aws') as typeof import('./replay-on-aws');
  if (replay.evaluator.usesFirstSeen) {
    // firstSeen is a fact read before a record's conditions run, from everything before it in event
    // time: batches evaluated apart cannot know it. Threshold selections travel in the batch results.
    writeLine(io.stderr, 'rekwatch replay --on-aws: the rules use the firstSeen fact, which needs the whole trail in event-time order in one place: replay them locally, or disable those rules for the backtest');
    return 2;
  }
  try {
    const { packDigest } = require('../adapters/backtest/pack-digest') as typeof import('../adapters/backtest/pack-digest');
    const files = await replayOnAws(paths, { ...opts, packDigest: packDigest(replay.workerSetup.pack), ...(opts.batchObjects ? { batchLimits: { ...DEFAULT_BATCH_LIMITS, maxObjects: opts.batchObjects } } : {}), ...(replay.workerSetup.evaluator.eventSources ? { eventSources: replay.workerSetup.evaluator.eventSources } : {}) }, io);
    const units = (async function* (): AsyncGenerator<Unit> {
      for await (const chunk of files) yield { kind: 'evaluated', chunk };
    })();
    return await finish(await readAndEvaluate(paths, replay, opts, io, units), replay, opts, io);
  } catch (e) {
    if (!(e instanceof OnAwsError)) throw e;
    writeLine(io.stderr, e.message);
    return e.exitCode;
  }
}

/** Rules, evaluator, delivery channels, live mutes and dedupe; an exit status after printing why not. */
async function setUp(opts: ReplayOptions, io: CliIo): Promise<Replay | number> {
  const load = loadRulesForCommand(opts.rules, io, io.stderr, opts.config);
  if (!load) return 2; // no rules directory: a usage error
  if (!load.ok) {
    writeLine(io.stderr, `${opts.rules}: rules are invalid; nothing was replayed`);
    return 1;
  }
  const deliveries = opts.deliver || opts.deliverFile ? deliveriesFor(opts, io) : undefined;
  if (typeof deliveries === 'number') return deliveries;
  // Copies of a cross-account call are folded in the record pipeline's second stage (copies: 'each'
  // here), so they fold the same way whether files are evaluated in this thread or in workers.
  const evaluatorOptions = { eventSources: eventSourcesFor(opts.eventSource, load.config) };
  const evaluator = new Evaluator(load.pack, { ...evaluatorOptions, copies: 'each' });
  const mutes = opts.mutes === false ? undefined : await liveMutes(io, opts);
  if (mutes === null) return 2;
  const suppressor = new Suppressor({
    rules: load.pack.rules,
    ...(mutes ? { mutes: async () => mutes } : {}),
    ...(opts.dedupe === false ? {} : { dedupe: new MemoryDedupeState() }),
    now: io.now,
  });
  // Workers get the runtime pack: the rules' test cases are most of a pack (1.2 of 1.25 MB for the
  // shipped one), and every worker would deserialise and keep them.
  const workerSetup: WorkerSetup = { pack: runtimePack(load.pack), evaluator: evaluatorOptions, ...(opts.maxRecordSize === undefined ? {} : { maxRecordBytes: opts.maxRecordSize }) };
  const detect = ReplayDetect.needed(evaluator) ? new ReplayDetect<{ file: string; where: string }>(evaluator, load.pack.rules, opts.lateness, opts.firstSeenMemory) : undefined;
  return { evaluator, workerSetup, decide: (alert) => suppressor.decide(alert), ...(deliveries ? { deliveries } : {}), ...(detect ? { detect } : {}) };
}

/** The channels alerts are delivered to, or an exit status after printing why not. */
function deliveriesFor(opts: ReplayOptions, io: CliIo): Deliveries | number {
  const channels = channelsForCommand(io, opts);
  if (!channels) return 2;
  if (channels.length === 0) {
    // The file it looked for: the state directory's (--state-dir, $REKWATCH_STATE_DIR or .rekwatch).
    const implicit = relative(io.cwd, implicitChannelsPath(io, opts)) || 'channels.json';
    writeLine(io.stderr, `rekwatch: --deliver needs a channel: write ${terminalSafe(implicit)} (or --channels FILE; see README), set REKWATCH_SLACK_WEBHOOK_URL, or REKWATCH_SMTP_URL with REKWATCH_EMAIL_FROM and REKWATCH_EMAIL_TO, or use --deliver-file PATH`);
    return 2;
  }
  const signer = linkSignerFor(io, opts);
  if (signer === null) return 2;
  return new Deliveries(channels, signer, io);
}

/** Delivery to the local channels, counted per channel. */
class Deliveries {
  delivered = 0;
  failed = 0;
  readonly byChannel: Record<string, { delivered: number; failed: number }> = {};

  constructor(private readonly channels: readonly DeliveryChannel[], private readonly signer: LinkSigner | undefined, private readonly io: CliIo) {
    for (const c of channels) this.byChannel[c.name] = { delivered: 0, failed: 0 };
  }

  /** Delivers one alert to every channel that takes it; `warn` gets a line per failed channel. */
  async send(alert: Alert, warn: (line: string) => void): Promise<void> {
    for (const r of await deliverToAll(this.channels, withMuteLinks(alert, this.signer, (this.io.now ?? Date.now)()), this.io.retry)) {
      const c = this.byChannel[r.channel] as { delivered: number; failed: number };
      if (r.ok) {
        this.delivered++;
        c.delivered++;
      } else {
        this.failed++;
        c.failed++;
        warn(`rekwatch: delivery of ${alert.id} to ${r.channel} failed after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}: ${r.error}`);
      }
    }
  }

  close(): void {
    for (const c of this.channels) (c as { close?: () => void }).close?.();
  }

  summary(): { delivered: number; failed: number; byChannel: Record<string, { delivered: number; failed: number }> } {
    return { delivered: this.delivered, failed: this.failed, byChannel: this.byChannel };
  }

  /** The readable report's delivery line. */
  line(): string {
    if (this.failed === 0) return `Delivery: ${this.delivered} delivered to ${this.channels.map((c) => c.name).join(', ')}`;
    return `Delivery: ${this.delivered} delivered, ${this.failed} failed (${Object.entries(this.byChannel).map(([k, v]) => `${k}: ${v.delivered} ok, ${v.failed} failed`).join('; ')})`;
  }
}

/** What reading gives the output step. */
interface Run {
  tally: ReplayTally;
  out: Output;
  /** Alerts printed in full in the readable report. */
  shown: number;
  /** The paths replayed, as named (the HTML report names them). */
  paths: readonly string[];
}

/** Reads every input through the record pipeline, counting as it goes and printing alerts as they come. */
async function readAndEvaluate(paths: readonly string[], replay: Replay, opts: ReplayOptions, io: CliIo, units?: AsyncIterable<Unit>, early?: EarlyWorkers): Promise<Run> {
  const tally = new ReplayTally(replayTallyDetail(opts.html));
  const run: Run = { tally, out: new Output(io.stdout), shown: 0, paths };
  const progress = new Progress(io.stderr, io.stderrIsTTY);
  const note = (line: string) => progress.above(terminalSafe(line));
  /** Malformed input and rule errors are named as they come with --json (the readable report names them). */
  const jsonNote = (line: string | undefined) => {
    if (opts.json && line !== undefined) note(line);
  };
  const { detect } = replay;
  const deps: PipelineDeps = { evaluator: replay.evaluator, duplicates: new DuplicateWindow(), copies: new CopyWindow(), decide: replay.decide, ...(detect?.precompute ? { precompute: detect.precompute } : {}) };
  const maxAlerts = opts.maxAlerts ?? 100;
  /** The pack's rule ids in the order workers index them (SELECTED items, chunk.ts). */
  const ruleIds = replay.workerSetup.pack.rules.map((r) => r.id);
  const emit = async (alert: Alert) => {
    await replay.deliveries?.send(alert, note);
    if (opts.json) {
      await run.out.line(jsonTerminalSafe(JSON.stringify(alert)));
    } else if (run.shown < maxAlerts) {
      run.shown++;
      progress.clear();
      for (const l of formatAlertLines(alert)) await run.out.line(l);
    }
  };

  /**
   * Counts a record's outcome, prints its alerts, and takes its selections through the detect stage.
   * Without a promise when nothing is printed or decided (most records with selections: their
   * windows have not fired): the detect stage works in memory (replay-detect.ts).
   */
  const outcome = (o: RecordOutcome, file: string, where: string, late = false): void | Promise<void> => {
    const counted = tally.record(o, file, where);
    for (const n of counted.notes) jsonNote(n);
    // The detect stage reads and writes only its own state, so taking the selections before the
    // record's own alerts are printed changes nothing that either side sees.
    const found = detect && o.status === 'evaluated' && o.selections ? detect.selections(o.selections, late) : undefined;
    if (counted.deliver.length === 0 && (!found || found.alerts.length === 0)) {
      if (found) for (const n of found.notes) jsonNote(n);
      return;
    }
    return (async () => {
      for (const alert of counted.deliver) await emit(alert);
      if (found) await detected(found);
    })();
  };
  const detected = async (d: { alerts: Alert[]; notes: string[] }) => {
    for (const n of d.notes) jsonNote(n);
    for (const alert of tally.alerts(await decideAll(d.alerts, deps))) await emit(alert);
  };

  for await (const unit of units ?? readUnits(paths, replay, opts, io, (text) => progress.status(terminalSafe(text)), early)) {
    if (unit.kind === 'items') {
      for (const item of unit.items) {
        if (item.kind !== 'value') {
          countItem(tally, item, note, jsonNote);
          continue;
        }
        if (!detect) {
          await outcome(await processRecord(item.value, deps), item.file, item.where);
          continue;
        }
        for (const p of detect.take(item.value, { file: item.file, where: item.where })) {
          // A late record is evaluated without first-seen memory (it would rewrite the past).
          await outcome(await processRecord(p.value, p.late ? { ...deps, precompute: undefined } : deps), p.extra.file, p.extra.where, p.late);
        }
      }
    } else {
      // A chunk of stage 1 results (chunk.ts: from a worker, or from this thread's own read of a file
      // ahead of its turn, pool.ts inThread), item by item in input order; the two common kinds (out of scope,
      // quiet) are settled and counted here synchronously, with shared outcomes: nothing is built per record.
      const { file, kinds, hashes, found, others, texts } = unit.chunk;
      const alertFor = (ruleId: string, text: string) => replay.evaluator.selectionAlert(ruleId, text);
      let k = 0;
      let f = 0;
      let o = 0;
      const at: SelectedCursor = { n: 0, s: 0 };
      for (let i = 0; i < kinds.length; i++) {
        const kind = kinds[i];
        if (kind === OUT_OF_SCOPE) {
          tally.record(OUT_OF_SCOPE_OUTCOME, file, '');
        } else if (kind === QUIET) {
          tally.record(settleQuietHash(hashes[k] as number, hashes[k + 1] as number, deps), file, '');
          k += 2;
        } else if (kind === SELECTED) {
          // Threshold selections and nothing else (chunk.ts): stage 2 is the duplicate window.
          const selections = selectedItem(unit.chunk, at, ruleIds, alertFor);
          const done = outcome(settleSelectedHash(hashes[k] as number, hashes[k + 1] as number, selections, deps), file, '');
          k += 2;
          if (done) await done;
        } else if (kind === FOUND) {
          const { evaluated, where } = foundItem(found[f++] as Found, alertFor, texts);
          const settled = settle(evaluated, deps);
          const done = outcome(settled instanceof Promise ? await settled : settled, file, where);
          if (done) await done;
        } else {
          countItem(tally, others[o++] as EvaluatedChunk['others'][number], note, jsonNote);
        }
      }
    }
    progress.update(tally.stats);
  }
  if (detect) {
    for (const p of detect.flushRecords()) await outcome(await processRecord(p.value, deps), p.extra.file, p.extra.where);
    await detected(detect.flush());
  }
  progress.clear();
  return run;
}

const OUT_OF_SCOPE_OUTCOME: RecordOutcome = { status: 'outOfScope' };

/** What replay reads, in input order: reader items to take through the pipeline here, or a chunk of stage 1 results (from a worker or this thread's read ahead). */
type Unit = { kind: 'items'; items: readonly TrailItem[] } | { kind: 'evaluated'; chunk: EvaluatedChunk };

/**
 * Every input of the run, in order. The one place paths are read (`trailInputs`): regular files go
 * to the pool (pool.ts: N - 1 worker threads and this thread, which reads files whole itself rather
 * than wait for a worker) when there are at least two of them and more than one thread; everything
 * else (and everything with --workers 1) is read here. Both give the same output, byte for byte.
 */
async function* readUnits(paths: readonly string[], replay: Replay, opts: ReplayOptions, io: CliIo, status: (text: string) => void, early?: EarlyWorkers): AsyncGenerator<Unit> {
  if (opts.sources?.inputs.some((i) => i.kind !== 'paths')) {
    // Trail buckets and Event history (replay-sources.ts) are read and evaluated in this thread, in
    // the order given, local paths among them included. Local paths alone go to the workers below.
    for await (const items of readInputs(paths, opts.sources, replay.evaluator, io, { maxRecordBytes: opts.maxRecordSize }, status)) yield { kind: 'items', items };
    return;
  }
  const inputs = trailInputs(paths, io.cwd);
  const here = (input: TrailInput) => readInput(input, io.stdin, { maxRecordBytes: opts.maxRecordSize });
  let workers = workerCount(opts);
  if (replay.detect?.singleThread && workers > 1) {
    // firstSeen needs every record before it in event time: stage 1 cannot run in parallel threads.
    if (opts.workers !== undefined) writeLine(io.stderr, 'rekwatch: rules use firstSeen, which learns from records in event-time order: evaluating in one thread (--workers ignored)');
    workers = 1;
  }
  // Worker threads pay for themselves from two files on: look ahead that far before starting any.
  const first: TrailInput[] = [];
  let regular = 0;
  let more = true;
  while (workers > 1 && regular < 2) {
    const next = await inputs.next(); // not for-await: leaving that loop would end the walk
    if (next.done) {
      more = false;
      break;
    }
    first.push(next.value);
    if (!('unreadable' in next.value) && next.value.regular) regular++;
  }
  const all = (async function* () {
    yield* first;
    if (more) yield* inputs;
  })();
  if (regular < 2) {
    // Early threads (and what they prefetched) are let go now, not at the end of the run.
    await early?.end();
    for await (const input of all) for await (const items of here(input)) yield { kind: 'items', items };
    return;
  }
  // The main thread is one of the threads: it reads files itself whenever it would wait for a worker.
  const { chunkSize, maxRecordBytes } = replay.workerSetup;
  const how = { evaluator: replay.evaluator, ruleIndex: ruleIndexOf(replay.workerSetup.pack), chunkSize, maxRecordBytes };
  const inThread: InThread = (input, push) => evaluateFile(input, how, push, undefined, { wholeOnly: true });
  for await (const pooled of evaluateInWorkers(all, workers, replay.workerSetup, early, inThread)) {
    if (pooled.kind === 'main') {
      for await (const items of here(pooled.input)) yield { kind: 'items', items };
    } else {
      for await (const chunk of pooled.chunks) yield { kind: 'evaluated', chunk };
    }
  }
}

/** Counts what the reader says besides values: files, bytes, unreadable paths, malformed records. */
export function countItem(tally: ReplayTally, item: Exclude<TrailItem, { kind: 'value' }>, note: (line: string) => void, jsonNote: (line: string | undefined) => void): void {
  switch (item.kind) {
    case 'file':
      tally.file();
      break;
    case 'bytes':
      tally.bytes(item.bytes);
      break;
    case 'unreadable':
      note(tally.unreadablePath(item.file, item.reason, item.argument));
      break;
    case 'malformed':
      jsonNote(tally.malformed(`${item.file}: ${item.where}: ${item.reason}`));
      break;
  }
}

/** The report (readable) or the summary line (--json, last on stderr), the notes before it, and the exit status. */
async function finish(run: Run, replay: Replay, opts: ReplayOptions, io: CliIo): Promise<number> {
  const { tally } = run;
  const { stats } = tally;
  const deliveries = replay.deliveries;
  deliveries?.close();
  const noInput = stats.files === 0;
  if (opts.json) {
    const rest = tally.unnamedRuleErrors();
    if (rest) writeLine(io.stderr, rest);
  }
  if (noInput) {
    writeLine(io.stderr, 'rekwatch: no input could be read');
  } else if (!opts.json) {
    await printReport(run, replay, opts.top);
  }
  const held = heldBackNote(stats.suppressed, tally.byMute);
  if (held) writeLine(io.stderr, held);
  const named = noInput ? undefined : unreadableArgumentsNote(tally.unreadableArguments, EXIT_INPUT);
  if (named) writeLine(io.stderr, named);
  const summary = { ...stats.summary(), ...(replay.detect ? { detect: replay.detect.summary() } : {}), ...(deliveries ? { delivery: deliveries.summary() } : {}) };
  const htmlFailed = opts.html !== undefined && !noInput && !writeReplayHtml(opts.html, tally, replay.evaluator.rules, opts.top, run.paths, io, summary);
  if (opts.json) {
    writeLine(io.stderr, jsonTerminalSafe(JSON.stringify(summary)));
  }
  if (noInput || named || htmlFailed) return EXIT_INPUT;
  return deliveries && deliveries.failed > 0 ? EXIT_DELIVERY_FAILED : 0;
}

/** The readable report on stdout, after the alerts: summary, per-rule noise, samples, deliveries. */
async function printReport(run: Run, replay: Replay, top: number): Promise<void> {
  const { tally, out } = run;
  if (run.shown === 0) await out.line(tally.stats.alerts === 0 ? 'No alerts.' : 'Alerts are not printed (--max-alerts 0).');
  await out.line('');
  const report = renderSummary({
    stats: tally.stats, rules: replay.evaluator.rules, malformedSamples: tally.malformedSamples, ruleErrorSamples: tally.ruleErrorSamples,
    unreadable: tally.unreadable, shownAlerts: run.shown, top,
  });
  for (const l of report) await out.line(l);
  if (replay.detect) {
    await out.line('');
    for (const l of replay.detect.reportLines()) await out.line(terminalSafe(l));
  }
  if (replay.deliveries) {
    await out.line('');
    await out.line(replay.deliveries.line());
  }
}
