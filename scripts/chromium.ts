/**
 * Headless Chromium for the page tests and the preview screenshots, with nothing installed by hand:
 * the browser comes from the npm registry inside `@sparticuz/chromium` (a devDependency), unpacked
 * once per version into a private cache under the system temp dir. `CHROMIUM_PATH` points at another
 * build instead (e.g. Debian's `/usr/bin/chromium`).
 *
 * The package's own default flags are deliberately not used: they include `--disable-web-security`,
 * which would turn off the very same-origin and CSRF checks the mute page tests exercise. The flags
 * here keep Chromium off the network (this machine's network is closed) and headless.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless=shell',
  '--no-sandbox',
  '--no-zygote',
  '--single-process',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function packageVersion(): string {
  // The package's exports map hides package.json from require.resolve: read it from node_modules.
  const pkg = join(__dirname, '..', 'node_modules', '@sparticuz', 'chromium', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/**
 * The path of a Chromium executable: `CHROMIUM_PATH` when set, else the registry build, unpacked on
 * first use. The package unpacks into `os.tmpdir()`, so it runs in a child whose TMPDIR is a fresh
 * directory; the finished directory is renamed into place, so concurrent first uses never see a
 * half-unpacked browser and a build of another version is never mixed in.
 */
export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH}: no such file`);
    return env.CHROMIUM_PATH;
  }
  const cacheRoot = join(tmpdir(), `rekwatch-chromium-${process.getuid?.() ?? 'user'}`);
  const dir = join(cacheRoot, packageVersion());
  const executable = join(dir, 'chromium');
  if (existsSync(join(dir, '.complete'))) return executable;
  mkdirSync(cacheRoot, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(cacheRoot, 'unpacking-'));
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', "import c from '@sparticuz/chromium'; await c.executablePath();"], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, TMPDIR: staging },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (!existsSync(join(staging, 'chromium'))) throw new Error(`@sparticuz/chromium did not unpack a browser into ${staging}`);
    writeFileSync(join(staging, '.complete'), '');
    try {
      renameSync(staging, dir);
    } catch (e) {
      // Another process finished first: use its copy.
      if (!existsSync(join(dir, '.complete'))) throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return executable;
}
