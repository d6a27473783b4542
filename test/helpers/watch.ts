/** `rekwatch watch` in-process for tests, and trail files of as many alerting records as a test needs. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { watchCommand, type WatchOptions } from '../../functions/cli/watch';
import type { RetryOptions } from '../../functions/core/deliver/retry';
import { until } from './wait';

export const ROOT = join(__dirname, '..', '..');
export const RULES = join(ROOT, 'rules');
export const SAMPLE_DIR = join(ROOT, 'samples', 'trail', 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '11', '20');
/** The three sample trail files, in order: 2, 4 and 2 alerts. */
export const SAMPLES = readdirSync(SAMPLE_DIR).sort();

/** A pass every 20 ms instead of every interval (cut short when the watch is stopped). */
export const quickSleep = (_ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      r();
    };
    const t = setTimeout(done, 20);
    signal?.addEventListener('abort', done, { once: true });
  });

export interface StartedWatch {
  done: Promise<number>;
  /** Resolves once the watch has taken stock of DIR (files arriving after this are new). */
  ready(): Promise<void>;
  stop(): Promise<number>;
  stdout(): string;
  stderr(): string;
}

const running = new Set<StartedWatch>();

/** Stops every watch a test left running (call in afterEach, so a failed test leaves nothing behind). */
export async function stopAllWatches(): Promise<void> {
  await Promise.all([...running].map((w) => w.stop()));
}

export function startWatch(
  dir: string,
  stateDir: string,
  options: Partial<WatchOptions> & { env?: NodeJS.ProcessEnv; retry?: RetryOptions; now?: () => number } = {},
): StartedWatch {
  const { env, retry, now, ...opts } = options;
  const controller = new AbortController();
  let stdout = '';
  let stderr = '';
  const done = watchCommand(dir, { rules: RULES, stateDir, interval: 1, sleep: quickSleep, signal: controller.signal, ...opts }, {
    stdout: new Writable({ write(c, _e, cb) { stdout += String(c); cb(); } }),
    stderr: new Writable({ write(c, _e, cb) { stderr += String(c); cb(); } }),
    stdin: Readable.from([]),
    cwd: ROOT,
    stderrIsTTY: false,
    env: env ?? {},
    retry: retry ?? { baseMs: 1, maxMs: 5 },
    now,
  });
  const started: StartedWatch = {
    done,
    ready: async () => {
      try {
        await until(() => /rekwatch: watching /.test(stderr));
      } catch (e) {
        throw new Error(`${(e as Error).message}; watch said:\n${stderr}`);
      }
    },
    stop: async () => {
      controller.abort();
      return done;
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
  running.add(started);
  void done.finally(() => running.delete(started));
  return started;
}

/** The cross-account IndexFaces call of the second sample file: one alert (cross-account-caller), no dedupe window. */
const CROSS_ACCOUNT = (JSON.parse(gunzipSync(readFileSync(join(SAMPLE_DIR, SAMPLES[1]!))).toString('utf8')) as { Records: Array<Record<string, unknown>> }).Records.find(
  (r) => String(r.eventID).startsWith('e278a84d'),
)!;

/** A trail log document of `n` such calls (one alert each, ids `cross-account-caller:<prefix>-<i>`). */
export function crossAccountTrail(n: number, prefix: string, eventTime = '2026-11-20T09:12:30Z'): string {
  const Records = Array.from({ length: n }, (_, i) => ({ ...CROSS_ACCOUNT, eventTime, eventID: `${prefix}-${String(i).padStart(5, '0')}` }));
  return JSON.stringify({ Records });
}
