import { join } from 'node:path';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import {
  compileEventPatterns,
  eventBridgeSource,
  REKOGNITION_MUTATING_OPERATIONS,
  REKOGNITION_READ_ONLY_OPERATIONS,
  type CompiledPatterns,
} from '../../functions/core/eventbridge/event-pattern';
import { REKOGNITION_OPERATIONS } from '../../functions/core/common/rekognition';
import type { RuleDefinition, RulePack } from '../../functions/core/common/types';
import { matchesEventPattern } from '../helpers/eventbridge-match';
import { listFile, pack, rule, ruleFile } from '../helpers/pack';
import { envelope, record } from '../helpers/records';

const ROOT = join(__dirname, '..', '..');
const ALL = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
const shipped = (() => {
  const load = loadRulesDir(join(ROOT, 'rules'), ROOT);
  if (!load.ok) throw new Error('the shipped rule pack is invalid');
  return load.pack;
})();

function withEnabled(p: RulePack, changes: Record<string, boolean>): RulePack {
  return { ...p, rules: p.rules.map((r) => (r.id in changes ? { ...r, enabled: changes[r.id] as boolean } : r)) };
}

/** A pack straight from conditions, unvalidated (for shapes validation would reject). */
function rawPack(conds: Record<string, unknown>, lists: Record<string, string[]> = {}): RulePack {
  return {
    lists: Object.fromEntries(Object.entries(lists).map(([name, items]) => [name, { name, description: '', items, file: `lists/${name}.json` }])),
    rules: Object.entries(conds).map(
      ([id, conditions]): RuleDefinition => ({
        id, name: id, description: '', severity: 'high', enabled: true, tags: [], references: [], tests: [],
        conditions: conditions as RuleDefinition['conditions'], file: `${id}.json`,
      }),
    ),
  };
}

const leaf = (fact: string, operator: string, value: unknown, extra: Record<string, unknown> = {}) => ({ fact, operator, value, ...extra });
const detailOf = (c: CompiledPatterns, i = 0) => c.rules[i]?.pattern.detail as Record<string, unknown>;
const len = (p: unknown) => JSON.stringify(p).length;
const enabledIds = (p: RulePack) => p.rules.filter((r) => r.enabled).map((r) => r.id).sort();

