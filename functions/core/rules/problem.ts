/** A finding about a rule or list file, printed as `FILE: field: message`. */
export interface Problem {
  file: string;
  /** Dotted path of the field, e.g. `conditions.all[1].operator`; empty for the whole file. */
  field: string;
  message: string;
  level: 'error' | 'warning';
  /**
   * For an error in a rule's conditions, which refusal it is: a code of `STRICTER_THAN_ENGINE`
   * (rules/conditions.ts) when json-rules-engine would accept what rekwatch refuses, else
   * `engine-refuses-too`. For a warning from a pack convention, `convention`.
   */
  code?: string;
}

export function formatProblem(p: Problem): string {
  const where = p.field ? `${p.file}: ${p.field}` : p.file;
  return `${where}: ${p.level === 'warning' ? 'warning: ' : ''}${p.message}`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.level === 'error');
}

/** Joins path segments: ['conditions','all',0,'fact'] -> conditions.all[0].fact */
export function fieldPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}
