/**
 * Two rule sets compared by the alerts they raise over the same records (pure), for `rekwatch diff`.
 *
 * An alert's identity is its `id` (`ruleId:sharedEventID`, else `ruleId:eventId`), so a rule that is
 * renamed shows as its old id's alerts vanishing and its new id's appearing. The comparison is of
 * multisets of ids: each base alert counts -1 and each head alert +1 on its id, and an id whose count
 * returns to 0 is forgotten. What is left at the end is what changed: a positive count appeared that
 * many times, a negative one vanished. So, per rule, `head - base = appeared - vanished` exactly, the
 * order records arrive in does not matter, the two copies of a cross-account call matching on
 * different copies still cancel, and memory holds one small entry per changed alert, never one per
 * record or per unchanged alert.
 *
 * Rules are compared too: a rule is `added` or `removed` by its id, `changed` when anything but its
 * test cases (and the file it came from) differs, keys in any order, `list changed` when it is the
 * same but refers to a list whose set of items differs (or was added or removed).
 */
import { parseSimplePath } from '../common/json-path';
import { isPlainObject } from '../common/json-value';
import { LISTS_FACT } from '../input/facts';
import type { Alert, NamedList, RuleDefinition, RulePack } from '../common/types';

/** What an example shows of an alert: enough to find the event (eventID, time) and judge it (who, from where). */
export interface AlertExample {
  id: string;
  ruleId: string;
  severity: string;
  eventId: string;
  eventName: string;
  eventTime: string;
  principal: string;
  sourceIp: string;
  account: string;
  region: string;
}

/** One alert id that one side raised and the other did not (`count` > 1 when it was raised more than once). */
export interface ChangedAlert extends AlertExample {
  change: 'appeared' | 'vanished';
  count: number;
}

/** `list changed`: the rule is the same, a list it refers to is not. */
export type RuleStatus = 'added' | 'removed' | 'changed' | 'list changed' | 'unchanged';

/** One rule's row: its alerts on each side, and how many of them appeared and vanished. */
export interface RuleChange {
  ruleId: string;
  status: RuleStatus;
  /** Head's severity, or base's for a removed rule ('' for alerts of a rule in neither pack, which cannot happen through the CLI). */
  severity: string;
  base: number;
  head: number;
  appeared: number;
  vanished: number;
}

export interface ListChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface DiffResult {
  /** Rules whose alerts or definition changed, most changed alerts first, then by id. */
  rules: RuleChange[];
  alerts: { base: number; head: number; appeared: number; vanished: number };
  /** Every changed alert id, in the order its change was first seen. */
  changed: ChangedAlert[];
  lists: ListChanges;
}

function exampleOf(alert: Alert): AlertExample {
  return {
    id: alert.id,
    ruleId: alert.ruleId,
    severity: alert.severity,
    eventId: alert.eventId,
    eventName: alert.eventName,
    eventTime: alert.eventTime,
    principal: alert.principal,
    sourceIp: alert.sourceIp,
    account: alert.account,
    region: alert.region,
  };
}

interface Pending {
  /** head occurrences minus base occurrences; never 0 (the entry is deleted then). */
  net: number;
  example: AlertExample;
}

/** Accumulates both sides' alerts, record by record. */
export class AlertDiff {
  private readonly pending = new Map<string, Pending>();
  private readonly counts = new Map<string, { base: number; head: number }>();

  /** The alerts each rule set raised for one record (or for any batch of records). */
  record(base: readonly Alert[], head: readonly Alert[]): void {
    for (const a of base) this.add(a, -1);
    for (const a of head) this.add(a, +1);
  }

  private add(alert: Alert, side: 1 | -1): void {
    let c = this.counts.get(alert.ruleId);
    if (!c) this.counts.set(alert.ruleId, (c = { base: 0, head: 0 }));
    if (side === 1) c.head++;
    else c.base++;
    const p = this.pending.get(alert.id);
    if (!p) {
      this.pending.set(alert.id, { net: side, example: exampleOf(alert) });
    } else if ((p.net += side) === 0) {
      this.pending.delete(alert.id);
    }
  }

