/**
 * schema/validators.js is the schemas in schema/ compiled ahead by Ajv (scripts/schema-validators.ts),
 * so no command loads Ajv or compiles a schema when it starts. The committed file must be what the
 * script writes for the schemas as they are, and its validators must answer what Ajv compiling the
 * schema now answers, errors included, valid and invalid documents alike.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import * as validators from '../../schema/validators';
import { AJV_OPTIONS, SCHEMAS, schemaValidatorsSource } from '../../scripts/schema-validators';

const ROOT = join(__dirname, '..', '..');

describe('schema/validators.js', () => {
  it('is what scripts/schema-validators.ts writes (run `npm run schema-validators` after editing a schema)', () => {
    expect(readFileSync(join(ROOT, 'schema', 'validators.js'), 'utf8')).toBe(schemaValidatorsSource());
  });

  it('exports one validator per schema', () => {
    // (The namespace import's `default` is the module itself, added by the CommonJS interop.)
    expect(Object.keys(validators).filter((k) => k !== 'default').sort()).toEqual(Object.keys(SCHEMAS).sort());
  });

  // Documents of every kind: valid ones (shipped files), and wrong in the ways users get them wrong.
  const shipped = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as unknown;
  const documents: Record<keyof typeof SCHEMAS, unknown[]> = {
    rule: [
      shipped('rules/mass-face-enrolment.json'),
      shipped('rules/collection-deleted-without-mfa.json'),
      { id: 'Bad_Id', conditions: { all: [] }, severity: 'urgent', threshold: { count: 0, window: '10 minutes', by: [] }, extra: 1 },
      { conditions: { any: [{ fact: 'eventName', operator: 'equal' }] }, tests: [{ event: {}, expect: 'yes', repeat: -1 }] },
      [],
      null,
    ],
    list: [shipped('rules/lists/trusted-networks.json'), { name: 'x', items: [1, 'a', 'a'] }, { items: 'not a list' }, 'text'],
    channels: [{ slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/x' } }, { slack: { webhookUrl: 'ftp://x' }, email: { smtpUrl: 'http://x', from: 'nobody', to: [] }, other: true }, 7],
    deployConfig: [{}, { regions: 'eu-west-1', lists: { x: [1] }, heartbeat: 'yes', unknownKey: 1 }, { organization: { id: 7 } }, false],
  };

  it.each(Object.keys(SCHEMAS) as Array<keyof typeof SCHEMAS>)('%s answers as Ajv compiling the schema now answers', (name) => {
    const fresh: ValidateFunction = new Ajv(AJV_OPTIONS).compile(JSON.parse(readFileSync(join(ROOT, 'schema', SCHEMAS[name]), 'utf8')) as object);
    const ahead = validators[name];
    let invalid = 0;
    for (const doc of documents[name]) {
      const ok = fresh(doc);
      expect([doc, ahead(doc)]).toEqual([doc, ok]);
      expect([doc, ahead.errors ?? null]).toEqual([doc, fresh.errors ?? null]);
      if (!ok) invalid++;
    }
    expect(invalid).toBeGreaterThan(0);
    expect(invalid).toBeLessThan(documents[name].length);
  });
});
