/**
 * Which path CloudTrail events take to the evaluate function (pure, at synth):
 *
 *   - `direct` (the plain path): each EventBridge rule invokes the function asynchronously, one
 *     event per invocation. Right for write-only packs: Rekognition writes are few.
 *   - `queue` (the queue path, constructs/event-queue.ts): each EventBridge rule sends to an SQS
 *     queue that the function consumes in batches of hundreds.
 *
 * `detectionPath=auto` (the default) picks `queue` exactly when some enabled *stateful* rule (a
 * `threshold`, or a condition on the `firstSeen` fact) can match a read-only call: such a rule needs
 * every Detect*, Search* (...) call the pattern lets through (ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS),
 * which is the high-volume traffic, and (firstSeen) learns from every one of them. "Can match a
 * read-only call" is decided by the pattern compiler itself, on that rule alone, so it agrees with the
 * state the deployed EventBridge rule gets. A stateless rule that matches read-only calls (e.g. root
 * user activity: rare) does not switch the path on its own. `detectionPath=queue|direct` overrides.
 */
import { factsUsed } from '../functions/core/match/evaluator';
import { FIRST_SEEN_FACT } from '../functions/core/input/facts';
import { compileEventPatterns, STATE_ALL_MANAGEMENT_EVENTS } from '../functions/core/eventbridge/event-pattern';
import type { RuleDefinition, RulePack } from '../functions/core/common/types';
import type { DetectionPathSetting } from '../functions/adapters/deploy-config';

export interface DetectionPathChoice {
  path: 'queue' | 'direct';
  /** Enabled stateful rules that can match read-only calls (what `auto` looks at). */
  statefulReadOnly: string[];
  /** One line for the synth output: the path and why. */
  reason: string;
}

/** A rule that keeps detection state: a threshold window or the firstSeen fact. */
export function isStatefulRule(rule: RuleDefinition): boolean {
  return rule.threshold !== undefined || factsUsed(rule.conditions).has(FIRST_SEEN_FACT);
}

function canMatchReadOnly(rule: RuleDefinition, pack: RulePack, eventSources: readonly string[]): boolean {
  return compileEventPatterns({ ...pack, rules: [rule] }, { eventSources }).rules.some((r) => r.state === STATE_ALL_MANAGEMENT_EVENTS);
}

export function chooseDetectionPath(pack: RulePack, setting: DetectionPathSetting, eventSources: readonly string[]): DetectionPathChoice {
  const statefulReadOnly = pack.rules.filter((r) => r.enabled && isStatefulRule(r) && canMatchReadOnly(r, pack, eventSources)).map((r) => r.id);
  const named = `${statefulReadOnly.slice(0, 5).join(', ')}${statefulReadOnly.length > 5 ? ` and ${statefulReadOnly.length - 5} more` : ''}`;
  if (setting === 'queue') return { path: 'queue', statefulReadOnly, reason: 'queue path (detectionPath=queue)' };
  if (setting === 'direct') {
    return {
      path: 'direct',
      statefulReadOnly,
      reason: `plain path (detectionPath=direct)${statefulReadOnly.length ? `, although stateful rules need read-only calls (${named}): one invocation per call` : ''}`,
    };
  }
  return statefulReadOnly.length > 0
    ? { path: 'queue', statefulReadOnly, reason: `queue path (auto): stateful rules need read-only calls (${named})` }
    : { path: 'direct', statefulReadOnly, reason: 'plain path (auto): no stateful rule needs read-only calls' };
}