  /** The comparison so far, with the two packs' rules and lists. */
  result(base: RulePack, head: RulePack): DiffResult {
    const changed: ChangedAlert[] = [];
    const moved = new Map<string, { appeared: number; vanished: number }>();
    for (const { net, example } of this.pending.values()) {
      const change = net > 0 ? 'appeared' : 'vanished';
      changed.push({ change, count: Math.abs(net), ...example });
      let m = moved.get(example.ruleId);
      if (!m) moved.set(example.ruleId, (m = { appeared: 0, vanished: 0 }));
      m[change] += Math.abs(net);
    }
    const lists = listChanges(base.lists, head.lists);
    const statuses = ruleStatuses(base.rules, head.rules, new Set([...lists.added, ...lists.removed, ...lists.changed]));
    const severityOf = new Map<string, string>([...base.rules, ...head.rules].map((r) => [r.id, r.severity]));
    const ids = new Set([...statuses.keys(), ...this.counts.keys()]);
    const rules: RuleChange[] = [];
    const totals = { base: 0, head: 0, appeared: 0, vanished: 0 };
    for (const ruleId of ids) {
      const c = this.counts.get(ruleId) ?? { base: 0, head: 0 };
      const m = moved.get(ruleId) ?? { appeared: 0, vanished: 0 };
      totals.base += c.base;
      totals.head += c.head;
      totals.appeared += m.appeared;
      totals.vanished += m.vanished;
      const status = statuses.get(ruleId) ?? 'unchanged';
      if (status === 'unchanged' && m.appeared === 0 && m.vanished === 0) continue;
      rules.push({ ruleId, status, severity: severityOf.get(ruleId) ?? '', ...c, ...m });
    }
    rules.sort((a, b) => b.appeared + b.vanished - (a.appeared + a.vanished) || a.ruleId.localeCompare(b.ruleId));
    return { rules, alerts: totals, changed, lists };
  }
}

/**
 * Whether `--fail-on` fails: with `new`, when alerts appeared or the head rules raised more rule
 * errors than the base rules; with `any`, also when alerts vanished or there were fewer rule errors.
 */
export function diffFails(result: DiffResult, ruleErrors: { base: number; head: number }, failOn: 'new' | 'any'): boolean {
  if (result.alerts.appeared > 0 || ruleErrors.head > ruleErrors.base) return true;
  return failOn === 'any' && (result.alerts.vanished > 0 || ruleErrors.head !== ruleErrors.base);
}

/** JSON text with object keys sorted, so two definitions compare equal whatever order their files wrote keys in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).sort().filter((k) => obj[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A rule's definition as far as alerts can tell: everything but its test cases and its file's name. */
function definitionOf(rule: RuleDefinition): string {
  const { tests: _tests, file: _file, ...rest } = rule;
  return canonical(rest);
}

/**
 * The lists a condition tree refers to (`{"fact": "lists", "path": "$.NAME"}`, in leaves' values or
 * as a leaf's fact); 'any' when a reference's path is not a plain `$.NAME`, so it may read any list.
 */
export function listsUsed(node: unknown, out = new Set<string>()): Set<string> | 'any' {
  if (Array.isArray(node)) {
    for (const n of node) if (listsUsed(n, out) === 'any') return 'any';
  } else if (isPlainObject(node)) {
    if (node.fact === LISTS_FACT) {
      const steps = typeof node.path === 'string' ? parseSimplePath(node.path) : undefined;
      const first = steps?.[0];
      if (!first || first.kind !== 'name') return 'any';
      out.add(first.name);
    }
    for (const v of Object.values(node)) if (typeof v === 'object' && v !== null && listsUsed(v, out) === 'any') return 'any';
  }
  return out;
}

/** Every rule id of either pack, with its status (`changedLists`: lists added, removed or changed). */
export function ruleStatuses(base: readonly RuleDefinition[], head: readonly RuleDefinition[], changedLists: ReadonlySet<string> = new Set()): Map<string, RuleStatus> {
  const before = new Map(base.map((r) => [r.id, definitionOf(r)]));
  const usesChangedList = (r: RuleDefinition) => {
    if (changedLists.size === 0) return false;
    const used = listsUsed(r.conditions);
    return used === 'any' || [...used].some((name) => changedLists.has(name));
  };
  const out = new Map<string, RuleStatus>();
  for (const r of head) {
    const was = before.get(r.id);
    out.set(r.id, was === undefined ? 'added' : was !== definitionOf(r) ? 'changed' : usesChangedList(r) ? 'list changed' : 'unchanged');
  }
  for (const id of before.keys()) if (!out.has(id)) out.set(id, 'removed');
  return out;
}

/** Lists added, removed, or whose set of items differs, each sorted by name. */
export function listChanges(base: Readonly<Record<string, NamedList>>, head: Readonly<Record<string, NamedList>>): ListChanges {
  const items = (l: NamedList) => canonical([...new Set(l.items)].sort());
  const out: ListChanges = { added: [], removed: [], changed: [] };
  for (const [name, list] of Object.entries(head)) {
    const was = base[name];
    if (!was) out.added.push(name);
    else if (items(was) !== items(list)) out.changed.push(name);
  }
  for (const name of Object.keys(base)) if (!(name in head)) out.removed.push(name);
  for (const k of ['added', 'removed', 'changed'] as const) out[k].sort();
  return out;
}
