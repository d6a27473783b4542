/**
 * The enabled rules of a pack -> EventBridge rule patterns (pure).
 *
 * In AWS, EventBridge decides which CloudTrail events reach the evaluate function at all. The
 * patterns must be SOUND: every event that some enabled rule could alert on must match some pattern
 * (with a state that lets it through); matching more than needed (widening) is always allowed and only
 * costs invocations. So everything here reads rule conditions the way `event-name-index.ts` does:
 * only constructs whose meaning is certain narrow a pattern, anything else widens it.
 *
 * What narrows, per rule:
 *   - eventName: `possibleEventNames` (equal / in, named lists, all / any);
 *   - principalType: a leaf `principalType equal "X"` or `principalType in [...]` (no path, no params;
 *     the value may be a named list) reachable from the top-level `all` through nested `all` only.
 *     principalType is exactly `userIdentity.type` when that is a non-empty string (facts.ts), so the
 *     pattern can require `detail.userIdentity.type`.
 * A rule with an eventName set narrows by eventName only (dropping its principalType constraint
 * widens, which is sound); a rule with only a principalType constraint narrows by userIdentity.type;
 * a rule with neither cannot be narrowed, and the pattern that carries it matches every call of the
 * configured services.
 *
 * State: read-only management events (Detect*, Search*, ...) reach a rule only when its state is
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, and they are the high-volume calls. A rule can match a
 * read-only call unless (a) a leaf reachable through `all` excludes `readOnly` true (`readOnly equal
 * false`, `notEqual true`, `in [false]`, `exists false`, ...; the readOnly fact is normalised to a
 * boolean, facts.ts), or (b) every eventName it can match is a known mutating Rekognition operation
 * (used only when every configured eventSource is Rekognition's). An EventBridge rule gets the ALL-management state exactly
 * when a rule it carries can match a read-only call. Rules that cannot match read-only calls share
 * that EventBridge rule only when it costs nothing (the values they add are mutating operation names);
 * otherwise they get their own ENABLED rule, so one read-only rule does not pull every read-only call
 * matching the others' patterns into the function.
 *
 * Size: a pattern longer than `maxPatternLength` characters (JSON) is split into several EventBridge
 * rules, each carrying the rules that can match one of its values; when a single value cannot fit,
 * narrowing is dropped. `notes` says which of these happened and why.
 */
import { possibleEventNames } from '../match/event-name-index';
import { parseSimplePath } from '../common/json-path';
import { isPlainObject } from '../common/json-value';
import { REKOGNITION_EVENT_SOURCE, REKOGNITION_READ_ONLY_OPERATIONS, REKOGNITION_WRITE_OPERATIONS } from '../common/rekognition';
import type { RuleDefinition, RulePack } from '../common/types';

/** Mutating (`readOnly: false`) and read-only Rekognition operations: derived from the one list in rekognition.ts. */
export { REKOGNITION_WRITE_OPERATIONS as REKOGNITION_MUTATING_OPERATIONS, REKOGNITION_READ_ONLY_OPERATIONS, REKOGNITION_EVENT_SOURCE } from '../common/rekognition';
export const CLOUDTRAIL_API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const DEFAULT_MAX_PATTERN_LENGTH = 2048;
export const STATE_ALL_MANAGEMENT_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

export interface CompiledEventRule {
  /** EventBridge event pattern object (source, detail-type, detail). */
  pattern: Record<string, unknown>;
  /** 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' exactly when some rule covered by this EventBridge rule can match a read-only call, else 'ENABLED'. */
  state: 'ENABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
  /** Rule ids whose events this EventBridge rule carries. */
  ruleIds: string[];
}

export interface CompiledPatterns {
  /** Usually 1; more when split for the size limit or by state. */
  rules: CompiledEventRule[];
  /** Human-readable lines for the synth output: what was narrowed/split/widened and why. */
  notes: string[];
}

export interface CompileOptions {
  /** CloudTrail eventSource values in scope (the evaluator's `eventSources`). Default: Rekognition. */
  eventSources?: readonly string[];
  /** Largest `JSON.stringify(pattern).length` allowed. Default 2048 (EventBridge's default quota). */
  maxPatternLength?: number;
}

const MUTATING = new Set(REKOGNITION_WRITE_OPERATIONS);
const READ_ONLY = new Set(REKOGNITION_READ_ONLY_OPERATIONS);

