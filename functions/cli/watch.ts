/**
 * `rekwatch watch DIR`: follows a directory where trail log files arrive (an `aws s3 sync` target),
 * evaluates each new or changed file as soon as it is complete, and delivers new alerts to the local
 * channels within seconds. Guarantees (README, "Alerts on your laptop"):
 *   - one watch per state directory (watch.lock); a second is refused;
 *   - a directory this state has not watched starts from now: files already there are recorded, not
 *     delivered, unless --from-start / --since ask for them;
 *   - each alert goes to each channel once (the delivery ledger in the state store, delivery/ledger.ts),
 *     across restarts and kill -9; a channel that failed is retried on later passes, and a file is
 *     recorded as done only when nothing in it is owed any more;
 *   - deliveries of different alerts overlap (bounded), so a dead channel does not stall the others;
 *   - stateful rules (thresholds, firstSeen) keep their windows and memory in the same local store,
 *     reordered within `--lateness` as replay does (watch-detect.ts); a file is recorded as done only
 *     after its buffered records and selections were applied;
 *   - a progress file that cannot be saved is retried on the next passes, then watch exits 1 with one
 *     line (a supervisor restarts it; nothing is lost or sent twice); any other failure also ends it.
 */
import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { DeliveryChannel } from '../adapters/delivery/channel';
import { deliverOnce, type ChannelOutcome } from '../adapters/delivery/ledger';
import { DynamoDedupeState } from '../adapters/dedupe-store';
import { DynamoIdempotencyStore } from '../adapters/idempotency-store';
import { MuteStore } from '../adapters/mute-store';
import { readTrail, walk } from '../adapters/trail-reader';
import { describeHolder, ownerIsGone, WatchLock } from '../adapters/watch-lock';
import { WatchState, WatchStateError, type FileMark, type SaveFile } from '../adapters/watch-state';
import { Bounded } from '../core/deliver/bounded';
import { alertTime } from '../core/suppress/dedupe';
import { formatDuration, parseTimeArg } from '../core/common/duration';
import { sweepExpired, type SweepClocks, type SweepOptions, type SweepResult } from '../adapters/state-sweep';
import { lateRecordNote } from '../core/detect/stage';
import { Evaluator } from '../core/match/evaluator';
import { withMuteLinks, type LinkSigner } from '../core/suppress/mute-links/links';
import { toRecord } from '../core/input/record';
import { formatAlertLines } from '../core/report/replay-report';
import { cachedMutes, Suppressor, type Verdict } from '../core/suppress/suppression';
import { terminalSafe } from '../core/common/text';
import type { Alert } from '../core/common/types';
import { channelsForCommand, linkSignerFor } from './channels';
import { writeLine, type CliIo } from './io';
import { eventSourcesFor, loadRulesForCommand } from './load-rules';
import { openState, stateDirFor, type StateHandle } from './state';
import { WatchDetect } from './watch-detect';
import type { StateFailure } from '../adapters/detection-state/stateful-step';

export interface WatchOptions {
  rules: string;
  config?: string;
  eventSource?: string[];
  stateDir?: string;
  interval: number;
  deliverFile?: string;
  channels?: string;
  /** Base URL of the mute page for links in delivered alerts (else $REKWATCH_MUTE_URL). */
  muteUrl?: string;
  /** false with `--no-mutes`: deliver muted alerts too. */
  mutes?: boolean;
  /** `--from-start`: also deliver the alerts in files already in DIR. */
  fromStart?: boolean;
  /** `--since TIME` (ISO 8601, or a duration back from now like 6h): also deliver alerts of events since then from files already in DIR. */
  since?: string;
  /** Stop after this (tests and scripts); runs until interrupted otherwise. */
  signal?: AbortSignal;
  /** Waits between passes; the interval, cut short by `signal`, when absent (tests pass a short one). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Writes the progress file (tests inject a full disk). */
  saveFile?: SaveFile;
  /** Alerts being delivered at once (default 8). */
  concurrency?: number;
  /** `--max-record-size`: a larger record or JSON line is skipped as malformed (default 64 MiB). */
  maxRecordSize?: number;
  /** `--lateness` (ms): how far input may be out of event-time order for stateful rules (default 15m). */
  lateness?: number;
  /** `--first-seen-memory` (ms): how long firstSeen remembers a value (default 30d). */
  firstSeenMemory?: number;
  /** How often (wall-clock ms) expired items are swept out of the state store (default SWEEP_EVERY_MS; tests pass a short one). */
  sweepEveryMs?: number;
  /** Sweeps the state store (tests inject a failing store); `sweepExpired` on it when absent. */
  sweep?: (clocks: SweepClocks, options: SweepOptions) => Promise<SweepResult>;
  /** How long one sweep may take (default SWEEP_BUDGET_MS; tests pass a short one). */
  sweepBudgetMs?: number;
}

