/**
 * `rekwatch mute`, `rekwatch unmute`, `rekwatch mutes`: scoped, expiring, audited mutes in the state
 * store (local or the stack's table, see state.ts). Invalid input gets every problem at once and
 * changes nothing; every mute records who, when, why and until when, and stays on record after it
 * ends. Everything read from the store is printed through terminalSafe (a reason or name can hold
 * anything: escape sequences, bidi overrides), and `mutes` reports what the store holds but does not
 * apply (a live-set entry without audit record, ...) as problems, exiting 1.
 */
import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join, relative } from 'node:path';
import type { DeployConfigFile } from '../adapters/deploy-config-file';
import { MuteLimitError, MuteNotFound, MuteStore, UnauditedEntryRemoved, type MuteProblem, type MuteRecord } from '../adapters/mute-store';
import { formatDuration, parseDuration } from '../core/common/duration';
import { checkMuteInput, DEFAULT_MUTE_POLICY, describeMute, isLive, type Mute, type MutePolicy } from '../core/suppress/mute';
import { terminalSafe } from '../core/common/text';
import { writeLine, type CliIo } from './io';
import { loadRulesForCommand } from './load-rules';
import { stateDirFor, withState, type StateOptions } from './state';

export interface MuteOptions extends StateOptions {
  rules: string;
  config?: string;
  principal?: string;
  ip?: string;
  account?: string;
  eventName?: string;
  for?: string;
  until?: string;
  reason?: string;
  by?: string;
  json?: boolean;
}

/** Who is acting: --by, else $REKWATCH_USER, else the OS user at this host. */
export function actor(io: CliIo, by?: string): string {
  const env = io.env ?? process.env;
  if (by?.trim()) return by.trim();
  if (env.REKWATCH_USER?.trim()) return env.REKWATCH_USER.trim();
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return `${user}@${hostname()}`;
}

/** The mute limits from the deployment config file (`mutes.defaultDuration`, `mutes.maxDuration`). */
export function mutePolicy(config: DeployConfigFile): MutePolicy {
  return {
    defaultMs: parseDuration(config.mutes?.defaultDuration ?? '') ?? DEFAULT_MUTE_POLICY.defaultMs,
    maxMs: parseDuration(config.mutes?.maxDuration ?? '') ?? DEFAULT_MUTE_POLICY.maxMs,
  };
}

/** A line of output that holds values from the store: shown with visible escapes, never raw. */
function say(stream: CliIo['stdout'], text: string): void {
  writeLine(stream, terminalSafe(text));
}

/**
 * JSON that is also safe on a terminal: JSON.stringify leaves C1 controls, bidi overrides and
 * zero-width characters raw; here they are \u escapes (the same string once parsed).
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => (terminalSafe(c) === c ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function line(m: Mute, now: number): string {
  return `${m.id}  ${describeMute(m)} until ${m.expiresAt} (${formatDuration(Date.parse(m.expiresAt) - now)} left)`;
}

export async function muteCommand(ruleId: string, opts: MuteOptions, io: CliIo): Promise<number> {
  const now = (io.now ?? Date.now)();
  const load = loadRulesForCommand(opts.rules, io, io.stderr, opts.config);
  if (!load) return 2;
  let forMs: number | undefined;
  const problems: string[] = [];
  if (opts.for !== undefined) {
    const ms = parseDuration(opts.for);
    if (ms === null) problems.push(`for: "${opts.for}" is not a duration (like 30m, 4h, 2d)`);
    else forMs = ms;
  }
  const check = checkMuteInput(
    {
      ruleId,
      scope: { principal: opts.principal, ip: opts.ip, account: opts.account, eventName: opts.eventName },
      reason: opts.reason,
      createdBy: actor(io, opts.by),
      forMs,
      until: opts.until,
    },
    new Set(load.pack.rules.map((r) => r.id)),
    now,
    mutePolicy(load.config),
  );
  if (!check.ok) problems.push(...check.problems);
  if (problems.length > 0 || !check.ok) {
    for (const p of problems) writeLine(io.stderr, `rekwatch mute: ${p}`);
    writeLine(io.stderr, 'rekwatch mute: nothing was muted');
    return 2;
  }
  return withState(io, opts, 'mute', async (state) => {
    const store = new MuteStore(state.client, { tableName: state.tableName, now: io.now });
    let mute: Mute;
    try {
      mute = await store.create(check.mute);
    } catch (e) {
      if (!(e instanceof MuteLimitError)) throw e;
      writeLine(io.stderr, `rekwatch mute: ${e.message}`);
      writeLine(io.stderr, 'rekwatch mute: nothing was muted');
      return 1;
    }
    const same = (await store.live()).filter((m) => m.id !== mute.id && m.ruleId === mute.ruleId && JSON.stringify(m.scope) === JSON.stringify(mute.scope));
    for (const m of same) say(io.stderr, `rekwatch mute: note: ${m.id} already mutes exactly this, until ${m.expiresAt}`);
    if (opts.json) writeLine(io.stdout, terminalSafeJson(mute));
    else say(io.stdout, `muted ${line(mute, now)}; undo with: rekwatch unmute ${mute.id}`);
    return 0;
  });
}

/** True when a read-only command would have to create the local store to answer (it answers without it). */
function noLocalState(io: CliIo, opts: StateOptions): string | undefined {
  if (opts.table || opts.stack) return undefined;
  const dir = stateDirFor(io, opts.stateDir);
  return existsSync(join(dir, 'db')) ? undefined : relative(io.cwd, dir) || dir;
}