/** What one enabled rule lets us say about the events it can alert on. */
interface RuleShape {
  id: string;
  /** eventNames it can match, or null for any. */
  names: Set<string> | null;
  /** userIdentity.type values it can match, or null for any. */
  types: Set<string> | null;
  /** Whether it can alert on a read-only call. */
  readOnly: boolean;
  /** Why it can never alert (a contradiction in its conditions), or null. */
  never: string | null;
}

// ---------------------------------------------------------------------------------------------------
// Reading rule conditions

/**
 * Leaves reachable from the root through `all` nodes only: each of them must hold for the rule to
 * alert. A node is read as `all` only when it is unambiguously one (json-rules-engine gives `any`
 * precedence over `all` on a node that has both; such a node contributes nothing here).
 */
function allReachableLeaves(node: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (!isPlainObject(node)) return out;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(node, k);
  if (has('all')) {
    if (!has('any') && !has('not') && !has('condition') && Array.isArray(node.all)) {
      for (const child of node.all) allReachableLeaves(child, out);
    }
    return out;
  }
  if (has('any') || has('not') || has('condition')) return out;
  if (has('fact') && has('operator')) out.push(node);
  return out;
}

/** True when some node has more than one of all/any/not (json-rules-engine and the index read it differently). */
function hasAmbiguousNode(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasAmbiguousNode);
  if (!isPlainObject(node)) return false;
  const keys = ['all', 'any', 'not', 'condition'].filter((k) => Object.prototype.hasOwnProperty.call(node, k));
  if (keys.length > 1) return true;
  return hasAmbiguousNode(node.all) || hasAmbiguousNode(node.any) || hasAmbiguousNode(node.not);
}

/** A leaf on this fact, with no path and no params, and a string operator. */
function isPlainLeaf(leaf: Record<string, unknown>, fact: string): boolean {
  return leaf.fact === fact && leaf.path === undefined && leaf.params === undefined && typeof leaf.operator === 'string';
}

/**
 * A leaf's value with a `{"fact": "lists", "path": "$.NAME"}` reference resolved (lists are fixed for
 * the life of a pack, as in event-name-index.ts); undefined when it is some other fact reference or an
 * unknown list.
 */
function resolvedValue(value: unknown, lists: Readonly<Record<string, readonly string[]>>): unknown {
  if (!isPlainObject(value) || !Object.prototype.hasOwnProperty.call(value, 'fact')) return value;
  if (value.fact !== 'lists' || value.params !== undefined || typeof value.path !== 'string') return undefined;
  const steps = parseSimplePath(value.path);
  if (!steps || steps.length !== 1 || steps[0]?.kind !== 'name') return undefined;
  return Object.prototype.hasOwnProperty.call(lists, steps[0].name) ? lists[steps[0].name] : undefined;
}

/** The userIdentity.type values a rule can match (intersection of its principalType leaves), or null. */
function possiblePrincipalTypes(conditions: unknown, lists: Readonly<Record<string, readonly string[]>>): Set<string> | null {
  const sets: Set<string>[] = [];
  for (const leaf of allReachableLeaves(conditions)) {
    if (!isPlainLeaf(leaf, 'principalType')) continue;
    const value = resolvedValue(leaf.value, lists);
    if (leaf.operator === 'equal' && typeof value === 'string') sets.push(new Set([value]));
    // Anything but an array of strings gives no constraint (widening is sound).
    else if (leaf.operator === 'in' && Array.isArray(value) && value.every((v) => typeof v === 'string')) sets.push(new Set(value as string[]));
  }
  if (sets.length === 0) return null;
  const acc = sets.reduce((a, b) => new Set([...a].filter((t) => b.has(t))));
  return acc;
}

/**
 * Whether some leaf reachable through `all` is false whenever the readOnly fact is true (which it is,
 * as a boolean, for a record with readOnly true or "true"; facts.ts normalises it).
 */
