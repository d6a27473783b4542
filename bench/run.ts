/**
 * `npm run bench [-- --quick] [-- --json]`: throughput of rekwatch's evaluation against JSON.parse
 * alone and hand-written predicates, measured side by side in one run (rounds interleaved, medians
 * reported), and replay throughput and peak RSS on a large gzip trail log.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { loadRulesDir } from '../functions/adapters/rule-files';
import { Evaluator } from '../functions/core/match/evaluator';
import { toRecord } from '../functions/core/input/record';
import type { RulePack } from '../functions/core/common/types';
import { syntheticRecords } from '../scripts/synthetic-trail';
import { lambdaBench } from './lambda';
import { lambdaBatchBench } from './lambda-batch';
import { trailBench } from './trail';
import { packPredicates } from './pack-predicates';
import { syntheticRuleSet, type Predicate } from './synthetic-rules';

const argv = process.argv.slice(2);
const args = new Set(argv);
/** `--trail-mb N`: size of the many-file trail (default 300, 50 with --quick; 1070 for the issue's 1 GB case). */
const trailMbArg = argv.includes('--trail-mb') ? Number(argv[argv.indexOf('--trail-mb') + 1]) : undefined;
const quick = args.has('--quick');
const asJson = args.has('--json');
const log = (s: string) => process.stderr.write(`${s}\n`);

const RECORDS = quick ? 20_000 : 100_000;
const ROUNDS = quick ? 3 : 5;
const REPLAY_MB = quick ? 40 : 220;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timeSync(fn: () => number): { ms: number; result: number } {
  const t = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, result };
}

async function timeAsync(fn: () => Promise<number>): Promise<{ ms: number; result: number }> {
  const t = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, result };
}

interface Row {
  /** Which rule set: the shipped pack or a synthetic set. */
  set: 'pack' | 'synthetic';
  rules: number;
  parseRecordsPerSec: number;
  handwrittenRecordsPerSec: number | null;
  rekwatchRecordsPerSec: number;
  alertRate: number;
  rekwatchVsParse: number;
}

async function measure(set: Row['set'], pack: RulePack, predicates: Predicate[] | null, lines: string[]): Promise<Row> {
  const evaluator = new Evaluator(pack);
  const label = `${set} (${evaluator.rules.length} rules)`;
  const parse = () => {
    let n = 0;
    for (const l of lines) if (JSON.parse(l) !== null) n++;
    return n;
  };
  const hand = () => {
    let alerts = 0;
    for (const l of lines) {
      const rec = toRecord(JSON.parse(l));
      if (!rec.ok || rec.record.eventSource !== 'rekognition.amazonaws.com') continue;
      for (const p of predicates ?? []) if (p(rec.record)) alerts++;
    }
    return alerts;
  };
  let alertingRecords = 0;
  const rek = async () => {
    let alerts = 0;
    alertingRecords = 0;
    for (const l of lines) {
      const n = (await evaluator.evaluate(JSON.parse(l))).alerts.length;
      alerts += n;
      if (n > 0) alertingRecords++;
    }
    return alerts;
  };
  await rek(); // warm-up: JIT and lazily created engines
  parse();
  if (predicates) hand();
  const t = { parse: [] as number[], hand: [] as number[], rek: [] as number[] };
  let rekAlerts = 0;
  let handAlerts = 0;
  for (let i = 0; i < ROUNDS; i++) {
    t.parse.push(timeSync(parse).ms);
    if (predicates) {
      const h = timeSync(hand);
      t.hand.push(h.ms);
      handAlerts = h.result;
    }
    const r = await timeAsync(rek);
    t.rek.push(r.ms);
    rekAlerts = r.result;
  }
  if (predicates && handAlerts !== rekAlerts) {
    throw new Error(`bench: hand-written predicates found ${handAlerts} alerts but rekwatch ${rekAlerts} for the ${label}`);
  }
  const perSec = (ms: number) => Math.round(lines.length / (ms / 1000));
  const row: Row = {
    set,
    rules: evaluator.rules.length,
    parseRecordsPerSec: perSec(median(t.parse)),
    handwrittenRecordsPerSec: predicates ? perSec(median(t.hand)) : null,
    rekwatchRecordsPerSec: perSec(median(t.rek)),
    alertRate: Number((alertingRecords / lines.length).toFixed(4)),
    rekwatchVsParse: 0,
  };
  row.rekwatchVsParse = Number((row.rekwatchRecordsPerSec / row.parseRecordsPerSec).toFixed(3));
  return row;
}

async function makeReplayLog(path: string, targetMb: number): Promise<number> {
  mkdirSync(join(__dirname, '.data'), { recursive: true });
  const gz = createGzip({ level: 1 });
  const out = createWriteStream(path);
  gz.pipe(out);
  let bytes = 0;
  let first = true;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!gz.write(s)) await once(gz, 'drain');
  };
  await write('{"Records":[');
  for (const r of syntheticRecords(10_000_000, 99)) {
    await write((first ? '' : ',') + JSON.stringify(r));
    first = false;
    if (bytes >= targetMb * 1e6) break;
  }
  await write(']}');
  gz.end();
  await once(out, 'finish');
  return bytes;
}

