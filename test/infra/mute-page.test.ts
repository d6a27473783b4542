/**
 * CDK assertions for mute links in AWS: the link key, the mute page function URL, the wiring, and the
 * reserved concurrency that keeps a flood of requests to the public URL from starving detection.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { build } from './helpers';

const fn = (t: Template, description: RegExp) => {
  const found = Object.values(t.findResources('AWS::Lambda::Function')).filter((r) => description.test(String((r as { Properties: { Description?: string } }).Properties.Description)));
  expect(found).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
};
const PAGE = /^rekwatch: mute page/;
const EVALUATE = /^rekwatch: evaluates/;

describe('mute page', () => {
  const { template: t } = build({ alertEmail: 'a@example.com' }, { bundle: false });

  it('generates the link-signing key in Secrets Manager, encrypted with rekwatch\'s key, never in the template', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: 'rekwatch: HMAC key that signs mute links in alerts',
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      SecretString: Match.absent(),
    });
  });

  it('serves the page from a Node.js 24 function behind a public function URL (links must open from any mail client)', () => {
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MutePageFunction'), 'Arn'] } });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'rekwatch: mute page (confirm and undo mutes from alert links)',
      Runtime: 'nodejs24.x',
      Environment: { Variables: Match.objectLike({ TABLE_NAME: { Ref: Match.stringLikeRegexp('StateTable') }, LINK_KEY_SECRET_ID: { Ref: Match.stringLikeRegexp('MutePageLinkKey') }, MUTE_MAX_MS: String(30 * 86_400_000) }) },
    });
    t.hasOutput('MutePageUrl', {});
  });

  it('has the evaluate function sign links to that URL with that key; both may read the key, nobody else', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^rekwatch: evaluates'),
      Environment: { Variables: Match.objectLike({ MUTE_URL: { 'Fn::GetAtt': [Match.stringLikeRegexp('MutePageFunctionFunctionUrl'), 'FunctionUrl'] }, LINK_KEY_SECRET_ID: { Ref: Match.stringLikeRegexp('MutePageLinkKey') } }) },
    });
    const readers = Object.entries(t.findResources('AWS::IAM::Policy'))
      .filter(([, r]) => JSON.stringify(r).includes('secretsmanager:GetSecretValue') && JSON.stringify(r).includes('MutePageLinkKey'))
      .map(([id]) => id.replace(/[A-F0-9]{8}$/, ''));
    expect(readers.sort()).toEqual(['EvaluateRoleDefaultPolicy', 'MutePageRoleDefaultPolicy']);
  });

  it('lets the page only read and write items of the state table (no scan, no table management)', () => {
    const policy = Object.entries(t.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith('MutePageRole'))![1] as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } } };
    const actions = [...new Set(policy.Properties.PolicyDocument.Statement.flatMap((s) => ([] as string[]).concat(s.Action)))].filter((a) => a.startsWith('dynamodb:')).sort();
    expect(actions).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('lets the evaluate function batch-read the state table (live mutes are checked against their audit records), and only it', () => {
    const batchReaders = Object.entries(t.findResources('AWS::IAM::Policy'))
      .filter(([, r]) => JSON.stringify(r).includes('dynamodb:BatchGetItem'))
      .map(([id]) => id.replace(/[A-F0-9]{8}$/, ''));
    expect(batchReaders).toEqual(['EvaluateRoleDefaultPolicy']);
  });

  it('caps the public page at 5 concurrent requests by default (reserved concurrency), and leaves the evaluate function in the shared pool', () => {
    expect(fn(t, PAGE).ReservedConcurrentExecutions).toBe(5);
    expect(fn(t, EVALUATE).ReservedConcurrentExecutions).toBeUndefined();
  });

  it('takes both reservations from context, or from the config file (context wins)', () => {
    const ctx = build({ alertEmail: 'a@example.com', mutePageConcurrency: '2', evaluateConcurrency: '50' }, { bundle: false }).template;
    expect([fn(ctx, PAGE).ReservedConcurrentExecutions, fn(ctx, EVALUATE).ReservedConcurrentExecutions]).toEqual([2, 50]);
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-concurrency-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ concurrency: { mutePage: 3, evaluate: 20 } }));
    const file = build({ config: join(dir, 'config.json') }, { bundle: false }).template;
    expect([fn(file, PAGE).ReservedConcurrentExecutions, fn(file, EVALUATE).ReservedConcurrentExecutions]).toEqual([3, 20]);
    const both = build({ config: join(dir, 'config.json'), evaluateConcurrency: '10' }, { bundle: false }).template;
    expect(fn(both, EVALUATE).ReservedConcurrentExecutions).toBe(10);
  });

  it.each([
    [{ mutePageConcurrency: '0' }, 'context mutePageConcurrency: must be a whole number from 1 to 100, got "0"'],
    [{ mutePageConcurrency: 'unlimited' }, 'context mutePageConcurrency: must be a whole number from 1 to 100, got "unlimited"'],
    [{ mutePageConcurrency: '101' }, 'context mutePageConcurrency: must be a whole number from 1 to 100, got "101"'],
    [{ evaluateConcurrency: '2.5' }, 'context evaluateConcurrency: must be a whole number from 1 to 10000, got "2.5"'],
  ])('refuses %p (and the page has no unreserved setting)', (context, message) => {
    expect(() => build(context, { bundle: false })).toThrow(message);
  });

  it('is left out with -c muteLinks=false, and the evaluate function then signs nothing', () => {
    const { template } = build({ muteLinks: 'false' }, { bundle: false });
    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('MUTE_URL');
  });
});
