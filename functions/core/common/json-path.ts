/**
 * A fast resolver for the simple JSONPath subset rules use most (`$`, `$.a.b`, `$.a[0]`, `$['a-b']`),
 * returning exactly what json-rules-engine's default resolver (jsonpath-plus, `wrap: false`) returns
 * for the same path, or UNRESOLVED when it cannot be sure (any other syntax, or a step into a value
 * whose jsonpath-plus behaviour differs from plain property access, such as `.length` of a string).
 * Callers treat UNRESOLVED as "ask json-rules-engine".
 */
export const UNRESOLVED: unique symbol = Symbol('unresolved');

type Step = { kind: 'name'; name: string } | { kind: 'index'; index: number };

const STEP = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d{1,9})\]|\['([^'\\[\]]+)'\]/y;

/** Parses a path in the simple subset into steps, or returns null when it is outside the subset. */
export function parseSimplePath(path: string): Step[] | null {
  if (!path.startsWith('$')) return null;
  const steps: Step[] = [];
  let pos = 1;
  while (pos < path.length) {
    STEP.lastIndex = pos;
    const m = STEP.exec(path);
    if (!m) return null;
    if (m[1] !== undefined) steps.push({ kind: 'name', name: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'index', index: Number(m[2]) });
    else steps.push({ kind: 'name', name: m[3] as string });
    pos = STEP.lastIndex;
  }
  return steps;
}

/** Resolves parsed steps against an object-like value. */
export function resolveSteps(value: object, steps: readonly Step[]): unknown {
  let current: unknown = value;
  for (const step of steps) {
    if (typeof current !== 'object' || current === null) return UNRESOLVED;
    if (step.kind === 'name') {
      if (Array.isArray(current)) return UNRESOLVED;
      if (step.name === '__proto__' || step.name === 'constructor') return UNRESOLVED;
      current = Object.prototype.hasOwnProperty.call(current, step.name)
        ? (current as Record<string, unknown>)[step.name]
        : undefined;
      if (current === undefined) return undefined;
    } else {
      if (!Array.isArray(current)) return UNRESOLVED;
      current = current[step.index];
      if (current === undefined) return undefined;
    }
  }
  return current;
}
