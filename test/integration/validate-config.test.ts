/**
 * `rekwatch validate --config FILE` checks a deployment config as `cdk synth` does
 * (functions/adapters/deploy-config.ts, the module the CDK app loads it with), so a setting only a
 * deployment reads fails before the deploy, with the file and the setting named.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../functions/adapters/deploy-config';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rekwatch-validate-config-'));
function config(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}
const validate = (path: string) => runCli(['validate', '--rules', join(ROOT, 'rules'), '--config', path], { cwd: ROOT });

describe('validate --config', () => {
  it('refuses what cdk synth refuses, naming the file and the setting', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['silence.json', { heartbeat: true, heartbeatMaxSilence: '7m' }, 'config heartbeatMaxSilence: "7m" must be a duration from 30m to 24h in steps of 15m'],
      ['silence-off.json', { heartbeatMaxSilence: '2h' }, 'config heartbeatMaxSilence: set heartbeat=true too'],
      ['ous.json', { organizationalUnitIds: ['ou-abcd-12345678'] }, 'organizationalUnitIds: set organizationId too'],
    ];
    for (const [name, value, message] of cases) {
      const path = config(name, value);
      const res = await validate(path);
      expect([name, res.code]).toEqual([name, 1]);
      expect(res.stdout).toContain(`${path}: `);
      expect(res.stdout).toContain(message);
      expect(res.stdout).toContain('(cdk synth refuses it)');
      expect(res.stdout).toMatch(/: 1 error, 0 warnings\n$/);
      // The same file fails synth the same way.
      expect(() => loadConfig((key) => (key === 'config' ? path : undefined))).toThrow(message);
    }
  });

  it('passes what deploys', async () => {
    const res = await validate(config('good.json', { heartbeat: true, heartbeatMaxSilence: '2h', organizationId: 'o-abc123defg', organizationalUnitIds: ['ou-abcd-12345678'] }));
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/: ok \(\d+ rules, \d+ lists\)\n$/);
  });
});