function excludesReadOnly(conditions: unknown, lists: Readonly<Record<string, readonly string[]>>): boolean {
  return allReachableLeaves(conditions).some((leaf) => {
    if (!isPlainLeaf(leaf, 'readOnly')) return false;
    const isRef = isPlainObject(leaf.value) && Object.prototype.hasOwnProperty.call(leaf.value, 'fact');
    const v = resolvedValue(leaf.value, lists);
    // A fact reference that cannot be resolved statically could be true at run time.
    if (isRef && v === undefined) return false;
    switch (leaf.operator) {
      case 'equal': return v !== true;
      case 'notEqual': return v === true;
      case 'in': return Array.isArray(v) && !v.includes(true);
      case 'notIn': return Array.isArray(v) && v.includes(true);
      // A read-only call has readOnly true, which exists.
      case 'exists': return v === false;
      default: return false;
    }
  });
}

function shapeOf(rule: RuleDefinition, lists: Readonly<Record<string, readonly string[]>>, mutatingListApplies: boolean): RuleShape {
  // A node with both all and any is read as `all` by the eventName index but as `any` by
  // json-rules-engine; validation rejects it, and here it narrows nothing.
  const ambiguous = hasAmbiguousNode(rule.conditions);
  const names = ambiguous ? null : possibleEventNames(rule.conditions, lists);
  const types = ambiguous ? null : possiblePrincipalTypes(rule.conditions, lists);
  let never: string | null = null;
  if (names !== null && names.size === 0) never = 'its eventName conditions admit no eventName';
  else if (names === null && types !== null && types.size === 0) never = 'its principalType conditions admit no principal type';
  const allMutating = mutatingListApplies && names !== null && names.size > 0 && [...names].every((n) => MUTATING.has(n));
  return { id: rule.id, names, types: names === null ? types : null, readOnly: !excludesReadOnly(rule.conditions, lists) && !allMutating, never };
}

// ---------------------------------------------------------------------------------------------------
// Building patterns

/** `rekognition.amazonaws.com` -> `aws.rekognition`. */
export function eventBridgeSource(eventSource: string): string {
  return `aws.${eventSource.split('.')[0]}`;
}

type State = CompiledEventRule['state'];

interface Chunk {
  names: string[];
  types: string[];
}

function basePattern(eventSources: readonly string[], detail: Record<string, unknown>): Record<string, unknown> {
  return {
    source: [...new Set(eventSources.map(eventBridgeSource))].sort(),
    'detail-type': [CLOUDTRAIL_API_CALL_DETAIL_TYPE],
    detail: { eventSource: [...eventSources], ...detail },
  };
}

function chunkPattern(eventSources: readonly string[], chunk: Chunk): Record<string, unknown> {
  const branches: Record<string, unknown>[] = [];
  if (chunk.names.length > 0) branches.push({ eventName: chunk.names });
  if (chunk.types.length > 0) branches.push({ userIdentity: { type: chunk.types } });
  // EventBridge reads "$or" only with two or more alternatives.
  return basePattern(eventSources, branches.length === 1 ? (branches[0] as Record<string, unknown>) : { $or: branches });
}

const size = (pattern: unknown) => JSON.stringify(pattern).length;

/**
 * Packs names and types greedily, in sorted order, into as few patterns within the limit as possible.
 * Returns null when a single value does not fit on its own.
 */
function packChunks(eventSources: readonly string[], names: string[], types: string[], max: number): Chunk[] | null {
  const atoms: Array<{ kind: 'names' | 'types'; value: string }> = [
    ...names.map((value) => ({ kind: 'names' as const, value })),
    ...types.map((value) => ({ kind: 'types' as const, value })),
  ];
  const chunks: Chunk[] = [];
  let current: Chunk = { names: [], types: [] };
  for (const atom of atoms) {
    const trial: Chunk = { names: [...current.names], types: [...current.types] };
    trial[atom.kind].push(atom.value);
    if (size(chunkPattern(eventSources, trial)) <= max) {
      current = trial;
      continue;
    }
    if (current.names.length + current.types.length === 0) return null;
    chunks.push(current);
    current = { names: [], types: [] };
    current[atom.kind].push(atom.value);
    if (size(chunkPattern(eventSources, current)) > max) return null;
  }
  if (current.names.length + current.types.length > 0) chunks.push(current);
  return chunks;
}

const stateOf = (shapes: readonly RuleShape[]): State => (shapes.some((s) => s.readOnly) ? STATE_ALL_MANAGEMENT_EVENTS : 'ENABLED');
const ids = (shapes: readonly RuleShape[]) => shapes.map((s) => s.id).sort();
const list = (values: readonly string[], limit = 8) =>
  values.length <= limit ? values.join(', ') : `${values.slice(0, limit).join(', ')} and ${values.length - limit} more`;

