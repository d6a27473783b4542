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

/** The value at a path in a document (undefined where there is none). */
function valueAt(doc: unknown, segs: ReadonlyArray<string | number>): unknown {
  let v = doc;
  for (const s of segs) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, s)) return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

/** What a JSON Schema type is called in a message. */
const TYPE_NAMES: Record<string, string> = { array: 'a list', object: 'an object', string: 'a string', number: 'a number', integer: 'a whole number', boolean: 'true or false', null: 'null' };

/**
 * How a schema file explains a failed `pattern` at a field (the pattern's own text otherwise): rule
 * files have ids and durations, the channels file URLs and addresses, the deployment config ids.
 */
export type PatternMessage = (field: string, pattern: string) => string | undefined;

function translate(e: ErrorObject, schema: Record<string, unknown>, doc: unknown, patternMessage: PatternMessage | undefined): FieldError | undefined {
  const segs = segments(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      return { field: fieldPath([...segs, name]), message: `unknown field${didYouMean(name, propertiesAt(schema, segs))}` };
    }
    case 'required':
      return { field: fieldPath([...segs, String(params.missingProperty)]), message: 'is required' };
    case 'enum': {
      const allowed = params.allowedValues as unknown[];
      const given = valueAt(doc, segs);
      const strings = allowed.filter((v): v is string => typeof v === 'string');
      return { field: fieldPath(segs), message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${typeof given === 'string' ? didYouMean(given, strings) : ''}` };
    }
    case 'pattern': {
      // A key checked by `propertyNames` (Ajv names it on the error): the field is the key itself.
      const key = (e as ErrorObject & { propertyName?: string }).propertyName;
      const field = fieldPath(key === undefined ? segs : [...segs, key]);
      const pattern = String(params.pattern);
      const explained = patternMessage?.(field, pattern);
      const message = explained ?? `must match ${pattern}`;
      return { field, message: key === undefined ? message : `the key ${message}` };
    }
    case 'propertyNames':
      return undefined; // said by the key's own error (above)
    case 'type':
      return { field: fieldPath(segs), message: `must be ${String(params.type).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ')}` };
    case 'uniqueItems':
      return { field: fieldPath(segs), message: 'must not repeat items' };
    default:
      return { field: fieldPath(segs), message: e.message ?? e.keyword };
  }
}

/**
 * A document's problems against a schema, as `field: message` (fields written `a.b[0].c`), each
 * once: what Ajv reports, in words a person reads (unknown fields and enum values with a
 * did-you-mean, types by name). Used for rule and list files and, with its own pattern
 * messages, the channels file and the deployment config (adapters/json-file.ts).
 */
export function schemaErrors(validate: ValidateFunction, schema: object, value: unknown, patternMessage?: PatternMessage): FieldError[] {
  if (validate(value)) return [];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of validate.errors ?? []) {
    const fe = translate(e, schema as Record<string, unknown>, value, patternMessage);
    if (!fe) continue;
    const key = `${fe.field}\u0000${fe.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(fe);
    }
  }
  return out;
}

/** What the schemas' duration pattern (`^(\d+[smhdw])+$`) asks for, in words. */
export const DURATION_WORDS = 'must be a duration like 90s, 15m, 1h or 1d';

/** The rule schema's two patterns: ids (kebab-case) and durations (windows, test spacing). */
const rulePatterns: PatternMessage = (_field, pattern) => (pattern.includes('smhdw') ? DURATION_WORDS : 'must be lowercase kebab-case (a-z, 0-9 and single hyphens)');

export function ruleShapeErrors(value: unknown): FieldError[] {
  return schemaErrors(ruleValidator, ruleSchema, value, rulePatterns);
}

export function listShapeErrors(value: unknown): FieldError[] {
  return schemaErrors(listValidator, listSchema, value, rulePatterns);
}