describe('EventBridge pattern matcher (test oracle)', () => {
  // The sample event of the Event Ruler README / EventBridge user guide.
  const ec2 = {
    version: '0',
    id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '012345679012',
    time: '2017-10-02T16:24:49Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
    detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', 'instance-id': 'i-000000aaaaaa00000', state: 'running' },
  };

  it('matches exact values: every named field (AND), any listed value (OR)', () => {
    expect(
      matchesEventPattern(
        { 'detail-type': ['EC2 Instance State-change Notification'], resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'], detail: { state: ['initializing', 'running'] } },
        ec2,
      ),
    ).toBe(true);
    expect(matchesEventPattern({ source: ['aws.ec2', 'aws.fargate'] }, ec2)).toBe(true);
    expect(matchesEventPattern({ source: ['aws.ec2'], detail: { state: ['terminated'] } }, ec2)).toBe(false);
    expect(matchesEventPattern({ source: ['aws.fargate'], detail: { state: ['running'] } }, ec2)).toBe(false);
  });

  it('requires every field the pattern names: a missing field does not match an exact-value list', () => {
    expect(matchesEventPattern({ detail: { 'no-such-field': ['running'] } }, ec2)).toBe(false);
    expect(matchesEventPattern({ detail: { userIdentity: { type: ['Root'] } } }, { detail: {} })).toBe(false);
    expect(matchesEventPattern({ detail: { userIdentity: { type: ['Root'] } } }, { detail: { userIdentity: 'Root' } })).toBe(false);
    expect(matchesEventPattern({ detail: { userIdentity: { type: [null] } } }, { detail: { userIdentity: {} } })).toBe(false);
    expect(matchesEventPattern({ detail: { userIdentity: { type: [null] } } }, { detail: { userIdentity: { type: null } } })).toBe(true);
  });

  it('matches an array field when the intersection with the pattern values is non-empty', () => {
    // The "Arrays in Amazon EventBridge event patterns" example.
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    expect(
      matchesEventPattern(pattern, {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      }),
    ).toBe(true);
    expect(matchesEventPattern(pattern, { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] })).toBe(false);
    expect(matchesEventPattern(pattern, { resources: [] })).toBe(false);
    // Arrays of objects are crushed out: a nested pattern matches some element.
    const employees = { employees: [{ firstName: 'John', lastName: 'Doe' }, { firstName: 'Anna', lastName: 'Smith' }] };
    expect(matchesEventPattern({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
    expect(matchesEventPattern({ employees: { firstName: ['Peter'] } }, employees)).toBe(false);
  });

  it('compares JSON values, not their text', () => {
    expect(matchesEventPattern({ detail: { readOnly: [true] } }, { detail: { readOnly: true } })).toBe(true);
    expect(matchesEventPattern({ detail: { readOnly: [true] } }, { detail: { readOnly: 'true' } })).toBe(false);
    expect(matchesEventPattern({ detail: { readOnly: ['true'] } }, { detail: { readOnly: true } })).toBe(false);
    expect(matchesEventPattern({ detail: { 'c-count': [5] } }, ec2)).toBe(true);
    expect(matchesEventPattern({ detail: { 'c-count': ['5'] } }, ec2)).toBe(false);
  });

  it('supports "$or" between sub-patterns, alongside other fields and nested', () => {
    const cw = { source: 'aws.cloudwatch', metricName: 'NetworkIn', namespace: 'AWS/EC2' };
    const p = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] };
    expect(matchesEventPattern(p, cw)).toBe(true);
    expect(matchesEventPattern(p, { ...cw, namespace: 'AWS/RDS' })).toBe(false);
    expect(matchesEventPattern(p, { ...cw, namespace: 'AWS/RDS', metricName: 'ReadLatency' })).toBe(true);
    expect(matchesEventPattern({ ...p, source: ['aws.ec2'] }, cw)).toBe(false);
    const nested = { detail: { eventSource: ['s'], $or: [{ eventName: ['A'] }, { userIdentity: { type: ['Root'] } }] } };
    expect(matchesEventPattern(nested, { detail: { eventSource: 's', eventName: 'B', userIdentity: { type: 'Root' } } })).toBe(true);
    expect(matchesEventPattern(nested, { detail: { eventSource: 's', eventName: 'A' } })).toBe(true);
    expect(matchesEventPattern(nested, { detail: { eventSource: 's', eventName: 'B' } })).toBe(false);
    expect(matchesEventPattern(nested, { detail: { eventSource: 't', eventName: 'A' } })).toBe(false);
    expect(() => matchesEventPattern({ $or: [{ a: ['x'] }] }, {})).toThrow(/two or more/);
  });

  it('supports prefix, suffix, equals-ignore-case, anything-but, numeric and exists as documented', () => {
    expect(matchesEventPattern({ time: [{ prefix: '2017-10-02' }] }, ec2)).toBe(true);
    expect(matchesEventPattern({ source: [{ suffix: 'ec2' }] }, ec2)).toBe(true);
    expect(matchesEventPattern({ source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, ec2)).toBe(true);
    expect(matchesEventPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, ec2)).toBe(true);
    expect(matchesEventPattern({ detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, ec2)).toBe(false);
    expect(matchesEventPattern({ detail: { state: [{ 'anything-but': { prefix: 'run' } }] } }, ec2)).toBe(false);
    expect(matchesEventPattern({ detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, ec2)).toBe(true);
    // anything-but never matches a missing field.
    expect(matchesEventPattern({ detail: { missing: [{ 'anything-but': 'x' }] } }, ec2)).toBe(false);
    expect(matchesEventPattern({ detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, ec2)).toBe(true);
    expect(matchesEventPattern({ detail: { 'c-count': [{ numeric: ['>', 5] }] } }, ec2)).toBe(false);
    expect(matchesEventPattern({ detail: { 'c-count': [{ exists: true }] } }, ec2)).toBe(true);
    expect(matchesEventPattern({ detail: { 'c-count': [{ exists: false }] } }, ec2)).toBe(false);
    expect(matchesEventPattern({ detail: { 'e-count': [{ exists: false }] } }, ec2)).toBe(true);
    // exists looks at leaves only: an object-valued field does not "exist" (README example).
    expect(matchesEventPattern({ detail: { 'c-count': [{ exists: false }] } }, { detail: { state: 'x', 'c-count': { c1: 100 } } })).toBe(true);
  });

  it('refuses constructs it does not model', () => {
    expect(() => matchesEventPattern({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, ec2)).toThrow();
    expect(() => matchesEventPattern({ detail: { state: [] } }, ec2)).toThrow();
    expect(() => matchesEventPattern({ detail: { state: 'running' } }, ec2)).toThrow();
  });
});

describe('compileEventPatterns: the shipped pack', () => {
  const compiled = compileEventPatterns(shipped);

  it('is one EventBridge rule: eventName for rules that name operations, userIdentity.type Root for root-user-activity', () => {
    expect(compiled.rules).toHaveLength(1);
    const [r] = compiled.rules;
    expect(r?.pattern.source).toEqual(['aws.rekognition']);
    expect(r?.pattern['detail-type']).toEqual(['AWS API Call via CloudTrail']);
    const detail = detailOf(compiled);
    expect(Object.keys(detail).sort()).toEqual(['$or', 'eventSource']);
    expect(detail.eventSource).toEqual(['rekognition.amazonaws.com']);
    const [byName, byType] = detail.$or as [{ eventName: string[] }, { userIdentity: { type: string[] } }];
    expect(byType).toEqual({ userIdentity: { type: ['Root'] } });
    const names = byName.eventName;
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['CopyProjectVersion', 'DeleteCollection', 'DeleteDataset', 'PutProjectPolicy', 'StartProjectVersion', 'UpdateStreamProcessor']));
    // Every operation the starter rules name writes; none is a high-volume read.
    expect(names.filter((n) => !REKOGNITION_MUTATING_OPERATIONS.includes(n))).toEqual([]);
    expect(names).toEqual([...shipped.lists['write-operations']!.items].sort());
    expect(r?.ruleIds).toEqual(enabledIds(shipped));
    expect(r?.ruleIds).not.toContain('suspicious-user-agent-read-only');
  });

  it('asks for read-only events only because root-user-activity can match them', () => {
    expect(compiled.rules[0]?.state).toBe(ALL);
    expect(compiled.notes.join('\n')).toMatch(/root-user-activity can match read-only calls/);
    const withoutRoot = compileEventPatterns(withEnabled(shipped, { 'root-user-activity': false }));
    expect(withoutRoot.rules).toHaveLength(1);
    expect(withoutRoot.rules[0]?.state).toBe('ENABLED');
    expect(Object.keys(detailOf(withoutRoot)).sort()).toEqual(['eventName', 'eventSource']);
    expect(withoutRoot.notes.join('\n')).toMatch(/no enabled rule can match a read-only call/);
  });

  it('fits the default 2,048-character limit with room to spare and says how big it is', () => {
    const n = len(compiled.rules[0]?.pattern);
    expect(n).toBeLessThan(1200);
    expect(compiled.notes).toContain(`EventBridge rule 1 of 1: ${n} characters, ${ALL}, carries ${enabledIds(shipped).length} rules`);
  });

  it('lets the documented events through and keeps high-volume reads out', () => {
    const p = compiled.rules[0]!.pattern;
    const ev = (r: Record<string, unknown>) => envelope(record(r));
    expect(matchesEventPattern(p, ev({ eventName: 'DeleteCollection', readOnly: false }))).toBe(true);
    expect(matchesEventPattern(p, ev({ eventName: 'DetectFaces', readOnly: true, userIdentity: { type: 'Root' } }))).toBe(true);
    expect(matchesEventPattern(p, ev({ eventName: 'DetectFaces', readOnly: true, userIdentity: { type: 'AssumedRole' } }))).toBe(false);
    expect(matchesEventPattern(p, ev({ eventName: 'DeleteCollection', eventSource: 's3.amazonaws.com' }))).toBe(false);
  });

  it('widens to every Rekognition call when the read-only user-agent rule (no eventName, no principal type) is enabled', () => {
    const c = compileEventPatterns(withEnabled(shipped, { 'suspicious-user-agent-read-only': true }));
    expect(c.rules).toHaveLength(1);
    expect(c.rules[0]?.pattern).toEqual({ source: ['aws.rekognition'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['rekognition.amazonaws.com'] } });
    expect(c.rules[0]?.state).toBe(ALL);
    expect(c.rules[0]?.ruleIds).toContain('suspicious-user-agent-read-only');
    expect(c.notes.join('\n')).toMatch(/suspicious-user-agent-read-only constrains neither eventName nor principalType/);
  });
});

describe('compileEventPatterns: the size limit', () => {
  const full = compileEventPatterns(shipped);
  const names = (detailOf(full).$or as [{ eventName: string[] }])[0].eventName;

  it('splits the eventNames across several EventBridge rules, each within the limit', () => {
    const c = compileEventPatterns(shipped, { maxPatternLength: 500 });
    expect(c.rules.length).toBeGreaterThan(1);
    for (const r of c.rules) expect(len(r.pattern)).toBeLessThanOrEqual(500);
    const got: string[] = [];
    const types: string[] = [];
    for (const r of c.rules) {
      const d = r.pattern.detail as Record<string, unknown>;
      const branches = (d.$or as Record<string, unknown>[] | undefined) ?? [d];
      for (const b of branches) {
        if (b.eventName) got.push(...(b.eventName as string[]));
        if (b.userIdentity) types.push(...(b.userIdentity as { type: string[] }).type);
      }
    }
    expect(got).toEqual(names);
    expect(types).toEqual(['Root']);
    // Every rule is carried; only the EventBridge rule carrying root-user-activity asks for read-only events.
    expect([...new Set(c.rules.flatMap((r) => r.ruleIds))].sort()).toEqual(enabledIds(shipped));
    for (const r of c.rules) expect(r.state === ALL).toBe(r.ruleIds.includes('root-user-activity'));
    expect(c.notes.join('\n')).toMatch(new RegExp(`split into ${c.rules.length} EventBridge rules: one pattern would be ${len(full.rules[0]?.pattern)} characters, over the 500-character limit`));
    // Each split rule carries exactly the rules that can match one of its names or types.
    const first = c.rules[0]!;
    const firstNames = new Set(((first.pattern.detail as Record<string, unknown>).eventName as string[] | undefined) ?? []);
    expect(first.ruleIds).toContain('collection-deleted-without-mfa');
    expect(firstNames.has('DeleteCollection')).toBe(true);
    expect(first.ruleIds).not.toContain('model-started-with-high-capacity');
  });

  it('is deterministic', () => {
    const shuffled = { ...shipped, rules: [...shipped.rules].reverse() };
    expect(compileEventPatterns(shuffled, { maxPatternLength: 400 })).toEqual(compileEventPatterns(shipped, { maxPatternLength: 400 }));
  });

  it('widens when even one value does not fit, and says so', () => {
    const base = len({ source: ['aws.rekognition'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['rekognition.amazonaws.com'] } });
    const c = compileEventPatterns(shipped, { maxPatternLength: base + 12 });
    expect(c.rules).toHaveLength(1);
    expect(c.rules[0]?.pattern.detail).toEqual({ eventSource: ['rekognition.amazonaws.com'] });
    expect(c.rules[0]?.state).toBe(ALL);
    expect(c.rules[0]?.ruleIds).toEqual(enabledIds(shipped));
    expect(c.notes.join('\n')).toMatch(/widened: a single eventName or userIdentity.type value does not fit in a \d+-character pattern/);
  });

  it('fails loudly when not even the widest pattern fits', () => {
    expect(() => compileEventPatterns(shipped, { maxPatternLength: 50 })).toThrow(/over the 50-character limit/);
  });
});

describe('compileEventPatterns: packs', () => {
  it('needs no EventBridge rule for an empty pack or one with every rule disabled', () => {
    expect(compileEventPatterns({ rules: [], lists: {} })).toEqual({ rules: [], notes: [expect.stringMatching(/no enabled rules/)] });
    const off = compileEventPatterns({ ...shipped, rules: shipped.rules.map((r) => ({ ...r, enabled: false })) });
    expect(off.rules).toEqual([]);
    expect(off.notes[0]).toMatch(/no enabled rules/);
  });

  it('covers other event sources: source aws.<service>, every eventSource, and no Rekognition-only read-only shortcut', () => {
    expect(eventBridgeSource('rekognition.amazonaws.com')).toBe('aws.rekognition');
    expect(eventBridgeSource('s3.amazonaws.com')).toBe('aws.s3');
    const p = pack([ruleFile(rule('copy', { all: [leaf('eventName', 'equal', 'CopyProjectVersion')] }))]);
    const rek = compileEventPatterns(p);
    expect(rek.rules[0]?.state).toBe('ENABLED');
    const c = compileEventPatterns(p, { eventSources: ['s3.amazonaws.com', 'rekognition.amazonaws.com'] });
    expect(c.rules).toHaveLength(1);
    expect(c.rules[0]?.pattern.source).toEqual(['aws.rekognition', 'aws.s3']);
    expect(detailOf(c)).toEqual({ eventSource: ['rekognition.amazonaws.com', 's3.amazonaws.com'], eventName: ['CopyProjectVersion'] });
    // The mutating-operations list is Rekognition's: with other services, a name alone proves nothing.
    expect(c.rules[0]?.state).toBe(ALL);
    expect(c.notes.join('\n')).toMatch(/list of mutating operations is not used/);
    const s3 = compileEventPatterns(p, { eventSources: ['s3.amazonaws.com'] });
    expect(s3.rules[0]?.pattern.source).toEqual(['aws.s3']);
    // The shipped pack compiles for other sources too, within the limit.
    for (const r of compileEventPatterns(shipped, { eventSources: ['rekognition.amazonaws.com', 's3.amazonaws.com'] }).rules) {
      expect(len(r.pattern)).toBeLessThanOrEqual(2048);
    }
  });

  it('rejects a scope it cannot express', () => {
    const p = pack([ruleFile(rule('copy', { all: [leaf('eventName', 'equal', 'CopyProjectVersion')] }))]);
    expect(() => compileEventPatterns(p, { eventSources: ['*'] })).toThrow(/not a CloudTrail eventSource/);
    expect(() => compileEventPatterns(p, { eventSources: [] })).toThrow(/empty/);
  });

  it('narrows by principalType only through "all" (equal, in, named lists), and not under any/not or with a path', () => {
    const lists = [listFile('humans', ['IAMUser', 'AssumedRole'])];
    const p = (conditions: unknown) => pack([ruleFile(rule('r', conditions)), ...lists]);
    const typeOf = (conditions: unknown) => {
      const d = detailOf(compileEventPatterns(p(conditions)));
      return d.userIdentity ?? (d.eventName ? 'eventName' : null);
    };
    expect(typeOf({ all: [leaf('principalType', 'equal', 'Root')] })).toEqual({ type: ['Root'] });
    expect(typeOf({ all: [leaf('principalType', 'in', ['Root', 'IAMUser'])] })).toEqual({ type: ['IAMUser', 'Root'] });
    expect(typeOf({ all: [{ all: [leaf('principalType', 'in', { fact: 'lists', path: '$.humans' })] }] })).toEqual({ type: ['AssumedRole', 'IAMUser'] });
    expect(typeOf({ all: [leaf('principalType', 'in', ['Root', 'IAMUser']), leaf('principalType', 'notEqual', 'IAMUser'), leaf('principalType', 'in', ['Root', 'AWSService'])] })).toEqual({ type: ['Root'] });
    expect(typeOf({ any: [leaf('principalType', 'equal', 'Root')] })).toBeNull();
    expect(typeOf({ all: [{ any: [leaf('principalType', 'equal', 'Root'), leaf('principalType', 'equal', 'IAMUser')] }] })).toBeNull();
    expect(typeOf({ not: leaf('principalType', 'notEqual', 'Root') })).toBeNull();
    expect(typeOf({ all: [leaf('principalType', 'notEqual', 'Root')] })).toBeNull();
    expect(typeOf({ all: [leaf('principalType', 'matches', 'Ro*')] })).toBeNull();
    // An eventName set wins: its other constraints are dropped (widening).
    expect(typeOf({ all: [leaf('principalType', 'equal', 'Root'), leaf('eventName', 'equal', 'DeleteCollection')] })).toBe('eventName');
    // Unvalidated shapes: a path, or an unknown list, give no constraint.
    const raw = (conditions: unknown) => detailOf(compileEventPatterns(rawPack({ r: conditions }))).userIdentity ?? null;
    expect(raw({ all: [leaf('principalType', 'equal', 'Root', { path: '$.x' })] })).toBeNull();
    expect(raw({ all: [leaf('principalType', 'in', { fact: 'lists', path: '$.missing' })] })).toBeNull();
    expect(raw({ all: [leaf('principalType', 'in', ['Root', 7])] })).toBeNull();
  });

  it('decides whether a rule can match a read-only call from readOnly leaves under "all" and from mutating operation names', () => {
    const stateOf = (conditions: unknown) => compileEventPatterns(pack([ruleFile(rule('r', conditions))])).rules[0]?.state;
    const root = leaf('principalType', 'equal', 'Root');
    expect(stateOf({ all: [root] })).toBe(ALL);
    expect(stateOf({ all: [root, leaf('readOnly', 'equal', false)] })).toBe('ENABLED');
    expect(stateOf({ all: [root, leaf('readOnly', 'notEqual', true)] })).toBe('ENABLED');
    expect(stateOf({ all: [root, { all: [leaf('readOnly', 'in', [false])] }] })).toBe('ENABLED');
    expect(stateOf({ all: [root, leaf('readOnly', 'equal', true)] })).toBe(ALL);
    expect(stateOf({ all: [root, leaf('readOnly', 'notEqual', false)] })).toBe(ALL);
    expect(stateOf({ all: [root, { any: [leaf('readOnly', 'equal', false), leaf('userAgent', 'equal', 'x')] }] })).toBe(ALL);
    expect(stateOf({ all: [root, { not: leaf('readOnly', 'equal', true) }] })).toBe(ALL);
    expect(stateOf({ all: [root, leaf('readOnly', 'equal', false, { path: '$.x' })] })).toBe(ALL);
    expect(stateOf({ all: [root, leaf('readOnly', 'equal', { fact: 'recipientAccountId' })] })).toBe(ALL);
    expect(stateOf({ all: [leaf('eventName', 'in', ['DeleteCollection', 'IndexFaces'])] })).toBe('ENABLED');
    expect(stateOf({ all: [leaf('eventName', 'in', ['DeleteCollection', 'DetectFaces'])] })).toBe(ALL);
    expect(stateOf({ all: [leaf('eventName', 'equal', 'DetectFaces'), leaf('readOnly', 'equal', false)] })).toBe('ENABLED');
    // readOnly exists false: a read-only call has readOnly true, so it cannot match.
    expect(stateOf({ all: [root, leaf('readOnly', 'exists', false)] })).toBe('ENABLED');
    expect(stateOf({ all: [root, leaf('readOnly', 'exists', true)] })).toBe(ALL);
    expect(REKOGNITION_READ_ONLY_OPERATIONS.filter((n) => REKOGNITION_MUTATING_OPERATIONS.includes(n))).toEqual([]);
  });

  it('reads mutating and read-only operations from the one Rekognition list, which the shipped write-operations list equals', () => {
    expect(REKOGNITION_MUTATING_OPERATIONS).toEqual(Object.keys(REKOGNITION_OPERATIONS).filter((n) => REKOGNITION_OPERATIONS[n] === 'write').sort());
    expect(REKOGNITION_READ_ONLY_OPERATIONS).toEqual(Object.keys(REKOGNITION_OPERATIONS).filter((n) => REKOGNITION_OPERATIONS[n] === 'read').sort());
    expect(REKOGNITION_MUTATING_OPERATIONS.length + REKOGNITION_READ_ONLY_OPERATIONS.length).toBe(75);
    // rules/lists/write-operations.json stays a file (rules reference it, deployments may override it).
    expect(shipped.lists['write-operations']!.items).toEqual([...REKOGNITION_MUTATING_OPERATIONS]);
  });

  it('treats an unknown operation name as possibly read-only and names it', () => {
    const c = compileEventPatterns(pack([ruleFile(rule('r', { all: [leaf('eventName', 'equal', 'DeleteColection')] }))]));
    expect(c.rules[0]?.state).toBe(ALL);
    expect(c.notes.join('\n')).toMatch(/not known Rekognition operations.*DeleteColection/);
  });

  it('combines eventName and userIdentity.type alternatives with $or, and drops $or when only one kind is left', () => {
    const c = compileEventPatterns(
      pack([
        ruleFile(rule('del', { all: [leaf('eventName', 'equal', 'DeleteCollection')] })),
        ruleFile(rule('root', { all: [leaf('principalType', 'equal', 'Root')] })),
      ]),
    );
    expect(c.rules).toHaveLength(1);
    expect(detailOf(c).$or).toEqual([{ eventName: ['DeleteCollection'] }, { userIdentity: { type: ['Root'] } }]);
    expect(c.rules[0]).toMatchObject({ state: ALL, ruleIds: ['del', 'root'] });
    expect(c.notes.join('\n')).toMatch(/combined with "\$or"/);
    const one = compileEventPatterns(pack([ruleFile(rule('root', { all: [leaf('principalType', 'equal', 'Root')] }))]));
    expect(detailOf(one)).toEqual({ eventSource: ['rekognition.amazonaws.com'], userIdentity: { type: ['Root'] } });
  });

  it('gives rules that cannot match read-only calls their own ENABLED rule when sharing would pull read-only calls in', () => {
    const c = compileEventPatterns(
      pack([
        ruleFile(rule('roles-write', { all: [leaf('principalType', 'equal', 'AssumedRole'), leaf('readOnly', 'notEqual', true)] })),
        ruleFile(rule('root', { all: [leaf('principalType', 'equal', 'Root')] })),
      ]),
    );
    expect(c.rules).toHaveLength(2);
    expect(c.rules).toEqual([
      expect.objectContaining({ state: ALL, ruleIds: ['root'] }),
      expect.objectContaining({ state: 'ENABLED', ruleIds: ['roles-write'] }),
    ]);
    expect(detailOf(c, 0).userIdentity).toEqual({ type: ['Root'] });
    expect(detailOf(c, 1).userIdentity).toEqual({ type: ['AssumedRole'] });
    expect(c.notes.join('\n')).toMatch(/split by state: roles-write cannot match read-only calls/);
    // A write-only rule with no narrowing at all gets an unnarrowed ENABLED rule; the ALL rule stays narrow.
    const open = compileEventPatterns(
      pack([
        ruleFile(rule('any-write', { all: [leaf('readOnly', 'equal', false), leaf('userAgent', 'matches', '*kali*')] })),
        ruleFile(rule('root', { all: [leaf('principalType', 'equal', 'Root')] })),
      ]),
    );
    expect(open.rules.map((r) => [r.state, r.ruleIds, r.pattern.detail])).toEqual([
      [ALL, ['root'], { eventSource: ['rekognition.amazonaws.com'], userIdentity: { type: ['Root'] } }],
      ['ENABLED', ['any-write'], { eventSource: ['rekognition.amazonaws.com'] }],
    ]);
    // ...but an unnarrowed rule that can match read-only calls subsumes everything.
    const wide = compileEventPatterns(
      pack([
        ruleFile(rule('roles-write', { all: [leaf('principalType', 'equal', 'AssumedRole'), leaf('readOnly', 'notEqual', true)] })),
        ruleFile(rule('kali', { all: [leaf('userAgent', 'matches', '*kali*')] })),
      ]),
    );
    expect(wide.rules).toEqual([{ pattern: expect.objectContaining({ detail: { eventSource: ['rekognition.amazonaws.com'] } }), state: ALL, ruleIds: ['kali', 'roles-write'] }]);
    // ...also when the rule that can match read-only calls is widened for the size limit.
    const split = pack([
      ruleFile(rule('roles-write', { all: [leaf('principalType', 'equal', 'AssumedRole'), leaf('readOnly', 'notEqual', true)] })),
      ruleFile(rule('root', { all: [leaf('principalType', 'equal', 'Root')] })),
    ]);
    const base = len(compileEventPatterns(split).rules[1]?.pattern) - len({ userIdentity: { type: ['AssumedRole'] } }) + len({});
    const tight = compileEventPatterns(split, { maxPatternLength: base + 10 });
    expect(tight.rules).toEqual([{ pattern: expect.objectContaining({ detail: { eventSource: ['rekognition.amazonaws.com'] } }), state: ALL, ruleIds: ['roles-write', 'root'] }]);
    expect(tight.notes.join('\n')).toMatch(/widened/);
    expect(tight.notes.join('\n')).toMatch(/carries every rule/);
    expect(tight.notes.join('\n')).not.toMatch(/split by state/);
  });

  it('leaves out rules that can never alert, and says so', () => {
    const c = compileEventPatterns(
      pack([
        ruleFile(rule('none', { all: [leaf('eventName', 'in', [])] })),
        ruleFile(rule('both', { all: [leaf('principalType', 'equal', 'Root'), leaf('principalType', 'equal', 'IAMUser')] })),
        ruleFile(rule('del', { all: [leaf('eventName', 'equal', 'DeleteCollection')] })),
      ]),
    );
    expect(c.rules).toHaveLength(1);
    expect(c.rules[0]?.ruleIds).toEqual(['del']);
    expect(c.notes.join('\n')).toMatch(/none can never alert/);
    expect(c.notes.join('\n')).toMatch(/both can never alert/);
    const nothing = compileEventPatterns(pack([ruleFile(rule('none', { all: [leaf('eventName', 'in', [])] }))]));
    expect(nothing.rules).toEqual([]);
  });

  it('reads an emptied named list (a deployment override) as no eventName: such a rule is left out', () => {
    const watched = pack([
      listFile('watched-operations', []),
      ruleFile(rule('watched', { all: [leaf('eventName', 'in', { fact: 'lists', path: '$.watched-operations' })] })),
      ruleFile(rule('del', { all: [leaf('eventName', 'equal', 'DeleteCollection')] })),
    ]);
    const c = compileEventPatterns(watched);
    expect(c.rules.map((r) => r.ruleIds)).toEqual([['del']]);
    expect(c.notes.join('\n')).toMatch(/watched can never alert \(its eventName conditions admit no eventName\)/);
    // An `any` with an empty branch still narrows by its other branches.
    const either = compileEventPatterns(pack([
      listFile('watched-operations', []),
      ruleFile(rule('either', { all: [{ any: [leaf('eventName', 'in', { fact: 'lists', path: '$.watched-operations' }), leaf('eventName', 'equal', 'IndexFaces')] }] })),
    ]));
    expect(detailOf(either)).toEqual({ eventSource: ['rekognition.amazonaws.com'], eventName: ['IndexFaces'] });
  });

  it('does not narrow through a node json-rules-engine reads differently from the eventName index', () => {
    // Validation rejects it; json-rules-engine evaluates {all, any} as "any".
    const c = compileEventPatterns(rawPack({ r: { all: [leaf('eventName', 'equal', 'DeleteCollection')], any: [] } }));
    expect(detailOf(c)).toEqual({ eventSource: ['rekognition.amazonaws.com'] });
  });
});
