// DuckDB baseline for the trail bench (bench/trail.ts): read_json + unnest(Records) + a WHERE equal
// to one simple rule (DeleteCollection on Rekognition), on every core DuckDB chooses.
// node duckdb.js DIR  ->  {ms, cpuMs, maxRssKb, records, matches}
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const dir = process.argv[2];
  const t = process.hrtime.bigint();
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const glob = `${dir.replace(/'/g, "''")}/**/*.json.gz`;
  const reader = await con.runAndReadAll(`
    SELECT count(*) AS records, count(*) FILTER (WHERE r.eventSource = 'rekognition.amazonaws.com' AND r.eventName = 'DeleteCollection') AS matches
    FROM (SELECT unnest(Records) AS r FROM read_json('${glob}', format = 'auto', maximum_object_size = 268435456))`);
  const [row] = reader.getRowObjects();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const u = process.resourceUsage();
  process.stdout.write(`${JSON.stringify({ ms, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS, records: Number(row.records), matches: Number(row.matches) })}\n`);
}
main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exitCode = 1;
});
