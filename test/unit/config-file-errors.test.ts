/**
 * The channels file and the deployment config say what is wrong in the words rule files get
 * (core/rules/schema.ts `schemaErrors` through adapters/json-file.ts): fields as `a.b[0]`, types by
 * name, allowed values quoted with a did-you-mean, a key's own problem on the key, and every
 * pattern of the deployment config's schema explained rather than printed.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_PATTERNS, readDeployConfigFile } from '../../functions/adapters/deploy-config-file';
import { readChannelsFile } from '../../functions/adapters/delivery/channels-file';

const dir = mkdtempSync(join(tmpdir(), 'rekwatch-config-errors-'));
function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  chmodSync(path, 0o600);
  return path;
}
const errorOf = (read: () => unknown): string[] => {
  try {
    read();
  } catch (e) {
    return (e as Error).message.split('\n');
  }
  throw new Error('expected an error');
};

describe('config file errors', () => {
  it('name the field as rule files do, with types by name and a did-you-mean for values', () => {
    const path = file('deploy.json', { alertEmails: [{ address: 'a@example.com', severities: ['hihg'] }], regions: 'eu-west-1', accountNames: { prod: 'x' }, organizationId: 'org-1' });
    expect(errorOf(() => readDeployConfigFile(path)).sort()).toEqual([
      `${path}: accountNames.prod: the key must be a 12-digit AWS account id`,
      `${path}: alertEmails[0].severities[0]: must be one of "info", "low", "medium", "high", "critical" (did you mean "high"?)`,
      `${path}: organizationId: must be an AWS Organizations id like o-abc123defg`,
      `${path}: regions: must be a list`,
    ]);
  });

  it('explain every pattern of the deployment config schema', () => {
    const patterns: string[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        for (const [k, v] of Object.entries(n)) {
          if (k === 'pattern' && typeof v === 'string') patterns.push(v);
          else walk(v);
        }
      }
    };
    walk(JSON.parse(readFileSync(join(__dirname, '..', '..', 'schema', 'deploy-config.schema.json'), 'utf8')));
    expect(patterns.length).toBeGreaterThan(5);
    expect(patterns.filter((p) => CONFIG_PATTERNS[p] === undefined)).toEqual([]);
  });

  it('give the channels file the same words', () => {
    const path = file('channels.json', { email: { smtpUrl: 'http://mail', from: 'a@example.com', to: 'b@example.com', severitys: ['high'] }, slack: { webhookUrl: 'ftp://x' } });
    expect(errorOf(() => readChannelsFile(path)).sort()).toEqual([
      `${path}: email.severitys: unknown field (did you mean "severities"?)`,
      `${path}: email.smtpUrl: must start with smtp:// or smtps://`,
      `${path}: email.to: must be a list`,
      `${path}: slack.webhookUrl: not an http(s) URL`,
    ]);
  });
});
