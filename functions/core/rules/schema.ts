/**
 * Structural validation of rule and list files against the JSON Schemas in schema/ (the same files
 * editors use for completion), with Ajv errors turned into `field: message` problems. The
 * validators are the schemas compiled ahead by Ajv (schema/validators.js).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import listSchema from '../../../schema/list.schema.json';
import ruleSchema from '../../../schema/rule.schema.json';
// Compiled ahead (scripts/schema-validators.ts): compiling the schemas with Ajv on every start was a
// third of loading a pack.
import { list as listValidator, rule as ruleValidator } from '../../../schema/validators';
import { didYouMean } from '../common/did-you-mean';
import { fieldPath } from './problem';

export interface FieldError {
  field: string;
  message: string;
}

function segments(instancePath: string): Array<string | number> {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function propertiesAt(schema: Record<string, unknown>, segs: Array<string | number>): string[] {
  let node: Record<string, unknown> | undefined = schema;
  for (const s of segs) {
    if (!node) return [];
    if (typeof s === 'number') {
      const items = node.items as Record<string, unknown> | undefined;
      const ref = items?.$ref as string | undefined;
      node = ref ? ((schema.definitions as Record<string, unknown>)[ref.split('/').pop() as string] as Record<string, unknown>) : items;
    } else {
      node = (node.properties as Record<string, Record<string, unknown>> | undefined)?.[s];
    }
  }
  return Object.keys((node?.properties as object | undefined) ?? {});
}

function translate(e: ErrorObject, schema: Record<string, unknown>): FieldError {
  const segs = segments(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      return { field: fieldPath([...segs, name]), message: `unknown field${didYouMean(name, propertiesAt(schema, segs))}` };
    }
    case 'required':
      return { field: fieldPath([...segs, String(params.missingProperty)]), message: 'is required' };
    case 'enum':
      return { field: fieldPath(segs), message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
      // The schema has two patterns: ids (kebab-case) and durations (windows, test spacing).
      return { field: fieldPath(segs), message: String(params.pattern).includes('smhdw') ? 'must be a duration like 90s, 15m, 1h or 1d' : 'must be lowercase kebab-case (a-z, 0-9 and single hyphens)' };
    case 'uniqueItems':
      return { field: fieldPath(segs), message: 'must not repeat items' };
    default:
      return { field: fieldPath(segs), message: e.message ?? e.keyword };
  }
}

function run(validate: ValidateFunction, schema: Record<string, unknown>, value: unknown): FieldError[] {
  if (validate(value)) return [];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of validate.errors ?? []) {
    const fe = translate(e, schema);
    const key = `${fe.field}\u0000${fe.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(fe);
    }
  }
  return out;
}

export function ruleShapeErrors(value: unknown): FieldError[] {
  return run(ruleValidator, ruleSchema as Record<string, unknown>, value);
}

export function listShapeErrors(value: unknown): FieldError[] {
  return run(listValidator, listSchema as Record<string, unknown>, value);
}