export async function unmuteCommand(id: string, opts: StateOptions & { by?: string; json?: boolean }, io: CliIo): Promise<number> {
  const none = noLocalState(io, opts);
  if (none) {
    writeLine(io.stderr, `rekwatch unmute: no mute with id ${id} (no state in ${none} yet)`);
    return 1;
  }
  return withState(io, opts, 'unmute', async (state) => {
    try {
      const ended = await new MuteStore(state.client, { tableName: state.tableName, now: io.now }).remove(id, actor(io, opts.by));
      if (opts.json) writeLine(io.stdout, terminalSafeJson(ended));
      else say(io.stdout, `unmuted ${ended.id}: ${describeMute(ended)} is delivered again`);
      return 0;
    } catch (e) {
      if (e instanceof UnauditedEntryRemoved) {
        say(io.stdout, `rekwatch unmute: ${e.message}`);
        return 0;
      }
      if (!(e instanceof MuteNotFound)) throw e;
      say(io.stderr, `rekwatch unmute: ${e.message}`);
      return 1;
    }
  });
}

function status(m: MuteRecord, now: number): string {
  if (m.removedAt) return `removed by ${m.removedBy} at ${m.removedAt}`;
  if (!isLive(m, now)) return `expired at ${m.expiresAt}`;
  return `${formatDuration(Date.parse(m.expiresAt) - now)} left`;
}

export async function mutesCommand(opts: StateOptions & { all?: boolean; json?: boolean }, io: CliIo): Promise<number> {
  const now = (io.now ?? Date.now)();
  const none = noLocalState(io, opts);
  if (none) {
    if (!opts.json) writeLine(io.stdout, `no mutes: no state in ${none} yet (every alert is delivered)`);
    return 0;
  }
  return withState(io, opts, 'mutes', async (state) => {
    const store = new MuteStore(state.client, { tableName: state.tableName, now: io.now });
    const live = await store.liveSet();
    const problems: MuteProblem[] = [...live.problems];
    let records = live.records;
    if (opts.all) {
      const history = await store.history();
      records = history.records;
      problems.push(...history.problems);
    }
    const report = () => {
      for (const p of problems) say(io.stderr, `rekwatch mutes: problem: ${p.message}`);
      return problems.length > 0 ? 1 : 0;
    };
    if (opts.json) {
      for (const r of records) writeLine(io.stdout, terminalSafeJson({ ...r, live: isLive(r, now) }));
      return report();
    }
    if (records.length === 0) {
      say(io.stdout, opts.all ? `no mutes on record in ${state.where}` : `no live mutes in ${state.where}: every alert is delivered`);
      return report();
    }
    for (const r of records) {
      say(io.stdout, `${r.id}  ${describeMute(r)}`);
      say(io.stdout, `    ${status(r, now)}; until ${r.expiresAt}; suppressed ${r.suppressed} alert${r.suppressed === 1 ? '' : 's'}${r.lastSuppressedAt ? ` (last ${r.lastSuppressedAt})` : ''}`);
      say(io.stdout, `    by ${r.createdBy} at ${r.createdAt}: ${r.reason}`);
    }
    return report();
  });
}
