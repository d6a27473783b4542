/**
 * Lambda numbers for the bench: the evaluate function bundled as the stack bundles it (esbuild,
 * minified, AWS SDK left out, rule pack inlined), its size, its cold start (a fresh process importing
 * the bundle and handling a first, non-matching event; median of many runs), and warm per-event time
 * of the handler for a non-matching and a matching event (publish and idempotency store stubbed in
 * memory, so the network is not measured).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import pino from 'pino';
import type { ClaimResult, IdempotencyStore } from '../functions/adapters/idempotency-store';
import { Evaluator } from '../functions/core/match/evaluator';
import { packDefine } from '../functions/core/rules/runtime-pack';
import type { Alert, RulePack } from '../functions/core/common/types';
import { createHandler } from '../functions/evaluate/handler';
import { envelope, record } from '../test/helpers/records';

const ROOT = join(__dirname, '..');
const DATA = join(__dirname, '.data');

export const NO_MATCH_EVENT = envelope(record({ eventID: 'bench-no-match' }));
export const MATCH_EVENT = envelope(record({ eventName: 'DeleteCollection', readOnly: false, eventID: 'bench-match', requestParameters: { collectionId: 'employees' } }));

export function bundle(pack: RulePack): string {
  mkdirSync(DATA, { recursive: true });
  const outfile = join(DATA, 'evaluate-bundle', 'index.js');
  buildSync({
    entryPoints: [join(ROOT, 'functions', 'evaluate', 'index.ts')],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    define: packDefine(pack),
    logLevel: 'silent',
  });
  return outfile;
}

function coldStartOnce(outfile: string): number {
  const script = `
    const t0 = process.hrtime.bigint();
    const { handler } = require(${JSON.stringify(outfile)});
    handler(${JSON.stringify(NO_MATCH_EVENT)}, { awsRequestId: 'cold' }).then(() => {
      process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));
    });`;
  const out = execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:t', TABLE_NAME: 't', AWS_REGION: 'us-east-1', LOG_LEVEL: 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return Number(out);
}

class MemoryStore implements IdempotencyStore {
  private readonly sent = new Set<string>();
  async claim(key: string): Promise<ClaimResult> {
    return this.sent.has(key) ? 'alreadySent' : 'claimed';
  }
  async markSent(): Promise<void> {}
  async release(): Promise<void> {}
  async recordCopy(_alertId: string, copy: string): Promise<string[]> {
    return [copy];
  }
}

async function perEventMs(handler: (e: unknown) => Promise<unknown>, event: unknown, n: number): Promise<number> {
  for (let i = 0; i < 200; i++) await handler(event);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await handler(event);
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export async function lambdaBench(pack: RulePack, runs: number) {
  const outfile = bundle(pack);
  const colds: number[] = [];
  for (let i = 0; i < runs; i++) colds.push(coldStartOnce(outfile));
  const published: Alert[] = [];
  const handler = createHandler({
    evaluator: new Evaluator(pack),
    logger: pino({ level: 'silent' }),
    channels: () => [{ name: 'stub', publisher: { publish: async (a: Alert) => void published.push(a) } }],
    store: () => new MemoryStore(),
  });
  const warmNoMatchMs = await perEventMs(handler, NO_MATCH_EVENT, 20_000);
  const warmMatchMs = await perEventMs(handler, MATCH_EVENT, 2_000);
  if (published.length === 0) throw new Error('bench: the matching event did not alert');
  writeFileSync(join(DATA, 'evaluate-bundle', 'cold-starts.json'), JSON.stringify(colds));
  return {
    coldStartMs: Number(median(colds).toFixed(1)),
    warmNoMatchMs: Number(warmNoMatchMs.toFixed(4)),
    warmMatchMs: Number(warmMatchMs.toFixed(3)),
    bundleBytes: statSync(outfile).size,
  };
}
