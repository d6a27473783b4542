/**
 * Which eventNames a rule can possibly match, read statically from its conditions, so the evaluator
 * only looks at rules that could match a record's eventName. Derived only from json-rules-engine
 * semantics that are certain: a leaf `eventName equal "X"` or `eventName in [...]` (no path) can only
 * hold for those names; `all` can only hold where every constrained child can; `any` only where some
 * child can. A value may be a named list (`{"fact": "lists", "path": "$.NAME"}`): lists are fixed for
 * the life of a pack. Anything else (not, other operators, other fact references) means "any
 * eventName" (null).
 */
import { parseSimplePath } from '../common/json-path';
import { isPlainObject } from '../common/json-value';
import { bytesAre } from '../input/ascii-bytes';

/** The items of a `{"fact": "lists", "path": "$.NAME"}` reference, or undefined for any other value. */
function listItems(value: unknown, lists: Readonly<Record<string, readonly string[]>>): unknown {
  if (!isPlainObject(value) || value.fact !== 'lists' || value.params !== undefined || typeof value.path !== 'string') return value;
  const steps = parseSimplePath(value.path);
  if (!steps || steps.length !== 1 || steps[0]?.kind !== 'name') return undefined;
  return Object.prototype.hasOwnProperty.call(lists, steps[0].name) ? lists[steps[0].name] : undefined;
}

export function possibleEventNames(node: unknown, lists: Readonly<Record<string, readonly string[]>> = {}): Set<string> | null {
  if (!isPlainObject(node)) return null;
  // A node with more than one of all/any/not is ambiguous (json-rules-engine picks one): no narrowing.
  if (['all', 'any', 'not'].filter((k) => k in node).length > 1) return null;
  if (Array.isArray(node.all)) {
    const constrained = node.all.map((c) => possibleEventNames(c, lists)).filter((s): s is Set<string> => s !== null);
    if (constrained.length === 0) return null;
    return constrained.reduce((a, b) => new Set([...a].filter((n) => b.has(n))));
  }
  if (Array.isArray(node.any)) {
    if (node.any.length === 0) return null;
    const acc = new Set<string>();
    for (const child of node.any) {
      const names = possibleEventNames(child, lists);
      if (names === null) return null;
      for (const n of names) acc.add(n);
    }
    return acc;
  }
  if (node.fact !== 'eventName' || node.path !== undefined || node.params !== undefined || 'all' in node || 'any' in node || 'not' in node) return null;
  const value = listItems(node.value, lists);
  if (node.operator === 'equal' && typeof value === 'string') return new Set([value]);
  if (node.operator === 'in' && Array.isArray(value) && value.every((v) => typeof v === 'string')) return new Set(value as string[]);
  return null;
}

/** Rules grouped by the eventNames they can match; rules that can match any eventName go everywhere. */
export class EventNameIndex<T> {
  private readonly cache = new Map<string, T[]>();
  private readonly anyName: T[];
  /** Every name some item can match, by length (`candidatesAt`). */
  private readonly namesByLength = new Map<number, string[]>();

  constructor(private readonly items: ReadonlyArray<{ item: T; names: Set<string> | null }>) {
    this.anyName = items.filter((i) => i.names === null).map((i) => i.item);
    for (const name of new Set(items.flatMap((i) => (i.names ? [...i.names] : [])))) {
      const same = this.namesByLength.get(name.length);
      if (same) same.push(name);
      else this.namesByLength.set(name.length, [name]);
    }
  }

  /**
   * `candidates` of the eventName held by the bytes `b[start, end)` of an ASCII text
   * (core/input/raw-ascii.ts): the name some item can match that the bytes spell, else (a name no
   * item names) the items that can match any name, as `candidates` gives for such a name.
   */
  candidatesAt(b: Uint8Array, start: number, end: number): readonly T[] {
    const same = this.namesByLength.get(end - start);
    if (same) for (const name of same) if (bytesAre(b, start, name)) return this.candidates(name);
    return this.anyName;
  }

  /** The items that can match this eventName, in their original order. */
  candidates(eventName: unknown): readonly T[] {
    if (typeof eventName !== 'string') return this.anyName;
    let hit = this.cache.get(eventName);
    if (!hit) {
      hit = this.items.filter((i) => i.names === null || i.names.has(eventName)).map((i) => i.item);
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(ownCopy(eventName), hit);
    }
    return hit;
  }
}

/**
 * A copy of `s` that holds no reference to a larger string. A name read from a document's text
 * (core/input/raw-document.ts) can be a slice of the whole text: kept as a cache key, it would keep
 * the whole document alive. Concatenation then slicing makes V8 copy the characters.
 */
function ownCopy(s: string): string {
  return ` ${s}`.slice(1);
}
