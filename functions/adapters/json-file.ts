/**
 * Reads a JSON configuration file checked against its JSON Schema (ajv), with every problem named by
 * file and field: a missing file, bad JSON (line and column), an unknown field (with a did-you-mean),
 * a value outside an enum (with the allowed values). Shared by the deployment config and the local
 * channels file.
 */
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { didYouMean } from '../core/common/did-you-mean';
import { parseJsonText } from '../core/common/parse-json';

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
}

/** The property names the schema allows at a dotted field path (`slack`, `` for the root). */
function knownAt(schema: SchemaNode, field: string): string[] {
  let node: SchemaNode | undefined = schema;
  for (const part of field ? field.split('.') : []) node = node?.properties?.[part];
  return Object.keys(node?.properties ?? {});
}

export interface SchemaFileOptions {
  /** Turns messages into the caller's error type. */
  error: (message: string) => Error;
  /** A clearer message for a `pattern` failure at this field, if any. */
  patternMessage?: (field: string) => string | undefined;
}

export function readSchemaFile(path: string, schema: object, validate: ValidateFunction, options: SchemaFileOptions): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw options.error(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw options.error(`${path}: ${parsed.message}`);
  if (validate(parsed.value)) return parsed.value;
  const messages = validate.errors!.map((e) => {
    const field = e.instancePath.slice(1).replace(/\//g, '.');
    if (e.keyword === 'additionalProperties') {
      const name = String((e.params as { additionalProperty: string }).additionalProperty);
      return `${path}: ${field ? `${field}.` : ''}${name}: unknown field${didYouMean(name, knownAt(schema as SchemaNode, field))}`;
    }
    if (e.keyword === 'enum') return `${path}: ${field}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    const pattern = e.keyword === 'pattern' ? options.patternMessage?.(field) : undefined;
    return `${path}: ${field || '(root)'}: ${pattern ?? e.message}`;
  });
  throw options.error(messages.join('\n'));
}
