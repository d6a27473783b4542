/** CDK assertions for mute links in AWS: the link key, the mute page function URL, and the wiring. */
import { Match } from 'aws-cdk-lib/assertions';
import { build } from './helpers';

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

  it('is left out with -c muteLinks=false, and the evaluate function then signs nothing', () => {
    const { template } = build({ muteLinks: 'false' }, { bundle: false });
    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('MUTE_URL');
  });
});