async function replayBench() {
  const path = join(__dirname, '.data', `trail-${REPLAY_MB}mb.json.gz`);
  let uncompressed: number;
  const sizeFile = `${path}.size`;
  if (existsSync(path) && existsSync(sizeFile)) {
    uncompressed = Number(require('node:fs').readFileSync(sizeFile, 'utf8'));
  } else {
    log(`generating ${REPLAY_MB} MB (uncompressed) gzip trail log...`);
    uncompressed = await makeReplayLog(path, REPLAY_MB);
    require('node:fs').writeFileSync(sizeFile, String(uncompressed));
  }
  log(`replaying ${path} (${(statSync(path).size / 1e6).toFixed(1)} MB gzip, ${(uncompressed / 1e6).toFixed(1)} MB JSON)...`);
  const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'replay-child.ts'), path], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const r = JSON.parse(out.trim().split('\n').pop() as string) as { ms: number; maxRssKb: number; records: number; alerts: number };
  return {
    mbPerSec: Number((uncompressed / 1e6 / (r.ms / 1000)).toFixed(1)),
    recordsPerSec: Math.round(r.records / (r.ms / 1000)),
    peakRssMb: Number((r.maxRssKb / 1024).toFixed(1)),
    records: r.records,
    uncompressedMb: Number((uncompressed / 1e6).toFixed(1)),
    alerts: r.alerts,
  };
}

