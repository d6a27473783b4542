/**
 * Whether an alert is delivered (pure decision over injected state): first live mutes (the oldest
 * covering mute wins), then the rule's dedupe window. A held-back alert is never dropped silently:
 * the verdict names the mute or the window, for the caller to count and log.
 */
import { alertTime, dedupeKey, type DedupeState } from './dedupe';
import { findMute, type Mute } from './mute';
import { ttlCache } from '../common/ttl-cache';
import type { Alert, RuleDefinition } from '../common/types';

export type Verdict =
  | { deliver: true; alert: Alert }
  | { deliver: false; reason: 'mute'; muteId: string }
  | { deliver: false; reason: 'dedupe'; windowStart: string };

export interface SuppressionDeps {
  rules: readonly RuleDefinition[];
  /** Live mutes (cached by the caller as it sees fit); omit to apply none (`--no-mutes`). */
  mutes?: () => Promise<readonly Mute[]>;
  /** Dedupe state; omit to apply no dedupe windows. */
  dedupe?: DedupeState;
  now?: () => number;
}

export class Suppressor {
  private readonly rules: Map<string, RuleDefinition>;
  private readonly now: () => number;

  constructor(private readonly deps: SuppressionDeps) {
    this.rules = new Map(deps.rules.map((r) => [r.id, r]));
    this.now = deps.now ?? Date.now;
  }

  async decide(alert: Alert): Promise<Verdict> {
    if (this.deps.mutes) {
      const mute = findMute(await this.deps.mutes(), alert, this.now());
      if (mute) return { deliver: false, reason: 'mute', muteId: mute.id };
    }
    const spec = this.rules.get(alert.ruleId)?.dedupe;
    if (spec && this.deps.dedupe) {
      const d = await this.deps.dedupe.admit(dedupeKey(alert, spec), alert.id, alertTime(alert, this.now()), spec.windowMs);
      if (!d.deliver) return { deliver: false, reason: 'dedupe', windowStart: d.windowStart };
      if (d.previous) return { deliver: true, alert: { ...alert, suppressedBefore: d.previous } };
    }
    return { deliver: true, alert };
  }
}

/** Live mutes read at most once per `ttlMs` (the Lambda: a new mute takes effect within a minute). */
export function cachedMutes(read: () => Promise<readonly Mute[]>, ttlMs: number, now: () => number = Date.now): () => Promise<readonly Mute[]> {
  const cache = ttlCache(read, ttlMs, now);
  return () => cache.get();
}
