// Baselines for the trail bench (bench/trail.ts), plain Node with nothing of rekwatch's:
//   node node-plain.js ceiling DIR [THREADS]  gunzip + JSON.parse of every file, nothing else
//   node node-plain.js plain DIR              the same plus one hand-written rule (DeleteCollection on Rekognition)
// Files are split over THREADS worker threads (default 1). Prints {ms, cpuMs, maxRssKb, records, matches}.
'use strict';
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { gunzipSync } = require('node:zlib');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.json.gz') ? [join(dir, e.name)] : [])).sort();
}

function run(list, rule) {
  let records = 0;
  let matches = 0;
  for (const f of list) {
    const doc = JSON.parse(gunzipSync(readFileSync(f)).toString('utf8'));
    records += doc.Records.length;
    if (rule) for (const r of doc.Records) if (r.eventSource === 'rekognition.amazonaws.com' && r.eventName === 'DeleteCollection') matches++;
  }
  return { records, matches };
}

if (isMainThread) {
  const [mode, dir, threadsArg] = process.argv.slice(2);
  const threads = Number(threadsArg ?? 1);
  const all = files(dir);
  const t = process.hrtime.bigint();
  const done = (results) => {
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const u = process.resourceUsage();
    const sum = (k) => results.reduce((a, r) => a + r[k], 0);
    process.stdout.write(`${JSON.stringify({ ms, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS, records: sum('records'), matches: sum('matches') })}\n`);
  };
  if (threads <= 1) {
    done([run(all, mode === 'plain')]);
  } else {
    const parts = Array.from({ length: threads }, (_, i) => all.filter((_, j) => j % threads === i));
    Promise.all(parts.map((list) => new Promise((res, rej) => {
      const w = new Worker(__filename, { workerData: { list, rule: mode === 'plain' } });
      w.once('message', res);
      w.once('error', rej);
    }))).then(done);
  }
} else {
  parentPort.postMessage(run(workerData.list, workerData.rule));
}
