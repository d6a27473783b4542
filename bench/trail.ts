/**
 * The many-file trail bench (part of `npm run bench`): a CloudTrail-shaped trail of gzip files
 * written by scripts/synthetic-trail.ts (about 4 MB of JSON each, as the 1 GB, 262-file
 * trail), read side by side, rounds interleaved, medians reported, each row in a fresh process:
 * rekwatch replay with the pack (--workers 1 and N), DuckDB (read_json + unnest + a WHERE equal to one
 * simple rule), a plain Node script (gunzip + JSON.parse per file + that rule by hand), zcat | jq,
 * and the ceiling (gunzip + JSON.parse alone, 1 and N threads). Plus a linearity check: replay's CPU
 * time per 100 MB at sizes x and 2x. `--trail-mb N` sets the size (1070 for the 1 GB case).
 * Replay runs from a compiled build, as an installed rekwatch does (bin/rekwatch runs dist/): the
 * bench bundles bench/replay-child.ts and the worker entry with esbuild, with the options
 * scripts/build.ts uses for dist/cli.js and dist/entry.js, into bench/.data/build/ (inside the
 * repository, so the dependencies resolve from node_modules); one row runs through tsx beside it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticTrail } from '../scripts/synthetic-trail';

export interface TrailRow {
  name: string;
  mbPerSec: number;
  recordsPerSec: number;
  peakRssMb: number;
  cpuSec: number;
  wallSec: number;
}

export interface TrailBench {
  trailMb: number;
  files: number;
  records: number;
  workers: number;
  rows: TrailRow[];
  ratios: Record<string, number>;
  linearity: { xMb: number; cpuSecPer100MbAtX: number; cpuSecPer100MbAt2x: number; ratio: number };
  /** Peak RSS of replay (--workers N) at the two sizes: bounded means it does not grow with the input. */
  rss: { xMb: number; peakRssMbAtX: number; peakRssMbAt2x: number };
  /** replay (N workers), DuckDB and the N-thread ceiling on an organization trail of the same size. */
  organization: { trailMb: number; files: number; records: number; rekognitionShare: number; rows: TrailRow[]; ratios: { replayNVsDuckdb: number; replayNVsCeilingN: number } };
}

interface Measured { ms: number; cpuMs: number; maxRssKb: number; records: number; threads?: number; alerts?: number }

/** Rekognition's share of the organization trail's records (the rest: other services' management calls). */
const ORG_REKOGNITION_SHARE = 0.05;

function trail(mb: number, log: (s: string) => void, organization = false): { dir: string; bytes: number; files: number; records: number } {
  const dir = join(__dirname, '.data', organization ? `trail-org-${mb}mb` : `trail-files-${mb}mb`);
  const meta = `${dir}.meta.json`;
  if (existsSync(meta)) return { dir, ...(JSON.parse(readFileSync(meta, 'utf8')) as { bytes: number; files: number; records: number }) };
  log(`generating a ${mb} MB many-file ${organization ? 'organization ' : ''}trail in ${dir}...`);
  const r = writeSyntheticTrail(dir, mb * 1e6, 7, 3000, organization ? ORG_REKOGNITION_SHARE : 1);
  writeFileSync(meta, JSON.stringify(r));
  return { dir, ...r };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const node = (args: string[]) => JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').pop() as string) as Measured;
const tsx = require.resolve('tsx/cli');

function timed(cmd: string, args: string[]): Measured {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`bench: ${cmd} failed: ${r.stderr}`);
  return { ms: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000, maxRssKb: Number(m[4]), records: Number(r.stdout.trim()) };
}

/** A row's medians over its rounds. */
function summarise(name: string, s: Measured[], t: { bytes: number; records: number }): TrailRow {
  const ms = median(s.map((x) => x.ms));
  return {
    name,
    mbPerSec: Number((t.bytes / 1e6 / (ms / 1000)).toFixed(1)),
    recordsPerSec: Math.round(t.records / (ms / 1000)),
    peakRssMb: Number((median(s.map((x) => x.maxRssKb)) / 1024).toFixed(0)),
    cpuSec: Number((median(s.map((x) => x.cpuMs)) / 1000).toFixed(2)),
    wallSec: Number((ms / 1000).toFixed(2)),
  };
}

const BUILD = join(__dirname, '.data', 'build');