/** Exit codes: 0 stopped when asked, 1 stopped by a failure (after saying which), 2 could not start. */
const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_CANNOT_START = 2;
/** Consecutive failed saves of the progress file (one per pass) before watch gives up. */
const SAVE_ATTEMPTS = 3;
/** A file with deliveries still owed is read again after 1, 2, 4 … passes, at most this far apart. */
const MAX_RETRY_GAP_MS = 300_000;
/**
 * How often expired items are swept out of the embedded store (adapters/state-sweep.ts: dynalite has
 * no TTL): after the first pass, then between passes once this much wall-clock time has gone by.
 */
const SWEEP_EVERY_MS = 3_600_000;
/** How long one sweep may take between two passes; a sweep cut short goes on after the next pass. */
const SWEEP_BUDGET_MS = 2_000;

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind (watch sleeps forever). */
const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    const onAbort = () => {
      clearTimeout(t);
      r();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      r();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The history a watch delivers from files already in DIR: none, all, or events since a time. */
function historySince(opts: WatchOptions, now: number): { ok: true; since: number | undefined } | { ok: false; reason: string } {
  if (opts.fromStart && opts.since !== undefined) return { ok: false, reason: 'give --from-start or --since, not both' };
  if (opts.fromStart) return { ok: true, since: -Infinity };
  if (opts.since === undefined) return { ok: true, since: undefined };
  const at = parseTimeArg(opts.since, now);
  return at.ok ? { ok: true, since: at.at } : at;
}

/** What one watch run works with (set up once). */
interface Watch {
  io: CliIo;
  opts: WatchOptions;
  root: string;
  dir: string;
  channels: DeliveryChannel[];
  signer: LinkSigner | undefined;
  evaluator: Evaluator;
  suppressor: Suppressor;
  mutes: MuteStore;
  ledger: DynamoIdempotencyStore;
  state: WatchState;
  now: () => number;
  /** Threshold windows and first-seen memory, when some rule has them. */
  detect?: WatchDetect;
  /** Deletes the store's expired items (state-sweep.ts), detection state by the detect stage's clock. */
  sweep: (options: SweepOptions) => Promise<SweepResult>;
  /** What this run did, for the line printed when it stops. */
  totals: { files: number; delivered: Set<string>; owed: Set<string>; heldBack: number };
}

interface FileOutcome {
  records: number;
  alerts: number;
  suppressed: number;
  beforeSince: number;
  /** Alerts delivered everywhere or held back: never looked at again. */
  handled: string[];
  /** Alerts some channel still owes. */
  owed: number;
  /** Stopped before the end of the file (interrupted). */
  partial: boolean;
}

export async function watchCommand(dir: string, opts: WatchOptions, io: CliIo): Promise<number> {
  const load = loadRulesForCommand(opts.rules, io, io.stderr, opts.config);
  if (!load) return EXIT_CANNOT_START;
  if (!load.ok) {
    writeLine(io.stderr, `${opts.rules}: rules are invalid; not watching`);
    return EXIT_FAILED;
  }
  const now = io.now ?? Date.now;
  const history = historySince(opts, now());
  if (!history.ok) {
    writeLine(io.stderr, `rekwatch watch: ${history.reason}`);
    return EXIT_CANNOT_START;
  }
  const channels = channelsForCommand(io, opts);
  if (!channels) return EXIT_CANNOT_START;
  const signer = linkSignerFor(io, opts);
  if (signer === null) return EXIT_CANNOT_START;
  const root = resolve(io.cwd, dir);
  try {
    if (!(await stat(root)).isDirectory()) {
      writeLine(io.stderr, `rekwatch watch: ${dir} is a file; watch follows a directory (use replay for one file)`);
      return EXIT_CANNOT_START;
    }
  } catch {
    writeLine(io.stderr, `rekwatch watch: ${dir}: no such directory`);
    return EXIT_CANNOT_START;
  }
  const stateDir = stateDirFor(io, opts.stateDir);
  const shownStateDir = relative(io.cwd, stateDir) || '.';
  const closeChannels = () => {
    for (const c of channels) (c as { close?: () => void }).close?.();
  };
  let state: WatchState;
  let locked: ReturnType<typeof WatchLock.acquire>;
  try {
    state = new WatchState(stateDir, opts.saveFile);
    locked = WatchLock.acquire(stateDir);
  } catch (e) {
    closeChannels();
    writeLine(io.stderr, `rekwatch watch: cannot use the state directory ${shownStateDir}: ${errorText(e)}`);
    return EXIT_CANNOT_START;
  }
  if (!locked.ok) {
    closeChannels();
    writeLine(io.stderr, `rekwatch watch: ${shownStateDir} is in use by another watch (${describeHolder(locked.holder)}); stop it, or give this one another --state-dir`);
    return EXIT_CANNOT_START;
  }
  let store: StateHandle;
  try {
    // Mutes, dedupe windows and the delivery ledger live in the embedded store (shared with `rekwatch mute` in another terminal).
    store = await openState(io, { stateDir: opts.stateDir });
  } catch (e) {
    closeChannels();
    locked.lock.release();
    writeLine(io.stderr, `rekwatch watch: cannot open the state store in ${shownStateDir}: ${errorText(e)}`);
    return EXIT_CANNOT_START;
  }
  const mutes = new MuteStore(store.client, { tableName: store.tableName, now });
  const consoleChannel: DeliveryChannel = {
    name: 'console',
    deliver: async (alert) => {
      for (const l of formatAlertLines(alert)) writeLine(io.stdout, l);
    },
  };
  const evaluator = new Evaluator(load.pack, { eventSources: eventSourcesFor(opts.eventSource, load.config) });
  const detect = WatchDetect.needed(evaluator)
    ? new WatchDetect(evaluator, load.pack.rules, store.client, store.tableName, {
        ...(opts.lateness === undefined ? {} : { latenessMs: opts.lateness }),
        ...(opts.firstSeenMemory === undefined ? {} : { firstSeenMemoryMs: opts.firstSeenMemory }),
      })
    : undefined;
  const w: Watch = {
    io,
    opts,
    root,
    dir,
    channels: [consoleChannel, ...channels],
    signer,
    evaluator,
    ...(detect ? { detect } : {}),
    suppressor: new Suppressor({
      rules: load.pack.rules,
      ...(opts.mutes === false ? {} : { mutes: cachedMutes(() => mutes.live(), 5_000, now) }),
      dedupe: new DynamoDedupeState(store.client, store.tableName),
      now,
    }),
    mutes,
    ledger: new DynamoIdempotencyStore(store.client, { tableName: store.tableName, owner: locked.lock.owner, isGone: ownerIsGone, now }),
    state,
    now,
    sweep: (options) => {
      const clocks: SweepClocks = { nowMs: now(), ...(detect ? { detectionMs: detect.clock } : {}) };
      return opts.sweep ? opts.sweep(clocks, options) : sweepExpired(store.client, store.tableName, clocks, options);
    },
    totals: { files: 0, delivered: new Set(), owed: new Set(), heldBack: 0 },
  };
  const banner = `rekwatch: watching ${dir} every ${opts.interval}s; ${load.pack.rules.filter((r) => r.enabled).length} rules; delivering to console${channels.map((c) => `, ${c.name}`).join('')}${opts.mutes === false ? ' (mutes ignored)' : ''}; state in ${shownStateDir}`;
  try {
    return await follow(w, history.since, banner);
  } catch (e) {
    writeLine(io.stderr, `rekwatch watch: stopped: ${errorText(e)}`);
    return EXIT_FAILED;
  } finally {
    closeChannels();
    await store.close();
    locked.lock.release();
  }
}

/** The passes over DIR, until asked to stop or the progress file cannot be saved. */
async function follow(w: Watch, since: number | undefined, banner: string): Promise<number> {
  const { io, opts, state } = w;
  const sleep = opts.sleep ?? abortableSleep;
  const pending = new Map<string, string>(); // file -> size:mtime seen last pass (a file is processed once it stops changing)
  /** Files read with the history filter until they are done: the files already in DIR when history was asked for. */
  const sinceFor = new Map<string, number>();
  /** Files with deliveries still owed: read again at pass `due`, unless they changed. */
  const retries = new Map<string, { due: number; gap: number; sig: string }>();
  const maxGap = Math.max(1, Math.ceil(MAX_RETRY_GAP_MS / (opts.interval * 1000)));
  let saveFailures = 0;

  for (const f of await takeStock(w, since)) sinceFor.set(f, since!);
  writeLine(io.stderr, banner); // files arriving from now on are delivered

  /** Saves the progress file; false when it could not (said in a line); throws GiveUp after SAVE_ATTEMPTS failures in a row. */
  const save = (): boolean => {
    try {
      state.save();
      saveFailures = 0;
      return true;
    } catch (e) {
      if (!(e instanceof WatchStateError)) throw e;
      if (++saveFailures >= SAVE_ATTEMPTS) throw new GiveUp(`${e.message}; stopped after ${SAVE_ATTEMPTS} attempts (a restart reads the unsaved files again; what was delivered is not sent again)`);
      writeLine(io.stderr, `rekwatch: ${e.message}; trying again next pass`);
      return false;
    }
  };

  /**
   * Expired items out of the store, when due (SWEEP_EVERY_MS), for at most SWEEP_BUDGET_MS between
   * two passes (a sweep cut short, or stopped by the signal, goes on after the next pass, so a store
   * that grew for months is emptied in steps while files are still read); a failure is said and
   * tried again when next due.
   */
  const sweepEvery = opts.sweepEveryMs ?? SWEEP_EVERY_MS;
  const sweepBudget = opts.sweepBudgetMs ?? SWEEP_BUDGET_MS;
  let sweptAt: number | undefined;
  let sweepFrom: SweepResult['next'];
  let swept = 0;
  const sweepIfDue = async (): Promise<void> => {
    if (sweepFrom === undefined && sweptAt !== undefined && w.now() - sweptAt < sweepEvery) return;
    if (sweepFrom === undefined) sweptAt = w.now();
    const until = Date.now() + sweepBudget;
    try {
      const r = await w.sweep({ ...(sweepFrom ? { from: sweepFrom } : {}), enough: () => Date.now() >= until || opts.signal?.aborted === true });
      swept += r.deleted;
      sweepFrom = r.next;
      if (sweepFrom === undefined && swept > 0) writeLine(io.stderr, `rekwatch: state: deleted ${plural(swept, 'expired item')}`);
      if (sweepFrom === undefined) swept = 0;
    } catch (e) {
      sweepFrom = undefined;
      swept = 0;
      writeLine(io.stderr, `rekwatch: state: could not delete expired items (${errorText(e)}); trying again in ${formatDuration(sweepEvery)}`);
    }
  };

  // A path walk() skips (a link loop, a dangling link, a directory it cannot list) is named once.
  const skippedNamed = new Set<string>();
  const reportSkipped = (path: string, reason: string): void => {
    const key = `${path}\0${reason}`;
    if (skippedNamed.has(key)) return;
    skippedNamed.add(key);
    writeLine(io.stderr, `rekwatch: skipped ${terminalSafe(path)}: ${reason}`);
  };

  try {
    for (let pass = 0; !opts.signal?.aborted; pass++) {
      if (save()) {
        for await (const file of walk(w.root, reportSkipped)) {
          if (opts.signal?.aborted) break;
          const st = await stat(file).catch(() => undefined);
          if (!st) continue;
          const mark: FileMark = { size: st.size, mtimeMs: st.mtimeMs };
          const sig = `${mark.size}:${mark.mtimeMs}`;
          const fileSince = sinceFor.get(file);
          if (fileSince === undefined && state.isProcessed(file, mark)) continue;
          const retry = retries.get(file);
          if (retry?.sig === sig) {
            if (pass < retry.due) continue;
          } else if (pending.get(file) !== sig) {
            pending.set(file, sig); // seen for the first time, or still growing: look again next pass
            continue;
          }
          pending.delete(file);
          const name = relative(io.cwd, file);
          const out = await processFile(w, file, name, fileSince);
          let again: number | undefined;
          if (out.owed === 0 && !out.partial) {
            state.record(out.handled, file, mark);
            retries.delete(file);
            sinceFor.delete(file);
            w.totals.files++;
          } else {
            state.record(out.handled);
            if (out.owed > 0) {
              const gap = retry ? Math.min(retry.gap * 2, maxGap) : 1;
              retries.set(file, { due: pass + gap, gap, sig });
              again = gap * opts.interval;
            }
          }
          writeLine(io.stderr, fileLine(name, out, retry !== undefined, again));
          if (!save()) break; // the next pass tries again before reading anything more
        }
      }
      if (!opts.signal?.aborted) await sweepIfDue();
      await sleep(opts.interval * 1000, opts.signal);
    }
    try {
      state.save(); // what an interrupted file handled
    } catch (e) {
      if (!(e instanceof WatchStateError)) throw e;
      throw new GiveUp(`${e.message}; stopped (a restart reads the unsaved files again; what was delivered is not sent again)`);
    }
  } catch (e) {
    if (!(e instanceof GiveUp)) throw e;
    writeLine(io.stderr, `rekwatch watch: ${e.message}`);
    return EXIT_FAILED;
  }
  const t = w.totals;
  writeLine(io.stderr, `rekwatch: stopped; this run: ${plural(t.files, 'file')} done, ${plural(t.delivered.size, 'alert')} delivered, ${t.owed.size} failed (retried on the next run), ${t.heldBack} held back`);
  return EXIT_OK;
}

/**
 * The files already in DIR: with history asked for (`since`), returned to be read with that filter;
 * else, in a directory this state has not watched, recorded as processed without being read.
 */
async function takeStock(w: Watch, since: number | undefined): Promise<string[]> {
  const present: string[] = [];
  for await (const file of walk(w.root)) present.push(file);
  const known = w.state.knowsRoot(w.root);
  if (!known) w.state.addRoot(w.root, w.now());
  if (since !== undefined) return present;
  if (known) return [];
  let recorded = 0;
  for (const f of present) {
    const st = await stat(f).catch(() => undefined);
    if (st) (w.state.record([], f, { size: st.size, mtimeMs: st.mtimeMs }), recorded++);
  }
  if (recorded > 0) writeLine(w.io.stderr, `rekwatch: first watch of ${w.dir} with this state: ${plural(recorded, 'file')} already there recorded, not delivered (--from-start or --since TIME delivers them)`);
  return [];
}

/** The end of watch, already explained (one line). */
class GiveUp extends Error {}

/** One line per file read: what it held and what happened to it. */
function fileLine(name: string, out: FileOutcome, retrying: boolean, againInSeconds: number | undefined): string {
  const fresh = out.alerts - out.suppressed;
  const head = retrying
    ? `rekwatch: ${name}: retried ${plural(fresh, 'alert')} still owed to some channel`
    : `rekwatch: ${name}: ${plural(out.records, 'record')}${out.partial ? ' (interrupted; the rest next run)' : ''}, ${fresh} new alert${fresh === 1 ? '' : 's'}`;
  return (
    head +
    (out.suppressed ? `, ${out.suppressed} suppressed` : '') +
    (out.beforeSince ? `, ${out.beforeSince} before --since` : '') +
    (out.owed ? `, ${out.owed} not delivered everywhere yet (retried in ${plural(againInSeconds ?? 0, 'second')})` : retrying ? ', all delivered now' : '')
  );
}

/** Reads one file: every alert not handled before is held back or delivered, at most `concurrency` at once. */
async function processFile(w: Watch, file: string, name: string, since: number | undefined): Promise<FileOutcome> {
  const { io, detect } = w;
  const out: FileOutcome = { records: 0, alerts: 0, suppressed: 0, beforeSince: 0, handled: [], owed: 0, partial: false };
  const seen = new Set<string>();
  const deliveries = new Bounded(w.opts.concurrency ?? 8);
  const failures: StateFailure[] = [];

  const handle = async (matched: Alert) => {
    if (w.state.hasAlert(matched.id) || seen.has(matched.id)) return;
    seen.add(matched.id);
    if (since !== undefined && alertTime(matched, w.now()) < since) {
      out.beforeSince++; // not delivered and not handled: a later --since/--from-start may still ask for it
      return;
    }
    out.alerts++;
    const verdict = await decide(w, matched);
    if (!verdict.deliver) {
      out.suppressed++;
      out.handled.push(matched.id); // handled: never retried, never lost (logged by decide)
      w.totals.heldBack++;
      w.totals.owed.delete(matched.id); // muted while some channel still owed it: no longer owed
      return;
    }
    const alert = withMuteLinks(verdict.alert, w.signer, w.now());
    await deliveries.run(async () => {
      if (settle(w, alert, await deliverOnce(w.channels, alert, w.ledger, io.retry))) out.handled.push(alert.id);
      else out.owed++;
    });
  };
  const detected = async (d: { alerts: Alert[]; notes: string[] }) => {
    for (const n of d.notes) writeLine(io.stderr, `rekwatch: late: ${terminalSafe(n)}`);
    for (const a of d.alerts) await handle(a);
  };
  /** One value, in event-time order when stateful rules reorder them. */
  const evaluate = async (value: unknown, where: string, late: boolean) => {
    const parsed = toRecord(value);
    if (!parsed.ok) {
      writeLine(io.stderr, `rekwatch: malformed: ${terminalSafe(name)}: ${where}: ${terminalSafe(parsed.reason)}`);
      return;
    }
    // Named as replay names it (record and time; the file's own line follows).
    if (late) writeLine(io.stderr, `rekwatch: late: ${terminalSafe(lateRecordNote(String(parsed.record.eventID ?? '(no eventID)'), String(parsed.record.eventTime), detect!.latenessMs))}`);
    const precomputed = detect && w.evaluator.inScope(parsed.record) ? await detect.precompute(parsed.record, late, failures) : undefined;
    const evaluation = await w.evaluator.evaluateRecord(parsed.record, parsed.envelope ? (value as Record<string, unknown>) : undefined, precomputed);
    for (const matched of evaluation.alerts) await handle(matched);
    if (detect && evaluation.selections) await detected(await detect.selections(evaluation.selections, failures, late));
  };

  reading: for await (const batch of readTrail([file], io.stdin, io.cwd, { maxRecordBytes: w.opts.maxRecordSize })) {
    for (const item of batch) {
      if (w.opts.signal?.aborted) {
        out.partial = true;
        break reading;
      }
      if (item.kind === 'malformed') writeLine(io.stderr, `rekwatch: malformed: ${terminalSafe(name)}: ${item.where}: ${item.reason}`);
      if (item.kind !== 'value') continue;
      out.records++;
      if (!detect) await evaluate(item.value, item.where, false);
      else for (const p of detect.take(item.value, item.where)) await evaluate(p.value, p.where, p.late === true);
    }
  }
  if (detect) {
    // Before the file can be recorded as done: everything it put in the buffers is applied.
    for (const p of detect.flushRecords()) await evaluate(p.value, p.where, false);
    await detected(await detect.flushSelections(failures));
  }
  await deliveries.idle();
  for (const f of failures) {
    writeLine(io.stderr, `rekwatch: ${terminalSafe(name)}: could not ${f.step === 'firstSeen' ? 'read first-seen state' : 'apply a threshold selection'}${f.ruleId ? ` of ${f.ruleId}` : ''}${f.eventId ? ` for event ${terminalSafe(f.eventId)}` : ''} (${errorText(f.error)}); other alerts delivered, the file is read again later`);
  }
  if (failures.length > 0) out.owed++;
  return out;
}

/** Mutes and dedupe; fail open, as the Lambda does: an alert is never lost because the store could not be read. */
async function decide(w: Watch, alert: Alert): Promise<Verdict> {
  const { io } = w;
  const verdict = await w.suppressor.decide(alert).catch((e: unknown): Verdict => {
    writeLine(io.stderr, `rekwatch: could not check mutes and dedupe for ${alert.id} (${errorText(e)}); delivering`);
    return { deliver: true, alert };
  });
  if (verdict.deliver) return verdict;
  if (verdict.reason === 'mute') {
    writeLine(io.stderr, `rekwatch: suppressed ${alert.id} (${alert.ruleId}): muted by ${verdict.muteId}`);
    await w.mutes.recordSuppressed(verdict.muteId).catch((e: unknown) => writeLine(io.stderr, `rekwatch: could not count the suppression against ${verdict.muteId}: ${errorText(e)}`));
  } else {
    writeLine(io.stderr, `rekwatch: suppressed ${alert.id} (${alert.ruleId}): dedupe window since ${verdict.windowStart}`);
  }
  return verdict;
}

/** Reports one alert's deliveries; true when no channel owes it any more. */
function settle(w: Watch, alert: Alert, outcomes: ChannelOutcome[]): boolean {
  const { io } = w;
  let done = true;
  for (const o of outcomes) {
    if (o.status === 'failed') {
      done = false;
      writeLine(io.stderr, `rekwatch: delivery of ${alert.id} to ${o.channel} failed after ${plural(o.attempts, 'attempt')}: ${o.error}`);
    } else if (o.status === 'inflight') {
      done = false;
      writeLine(io.stderr, `rekwatch: ${alert.id} to ${o.channel}: another delivery of it is in flight; asking again later`);
    } else if (o.status === 'sent' && o.unrecorded !== undefined) {
      writeLine(io.stderr, `rekwatch: delivered ${alert.id} to ${o.channel} but could not record it (${o.unrecorded}); a crash now would send it again`);
    }
  }
  if (done) {
    w.totals.owed.delete(alert.id);
    if (outcomes.some((o) => o.status === 'sent')) w.totals.delivered.add(alert.id);
  } else {
    w.totals.owed.add(alert.id);
  }
  return done;
}
