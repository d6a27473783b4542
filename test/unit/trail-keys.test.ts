/** Trail bucket keys: where a folder sits in the layout, what to list under it, which objects to keep, and s3:// URLs. */
import { parseTimeArg } from '../../functions/core/common/duration';
import { daysInRange, deliveredAt, keepKey, parseS3Url, planPrefix, trailLevel } from '../../functions/core/input/trail-keys';
import { lookupStreams, streamLabel } from '../../functions/core/input/lookup-streams';

const A = '111122223333';
const B = '444455556666';
const NOW = Date.parse('2026-11-20T12:00:00Z');
const set = (...v: string[]) => new Set(v);

describe('trailLevel', () => {
  it('reads account, organization and custom-prefix layouts down to the day', () => {
    expect(trailLevel('')).toEqual({ level: 'above' });
    expect(trailLevel('my-prefix/')).toEqual({ level: 'above' });
    expect(trailLevel('AWSLogs/')).toEqual({ level: 'logs' });
    expect(trailLevel('AWSLogs/o-abcdef1234/')).toEqual({ level: 'org' });
    expect(trailLevel(`AWSLogs/${A}/`)).toEqual({ level: 'account', account: A });
    expect(trailLevel(`AWSLogs/o-abcdef1234/${A}/CloudTrail/`)).toEqual({ level: 'service', account: A });
    expect(trailLevel(`p/AWSLogs/${A}/CloudTrail/eu-west-1/`)).toEqual({ level: 'region', account: A, region: 'eu-west-1', base: `p/AWSLogs/${A}/CloudTrail/eu-west-1/` });
    expect(trailLevel(`AWSLogs/o-abcdef1234/${A}/CloudTrail/us-gov-west-1/2026/`)).toMatchObject({ level: 'year', region: 'us-gov-west-1', date: '2026', base: `AWSLogs/o-abcdef1234/${A}/CloudTrail/us-gov-west-1/` });
    expect(trailLevel(`AWSLogs/${A}/CloudTrail/us-east-1/2026/11/`)).toMatchObject({ level: 'month', date: '2026/11' });
    expect(trailLevel(`AWSLogs/${A}/CloudTrail/us-east-1/2026/11/20/`)).toMatchObject({ level: 'day', account: A, date: '2026/11/20' });
  });

  it('calls digests, Insights, other services and odd names "other"', () => {
    for (const p of [`AWSLogs/${A}/CloudTrail-Digest/`, `AWSLogs/${A}/CloudTrail-Insight/`, `AWSLogs/${A}/elasticloadbalancing/`, 'AWSLogs/12345/', `AWSLogs/${A}/CloudTrail/global/`, `AWSLogs/${A}/CloudTrail/us-east-1/26/`, `AWSLogs/${A}/CloudTrail/us-east-1/2026/11/20/x/`]) {
      expect(trailLevel(p)).toEqual({ level: 'other' });
    }
  });
});

