/**
 * `rekwatch replay`: backtests the rules over CloudTrail logs, exactly as production would evaluate
 * them (same scope, same evaluator). Streams file by file; memory stays flat.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { deliverToAll, type DeliveryChannel } from '../adapters/delivery/channel';
import { MuteStore } from '../adapters/mute-store';
import { readTrail } from '../adapters/trail-reader';
import { deliveryKeyOf } from '../core/alert';
import { MemoryDedupeState } from '../core/dedupe';
import { DuplicateWindow } from '../core/duplicate-window';
import { Evaluator } from '../core/evaluator';
import { withMuteLinks } from '../core/mute-links/links';
import type { Mute } from '../core/mutes/mute';
import { toRecord } from '../core/record';
import { renderSummary, formatAlertLines } from '../core/replay-report';
import { ReplayStats } from '../core/replay-stats';
import { Suppressor } from '../core/suppression';
import { jsonTerminalSafe, terminalSafe } from '../core/text';
import { channelsForCommand, linkSignerFor } from './channels';
import { writeLine, type CliIo } from './io';
import { eventSourcesFor, loadRulesForCommand } from './load-rules';
import { Progress } from './progress';
import { openState, stateDirFor } from './state';

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
}

const SAMPLE_LIMIT = 20;

class Output {
  closed = false;
  constructor(private readonly stream: Writable) {
    stream.on('error', () => {
      this.closed = true; // e.g. EPIPE when piped into `head`: stop writing, keep counting
    });
  }
  async line(text: string): Promise<void> {
    if (this.closed) return;
    if (this.stream.write(`${text}\n`)) return;
    try {
      await Promise.race([once(this.stream, 'drain'), once(this.stream, 'close')]);
    } catch {
      this.closed = true; // the reader went away (EPIPE): stop writing, keep counting
    }
  }
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
      return await new MuteStore(state.client, { tableName: state.tableName, now: io.now }).live();
    } finally {
      await state.close();
    }
  } catch (e) {
    writeLine(io.stderr, `rekwatch: cannot read mutes (${(e as Error).message}); use --no-mutes to replay without them`);
    return null;
  }
}

export async function replayCommand(paths: string[], opts: ReplayOptions, io: CliIo): Promise<number> {
  const load = loadRulesForCommand(opts.rules, io, io.stderr, opts.config);
  if (!load) return 2; // no rules directory: a usage error
  if (!load.ok) {
    writeLine(io.stderr, `${opts.rules}: rules are invalid; nothing was replayed`);
    return 1;
  }
  let channels: DeliveryChannel[] = [];
  if (opts.deliver || opts.deliverFile) {
    const configured = channelsForCommand(io, opts);
    if (!configured) return 2;
    channels = configured;
    if (channels.length === 0) {
      writeLine(io.stderr, 'rekwatch: --deliver needs a channel: write .rekwatch/channels.json (or --channels FILE; see README), set REKWATCH_SLACK_WEBHOOK_URL, or REKWATCH_SMTP_URL with REKWATCH_EMAIL_FROM and REKWATCH_EMAIL_TO, or use --deliver-file PATH');
      return 2;
    }
  }
  const signer = channels.length > 0 ? linkSignerFor(io, opts) : undefined;
  if (signer === null) return 2;
  const delivery = { delivered: 0, failed: 0, byChannel: {} as Record<string, { delivered: number; failed: number }> };
  for (const c of channels) delivery.byChannel[c.name] = { delivered: 0, failed: 0 };
  const evaluator = new Evaluator(load.pack, { eventSources: eventSourcesFor(opts.eventSource, load.config) });
  const mutes = opts.mutes === false ? undefined : await liveMutes(io, opts);
  if (mutes === null) return 2;
  const suppressor = new Suppressor({
    rules: load.pack.rules,
    ...(mutes ? { mutes: async () => mutes } : {}),
    ...(opts.dedupe === false ? {} : { dedupe: new MemoryDedupeState() }),
    now: io.now,
  });
  const stats = new ReplayStats();
  const duplicates = new DuplicateWindow();
  const out = new Output(io.stdout);
  const progress = new Progress(io.stderr, io.stderrIsTTY);
  const malformedSamples: string[] = [];
  const ruleErrorSamples: string[] = [];
  const unreadable: string[] = [];
  const maxAlerts = opts.maxAlerts ?? 100;
  let shown = 0;

  const noteMalformed = (text: string) => {
    stats.malformed++;
    if (malformedSamples.length < SAMPLE_LIMIT) {
      malformedSamples.push(text);
      if (opts.json) progress.above(terminalSafe(`rekwatch: malformed: ${text}`));
    } else if (opts.json && stats.malformed === SAMPLE_LIMIT + 1) {
      progress.above(`rekwatch: malformed: more malformed input; only the first ${SAMPLE_LIMIT} are named (see "malformed" in the summary)`);
    }
  };

  for await (const batch of readTrail(paths, io.stdin, io.cwd, { maxRecordBytes: opts.maxRecordSize })) {
    for (const item of batch) {
      switch (item.kind) {
        case 'file':
          stats.files++;
          break;
        case 'bytes':
          stats.bytes += item.bytes;
          break;
        case 'unreadable':
          stats.unreadable++;
          unreadable.push(`${item.file}: ${item.reason}`);
          progress.above(terminalSafe(`rekwatch: cannot read ${item.file}: ${item.reason}`));
          break;
        case 'malformed':
          stats.records++;
          noteMalformed(`${item.file}: ${item.where}: ${item.reason}`);
          break;
        case 'value': {
          stats.records++;
          const parsed = toRecord(item.value);
          if (!parsed.ok) {
            noteMalformed(`${item.file}: ${item.where}: ${parsed.reason}`);
            break;
          }
          if (duplicates.seenBefore(deliveryKeyOf(parsed.record))) {
            stats.duplicates++;
            break;
          }
          const envelope = parsed.envelope ? (item.value as Record<string, unknown>) : undefined;
          const evaluation = await evaluator.evaluateRecord(parsed.record, envelope);
          if (evaluation.status === 'outOfScope') {
            stats.outOfScope++;
            break;
          }
          stats.evaluated++;
          for (const e of evaluation.errors) {
            stats.ruleErrors++;
            if (ruleErrorSamples.length < SAMPLE_LIMIT) ruleErrorSamples.push(`${e.ruleId}: ${item.file}: ${item.where}: ${e.message}`);
          }
          for (const matched of evaluation.alerts) {
            stats.addAlert(matched);
            const verdict = await suppressor.decide(matched);
            if (!verdict.deliver) {
              stats.suppressed[verdict.reason]++;
              continue;
            }
            const alert = verdict.alert;
            if (channels.length > 0) {
              for (const r of await deliverToAll(channels, withMuteLinks(alert, signer, (io.now ?? Date.now)()), io.retry)) {
                const c = delivery.byChannel[r.channel] as { delivered: number; failed: number };
                if (r.ok) {
                  delivery.delivered++;
                  c.delivered++;
                } else {
                  delivery.failed++;
                  c.failed++;
                  progress.above(terminalSafe(`rekwatch: delivery of ${alert.id} to ${r.channel} failed after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}: ${r.error}`));
                }
              }
            }
            if (opts.json) {
              await out.line(jsonTerminalSafe(JSON.stringify(alert)));
            } else if (shown < maxAlerts) {
              shown++;
              progress.clear();
              for (const l of formatAlertLines(alert)) await out.line(l);
            }
          }
          break;
        }
      }
    }
    progress.update(stats);
  }
  progress.clear();

  for (const c of channels) (c as { close?: () => void }).close?.();
  const summary = channels.length > 0 ? { ...stats.summary(), delivery } : stats.summary();
  const noInput = stats.files === 0;
  if (noInput) writeLine(io.stderr, 'rekwatch: no input could be read');
  if (opts.json) {
    writeLine(io.stderr, jsonTerminalSafe(JSON.stringify(summary)));
  } else if (!noInput) {
    if (shown === 0) await out.line(stats.alerts === 0 ? 'No alerts.' : 'Alerts are not printed (--max-alerts 0).');
    await out.line('');
    for (const l of renderSummary({ stats, rules: evaluator.rules, malformedSamples, ruleErrorSamples, unreadable, shownAlerts: shown, top: opts.top })) {
      await out.line(l);
    }
  }
  if (noInput) return 2;
  if (delivery.failed > 0 && !opts.json) {
    await out.line('');
    await out.line(`Delivery: ${delivery.delivered} delivered, ${delivery.failed} failed (${Object.entries(delivery.byChannel).map(([k, v]) => `${k}: ${v.delivered} ok, ${v.failed} failed`).join('; ')})`);
  } else if (channels.length > 0 && !opts.json) {
    await out.line('');
    await out.line(`Delivery: ${delivery.delivered} delivered to ${channels.map((c) => c.name).join(', ')}`);
  }
  return delivery.failed > 0 ? 3 : 0;
}
