/**
 * The JSON Schemas in schema/ are valid JSON Schemas that Ajv compiles in strict mode: the CLI
 * compiles them without checking them against the meta-schema (functions/core/rules/schema.ts, for
 * start-up time), so this test is where a schema edit that breaks them fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';

const DIR = join(__dirname, '..', '..', 'schema');

describe('schema/*.schema.json', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.schema.json'));

  it('has the schemas the code uses', () => {
    expect(files).toEqual(expect.arrayContaining(['rule.schema.json', 'list.schema.json', 'channels.schema.json']));
  });

  it.each(files)('%s is valid against the meta-schema and compiles in strict mode', (file) => {
    const schema = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, strict: true });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(ajv.errors ?? null).toBeNull();
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('would catch a broken schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    expect(ajv.validateSchema({ type: 'object', properties: { a: { type: 'strng' } } })).toBe(false);
  });
});
