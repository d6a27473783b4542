/**
 * Explains a json-rules-engine result: which leaf conditions held and which did not, with the
 * values the engine compared. Used to say *why* a rule test case failed.
 */
import { isPlainObject } from '../common/json-value';

function show(value: unknown): string {
  if (value === undefined) return 'undefined (missing)';
  const s = JSON.stringify(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function walk(node: unknown, indent: string, out: string[]): void {
  if (!isPlainObject(node)) return;
  for (const kind of ['all', 'any'] as const) {
    const children = node[kind];
    if (Array.isArray(children)) {
      out.push(`${indent}${kind}:${'result' in node ? ` ${mark(node.result)}` : ''}`);
      for (const c of children) walk(c, `${indent}  `, out);
      return;
    }
  }
  if ('not' in node) {
    out.push(`${indent}not:${'result' in node ? ` ${mark(node.result)}` : ''}`);
    walk(node.not, `${indent}  `, out);
    return;
  }
  if ('fact' in node) {
    const path = typeof node.path === 'string' ? ` ${node.path}` : '';
    const status = 'result' in node ? mark(node.result) : '(not evaluated)';
    const got = 'factResult' in node ? ` <- fact was ${show(node.factResult)}` : '';
    const value = 'valueResult' in node && isPlainObject(node.value) ? show(node.valueResult) : show(node.value);
    out.push(`${indent}${status} ${String(node.fact)}${path} ${String(node.operator)} ${value}${got}`);
  }
}

function mark(result: unknown): string {
  return result === true ? '✓' : result === false ? '✗' : '?';
}

/** Lines describing a rule result's condition tree (from `ruleResult.toJSON(false)` or `.conditions`). */
export function explainConditions(conditions: unknown): string[] {
  const out: string[] = [];
  walk(conditions, '', out);
  return out;
}
