/**
 * The stateful rule contract (issue 13) is validated like the rest of a rule file: `threshold`
 * (schema/rule.schema.json plus functions/core/rules/stateful.ts), firstSeen paths and the
 * threshold's distinct fact (functions/core/rules/conditions.ts), and sequence test cases; every
 * problem as `FILE: field: message`, with a did-you-mean where there is something to suggest.
 */
import { loadPack } from '../../functions/core/rules/pack';
import { formatProblem } from '../../functions/core/rules/problem';
import { runCli } from '../helpers/cli';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = { id: 'r', conditions: { all: [{ fact: 'eventName', operator: 'equal', value: 'SearchFaces' }] } };
const problemsOf = (over: Record<string, unknown>) =>
  loadPack([{ path: 'rules/r.json', relPath: 'r.json', text: JSON.stringify({ ...base, ...over }) }])
    .problems.filter((p) => p.field !== 'tests' || p.level === 'error')
    .map(formatProblem);

describe('threshold', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a misspelt field', { cuont: 5, window: '5m' }, ['rules/r.json: threshold.count: is required', 'rules/r.json: threshold.cuont: unknown field (did you mean "count"?)']],
    ['a count below 2', { count: 1, window: '5m' }, ['rules/r.json: threshold.count: must be >= 2']],
    ['a fractional count', { count: 2.5, window: '5m' }, ['rules/r.json: threshold.count: must be a whole number']],
    ['a window that is no duration', { count: 5, window: '5x' }, ['rules/r.json: threshold.window: must be a duration like 90s, 15m, 1h or 1d']],
    ['a window over a day', { count: 5, window: '2d' }, ['rules/r.json: threshold.window: must be a duration from 1s to 1d (like 5m, 1h)']],
    ['an unknown by fact', { count: 5, window: '5m', by: ['principalArm'] }, ['rules/r.json: threshold.by[0]: must be one of "principalArn", "sourceIPAddress", "eventName", "accountId", "awsRegion", "userAgent", "principalType", "errorCode" (did you mean "principalArn"?)']],
    ['a misspelt distinct fact', { count: 5, window: '5m', distinct: { fact: 'requestParameter', path: '$.collectionId' } }, ['rules/r.json: threshold.distinct.fact: unknown fact "requestParameter" (did you mean "requestParameters"?)']],
    ['a distinct path without $', { count: 5, window: '5m', distinct: { fact: 'requestParameters', path: 'collectionId' } }, ['rules/r.json: threshold.distinct.path: must be a JSONPath string starting with "$" (e.g. "$.collectionId")']],
    ['the lists as distinct fact', { count: 5, window: '5m', distinct: { fact: 'lists' } }, ['rules/r.json: threshold.distinct.fact: the lists are the same for every record: count a fact of the record']],
    ['a distinct field misspelt', { count: 5, window: '5m', distinct: { fact: 'eventName', pth: '$' } }, ['rules/r.json: threshold.distinct.pth: unknown field (did you mean "path"?)']],
  ])('%s', (_name, threshold, want) => {
    expect(problemsOf({ threshold })).toEqual(want);
  });

  it('by convention names a key (validate --strict and the pack test)', () => {
    const file = { path: 'rules/r.json', relPath: 'r.json', text: JSON.stringify({ ...base, threshold: { count: 5, window: '5m' } }) };
    const problems = loadPack([file], { conventions: { hasRunbookPage: () => true, runbookDir: 'docs/runbooks' } }).problems.map(formatProblem);
    expect(problems).toContain("rules/r.json: threshold.by: warning: convention: name at least one fact: a window without a key counts every principal's events together");
  });

  it('loads a valid threshold as its spec', () => {
    const load = loadPack([{ path: 'rules/r.json', relPath: 'r.json', text: JSON.stringify({ ...base, threshold: { count: 10, window: '1h', by: ['principalArn'], distinct: { fact: 'requestParameters', path: '$.collectionId' } } }) }]);
    expect(load.pack.rules[0]?.threshold).toEqual({ count: 10, window: '1h', windowMs: 3_600_000, by: ['principalArn'], distinct: { fact: 'requestParameters', path: '$.collectionId' } });
  });
});