async function main() {
  log(`rekwatch bench (${quick ? 'quick' : 'full'}): ${RECORDS.toLocaleString()} records, ${ROUNDS} interleaved rounds, node ${process.version}`);
  const lines = [...syntheticRecords(RECORDS, 42)].map((r) => JSON.stringify(r));
  const avgBytes = Math.round(lines.reduce((a, l) => a + l.length, 0) / lines.length);
  const rows: Row[] = [];
  const packLoad = loadRulesDir(join(__dirname, '..', 'rules'));
  if (!packLoad.ok) throw new Error('bench: the rule pack is invalid; run rekwatch validate');
  const handwritten = packPredicates(packLoad.pack);
  const enabled = packLoad.pack.rules.filter((r) => r.enabled);
  const missing = enabled.filter((r) => !handwritten.has(r.id)).map((r) => r.id);
  // A pack edited without updating bench/pack-predicates.ts is still measured, without that column.
  const packPreds = missing.length === 0 ? enabled.map((r) => handwritten.get(r.id) as Predicate) : null;
  if (missing.length) log(`note: no hand-written predicate for ${missing.join(', ')}; the pack row has no hand-written column`);
  rows.push(await measure('pack', packLoad.pack, packPreds, lines));
  for (const n of [10, 50, 200]) {
    const set = syntheticRuleSet(n);
    rows.push(await measure('synthetic', set.pack, set.predicates, lines));
  }
  const replaySingleFile = await replayBench();
  const trail = trailBench(quick, trailMbArg, log);
  // The headline replay figures: --workers N (all cores) on the many-file trail, beside the baselines
  // measured in the same run.
  const row = (prefix: string) => trail.rows.find((r) => r.name.startsWith(prefix));
  const orgRow = (prefix: string) => trail.organization.rows.find((r) => r.name.startsWith(prefix));
  const replayN = row(`rekwatch replay, pack, --workers ${trail.workers}`);
  const replay = {
    mbPerSec: replayN?.mbPerSec ?? null,
    recordsPerSec: replayN?.recordsPerSec ?? null,
    peakRssMb: replayN?.peakRssMb ?? null,
    duckdbMbPerSec: row('DuckDB')?.mbPerSec ?? null,
    plainNodeMbPerSec: row('plain Node')?.mbPerSec ?? null,
    ceilingMbPerSec: row(`ceiling: gunzip + JSON.parse, ${trail.workers} threads`)?.mbPerSec ?? null,
    workers: trail.workers,
    trailMb: trail.trailMb,
    /** The same on an organization trail (5% Rekognition, the rest out of scope). */
    organization: {
      mbPerSec: orgRow('rekwatch replay')?.mbPerSec ?? null,
      peakRssMb: orgRow('rekwatch replay')?.peakRssMb ?? null,
      duckdbMbPerSec: orgRow('DuckDB')?.mbPerSec ?? null,
      ceilingMbPerSec: orgRow('ceiling')?.mbPerSec ?? null,
      ...trail.organization.ratios,
    },
  };
  log('measuring the Lambda bundle: cold starts and warm handler time...');
  const lambda = await lambdaBench(packLoad.pack, quick ? 11 : 31);
  const paths = lambdaBatchBench(packLoad.pack, quick ? 7 : 15); // the plain and the queue path (bench/lambda-batch.ts)
  log('measuring CLI start-up (bench/startup.ts: the compiled CLI and tsx, side by side)...');
  const startup = JSON.parse(
    execFileSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'startup.ts'), '--json', '--rounds', String(quick ? 5 : 15)], { cwd: join(__dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop() as string,
  ) as { nodeAloneMs: number; rows: Array<{ command: string; distMs: number; distMaxMs: number; tsxMs: number; tsxMaxMs: number }> };
  const help = startup.rows.find((r) => r.command === 'rekwatch --help');
  const result = { evaluation: rows, replay, replaySingleFile, trail, lambda, lambdaPaths: paths, startup: { helpMs: help?.distMs ?? null, helpTsxMs: help?.tsxMs ?? null, ...startup }, records: RECORDS, avgRecordBytes: avgBytes };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const fmt = (n: number | null) => (n === null ? 'n/a' : n.toLocaleString('en-US'));
  log(`CLI start-up (median ms of a fresh process, node -e 0 alone: ${startup.nodeAloneMs}): ${startup.rows.map((r) => `${r.command} ${r.distMs} compiled / ${r.tsxMs} tsx`).join('; ')} (goal: --help under 150 ms compiled)`);
  log('');
  log(`records/s (median of ${ROUNDS}; records average ${avgBytes} bytes)`);
  log(`${'rules'.padEnd(10)} ${'JSON.parse'.padStart(12)} ${'hand-written'.padStart(13)} ${'rekwatch'.padStart(10)} ${'rekwatch/parse'.padStart(15)} ${'alert rate'.padStart(11)}`);
  for (const r of rows) {
    log(`${(r.set === 'pack' ? `pack ${r.rules}` : String(r.rules)).padEnd(10)} ${fmt(r.parseRecordsPerSec).padStart(12)} ${fmt(r.handwrittenRecordsPerSec).padStart(13)} ${fmt(r.rekwatchRecordsPerSec).padStart(10)} ${r.rekwatchVsParse.toFixed(2).padStart(15)} ${`${(r.alertRate * 100).toFixed(2)}%`.padStart(11)}`);
  }
  log('');
  log(`lambda: bundle ${(lambda.bundleBytes / 1024).toFixed(0)} KB, cold start ${lambda.coldStartMs} ms (median), warm ${lambda.warmNoMatchMs} ms per non-matching event, ${lambda.warmMatchMs} ms per matching event (publish stubbed)`);
  log(`lambda paths: ${paths.singleMsPerEvent} ms per event one per invocation; ${Object.entries(paths.batchMsPerEvent).map(([n, ms]) => `${ms} ms per event in SQS batches of ${n}`).join(', ')}`);
  log('');
  log(`many-file trail: ${trail.trailMb} MB JSON in ${trail.files} gzip files, ${trail.records.toLocaleString('en-US')} records (median of rounds, each row a fresh process)`);
  log(`${'row'.padEnd(44)} ${'MB/s'.padStart(7)} ${'records/s'.padStart(10)} ${'peak RSS'.padStart(9)} ${'CPU s'.padStart(6)} ${'wall s'.padStart(7)}`);
  for (const r of trail.rows) log(`${r.name.padEnd(44)} ${r.mbPerSec.toFixed(1).padStart(7)} ${fmt(r.recordsPerSec).padStart(10)} ${`${r.peakRssMb} MB`.padStart(9)} ${r.cpuSec.toFixed(2).padStart(6)} ${r.wallSec.toFixed(2).padStart(7)}`);
  log(`ratios: ${Object.entries(trail.ratios).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  log(`linearity: replay CPU per 100 MB ${trail.linearity.cpuSecPer100MbAtX} s at ${trail.linearity.xMb} MB, ${trail.linearity.cpuSecPer100MbAt2x} s at ${trail.trailMb} MB (ratio ${trail.linearity.ratio}; 1.0 is linear)`);
  log(`peak RSS of replay --workers ${trail.workers}: ${trail.rss.peakRssMbAtX} MB at ${trail.rss.xMb} MB, ${trail.rss.peakRssMbAt2x} MB at ${trail.trailMb} MB`);
  const org = trail.organization;
  log(`organization trail: ${org.trailMb} MB JSON in ${org.files} gzip files, ${org.records.toLocaleString('en-US')} records, ${org.rekognitionShare * 100}% Rekognition`);
  for (const r of org.rows) log(`${r.name.padEnd(44)} ${r.mbPerSec.toFixed(1).padStart(7)} ${fmt(r.recordsPerSec).padStart(10)} ${`${r.peakRssMb} MB`.padStart(9)} ${r.cpuSec.toFixed(2).padStart(6)} ${r.wallSec.toFixed(2).padStart(7)}`);
  log(`ratios: ${Object.entries(org.ratios).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  log(`replay, one ${replaySingleFile.uncompressedMb} MB file (${replaySingleFile.records.toLocaleString('en-US')} records, streamed, one thread): ${replaySingleFile.mbPerSec} MB/s, ${replaySingleFile.recordsPerSec.toLocaleString('en-US')} records/s, peak RSS ${replaySingleFile.peakRssMb} MB`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
