/**
 * `rekwatch watch` on input later than the lateness bound, through its real path (files in the
 * watched directory, cli/watch.ts with watch-detect.ts on the embedded store): a file whose events
 * are older than the newest event already applied minus `--lateness` is still read and its records
 * evaluated, each late record and threshold selection named on a `rekwatch: late:` line (records
 * are evaluated without first-seen memory, selections not counted in their windows: the detect
 * stage's own tests show those; this one shows watch reaches that path, file by file).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { record } from '../helpers/records';
import { until } from '../helpers/wait';
import { RULES, startWatch, stopAllWatches } from '../helpers/watch';

afterEach(() => stopAllWatches());

const enrol = (id: string, eventTime: string) =>
  record({ eventName: 'IndexFaces', readOnly: false, eventID: id, eventTime, requestParameters: { collectionId: 'employees', externalImageId: id }, responseElements: { faceModelVersion: '7.0' } });
const trailFile = (dir: string, name: string, records: unknown[]) => writeFileSync(join(dir, name), gzipSync(JSON.stringify({ Records: records })));

/** Watches a fresh directory with `rules`; drops the newest events, then a file of two hours before them (a delayed delivery); the late lines. */
async function lateLines(rules: string): Promise<string[]> {
  const base = mkdtempSync(join(tmpdir(), 'rekwatch-watch-late-'));
  const dir = join(base, 'trail');
  mkdirSync(dir);
  const w = startWatch(dir, join(base, 'state'), { rules, lateness: 15 * 60_000 });
  await w.ready();
  trailFile(dir, 'a.json.gz', [enrol('now-1', '2026-11-20T10:00:00Z'), enrol('now-2', '2026-11-20T10:00:05Z')]);
  await until(() => w.stderr().includes('a.json.gz: 2 records'));
  trailFile(dir, 'b.json.gz', [enrol('old-1', '2026-11-20T08:00:00Z')]);
  try {
    await until(() => w.stderr().includes('b.json.gz: 1 record'));
  } catch (e) {
    throw new Error(`${(e as Error).message}; watch said:\n${w.stderr()}`);
  }
  expect(await w.stop()).toBe(0);
  // Nothing of the first file was late.
  expect(w.stderr()).not.toMatch(/late: .*now-/);
  return w.stderr().split('\n').filter((l) => l.startsWith('rekwatch: late: '));
}

const SELECTION_LATE = 'rekwatch: late: mass-face-enrolment: event old-1 at 2026-11-20T08:00:00Z: later than the 15m bound; not counted in its window';

it('names a threshold selection later than the bound (said not counted in its window), and still evaluates its file', async () => {
  // The shipped pack counts IndexFaces calls (mass-face-enrolment); its first-seen rule is off.
  expect(await lateLines(RULES)).toEqual([SELECTION_LATE]);
});

it('with a first-seen rule, also names the late record, evaluated without first-seen memory', async () => {
  const rules = mkdtempSync(join(tmpdir(), 'rekwatch-watch-late-rules-'));
  cpSync(RULES, rules, { recursive: true });
  const file = join(rules, 'first-seen-network-write.json');
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), enabled: true }, null, 2));
  expect(await lateLines(rules)).toEqual([
    'rekwatch: late: record old-1 at 2026-11-20T08:00:00Z: later than the 15m bound; evaluated without first-seen memory',
    SELECTION_LATE,
  ]);
});
