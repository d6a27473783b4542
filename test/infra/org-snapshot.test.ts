/**
 * Snapshots of every stack an organization deploy adds (issue 11): the hub, a spoke stack, and the
 * StackSet's spoke template (shown parsed; in the hub's snapshot it is elided). Asset and pattern
 * hashes are masked. Update with `npx jest -u` after checking the diff.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { SpokeStack } from '../../infra/org/spoke';
import { build } from './helpers';

function mask(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1'));
}

const { app, template } = build(
  {
    account: '111122223333',
    region: 'us-east-1',
    regions: 'us-east-1,eu-west-1,ap-southeast-2',
    organizationId: 'o-abc123defg',
    organizationalUnitIds: 'r-ab12',
    alertEmail: 'oncall@example.com:critical|high',
  },
  { bundle: false },
);
const hub = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
const [stackSet] = Object.values(hub.Resources).filter((r) => r.Type === 'AWS::CloudFormation::StackSet');
const spokeTemplate = JSON.parse(stackSet!.Properties.TemplateBody as string);
stackSet!.Properties.TemplateBody = '<the spoke template: see its own snapshot>';

it('synthesizes the documented hub', () => {
  expect(mask(hub)).toMatchSnapshot();
});

it('synthesizes the documented spoke stack', () => {
  const spoke = app.node.children.find((c): c is SpokeStack => c instanceof SpokeStack && c.region === 'eu-west-1')!;
  expect(mask(Template.fromStack(spoke).toJSON())).toMatchSnapshot();
});

it('synthesizes the documented StackSet spoke template', () => {
  expect(mask(spokeTemplate)).toMatchSnapshot();
});

it('synthesizes the documented spoke stack with the heartbeat on (-c heartbeat=true adds the canary and its schedule)', () => {
  const withHeartbeat = build(
    { account: '111122223333', region: 'us-east-1', regions: 'us-east-1,eu-west-1', alertEmail: 'oncall@example.com', heartbeat: 'true' },
    { bundle: false },
  );
  const spoke = withHeartbeat.app.node.children.find((c): c is SpokeStack => c instanceof SpokeStack && c.region === 'eu-west-1')!;
  expect(mask(Template.fromStack(spoke).toJSON())).toMatchSnapshot();
});