/** Bundles the replay child and the worker entry (pool.ts starts `entry.js` next to itself) into BUILD. */
function buildReplayChild(): string {
  rmSync(BUILD, { recursive: true, force: true });
  const script = `require('esbuild').buildSync({ bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning', packages: 'external', absWorkingDir: ${JSON.stringify(join(__dirname, '..'))}, outdir: ${JSON.stringify(BUILD)}, entryPoints: { 'replay-child': 'bench/replay-child.ts', entry: 'functions/adapters/replay-workers/worker.ts' } })`;
  execFileSync(process.execPath, ['-e', script], { stdio: 'inherit' });
  return join(BUILD, 'replay-child.js');
}

export function trailBench(quick: boolean, trailMb: number | undefined, log: (s: string) => void): TrailBench {
  const workers = availableParallelism();
  const mb = trailMb ?? (quick ? 50 : 300);
  const big = trail(mb, log);
  const half = trail(Math.round(mb / 2), log);
  const rounds = quick ? 1 : 3;
  log('bundling the replay child and the worker entry (esbuild, as npm run build) into bench/.data/build/...');
  const compiled = buildReplayChild();
  const outputs = new Map<string, { records: number; alerts: number }>();
  const env = { ...process.env, BENCH_ROOT: join(__dirname, '..') };
  const replay = (dir: string, w: number, how: 'compiled' | 'tsx' = 'compiled') => () => {
    const args = how === 'tsx' ? [tsx, join(__dirname, 'replay-child.ts')] : [compiled];
    const m = JSON.parse(execFileSync(process.execPath, [...args, dir, '--workers', String(w)], { encoding: 'utf8', maxBuffer: 1 << 26, env }).trim().split('\n').pop() as string) as Measured;
    // Output cannot show whether workers ran (it is the same either way): the child counts them. The
    // main thread is one of the N threads (it reads files itself rather than wait, pool.ts inThread).
    if (m.threads !== (w > 1 ? w - 1 : 0)) throw new Error(`bench: replay --workers ${w} started ${m.threads} worker threads, not ${w - 1} beside the main thread`);
    // Every replay row of a trail (compiled or not, any thread count) must give the same output.
    const same = outputs.get(dir);
    if (same === undefined) outputs.set(dir, { records: m.records, alerts: m.alerts ?? -1 });
    else if (same.records !== m.records || same.alerts !== m.alerts) throw new Error(`bench: replay (${how}, --workers ${w}) gave ${m.records} records and ${m.alerts} alert lines, another replay row ${same.records} and ${same.alerts}`);
    return m;
  };
  const rows: Array<{ name: string; run: () => Measured }> = [
    { name: 'rekwatch replay, pack, --workers 1', run: replay(big.dir, 1) },
    { name: `rekwatch replay, pack, --workers ${workers}`, run: replay(big.dir, workers) },
    { name: `rekwatch replay through tsx, --workers ${workers}`, run: replay(big.dir, workers, 'tsx') },
    { name: 'DuckDB read_json + unnest + WHERE', run: () => node([join(__dirname, 'baselines', 'duckdb.js'), big.dir]) },
    { name: 'plain Node: gunzip + JSON.parse + 1 rule', run: () => node([join(__dirname, 'baselines', 'node-plain.js'), 'plain', big.dir]) },
    { name: 'ceiling: gunzip + JSON.parse, 1 thread', run: () => node([join(__dirname, 'baselines', 'node-plain.js'), 'ceiling', big.dir, '1']) },
    { name: `ceiling: gunzip + JSON.parse, ${workers} threads`, run: () => node([join(__dirname, 'baselines', 'node-plain.js'), 'ceiling', big.dir, String(workers)]) },
  ];
  const jq = `find '${big.dir}' -name '*.json.gz' | sort | xargs zcat | jq -c '.Records[] | select(.eventSource == "rekognition.amazonaws.com" and .eventName == "DeleteCollection")' | wc -l`;
  if (existsSync('/usr/bin/time')) rows.push({ name: 'zcat | jq (1 rule)', run: () => ({ ...timed('sh', ['-c', jq]), records: big.records }) });
  const samples = new Map<string, Measured[]>(rows.map((r) => [r.name, []]));
  const linear = { x: [] as number[], x2: [] as number[], rssX: [] as number[], rss2x: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    log(`trail bench round ${i + 1}/${rounds} (${(big.bytes / 1e6).toFixed(0)} MB, ${big.files} files)...`);
    for (const r of rows) {
      // zcat | jq is ~7x slower than the rest: once is enough to place it.
      if (r.name.startsWith('zcat') && i > 0) continue;
      samples.get(r.name)?.push(r.run());
    }
    const atX = replay(half.dir, workers)();
    const at2x = replay(big.dir, workers)();
    linear.x.push(atX.cpuMs / (half.bytes / 1e8));
    linear.x2.push(at2x.cpuMs / (big.bytes / 1e8));
    linear.rssX.push(atX.maxRssKb / 1024);
    linear.rss2x.push(at2x.maxRssKb / 1024);
  }
  const out: TrailRow[] = rows.map((r) => summarise(r.name, samples.get(r.name) as Measured[], big));
  const rate = (prefix: string) => out.find((r) => r.name.startsWith(prefix))?.mbPerSec ?? NaN;
  const rN = rate(`rekwatch replay, pack, --workers ${workers}`);
  const ratios = {
    replayNVsDuckdb: Number((rN / rate('DuckDB')).toFixed(2)),
    replayNVsCeilingN: Number((rN / rate(`ceiling: gunzip + JSON.parse, ${workers}`)).toFixed(2)),
    replay1VsCeiling1: Number((rate('rekwatch replay, pack, --workers 1') / rate('ceiling: gunzip + JSON.parse, 1')).toFixed(2)),
    replayNVsReplay1: Number((rN / rate('rekwatch replay, pack, --workers 1')).toFixed(2)),
    replayNVsPlainNode: Number((rN / rate('plain Node')).toFixed(2)),
  };
  // The same rows on an organization trail: Rekognition one record in twenty, the rest other
  // services' management calls (out of scope, as in most real trails).
  const org = trail(mb, log, true);
  const orgRows: Array<{ name: string; run: () => Measured }> = [
    { name: `rekwatch replay, pack, --workers ${workers}`, run: replay(org.dir, workers) },
    { name: 'DuckDB read_json + unnest + WHERE', run: () => node([join(__dirname, 'baselines', 'duckdb.js'), org.dir]) },
    { name: `ceiling: gunzip + JSON.parse, ${workers} threads`, run: () => node([join(__dirname, 'baselines', 'node-plain.js'), 'ceiling', org.dir, String(workers)]) },
  ];
  const orgSamples = new Map<string, Measured[]>(orgRows.map((r) => [r.name, []]));
  for (let i = 0; i < rounds; i++) {
    log(`organization trail round ${i + 1}/${rounds} (${(org.bytes / 1e6).toFixed(0)} MB, ${org.files} files, ${ORG_REKOGNITION_SHARE * 100}% Rekognition)...`);
    for (const r of orgRows) orgSamples.get(r.name)?.push(r.run());
  }
  const orgOut = orgRows.map((r) => summarise(r.name, orgSamples.get(r.name) as Measured[], org));
  const orgRate = (prefix: string) => orgOut.find((r) => r.name.startsWith(prefix))?.mbPerSec ?? NaN;
  const organization = {
    trailMb: Number((org.bytes / 1e6).toFixed(1)), files: org.files, records: org.records, rekognitionShare: ORG_REKOGNITION_SHARE, rows: orgOut,
    ratios: {
      replayNVsDuckdb: Number((orgRate('rekwatch replay') / orgRate('DuckDB')).toFixed(2)),
      replayNVsCeilingN: Number((orgRate('rekwatch replay') / orgRate('ceiling')).toFixed(2)),
    },
  };
  const a = median(linear.x);
  const b = median(linear.x2);
  return {
    organization,
    trailMb: Number((big.bytes / 1e6).toFixed(1)), files: big.files, records: big.records, workers, rows: out, ratios,
    linearity: { xMb: Number((half.bytes / 1e6).toFixed(1)), cpuSecPer100MbAtX: Number((a / 1000).toFixed(3)), cpuSecPer100MbAt2x: Number((b / 1000).toFixed(3)), ratio: Number((b / a).toFixed(2)) },
    rss: { xMb: Number((half.bytes / 1e6).toFixed(1)), peakRssMbAtX: Math.round(median(linear.rssX)), peakRssMbAt2x: Math.round(median(linear.rss2x)) },
  };
}