describe('planPrefix', () => {
  const region = `AWSLogs/${A}/CloudTrail/us-east-1/`;

  it('lists the children of the levels above a region, and of partial names', () => {
    for (const p of ['', 'AWSLogs/', 'AWSLogs/o-abcdef1234/', `AWSLogs/${A}/`, `AWSLogs/${A}/CloudTrail/`, 'AWSLogs/1111']) expect(planPrefix(p, {}, NOW)).toEqual({ list: 'children' });
  });

  it('prunes accounts and regions by their folder', () => {
    expect(planPrefix(`AWSLogs/${B}/`, { accounts: set(A) }, NOW)).toEqual({ list: 'skip', reason: `account ${B} not in --accounts` });
    expect(planPrefix(`AWSLogs/${A}/CloudTrail/eu-west-1/`, { regions: set('us-east-1') }, NOW)).toEqual({ list: 'skip', reason: 'region eu-west-1 not in --regions' });
    expect(planPrefix(`AWSLogs/${A}/CloudTrail-Digest/`, {}, NOW)).toEqual({ list: 'skip', reason: 'not a CloudTrail log folder' });
    expect(planPrefix(`AWSLogs/${A}/CloudTrail-Digest/`, {}, NOW, true)).toEqual({ list: 'flat' });
  });

  it('lists one prefix per day from --since to --until (plus the delivery slack), never the days outside', () => {
    const since = Date.parse('2026-11-18T09:00:00Z');
    expect(planPrefix(region, { since }, NOW)).toEqual({ list: 'days', prefixes: ['2026/11/18', '2026/11/19', '2026/11/20'].map((d) => `${region}${d}/`) });
    // An --until in the last hour of a day reaches into the next day's folder (files written after the event).
    const until = Date.parse('2026-11-19T23:30:00Z');
    expect(planPrefix(region, { since, until }, NOW)).toEqual({ list: 'days', prefixes: ['2026/11/18', '2026/11/19', '2026/11/20'].map((d) => `${region}${d}/`) });
    expect(planPrefix(region, { since, until: Date.parse('2026-11-19T12:00:00Z') }, NOW)).toEqual({ list: 'days', prefixes: ['2026/11/18', '2026/11/19'].map((d) => `${region}${d}/`) });
    // Across a month end, from a month folder: only that month's days.
    const end = { since: Date.parse('2026-10-30T00:00:00Z'), until: Date.parse('2026-11-01T10:00:00Z') };
    expect(planPrefix(`${region}2026/10/`, end, NOW)).toEqual({ list: 'days', prefixes: [`${region}2026/10/30/`, `${region}2026/10/31/`] });
    expect(planPrefix(`${region}2026/`, end, NOW)).toEqual({ list: 'days', prefixes: ['10/30', '10/31', '11/01'].map((d) => `${region}2026/${d}/`) });
    expect(planPrefix(`${region}2026/09/`, end, NOW)).toEqual({ list: 'skip', reason: 'outside --since/--until' });
    expect(planPrefix(`${region}2026/11/02/`, end, NOW)).toEqual({ list: 'skip', reason: 'outside --since/--until' });
    expect(planPrefix(`${region}2026/11/01/`, end, NOW)).toEqual({ list: 'flat' });
  });

  it('without --since lists a region flat, or walks its dates when only --until bounds them', () => {
    expect(planPrefix(region, {}, NOW)).toEqual({ list: 'flat' });
    const until = Date.parse('2026-11-19T12:00:00Z');
    expect(planPrefix(region, { until }, NOW)).toEqual({ list: 'children' });
    expect(planPrefix(`${region}2026/`, { until }, NOW)).toEqual({ list: 'children' });
    expect(planPrefix(`${region}2027/`, { until }, NOW)).toEqual({ list: 'skip', reason: 'outside --since/--until' });
    expect(planPrefix(`${region}2026/12/`, { until }, NOW)).toEqual({ list: 'skip', reason: 'outside --since/--until' });
  });

  it('daysInRange has no days without a lower bound, and stops at now plus the slack', () => {
    expect(daysInRange({}, NOW)).toBeNull();
    expect(daysInRange({ since: Date.parse('2026-11-20T11:00:00Z') }, Date.parse('2026-11-20T23:30:00Z'))).toEqual(['2026/11/20', '2026/11/21']);
  });
});

