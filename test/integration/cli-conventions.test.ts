/** CLI conventions a new user expects: --version, short usage errors, plurals, colour only on a terminal. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { colorsFor, plural, type CliIo } from '../../functions/cli/io';
import { main } from '../../functions/cli/main';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');

it('prints the package version with --version and -V', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) expect(await runCli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
});

it('a missing argument prints the error, one usage line and a hint, not the whole help', async () => {
  const res = await runCli(['replay']);
  expect(res.code).toBe(2);
  // PATHs are optional only because --lookup-events can stand for them.
  expect(res.stderr).toBe("error: missing required argument 'paths' (or --lookup-events)\nUsage: rekwatch replay [options] [paths...]\n(run 'rekwatch replay --help' for the options)\n");
  const unknown = await runCli(['replya']);
  expect(unknown.stderr).toMatch(/^error: unknown command 'replya'\n\(Did you mean replay\?\)\n\(run 'rekwatch --help' for the commands\)\n$/);
});

it('a rules directory given as an argument, to a command that takes --rules, gets the command line it meant', async () => {
  const res = await runCli(['validate', '--strict', 'rules']);
  expect(res.code).toBe(2);
  expect(res.stderr).toBe("error: too many arguments for 'validate'. Expected 0 arguments but got 1.\nUsage: rekwatch validate [options]\n(run 'rekwatch validate --help' for the options)\n(to use the rules in \"rules\": rekwatch validate --rules rules)\n");
  // An option's value is not taken for the directory.
  expect((await runCli(['test', '--rule', 'x', 'my-rules'])).stderr).toContain('(to use the rules in "my-rules": rekwatch test --rules my-rules)');
  // A command with arguments of its own gets no such line.
  expect((await runCli(['mute'])).stderr).not.toContain('to use the rules');
});

it('--event-source takes an eventSource host name and suggests one for a bare service name', async () => {
  const res = await runCli(['replay', '--event-source', 's3', join(ROOT, 'samples', 'trail')]);
  expect(res.code).toBe(2);
  expect(res.stderr.split('\n')[0]).toBe(`error: option '--event-source <name>' argument 's3' is invalid. an eventSource is a host name like "rekognition.amazonaws.com", or '*' (did you mean "s3.amazonaws.com"?)`);
  expect((await runCli(['test', '--event-source', 'rekognition.amazonaws.com', '--rule', 'root-user-activity'], { cwd: ROOT })).code).toBe(0);
});

it('test --rule runs only the named rules, and names an unknown one with did-you-mean', async () => {
  const one = await runCli(['test', '--rule', 'root-user-activity'], { cwd: ROOT });
  expect(one.code).toBe(0);
  expect(one.stdout).toMatch(/^✓ root-user-activity \(\d+ cases\)\n\n\d+ cases in 1 rule: \d+ passed, 0 failed\n$/);
  const typo = await runCli(['test', '--rule', 'root-user-activty'], { cwd: ROOT });
  expect(typo).toEqual({ code: 2, stdout: '', stderr: 'rekwatch test: --rule root-user-activty: no such rule in rules (did you mean "root-user-activity"?)\n' });
});

it('counts read in the right number', () => {
  expect([plural(0, 'rule'), plural(1, 'rule'), plural(2, 'rule'), plural(1, 'case'), plural(3, 'match', 'matches')]).toEqual(['0 rules', '1 rule', '2 rules', '1 case', '3 matches']);
});

describe('colour', () => {
  const io = (over: Partial<CliIo>): CliIo => ({ stdout: new Writable(), stderr: new Writable(), stdin: Readable.from([]), cwd: ROOT, stderrIsTTY: false, env: {}, ...over });
  const red = (c: ReturnType<typeof colorsFor>) => c.red('x');

  it('on a terminal only, never when piped', () => {
    expect(red(colorsFor(io({ stdoutIsTTY: true }), 'stdout'))).toBe('\u001b[31mx\u001b[39m');
    expect(red(colorsFor(io({ stdoutIsTTY: false }), 'stdout'))).toBe('x');
    expect(red(colorsFor(io({ stderrIsTTY: true }), 'stderr'))).toBe('\u001b[31mx\u001b[39m');
    expect(red(colorsFor(io({ stderrIsTTY: true }), 'stdout'))).toBe('x');
  });

  it('honours NO_COLOR, TERM=dumb and FORCE_COLOR', () => {
    expect(red(colorsFor(io({ stdoutIsTTY: true, env: { NO_COLOR: '1' } }), 'stdout'))).toBe('x');
    expect(red(colorsFor(io({ stdoutIsTTY: true, env: { NO_COLOR: '' } }), 'stdout'))).toBe('\u001b[31mx\u001b[39m');
    expect(red(colorsFor(io({ stdoutIsTTY: true, env: { TERM: 'dumb' } }), 'stdout'))).toBe('x');
    expect(red(colorsFor(io({ stdoutIsTTY: false, env: { FORCE_COLOR: '1' } }), 'stdout'))).toBe('\u001b[31mx\u001b[39m');
    expect(red(colorsFor(io({ stdoutIsTTY: false, env: { FORCE_COLOR: '0' } }), 'stdout'))).toBe('x');
  });

  it('rekwatch test output has no escape codes when piped, even where CI=true would turn picocolors on', async () => {
    let out = '';
    const stdout = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
    await main(['node', 'rekwatch', 'test', '--rule', 'root-user-activity'], io({ stdout, env: { CI: 'true' } }));
    expect(out).toContain('✓ root-user-activity');
    expect(out).not.toContain('\u001b[');
  });
});

describe('validate colours', () => {
  const ROOT2 = join(__dirname, '..', '..');
  it('colours errors and the verdict on a terminal (FORCE_COLOR), never when piped', async () => {
    const coloured = await runCli(['validate'], { cwd: ROOT2, env: { FORCE_COLOR: '1' } });
    expect(coloured.stdout).toContain('\u001b[32mok\u001b[39m');
    const piped = await runCli(['validate'], { cwd: ROOT2 });
    expect(piped.stdout).not.toContain('\u001b[');
    expect(piped.stdout).toMatch(/^rules: ok \(\d+ rules, \d+ lists\)\n$/);
  });
});
