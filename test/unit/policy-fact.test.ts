/**
 * The projectPolicy fact (functions/core/input/policy.ts): PutProjectPolicy documents as CloudTrail
 * records carry them (a JSON string; an object too), normalised; anything unreadable is
 * `{ valid: false }`, never a throw; and rules reach the content with json-rules-engine operators.
 */
import fc from 'fast-check';
import { normalisePolicy, projectPolicyOf } from '../../functions/core/input/policy';
import { factValue } from '../../functions/core/input/facts';
import { Evaluator } from '../../functions/core/match/evaluator';
import { listFile, pack, rule, ruleFile } from '../helpers/pack';
import { record } from '../helpers/records';

const statement = (principal: unknown, extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow', Principal: principal, Action: ['rekognition:CopyProjectVersion'],
  Resource: 'arn:aws:rekognition:us-east-1:111122223333:project/p/version/*/*', ...extra,
});
const doc = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('normalisePolicy', () => {
  it('reads the documented shape: a JSON string with an account root ARN', () => {
    const p = normalisePolicy(doc(statement({ AWS: 'arn:aws:iam::444455556666:root' })));
    expect(p).toEqual({
      valid: true,
      statements: [{
        sid: null, effect: 'Allow', principals: ['arn:aws:iam::444455556666:root'], accounts: ['444455556666'], anyone: false, services: [], notPrincipal: false,
        actions: ['rekognition:CopyProjectVersion'], notAction: false, resources: ['arn:aws:rekognition:us-east-1:111122223333:project/p/version/*/*'], conditions: null, conditional: false,
      }],
      allowedPrincipals: ['arn:aws:iam::444455556666:root'], allowedAccounts: ['444455556666'], allowsAnyone: false, unconditionalAnyone: false, allowedServices: [],
      allowedActions: ['rekognition:CopyProjectVersion'],
    });
  });

  it.each([
    ['"*"', '*', { anyone: true, accounts: [] }],
    ['{"AWS": "*"}', { AWS: '*' }, { anyone: true, accounts: [] }],
    ['a bare account id', { AWS: '123456789012' }, { anyone: false, accounts: ['123456789012'] }],
    ['an array of ARNs and ids', { AWS: ['arn:aws:iam::444455556666:role/Importer', '999988887777', 'arn:aws:sts::444455556666:assumed-role/R/s'] }, { anyone: false, accounts: ['444455556666', '999988887777'] }],
    ['a service principal', { Service: 'rekognition.amazonaws.com' }, { anyone: false, accounts: [], services: ['rekognition.amazonaws.com'] }],
    ['a GovCloud ARN', { AWS: 'arn:aws-us-gov:iam::123456789012:root' }, { anyone: false, accounts: ['123456789012'] }],
  ])('Principal %s', (_name, principal, want) => {
    expect(normalisePolicy(doc(statement(principal))).statements[0]).toMatchObject(want);
  });

  it('unions only Allow statements, and an Allow with NotPrincipal grants anyone', () => {
    const p = normalisePolicy(doc(statement({ AWS: '111111111111' }, { Effect: 'Deny' }), statement({ AWS: '222222222222' }), { Effect: 'Allow', NotPrincipal: { AWS: '333333333333' }, Action: '*', Resource: '*' }));
    expect(p.allowedAccounts).toEqual(['222222222222']);
    expect(p.allowsAnyone).toBe(true);
    expect(p.statements[2]).toMatchObject({ notPrincipal: true, anyone: true });
  });

  it('tells a conditional grant to anyone from an unconditional one', () => {
    const cond = { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } };
    expect(normalisePolicy(doc(statement('*', { Condition: cond })))).toMatchObject({ allowsAnyone: true, unconditionalAnyone: false, statements: [{ conditional: true, conditions: cond }] });
    expect(normalisePolicy(doc(statement('*')))).toMatchObject({ allowsAnyone: true, unconditionalAnyone: true });
  });

  it('takes a parsed object and a single Statement object', () => {
    expect(normalisePolicy({ Statement: statement({ AWS: '123456789012' }) }).allowedAccounts).toEqual(['123456789012']);
  });

  it.each([
    ['not JSON', '{"Statement": [', 'the policy document is not valid JSON'],
    ['a JSON array', '[]', 'the policy document is not a JSON object'],
    ['no Statement', '{"Version": "2012-10-17"}', 'the policy document has no Statement'],
    ['a statement that is a string', doc('Allow everyone'), 'a Statement entry is not an object'],
    ['a number', 42, 'the policy document is not a JSON object'],
  ])('%s is { valid: false } with the reason', (_n, input, reason) => {
    expect(normalisePolicy(input)).toMatchObject({ valid: false, reason, statements: [], allowedAccounts: [], allowsAnyone: false });
  });

  it('never throws, whatever the value', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.json()), (v) => {
      const p = normalisePolicy(v);
      expect(typeof p.valid).toBe('boolean');
      expect(Array.isArray(p.allowedAccounts)).toBe(true);
    }));
  });

  it('is undefined for a record without a policyDocument', () => {
    expect(projectPolicyOf(null)).toBeUndefined();
    expect(projectPolicyOf({ projectArn: 'x' })).toBeUndefined();
    expect(factValue(record({ requestParameters: { policyDocument: doc(statement('*')) } }), 'projectPolicy', {})).toMatchObject({ allowsAnyone: true });
  });
});

describe('projectPolicy in conditions', () => {
  const conditions = {
    all: [
      { fact: 'eventName', operator: 'equal', value: 'PutProjectPolicy' },
      {
        any: [
          { fact: 'projectPolicy', path: '$.allowsAnyone', operator: 'equal', value: true },
          { fact: 'projectPolicy', path: '$.allowedAccounts', operator: 'someFact:notIn', value: { fact: 'lists', path: '$.organization-accounts' } },
        ],
      },
    ],
  };
  const p = pack([listFile('organization-accounts', ['111122223333', '444455556666']), ruleFile(rule('outside', conditions))]);
  const put = (document: unknown) => record({ eventName: 'PutProjectPolicy', requestParameters: { projectArn: 'arn:aws:rekognition:us-east-1:111122223333:project/p/1', policyName: 'x', policyDocument: document } });

  it.each([true, false])('alerts on outside accounts and anyone, the same with and without the pre-check (%s)', async (precheck) => {
    const ev = new Evaluator(p, { precheck });
    const fires = async (d: unknown) => (await ev.evaluate(put(d))).alerts.length === 1;
    expect(await fires(doc(statement({ AWS: 'arn:aws:iam::999988887777:root' })))).toBe(true);
    expect(await fires(doc(statement('*')))).toBe(true);
    expect(await fires(doc(statement({ AWS: ['444455556666', '999988887777'] })))).toBe(true);
    expect(await fires(doc(statement({ AWS: 'arn:aws:iam::444455556666:root' })))).toBe(false);
    expect(await fires(doc(statement({ Service: 'rekognition.amazonaws.com' })))).toBe(false);
    expect(await fires('not json')).toBe(false);
  });
});
