/**
 * Per-event cost of the evaluate function on both detection paths, bundled as the stack bundles it
 * (bench/lambda.ts `bundle`), in a fresh Node process: warm handler time per event for one
 * EventBridge event per invocation (the plain path) and for SQS batches of 100 and 500 messages (the
 * queue path), on non-matching read-only calls (DetectFaces: what the queue path carries by the
 * million). Median of interleaved rounds. The shipped pack needs no state, so no network is
 * involved; detection-state requests (stateful packs) are network-bound and priced separately
 * (infra/detection-cost.ts). Run alone with `npx tsx bench/lambda-batch.ts`; `npm run bench` adds
 * its row.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadRulesDir } from '../functions/adapters/rule-files';
import type { RulePack } from '../functions/core/common/types';
import { bundle, NO_MATCH_EVENT } from './lambda';

export interface BatchBenchResult {
  /** One event per invocation, ms per event. */
  singleMsPerEvent: number;
  /** Per event within a batch, ms, by batch size. */
  batchMsPerEvent: Record<string, number>;
  rounds: number;
}

const CHILD = (outfile: string, sizes: number[], rounds: number) => `
const { handler } = require(${JSON.stringify(outfile)});
const base = ${JSON.stringify(NO_MATCH_EVENT)};
const ev = (i) => ({ ...base, detail: { ...base.detail, eventID: 'bench-' + i } });
const batchOf = (n, off) => ({ Records: Array.from({ length: n }, (_, i) => ({ messageId: 'm' + (off + i), receiptHandle: 'r', body: JSON.stringify(ev(off + i)), attributes: { ApproximateReceiveCount: '1' }, eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:q' })) });
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
(async () => {
  const sizes = ${JSON.stringify(sizes)};
  const batches = Object.fromEntries(sizes.map((n) => [n, batchOf(n, n * 1000)]));
  const singles = Array.from({ length: 500 }, (_, i) => ev(i));
  for (let w = 0; w < 5; w++) { for (const n of sizes) await handler(batches[n], {}); for (const e of singles) await handler(e, {}); }
  const single = [], per = Object.fromEntries(sizes.map((n) => [n, []]));
  for (let r = 0; r < ${rounds}; r++) {
    let t = process.hrtime.bigint();
    for (const e of singles) await handler(e, {});
    single.push(Number(process.hrtime.bigint() - t) / 1e6 / singles.length);
    for (const n of sizes) {
      t = process.hrtime.bigint();
      const out = await handler(batches[n], {});
      if (out.batchItemFailures.length) throw new Error('batch failed');
      per[n].push(Number(process.hrtime.bigint() - t) / 1e6 / n);
    }
  }
  process.stderr.write('RESULT ' + JSON.stringify({ single: median(single), per: Object.fromEntries(sizes.map((n) => [n, median(per[n])])) }) + '\\n');
})();`;

export function lambdaBatchBench(pack: RulePack, rounds = 15, sizes = [100, 500]): BatchBenchResult {
  const outfile = bundle(pack);
  const child = spawnSync(process.execPath, ['-e', CHILD(outfile, sizes, rounds)], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'], // the function's logs (stdout) are not measured by us, only written
    env: { PATH: process.env.PATH, TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:t', TABLE_NAME: 't', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const line = child.stderr.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) throw new Error(`lambda-batch bench failed: ${child.stderr}`);
  const r = JSON.parse(line.slice(7)) as { single: number; per: Record<string, number> };
  return { singleMsPerEvent: Number(r.single.toFixed(4)), batchMsPerEvent: Object.fromEntries(Object.entries(r.per).map(([n, ms]) => [n, Number(ms.toFixed(4))])), rounds };
}

if (require.main === module) {
  const pack = loadRulesDir(join(__dirname, '..', 'rules')).pack;
  console.log(JSON.stringify(lambdaBatchBench(pack)));
}
