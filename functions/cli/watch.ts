/**
 * `rekwatch watch DIR`: follows a directory where trail log files arrive (an `aws s3 sync` target),
 * evaluates each new or changed file as soon as it is complete, and delivers new alerts to the local
 * channels within seconds. Remembers what it processed (state directory) across restarts.
 */
import { stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { DynamoDedupeState } from '../adapters/dedupe-store';
import { deliverToAll } from '../adapters/delivery/channel';
import { MuteStore } from '../adapters/mute-store';
import { readTrail, walk } from '../adapters/trail-reader';
import { WatchState } from '../adapters/watch-state';
import { Evaluator } from '../core/evaluator';
import { withMuteLinks } from '../core/mute-links/links';
import { toRecord } from '../core/record';
import { formatAlertLines } from '../core/replay-report';
import { cachedMutes, Suppressor, type Verdict } from '../core/suppression';
import { channelsForCommand, linkSignerFor } from './channels';
import { writeLine, type CliIo } from './io';
import { eventSourcesFor, loadRulesForCommand } from './load-rules';
import { openState, stateDirFor } from './state';

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
  /** Stop after this (tests and scripts); runs until interrupted otherwise. */
  signal?: AbortSignal;
}

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind (watch sleeps forever). */
const sleep = (ms: number, signal?: AbortSignal) =>
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

export async function watchCommand(dir: string, opts: WatchOptions, io: CliIo): Promise<number> {
  const load = loadRulesForCommand(opts.rules, io, io.stderr, opts.config);
  if (!load) return 2;
  if (!load.ok) {
    writeLine(io.stderr, `${opts.rules}: rules are invalid; not watching`);
    return 1;
  }
  const channels = channelsForCommand(io, opts);
  if (!channels) return 2;
  const signer = linkSignerFor(io, opts);
  if (signer === null) return 2;
  const root = resolve(io.cwd, dir);
  try {
    if (!(await stat(root)).isDirectory()) {
      writeLine(io.stderr, `rekwatch watch: ${dir} is a file; watch follows a directory (use replay for one file)`);
      return 2;
    }
  } catch {
    writeLine(io.stderr, `rekwatch watch: ${dir}: no such directory`);
    return 2;
  }
  const stateDir = stateDirFor(io, opts.stateDir);
  const state = new WatchState(stateDir);
  const evaluator = new Evaluator(load.pack, { eventSources: eventSourcesFor(opts.eventSource, load.config) });
  // Mutes and dedupe windows live in the embedded store (shared with `rekwatch mute` in another terminal).
  const store = await openState(io, { stateDir: opts.stateDir });
  const mutes = new MuteStore(store.client, { tableName: store.tableName, now: io.now });
  const suppressor = new Suppressor({
    rules: load.pack.rules,
    mutes: cachedMutes(() => mutes.live(), 5_000, io.now),
    dedupe: new DynamoDedupeState(store.client, store.tableName),
    now: io.now,
  });
  writeLine(io.stderr, `rekwatch: watching ${dir} every ${opts.interval}s; ${load.pack.rules.filter((r) => r.enabled).length} rules; delivering to console${channels.map((c) => `, ${c.name}`).join('')}; state in ${relative(io.cwd, stateDir) || '.'}`);
  const pending = new Map<string, string>(); // file -> size:mtime seen last poll (a file is processed once it stops changing)

  while (!opts.signal?.aborted) {
    for await (const file of walk(root)) {
      let st;
      try {
        st = await stat(file);
      } catch {
        continue;
      }
      const mark = { size: st.size, mtimeMs: st.mtimeMs };
      if (state.isProcessed(file, mark)) continue;
      const sig = `${mark.size}:${mark.mtimeMs}`;
      if (pending.get(file) !== sig) {
        pending.set(file, sig); // seen for the first time, or still growing: look again next poll
        continue;
      }
      pending.delete(file);
      const name = relative(io.cwd, file);
      const delivered: string[] = [];
      let suppressed = 0;
      let records = 0;
      for await (const batch of readTrail([file], io.stdin, io.cwd)) {
        for (const item of batch) {
          if (item.kind === 'malformed') writeLine(io.stderr, `rekwatch: malformed: ${name}: ${item.where}: ${item.reason}`);
          if (item.kind !== 'value') continue;
          records++;
          const parsed = toRecord(item.value);
          if (!parsed.ok) {
            writeLine(io.stderr, `rekwatch: malformed: ${name}: ${item.where}: ${parsed.reason}`);
            continue;
          }
          const evaluation = await evaluator.evaluateRecord(parsed.record, parsed.envelope ? (item.value as Record<string, unknown>) : undefined);
          for (const matched of evaluation.alerts) {
            if (state.hasAlert(matched.id) || delivered.includes(matched.id)) continue;
            // Fail open, as the Lambda does: an alert is never lost because the store could not be read.
            const verdict = await suppressor.decide(matched).catch((e: unknown): Verdict => {
              writeLine(io.stderr, `rekwatch: could not check mutes and dedupe for ${matched.id} (${(e as Error).message}); delivering`);
              return { deliver: true, alert: matched };
            });
            if (!verdict.deliver) {
              suppressed++;
              delivered.push(matched.id); // handled: never retried, never lost (logged here)
              if (verdict.reason === 'mute') {
                writeLine(io.stderr, `rekwatch: suppressed ${matched.id} (${matched.ruleId}): muted by ${verdict.muteId}`);
                await mutes.recordSuppressed(verdict.muteId).catch((e: unknown) => writeLine(io.stderr, `rekwatch: could not count the suppression against ${verdict.muteId}: ${(e as Error).message}`));
              } else {
                writeLine(io.stderr, `rekwatch: suppressed ${matched.id} (${matched.ruleId}): dedupe window since ${verdict.windowStart}`);
              }
              continue;
            }
            const alert = verdict.alert;
            for (const l of formatAlertLines(alert)) writeLine(io.stdout, l);
            for (const r of await deliverToAll(channels, withMuteLinks(alert, signer, (io.now ?? Date.now)()), io.retry)) {
              if (!r.ok) writeLine(io.stderr, `rekwatch: delivery of ${alert.id} to ${r.channel} failed after ${r.attempts} attempts: ${r.error}`);
            }
            delivered.push(alert.id);
          }
        }
      }
      state.commit(file, mark, delivered);
      writeLine(io.stderr, `rekwatch: ${name}: ${records} records, ${delivered.length - suppressed} new alert${delivered.length - suppressed === 1 ? '' : 's'}${suppressed ? `, ${suppressed} suppressed` : ''}`);
    }
    await sleep(opts.interval * 1000, opts.signal);
  }
  for (const c of channels) (c as { close?: () => void }).close?.();
  await store.close();
  return 0;
}
