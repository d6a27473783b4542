/**
 * Writes the bundled sample trail (samples/trail/AWSLogs/...): three gzip log files as a trail
 * delivers them, with routine application traffic, one of each kind of risky call, the two records
 * of the Rekognition CloudTrail documentation, and an event delivered twice.
 * Deterministic: `npx tsx scripts/make-samples.ts` regenerates identical files.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SEED_DETECT_LABELS, SEED_START_LABEL_DETECTION } from '../test/helpers/records';
import type { CloudTrailRecord } from '../functions/core/common/types';
import { ACCOUNT, prng, riskyRecord, routineRecord } from './synthetic-trail';

const root = join(__dirname, '..', 'samples', 'trail');
const dir = join(root, 'AWSLogs', ACCOUNT, 'CloudTrail', 'us-east-1', '2026', '11', '20');
rmSync(root, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const rand = prng(20261120);
const files: Array<{ stamp: string; records: CloudTrailRecord[] }> = [
  { stamp: '20261120T0905Z', records: [] },
  { stamp: '20261120T0910Z', records: [] },
  { stamp: '20261120T0915Z', records: [] },
];
for (let i = 0; i < 360; i++) {
  const f = files[i % 3]!;
  const minute = 5 + (i % 3) * 5;
  f.records.push(routineRecord(rand, `2026-11-20T09:${String(minute).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`));
}
// One of each risky kind, spread over the files (riskyRecord picks its kind from the PRNG; draw until all six appear).
const seen = new Set<string>();
while (seen.size < 6) {
  const r = riskyRecord(rand, '2026-11-20T09:12:30Z');
  const key = `${String(r.eventName)}|${String(r.errorCode)}|${JSON.stringify(r.userIdentity)}`;
  if (seen.has(key)) continue;
  seen.add(key);
  files[seen.size % 3]!.records.push(r);
}
files[0]!.records.push(SEED_START_LABEL_DETECTION, SEED_DETECT_LABELS);
// The same event delivered in two files: counted once as a duplicate.
files[2]!.records.push(files[1]!.records.find((r) => r.readOnly === false && r.errorCode === undefined && r.eventName === 'DeleteFaces') ?? files[1]!.records[0]!);

for (const f of files) {
  // Trail log files list records in no particular order.
  f.records.sort(() => rand() - 0.5);
  const suffix = Math.floor(rand() * 2 ** 32).toString(36).toUpperCase().padStart(7, '0');
  const name = `${ACCOUNT}_CloudTrail_us-east-1_${f.stamp}_${suffix}.json.gz`;
  writeFileSync(join(dir, name), gzipSync(JSON.stringify({ Records: f.records }), { level: 9 }));
  process.stdout.write(`${join('samples/trail/AWSLogs', ACCOUNT, 'CloudTrail/us-east-1/2026/11/20', name)}: ${f.records.length} records\n`);
}
