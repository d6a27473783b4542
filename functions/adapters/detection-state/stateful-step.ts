/**
 * The stateful step of one record as the Lambda runs it (and watch, for firstSeen): the core's detect
 * stage (functions/core/detect/stage.ts) over a `DetectionStateStore`, with the fail-open policy
 * every runtime shares.
 *
 *   - `firstSeenFacts`: the record's precomputed `firstSeen` fact, learning from the record (one
 *     read-modify-write of its principal's item). Call it only when the evaluator `usesFirstSeen`.
 *     If the state cannot be read or written the fact is left undefined (conditions on it are false,
 *     every other rule evaluates as usual) and the failure is reported.
 *   - `applySelections`: each threshold selection of a record through `detectSelection` in arrival
 *     order (the Lambda has no reorder buffer: EventBridge delivers within seconds, and the reducer
 *     keeps fired windows as anchors, so a reordered, duplicated or retried delivery never fires a
 *     window twice; see threshold.ts). A selection whose state cannot be read or written is not
 *     applied and is reported with its rule and event ids; the others still are.
 *
 * Within one process (a batch evaluated a few messages at a time), updates of the same state key
 * run one after another (`KeyedQueue`): a burst by one principal would otherwise make every
 * concurrent update but one lose its conditional write and read again. Across processes (concurrent
 * invocations) the conditional writes of the store keep them correct.
 *
 * Reported failures (`StateFailure`) are for the caller to log, count and — since a retry can apply
 * them (a duplicate counts once) — to turn into a retry once everything else is delivered. Nothing
 * here throws for a state failure, and nothing that does not depend on state waits for state.
 */
import { firstSeenStateKey, observationOf } from '../../core/detect/first-seen';
import { detectSelection, firstSeenFor, thresholdStateKey, type LateSelection } from '../../core/detect/stage';
import type { Selection } from '../../core/detect/selection';
import type { DetectionStateStore } from '../../core/detect/state-store';
import type { Precomputed } from '../../core/input/facts';
import type { Alert, CloudTrailRecord, RuleDefinition, ThresholdSpec } from '../../core/common/types';

export interface StateFailure {
  step: 'firstSeen' | 'threshold';
  /** The threshold rule whose selection was not applied. */
  ruleId?: string;
  eventId?: string;
  error: unknown;
}

/** Runs tasks one after another per key (others in parallel); a failed task does not block the next. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/** The evaluate function's environment for stateful rules (set by infra from `detectLateness` / `firstSeenMemory`). */
export const DETECT_ENV = { latenessMs: 'DETECT_LATENESS_MS', firstSeenMemoryMs: 'FIRST_SEEN_MEMORY_MS' } as const;

/** The options from the environment: whole numbers of ms when set; a bad value throws, naming the variable. */
export function statefulOptionsFromEnv(env: Record<string, string | undefined>): StatefulOptions {
  const out: StatefulOptions = {};
  for (const [key, name] of Object.entries(DETECT_ENV) as Array<[keyof typeof DETECT_ENV, string]>) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`${name}: must be a whole number of milliseconds, got "${text}"`);
    out[key] = Number(text);
  }
  return out;
}

export interface StatefulOptions {
  /** Serialises updates of one key within this process (share one per handler). */
  queue?: KeyedQueue;
  /** How late a selection may be and still be applied (event time, ms); the core's default otherwise (15 minutes). */
  latenessMs?: number;
  /** How long firstSeen remembers a value (ms); the core's default otherwise (30 days). */
  firstSeenMemoryMs?: number;
}

export async function firstSeenFacts(
  store: () => DetectionStateStore | Promise<DetectionStateStore>,
  record: CloudTrailRecord,
  options: StatefulOptions,
  failures: StateFailure[],
): Promise<Precomputed | undefined> {
  try {
    const s = await store();
    const learn = () => firstSeenFor(s, record, options.firstSeenMemoryMs === undefined ? {} : { memoryMs: options.firstSeenMemoryMs });
    const principal = observationOf(record)?.principal;
    const fact = options.queue && principal !== undefined ? await options.queue.run(firstSeenStateKey(principal), learn) : await learn();
    return fact === undefined ? undefined : { firstSeen: fact };
  } catch (error) {
    failures.push({ step: 'firstSeen', eventId: typeof record.eventID === 'string' ? record.eventID : undefined, error });
    return undefined;
  }
}

export interface AppliedSelections {
  alerts: Alert[];
  late: LateSelection[];
  duplicates: number;
}

/** The threshold specs of a pack's enabled rules, by rule id. */
export function thresholdSpecs(rules: readonly RuleDefinition[]): Map<string, ThresholdSpec> {
  return new Map(rules.filter((r) => r.enabled && r.threshold).map((r) => [r.id, r.threshold as ThresholdSpec]));
}

export async function applySelections(
  store: () => DetectionStateStore | Promise<DetectionStateStore>,
  selections: readonly Selection[],
  specs: ReadonlyMap<string, ThresholdSpec>,
  options: StatefulOptions,
  failures: StateFailure[],
): Promise<AppliedSelections> {
  const out: AppliedSelections = { alerts: [], late: [], duplicates: 0 };
  for (const s of selections) {
    const spec = specs.get(s.ruleId);
    if (!spec) continue;
    try {
      const st = await store();
      const apply = () => detectSelection(st, s, spec, options.latenessMs === undefined ? {} : { latenessMs: options.latenessMs });
      const r = options.queue ? await options.queue.run(thresholdStateKey(s.ruleId, s.key), apply) : await apply();
      if (r.outcome === 'late') out.late.push({ ruleId: s.ruleId, eventId: s.alert.eventId, eventTime: s.alert.eventTime });
      else if (r.outcome === 'duplicate') out.duplicates++;
      out.alerts.push(...r.alerts);
    } catch (error) {
      failures.push({ step: 'threshold', ruleId: s.ruleId, eventId: s.alert.eventId, error });
    }
  }
  return out;
}