describe('firstSeen and projectPolicy facts', () => {
  it('firstSeen is read through one of its keys, with a did-you-mean', () => {
    const leaf = (x: Record<string, unknown>) => ({ conditions: { all: [{ fact: 'firstSeen', operator: 'equal', value: true, ...x }] } });
    expect(problemsOf(leaf({ path: '$.sourceIPAddress' }))).toEqual([]);
    expect(problemsOf(leaf({ path: '$.sourceIPAdress' }))).toEqual(['rules/r.json: conditions.all[0].path: firstSeen has no key "$.sourceIPAdress" (did you mean "sourceIPAddress"?) (keys: sourceIPAddress, userAgent, awsRegion, eventName, principal)']);
    expect(problemsOf(leaf({}))).toEqual(['rules/r.json: conditions.all[0].path: firstSeen is an object: name one of its keys, e.g. "path": "$.sourceIPAddress" (keys: sourceIPAddress, userAgent, awsRegion, eventName, principal)']);
    expect(problemsOf({ conditions: { all: [{ fact: 'firstSeen', path: '$.principal', operator: 'equal', value: { fact: 'firstSeen', path: '$.prinicpal' } }] } })).toEqual([
      'rules/r.json: conditions.all[0].value.path: firstSeen has no key "$.prinicpal" (did you mean "principal"?) (keys: sourceIPAddress, userAgent, awsRegion, eventName, principal)',
    ]);
  });

  it('projectPolicy and firstSeen are known facts (with did-you-mean when misspelt)', () => {
    expect(problemsOf({ conditions: { all: [{ fact: 'projectPolicy', path: '$.allowsAnyone', operator: 'equal', value: true }] } })).toEqual([]);
    expect(problemsOf({ conditions: { all: [{ fact: 'projectPolicies', path: '$.allowsAnyone', operator: 'equal', value: true }] } })).toEqual(['rules/r.json: conditions.all[0].fact: unknown fact "projectPolicies" (did you mean "projectPolicy"?)']);
    expect(problemsOf({ conditions: { all: [{ fact: 'firstseen', path: '$.principal', operator: 'equal', value: true }] } })).toEqual(['rules/r.json: conditions.all[0].fact: unknown fact "firstseen" (did you mean "firstSeen"?)']);
  });
});

