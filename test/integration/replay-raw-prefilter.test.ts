/**
 * The raw-text pre-filter end to end: worker threads scan whole trail files and skip JSON.parse
 * for records no rule can match (functions/core/input/raw-document.ts, core/pipeline/raw-record.ts),
 * while `--workers 1` parses every record in the main thread. Both must print the same bytes, on
 * records built to fool a text search (escaped spellings of what rules look for, repeated keys,
 * EventBridge envelopes, records with no eventID, nesting past the limit, literals in other fields)
 * and on the real-world corpus written as gzip trail files, with the Rekognition scope and with
 * every service in scope.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { syntheticRecords } from '../../scripts/synthetic-trail';
import { runCli } from '../helpers/cli';
import { CORPUS_DIR } from '../helpers/corpus';
import { record } from '../helpers/records';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rekwatch-raw-'));
const trail = join(dir, 'trail');

const root = { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' };
const text = (r: unknown) => JSON.stringify(r);
/** Records as JSON text, some spelled so that a plain text search would miss what JSON.parse reads. */
const tricky: string[] = [
  // Root spelled with an escape: root-user-activity must still alert.
  text(record({ eventID: 'esc-root', userIdentity: root })).replace('"type":"Root"', '"type":"Roo\\u0074"'),
  // The last of two eventName keys counts (JSON.parse): DeleteCollection without MFA.
  text(record({ eventID: 'dup-name', eventName: 'DeleteCollection' })).replace('{', '{"eventName":"DetectFaces",'),
  text(record({ eventID: 'dup-name-2', eventName: 'DetectFaces' })).replace('{', '{"eventName":"DeleteCollection",'),
  // An escaped key.
  text(record({ eventID: 'esc-key', eventName: 'DetectFaces' })).replace('"eventName":"DetectFaces"', '"event\\u004eame":"DeleteCollection"'),
  // An EventBridge envelope inside a trail file, and records with no eventID (keyed by their hash).
  text({ version: '0', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.rekognition', account: '111122223333', region: 'us-east-1', time: '2026-11-20T09:15:00Z', detail: record({ eventID: 'env-1', eventName: 'DeleteCollection' }) }),
  text((({ eventID: _id, ...r }) => r)(record({ eventName: 'DeleteCollection' }))),
  text((({ eventID: _id, ...r }) => r)(record({ eventName: 'DetectFaces' }))),
  text((({ eventID: _id, ...r }) => r)(record({ eventName: 'DetectFaces' }))),
  // What a rule looks for, in another field: parsed, and quiet.
  text(record({ eventID: 'root-elsewhere', eventName: 'DetectFaces', userAgent: 'Root-tool/1.0' })),
  // Root calling a read-only API: alerts; out of scope with Root in it.
  text(record({ eventID: 'root-read', eventName: 'DetectFaces', userIdentity: root })),
  text(record({ eventID: 's3-root', eventSource: 's3.amazonaws.com', eventName: 'DeleteBucket', userIdentity: root })),
  // Not records, non-string fields, nested past the limit.
  '42',
  '"junk"',
  text({ eventVersion: 7, eventSource: 'rekognition.amazonaws.com', eventName: 'DetectFaces' }),
  text({ eventSource: ['rekognition.amazonaws.com'], eventName: 'DetectFaces', eventVersion: '1.11' }),
  `{"eventVersion":"1.11","eventSource":"rekognition.amazonaws.com","eventName":"DetectFaces","eventID":"deep","x":${'['.repeat(600)}${']'.repeat(600)}}`,
  // Nested past the limit in its text only: JSON.parse keeps the last "x", so the record is not too
  // deep, and Root's call alerts (a decoy that hid it from worker threads once).
  `{"eventVersion":"1.11","eventSource":"rekognition.amazonaws.com","eventName":"DetectFaces","eventTime":"2026-11-20T09:15:00Z","eventID":"deep-decoy","x":${'['.repeat(600)}${']'.repeat(600)},"x":1,"userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"}}`,
  // A duplicate of a plain record, and an IndexFaces burst for the threshold rule.
  text(record({ eventID: 'root-read', eventName: 'DetectFaces', userIdentity: root })),
];

/** 320 IndexFaces calls by one role in ten minutes: mass-face-enrolment fires, its alert built from a record's text. */
const enrolment = Array.from({ length: 320 }, (_, i) =>
  text(record({ eventID: `enrol-${i}`, eventName: 'IndexFaces', readOnly: false, eventTime: new Date(Date.parse('2026-11-20T12:00:00Z') + i * 1500).toISOString().replace('.000', ''), userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/enroller/s1', accountId: '111122223333' } })),
);

beforeAll(() => {
  mkdirSync(join(trail, 'corpus'), { recursive: true });
  writeFileSync(join(trail, 'enrol-a.json.gz'), gzipSync(`{"Records":[${enrolment.slice(0, 200).join(',')}]}`));
  writeFileSync(join(trail, 'enrol-b.json.gz'), gzipSync(`{"Records":[${enrolment.slice(200).join(',')}]}`));
  const synthetic = [...syntheticRecords(6000, 3, 0.05)].map(text);
  const chunk = 1500;
  for (let i = 0; i < synthetic.length; i += chunk) {
    const part = synthetic.slice(i, i + chunk);
    if (i === chunk) part.splice(700, 0, ...tricky);
    writeFileSync(join(trail, `s${i / chunk}.json.gz`), gzipSync(`{"Records":[${part.join(',')}]}`));
  }
  writeFileSync(join(trail, 'array.json.gz'), gzipSync(`[${tricky.join(',')}]`));
  if (CORPUS_DIR) {
    // The real-world corpus as trail files: records of every service, shapes of every kind.
    const lines = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.jsonl')).flatMap((f) => readFileSync(join(CORPUS_DIR as string, f), 'utf8').split('\n').filter((l) => l.trim() !== ''));
    const valid = lines.filter((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    });
    for (let i = 0; i < valid.length; i += 200) writeFileSync(join(trail, 'corpus', `c${i / 200}.json.gz`), gzipSync(`{"Records":[${valid.slice(i, i + 200).join(',')}]}`));
  }
});

const replay = (workers: number, extra: string[]) => runCli(['replay', '--json', '--no-mutes', ...extra, '--workers', String(workers), '--rules', join(ROOT, 'rules'), 'trail'], { cwd: dir });

describe('replay with the raw-text pre-filter (worker threads) against parsing every record (one thread)', () => {
  for (const [name, extra] of [['the Rekognition scope', []], ['every service', ['--event-source', '*']]] as const) {
    it(`prints the same bytes with ${name}`, async () => {
      const one = await replay(1, [...extra]);
      expect(one.code).toBe(0);
      const two = await replay(2, [...extra]);
      expect(two.stdout).toBe(one.stdout);
      expect(two.stderr).toBe(one.stderr);
      const alerts = one.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ruleId: string; eventId: string });
      const by = (id: string) => alerts.filter((a) => a.eventId === id).map((a) => a.ruleId);
      expect(by('esc-root')).toContain('root-user-activity');
      expect(by('root-read')).toContain('root-user-activity');
      expect(by('dup-name')).toContain('collection-deleted-without-mfa');
      expect(by('dup-name-2')).not.toContain('collection-deleted-without-mfa');
      expect(by('esc-key')).toContain('collection-deleted-without-mfa');
      expect(by('env-1')).toContain('collection-deleted-without-mfa');
      expect(by('root-elsewhere')).toEqual([]);
      expect(by('deep-decoy')).toContain('root-user-activity');
      const burst = alerts.filter((a) => a.ruleId === 'mass-face-enrolment') as unknown as Array<{ eventId: string; record: { eventID: string }; threshold: { final: number } }>;
      expect(burst).toHaveLength(1);
      expect(burst[0]?.threshold.final).toBe(320);
      expect(burst[0]?.record.eventID).toBe(burst[0]?.eventId);
      const summary = JSON.parse(one.stderr.trim().split('\n').pop() as string) as Record<string, number>;
      // 42, "junk" and the deep record, in each of the two files that hold them.
      expect(summary.malformed).toBeGreaterThanOrEqual(6);
      if (CORPUS_DIR) expect(summary.files).toBeGreaterThan(6);
    });
  }
});
