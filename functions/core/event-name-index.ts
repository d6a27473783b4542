/**
 * Which eventNames a rule can possibly match, read statically from its conditions, so the evaluator
 * only looks at rules that could match a record's eventName. Derived only from json-rules-engine
 * semantics that are certain: a leaf `eventName equal "X"` or `eventName in [...]` (no path) can only
 * hold for those names; `all` can only hold where every constrained child can; `any` only where some
 * child can. Anything else (not, other operators, fact references) means "any eventName" (null).
 */
import { isPlainObject } from './record';

export function possibleEventNames(node: unknown): Set<string> | null {
  if (!isPlainObject(node)) return null;
  if (Array.isArray(node.all)) {
    const constrained = node.all.map(possibleEventNames).filter((s): s is Set<string> => s !== null);
    if (constrained.length === 0) return null;
    return constrained.reduce((a, b) => new Set([...a].filter((n) => b.has(n))));
  }
  if (Array.isArray(node.any)) {
    if (node.any.length === 0) return null;
    const acc = new Set<string>();
    for (const child of node.any) {
      const names = possibleEventNames(child);
      if (names === null) return null;
      for (const n of names) acc.add(n);
    }
    return acc;
  }
  if (node.fact !== 'eventName' || node.path !== undefined || node.params !== undefined || 'all' in node || 'any' in node || 'not' in node) return null;
  if (node.operator === 'equal' && typeof node.value === 'string') return new Set([node.value]);
  if (node.operator === 'in' && Array.isArray(node.value) && node.value.every((v) => typeof v === 'string')) return new Set(node.value as string[]);
  return null;
}

/** Rules grouped by the eventNames they can match; rules that can match any eventName go everywhere. */
export class EventNameIndex<T> {
  private readonly cache = new Map<string, T[]>();
  private readonly anyName: T[];

  constructor(private readonly items: ReadonlyArray<{ item: T; names: Set<string> | null }>) {
    this.anyName = items.filter((i) => i.names === null).map((i) => i.item);
  }

  /** The items that can match this eventName, in their original order. */
  candidates(eventName: unknown): readonly T[] {
    if (typeof eventName !== 'string') return this.anyName;
    let hit = this.cache.get(eventName);
    if (!hit) {
      hit = this.items.filter((i) => i.names === null || i.names.has(eventName)).map((i) => i.item);
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(eventName, hit);
    }
    return hit;
  }
}