interface ClassResult {
  rules: CompiledEventRule[];
  /** True when the class had to match every call of the configured services. */
  unnarrowed: boolean;
}

/** One EventBridge rule per chunk for a set of rules that share a delivery state policy. */
function compileClass(shapes: RuleShape[], eventSources: readonly string[], max: number, notes: string[], label: string): ClassResult {
  const unnarrowedPattern = basePattern(eventSources, {});
  const whole = (): ClassResult => ({ rules: [{ pattern: unnarrowedPattern, state: stateOf(shapes), ruleIds: ids(shapes) }], unnarrowed: true });
  const open = shapes.filter((s) => s.names === null && s.types === null);
  if (open.length > 0) {
    notes.push(
      `${label}: ${list(ids(open))} ${open.length === 1 ? 'constrains' : 'constrain'} neither eventName nor principalType (through "all"), ` +
        `so the pattern matches every call from ${eventSources.join(', ')}` +
        (shapes.length > open.length ? `; it also carries ${list(ids(shapes.filter((s) => !open.includes(s))))}` : ''),
    );
    return whole();
  }
  const names = [...new Set(shapes.flatMap((s) => [...(s.names ?? [])]))].sort();
  const types = [...new Set(shapes.flatMap((s) => [...(s.types ?? [])]))].sort();
  const chunks = packChunks(eventSources, names, types, max);
  if (chunks === null) {
    notes.push(
      `${label}: widened: a single eventName or userIdentity.type value does not fit in a ${max}-character pattern, ` +
        `so eventName/userIdentity.type narrowing was dropped and the pattern matches every call from ${eventSources.join(', ')}`,
    );
    return whole();
  }
  const byName = shapes.filter((s) => s.names !== null);
  const byType = shapes.filter((s) => s.types !== null);
  if (byName.length > 0) notes.push(`${label}: narrowed by eventName (${names.length}: ${list(names)}) for ${list(ids(byName))}`);
  if (byType.length > 0) notes.push(`${label}: narrowed by userIdentity.type (${list(types)}) for ${list(ids(byType))}, which set no eventName`);
  if (chunks.length === 1) {
    if (names.length > 0 && types.length > 0) notes.push(`${label}: eventName and userIdentity.type alternatives combined with "$or" in one pattern`);
  } else {
    const full = size(chunkPattern(eventSources, { names, types }));
    notes.push(`${label}: split into ${chunks.length} EventBridge rules: one pattern would be ${full} characters, over the ${max}-character limit`);
  }
  const rules = chunks.map((chunk): CompiledEventRule => {
    const inChunkNames = new Set(chunk.names);
    const inChunkTypes = new Set(chunk.types);
    const carried = shapes.filter(
      (s) => (s.names !== null && [...s.names].some((n) => inChunkNames.has(n))) || (s.types !== null && [...s.types].some((t) => inChunkTypes.has(t))),
    );
    return { pattern: chunkPattern(eventSources, chunk), state: stateOf(carried), ruleIds: ids(carried) };
  });
  return { rules, unnarrowed: false };
}