describe('sequence test cases', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['neither event nor events', { name: 'a', expect: true }, ['rules/r.json: tests[0]: is missing "event" (one event) or "events" (a sequence)']],
    ['both', { name: 'a', event: {}, events: [{}], expect: true }, ['rules/r.json: tests[0]: give either "event" or "events", not both']],
    ['alerts for one event', { name: 'a', event: {}, alerts: 1, expect: true }, ['rules/r.json: tests[0].alerts: counts the alerts of a sequence ("events" or "repeat"); one event alerts or not ("expect")']],
    ['alertOn past the end', { name: 'a', event: {}, repeat: 3, alertOn: [3], expect: true }, ['rules/r.json: tests[0].alertOn[0]: there is no event 3: the sequence has 3 (0 to 2)']],
    ['disagreeing counts', { name: 'a', event: {}, repeat: 3, alertOn: [2, 1], alerts: 1, expect: false }, [
      'rules/r.json: tests[0].alertOn[1]: list the events in order', 'rules/r.json: tests[0].alerts: says 1 but alertOn names 2 events', 'rules/r.json: tests[0].expect: is false but the case expects 1 alert',
    ]],
    ['repeat with events', { name: 'a', events: [{}], repeat: 2, expect: true }, ['rules/r.json: tests[0].repeat: repeats "event"; with "events", list every event instead']],
    ['a misspelt field of a sequence event', { name: 'a', events: [{ sourceIpAddress: 'x' }], expect: true }, ['rules/r.json: tests[0].events[0].sourceIpAddress: warning: not a CloudTrail record field (did you mean "sourceIPAddress"?)']],
    ['a misspelt case field', { name: 'a', event: {}, repeats: 2, expect: true }, ['rules/r.json: tests[0].repeats: unknown field (did you mean "repeat"?)']],
  ])('%s', (_name, tc, want) => {
    expect(problemsOf({ tests: [tc] })).toEqual(want);
  });

  it('a threshold rule\'s case expecting an alert must be a sequence', () => {
    const threshold = { count: 3, window: '1m' };
    expect(problemsOf({ threshold, tests: [{ name: 'one', event: {}, expect: true }] })).toEqual([
      'rules/r.json: tests[0].expect: a threshold rule alerts only when enough events arrive: give a sequence ("events", or "event" with "repeat")',
    ]);
    expect(problemsOf({ threshold, tests: [{ name: 'one', event: {}, expect: false }] })).toEqual([]);
  });

  it('gives repeated events their own ids and times, every apart; events keep what they state', () => {
    const load = loadPack([{ path: 'rules/r.json', relPath: 'r.json', text: JSON.stringify({ ...base, tests: [
      { name: 'r', event: { eventName: 'SearchFaces', eventTime: '2026-11-20T10:00:00Z' }, repeat: 3, every: '30s', expect: true },
      { name: 'e', events: [{ eventID: 'same' }, { eventID: 'same' }, { eventTime: '2026-11-21T00:00:00Z' }], expect: false },
    ] }) }]);
    const [r, e] = load.pack.rules[0]!.tests;
    // Loading does not expand a sequence (a `repeat` of hundreds of events cost every command's start): reading it does, once.
    expect(Object.getOwnPropertyDescriptor(r!.sequence!, 'events')?.get).toBeDefined();
    expect(r!.sequence!.events).toBe(r!.sequence!.events);
    expect(Object.getOwnPropertyDescriptor(r!.sequence!, 'events')).toMatchObject({ enumerable: true, writable: true });
    expect(r!.sequence!.events.map((x) => [x.eventID, x.eventTime])).toEqual([
      ['00000000-0000-4000-8000-000000000001', '2026-11-20T10:00:00Z'], ['00000000-0000-4000-8000-000000000002', '2026-11-20T10:00:30Z'], ['00000000-0000-4000-8000-000000000003', '2026-11-20T10:01:00Z'],
    ]);
    expect(r!.event).toBe(r!.sequence!.events[2]);
    expect(e!.sequence!.events.map((x) => [x.eventID, x.eventTime])).toEqual([
      ['same', '2026-11-20T09:15:00Z'], ['same', '2026-11-20T09:15:01Z'], ['00000000-0000-4000-8000-000000000003', '2026-11-21T00:00:00Z'],
    ]);
  });

  it('rekwatch validate and rekwatch test report them like other problems and cases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekwatch-threshold-'));
    const search = { eventName: 'SearchFaces' };
    writeFileSync(join(dir, 'burst.json'), JSON.stringify({
      ...base, id: 'burst', threshold: { count: 3, window: '1m', by: ['principalArn'] },
      tests: [
        { name: 'three in a minute', event: search, repeat: 3, every: '10s', expect: true, alertOn: [2] },
        { name: 'wrong on purpose', event: search, repeat: 4, every: '10s', expect: true, alertOn: [3] },
        { name: 'spread out', event: search, repeat: 3, every: '1m', expect: false, alerts: 0 },
      ],
    }));
    const validate = await runCli(['validate', '--rules', dir]);
    expect(validate.stderr + validate.stdout).toContain(`${dir}: ok`);
    const test = await runCli(['test', '--rules', dir]);
    expect(test.code).toBe(1);
    expect(test.stdout).toContain('✗ burst › wrong on purpose');
    expect(test.stdout).toContain('expected alerts on event 3 over 4 events, got 1 (on event 2)');
    expect(test.stdout).toContain('3 cases in 1 rule: 2 passed, 1 failed');
    writeFileSync(join(dir, 'burst.json'), JSON.stringify({ ...base, id: 'burst', threshold: { count: 3, window: '1m', by: ['principalArm'] }, tests: [{ name: 'x', event: search, repeat: 3, expect: true }] }));
    const bad = await runCli(['validate', '--rules', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/burst\.json: threshold\.by\[0\]: must be one of "principalArn"/);
  });
});
