/**
 * Reads a JSON configuration file checked against its JSON Schema (ajv), with every problem named by
 * file and field, in the words rule files get (core/rules/schema.ts `schemaErrors`): a missing file,
 * bad JSON (line and column), an unknown field or a value outside an enum (with a did-you-mean), a
 * wrong type by name. Shared by the deployment config and the local channels file.
 */
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { schemaErrors, type PatternMessage } from '../core/rules/schema';
import { parseJsonText } from '../core/common/parse-json';

export interface SchemaFileOptions {
  /** Turns messages into the caller's error type. */
  error: (message: string) => Error;
  /** A clearer message for a `pattern` failure at this field (`a.b[0]`), if any. */
  patternMessage?: PatternMessage;
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
  const messages = schemaErrors(validate, schema, parsed.value, options.patternMessage).map((e) => `${path}: ${e.field || '(root)'}: ${e.message}`);
  throw options.error(messages.join('\n'));
}