/** Compiles the enabled rules of a pack into EventBridge rules (pattern + state). Pure and deterministic. */
export function compileEventPatterns(pack: RulePack, options: CompileOptions = {}): CompiledPatterns {
  const eventSources = [...new Set(options.eventSources ?? [REKOGNITION_EVENT_SOURCE])].sort();
  const max = options.maxPatternLength ?? DEFAULT_MAX_PATTERN_LENGTH;
  if (eventSources.length === 0) throw new Error('compileEventPatterns: eventSources is empty: no CloudTrail event would be in scope');
  for (const s of eventSources) {
    if (s === '*' || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s)) {
      throw new Error(`compileEventPatterns: eventSource "${s}" is not a CloudTrail eventSource like rekognition.amazonaws.com`);
    }
  }
  const notes: string[] = [];
  const enabled = pack.rules.filter((r) => r.enabled);
  if (enabled.length === 0) {
    return { rules: [], notes: ['no enabled rules: no EventBridge rule is needed, and nothing will alert'] };
  }

  const lists = Object.fromEntries(Object.entries(pack.lists).map(([k, v]) => [k, v.items]));
  const mutatingListApplies = eventSources.every((s) => s === REKOGNITION_EVENT_SOURCE);
  if (!mutatingListApplies) {
    notes.push(`eventSources other than ${REKOGNITION_EVENT_SOURCE}: the Rekognition list of mutating operations is not used, so only "readOnly" conditions rule out read-only calls`);
  }
  const all = [...enabled].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => shapeOf(r, lists, mutatingListApplies));

  const never = all.filter((s) => s.never !== null);
  for (const s of never) notes.push(`${s.id} can never alert (${s.never}); no EventBridge rule carries it`);
  const shapes = all.filter((s) => s.never === null);
  if (shapes.length === 0) {
    return { rules: [], notes: [...notes, 'no enabled rule can alert: no EventBridge rule is needed'] };
  }

  if (mutatingListApplies) {
    const unknown = [...new Set(shapes.flatMap((s) => [...(s.names ?? [])]))].filter((n) => !MUTATING.has(n) && !READ_ONLY.has(n)).sort();
    if (unknown.length > 0) notes.push(`eventNames that are not known Rekognition operations (treated as possibly read-only): ${list(unknown)}`);
  }

  // Which rules go into an EventBridge rule with the ALL-management state. Putting a rule that cannot
  // match read-only calls into that rule costs nothing when every value it adds to the pattern is a
  // mutating operation (no read-only call has that eventName); otherwise it would pull in read-only
  // calls nobody needs, so such rules get their own ENABLED rule.
  const readOnly = shapes.filter((s) => s.readOnly);
  const writeOnly = shapes.filter((s) => !s.readOnly);
  const free = (s: RuleShape) => mutatingListApplies && s.names !== null && [...s.names].every((n) => MUTATING.has(n));
  const readOnlyOpen = readOnly.some((s) => s.names === null && s.types === null);
  const costly = writeOnly.filter((s) => !free(s));
  const classes: Array<{ shapes: RuleShape[]; label: string }> =
    readOnly.length === 0 || writeOnly.length === 0 || readOnlyOpen || costly.length === 0
      ? [{ shapes, label: 'all rules' }]
      : [
          { shapes: readOnly, label: 'rules that can match read-only calls' },
          { shapes: writeOnly, label: 'rules that cannot match read-only calls' },
        ];
  let rules: CompiledEventRule[] = [];
  const classNotes: string[] = [];
  let subsumed = false;
  for (const c of classes) {
    const result = compileClass(c.shapes, eventSources, max, classNotes, classes.length === 1 ? 'pattern' : c.label);
    // A pattern that matches every call with the ALL state subsumes every other EventBridge rule.
    if (classes.length > 1 && result.unnarrowed && result.rules[0]?.state === STATE_ALL_MANAGEMENT_EVENTS) {
      rules = [{ ...result.rules[0], ruleIds: ids(shapes) }];
      classNotes.push('that pattern matches every call and lets read-only calls through, so it carries every rule');
      subsumed = true;
      break;
    }
    rules.push(...result.rules);
  }
  if (classes.length === 2 && !subsumed) {
    notes.push(
      `split by state: ${list(ids(costly))} cannot match read-only calls but would let read-only calls into a pattern with the ` +
        `${STATE_ALL_MANAGEMENT_EVENTS} state, so rules that cannot match read-only calls get their own ENABLED EventBridge rule; ` +
        'an event matching both is delivered twice (alerts are idempotent on rule id and eventID)',
    );
  }
  notes.push(...classNotes);

  for (const r of rules) {
    if (size(r.pattern) > max) {
      throw new Error(`compileEventPatterns: even the widest pattern is ${size(r.pattern)} characters, over the ${max}-character limit (too many eventSources?)`);
    }
  }
  const readers = ids(readOnly);
  notes.push(
    readers.length > 0
      ? `${list(readers)} can match read-only calls: ${STATE_ALL_MANAGEMENT_EVENTS} where ${readers.length === 1 ? 'it is' : 'they are'} carried`
      : 'no enabled rule can match a read-only call (each requires readOnly false or only mutating operations): state ENABLED',
  );
  rules.forEach((r, i) => notes.push(`EventBridge rule ${i + 1} of ${rules.length}: ${size(r.pattern)} characters, ${r.state}, carries ${r.ruleIds.length} rule${r.ruleIds.length === 1 ? '' : 's'}`));
  return { rules, notes };
}