describe('keepKey', () => {
  const day = `AWSLogs/${A}/CloudTrail/us-east-1/2026/11/20/`;
  const file = (hhmm: string) => `${day}${A}_CloudTrail_us-east-1_20261120T${hhmm}Z_abc123.json.gz`;

  it('keeps log files only, never digests', () => {
    expect(keepKey(file('0905'), {})).toBe(true);
    expect(keepKey(`${day}notes.txt`, {})).toBe(false);
    expect(keepKey(`AWSLogs/${A}/CloudTrail-Digest/us-east-1/2026/11/20/${A}_CloudTrail-Digest_us-east-1_x.json.gz`, {})).toBe(false);
    expect(keepKey('elsewhere/export.jsonl', {})).toBe(true);
  });

  it('drops files written before --since, or more than the slack after --until, by the minute in their name', () => {
    expect(deliveredAt(file('0905'))).toBe(Date.parse('2026-11-20T09:05:00Z'));
    expect(deliveredAt('x.json')).toBeUndefined();
    const since = Date.parse('2026-11-20T09:05:30Z');
    expect(keepKey(file('0904'), { since })).toBe(false);
    expect(keepKey(file('0905'), { since })).toBe(true); // written 09:05:00-09:05:59
    const until = Date.parse('2026-11-20T08:00:00Z');
    expect(keepKey(file('0900'), { until })).toBe(true);
    expect(keepKey(file('0901'), { until })).toBe(false);
  });

  it('drops files of other accounts, regions and days by their folder', () => {
    expect(keepKey(file('0905'), { accounts: set(B) })).toBe(false);
    expect(keepKey(file('0905'), { regions: set('eu-west-1') })).toBe(false);
    expect(keepKey(`${day}x.json`, { since: Date.parse('2026-11-21T00:00:00Z') })).toBe(false);
    expect(keepKey(`${day}x.json`, { accounts: set(A), regions: set('us-east-1'), since: Date.parse('2026-11-20T00:00:00Z') })).toBe(true);
  });
});

describe('parseS3Url', () => {
  it('splits bucket and prefix, and refuses what is not a bucket name', () => {
    expect(parseS3Url('s3://my-trail-bucket')).toEqual({ ok: true, bucket: 'my-trail-bucket', prefix: '' });
    expect(parseS3Url('s3://my-trail-bucket/AWSLogs/o-abcdef1234/')).toEqual({ ok: true, bucket: 'my-trail-bucket', prefix: 'AWSLogs/o-abcdef1234/' });
    expect(parseS3Url('./trail')).toBeNull();
    expect(parseS3Url('s3://My_Bucket/x')).toEqual({ ok: false, reason: 's3://My_Bucket/x: "My_Bucket" is not an S3 bucket name (s3://BUCKET/PREFIX)' });
  });
});

describe('lookupStreams', () => {
  it('one stream per eventName when every rule pins them, else per eventSource, else every event', () => {
    expect(lookupStreams(set('DeleteCollection', 'CreateCollection'), set('rekognition.amazonaws.com'))).toEqual([
      { AttributeKey: 'EventName', AttributeValue: 'CreateCollection' },
      { AttributeKey: 'EventName', AttributeValue: 'DeleteCollection' },
    ]);
    expect(lookupStreams(null, set('s3.amazonaws.com', 'rekognition.amazonaws.com'))).toEqual([
      { AttributeKey: 'EventSource', AttributeValue: 'rekognition.amazonaws.com' },
      { AttributeKey: 'EventSource', AttributeValue: 's3.amazonaws.com' },
    ]);
    expect(lookupStreams(set('A', 'B', 'C'), set('rekognition.amazonaws.com'), 2)).toEqual([{ AttributeKey: 'EventSource', AttributeValue: 'rekognition.amazonaws.com' }]);
    expect(lookupStreams(set('A', 'B', 'C'), null, 2)).toHaveLength(3); // still fewer calls than every management event
    expect(lookupStreams(null, null)).toEqual([null]);
    expect(streamLabel(null)).toBe('all events');
    expect(streamLabel({ AttributeKey: 'EventName', AttributeValue: 'X' })).toBe('EventName=X');
  });
});

describe('parseTimeArg', () => {
  it('takes ISO times and durations back from now, and names the option when neither', () => {
    expect(parseTimeArg('7d', NOW)).toEqual({ ok: true, at: NOW - 7 * 86_400_000 });
    expect(parseTimeArg('2026-11-01T09:00Z', NOW)).toEqual({ ok: true, at: Date.parse('2026-11-01T09:00Z') });
    expect(parseTimeArg('yesterday', NOW, '--until')).toEqual({ ok: false, reason: '--until "yesterday": not an ISO 8601 time (2026-11-20T09:00Z) or a duration back from now (6h, 2d)' });
  });
});
