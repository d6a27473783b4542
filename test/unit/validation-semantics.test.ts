/**
 * What validation refuses, warns about and checks by convention, tied to json-rules-engine and to the
 * README: every refusal code in STRICTER_THAN_ENGINE has an example that json-rules-engine (set up as
 * rekwatch runs it) loads and runs without an error, every other refusal has one it throws on, and
 * README's "What rekwatch refuses beyond json-rules-engine" lists exactly STRICTER_THAN_ENGINE.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../../functions/core/match/engine';
import { Evaluator } from '../../functions/core/match/evaluator';
import { ENGINE_REFUSES_TOO, STRICTER_THAN_ENGINE } from '../../functions/core/rules/conditions';
import { loadPack } from '../../functions/core/rules/pack';
import { formatProblem } from '../../functions/core/rules/problem';
import type { RuleDefinition } from '../../functions/core/common/types';
import { listFile, rule, ruleFile } from '../helpers/pack';
import { record } from '../helpers/records';

const tests = [
  { name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true },
  { name: 'miss', event: {}, expect: false },
];
const leaf = (over: Record<string, unknown> = {}) => ({ fact: 'eventName', operator: 'equal', value: 'DeleteCollection', ...over });
const LISTS = [listFile('nets', ['10.0.0.0/8']), listFile('empty', [])];

/** One refused condition per code; json-rules-engine's verdict on each is checked below. */
const EXAMPLES: Array<[code: string, conditions: Record<string, unknown>]> = [
  ['empty-group', { all: [leaf(), { any: [] }] }],
  ['empty-group', { all: [leaf(), { all: [] }] }],
  ['ambiguous-node', { all: [leaf(), { all: [leaf()], any: [leaf()] }] }],
  ['ambiguous-node', { all: [leaf(), { any: [leaf()], not: leaf() }] }],
  ['unknown-field', { all: [leaf({ pth: '$.x' })] }],
  ['unknown-field', { all: [{ any: [leaf()], nmae: 'x' }] }],
  ['unknown-field', { all: [leaf({ value: { fact: 'recipientAccountId', paht: '$.x' } })] }],
  ['params', { all: [leaf({ params: { a: 1 } })] }],
  ['params', { all: [leaf({ value: { fact: 'recipientAccountId', params: { a: 1 } } })] }],
  ['condition-reference', { all: [leaf(), { condition: 'shared' }] }],
  ['condition-reference', { condition: 'shared' }],
  ['priority', { all: [leaf({ priority: 0 })] }],
  ['priority', { all: [leaf({ priority: 'high' })] }],
  ['name', { all: [leaf({ name: 7 })] }],
  ['unknown-fact', { all: [leaf({ fact: 'eventNme' })] }],
  ['unknown-fact', { all: [leaf({ fact: '' })] }],
  ['unknown-fact', { all: [leaf({ value: { fact: 'recipientAcountId' } })] }],
  ['path-syntax', { all: [leaf({ fact: 'requestParameters', path: 'collectionId' })] }],
  ['path-syntax', { all: [leaf({ fact: 'requestParameters', path: '' })] }],
  ['fact-path', { all: [leaf(), { fact: 'firstSeen', path: '$.sourceIp', operator: 'equal', value: true }] }],
  ['fact-path', { all: [leaf(), { fact: 'firstSeen', operator: 'equal', value: true }] }],
  ['fact-path', { all: [leaf({ value: { fact: 'firstSeen', path: '$.region' } })] }],
  ['object-value', { all: [leaf({ value: { not: 'a fact reference' } })] }],
  ['list-reference', { all: [leaf({ value: { fact: 'lists', path: '$.netz' } })] }],
  ['list-reference', { all: [leaf({ value: { fact: 'lists' } })] }],
  ['in-needs-array', { all: [leaf({ operator: 'in', value: 'DeleteCollection' })] }],
  ['numeric-needs-number', { all: [leaf({ fact: 'requestParameters', path: '$.maxResults', operator: 'lessThan', value: '10' })] }],
  ['numeric-needs-number', { all: [leaf({ fact: 'requestParameters', path: '$.maxResults', operator: 'greaterThanInclusive', value: null })] }],
  ['boolean-fact-string', { all: [leaf({ fact: 'mfaAuthenticated', operator: 'notEqual', value: 'true' })] }],
  ['boolean-fact-string', { all: [leaf({ fact: 'readOnly', operator: 'in', value: ['false'] })] }],
  ['exists-needs-boolean-literal', { all: [leaf({ operator: 'exists', value: { fact: 'readOnly' } })] }],
  ['exists-needs-boolean-literal', { all: [leaf({ operator: 'exists', value: null })] }],
  ['null-value', { all: [leaf({ fact: 'userAgent', operator: 'startsWith', value: null })] }],
  ['null-value', { all: [leaf({ fact: 'sourceIPAddress', operator: 'ipNotInCidr', value: null })] }],
  // Refused by json-rules-engine (with rekwatch's operators) too: it throws, building the rule or running it.
  [ENGINE_REFUSES_TOO, { all: [leaf(), { any: {} }] }],
  [ENGINE_REFUSES_TOO, { all: [leaf(), { not: [leaf()] }] }],
  [ENGINE_REFUSES_TOO, { all: [leaf(), 'x'] }],
  [ENGINE_REFUSES_TOO, { all: [leaf(), {}] }],
  [ENGINE_REFUSES_TOO, { all: [{ operator: 'equal', value: 'x' }] }],
  [ENGINE_REFUSES_TOO, { all: [{ fact: 'eventName', value: 'x' }] }],
  [ENGINE_REFUSES_TOO, { all: [{ fact: 'eventName', operator: 'equal' }] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ operator: 'equals' })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ operator: 'someFakt:equal' })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ operator: 7 })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ fact: 'requestParameters', path: 5 })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ operator: 'in', value: 5 })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ fact: 'sourceIPAddress', operator: 'ipInCidr', value: 'nope' })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ fact: 'userAgent', operator: 'startsWith', value: ['x', 7] })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ fact: 'userAgent', operator: 'matchesRegex', value: '(a' })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ fact: 'userAgent', operator: 'matchesRegex', value: 7 })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ operator: 'exists', value: 'yes' })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ operator: 'exists', value: { fact: 'lists', path: '$.nets' } })] }],
  [ENGINE_REFUSES_TOO, { all: [leaf({ fact: 'userAgent', operator: 'someValue:startsWith', value: 'x' })] }],
  [ENGINE_REFUSES_TOO, { fact: 'eventName', operator: 'equal', value: 'x' }],
];

const asRule = (conditions: unknown): RuleDefinition => ({
  id: 'r', name: 'r', description: '', severity: 'high', enabled: true, tags: [], references: [], tests: [], conditions: conditions as never, file: 'r.json',
});

/** Builds and runs the rule in json-rules-engine as rekwatch sets it up, on a record where every fact is set. */
async function engineVerdict(conditions: unknown): Promise<'runs' | 'throws'> {
  try {
    const r = record({ errorCode: 'AccessDenied', requestParameters: { collectionId: 'c', maxResults: 5 } });
    const facts: Record<string, unknown> = { ...r, lists: { nets: ['10.0.0.0/8'], empty: [] }, mfaAuthenticated: false, principalArn: 'arn:aws:iam::1:user/u' };
    await createEngine([asRule(conditions)]).run(facts);
    return 'runs';
  } catch {
    return 'throws';
  }
}

function errorsOf(conditions: unknown) {
  return loadPack([...LISTS, ruleFile(rule('r', conditions, { tests }))]).problems.filter((p) => p.level === 'error');
}

describe('what rekwatch refuses beyond json-rules-engine', () => {
  it.each(EXAMPLES.map(([code, c]) => [code, JSON.stringify(c), c] as const))('%s: %s', async (code, _text, conditions) => {
    const errors = errorsOf(conditions);
    expect(errors.map((e) => e.code)).toEqual([code]);
    expect(await engineVerdict(conditions)).toBe(code === ENGINE_REFUSES_TOO ? 'throws' : 'runs');
  });

  it('has an example for every code, and every validation error carries one', () => {
    const covered = new Set(EXAMPLES.map(([code]) => code));
    expect(Object.keys(STRICTER_THAN_ENGINE).filter((c) => !covered.has(c))).toEqual([]);
  });

  it('is listed in README.md exactly', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const start = readme.indexOf('**What rekwatch refuses beyond json-rules-engine**');
    expect(start).toBeGreaterThan(-1);
    const section = readme.slice(start, readme.indexOf('\n\n**', start + 10));
    const listed = [...section.matchAll(/^- `([a-z-]+)`/gm)].map((m) => m[1]);
    expect(listed).toEqual(Object.keys(STRICTER_THAN_ENGINE));
  });
});

describe('empty lists are valid, with a warning that says what they mean', () => {
  const load = (items: string[], conditions: unknown) => loadPack([listFile('trusted-networks', items), ruleFile(rule('r', conditions, { tests }))]);
  const ipRule = (operator: string) => ({ all: [leaf(), { fact: 'sourceIPAddress', operator, value: { fact: 'lists', path: '$.trusted-networks' } }] });

  it('an emptied named list (e.g. by a deployment override) keeps every rule valid', async () => {
    const notIn = load([], ipRule('ipNotInCidr'));
    expect(notIn.ok).toBe(true);
    expect(notIn.problems.map(formatProblem)).toEqual([
      'rules/lists/trusted-networks.json: items: warning: is empty: ipNotInCidr [] is true for every IP address (and false for values that are not IPs)',
    ]);
    const ev = new Evaluator(notIn.pack);
    const alerts = async (ip: string) => (await ev.evaluate(record({ eventName: 'DeleteCollection', sourceIPAddress: ip }))).alerts.length;
    expect(await alerts('10.0.0.1')).toBe(1); // no trusted networks: every IP is untrusted
    expect(await alerts('AWS Internal')).toBe(0);
    const inCidr = load([], ipRule('ipInCidr'));
    expect(inCidr.ok).toBe(true);
    expect(inCidr.problems.map((p) => p.message)).toEqual([expect.stringContaining('ipInCidr [] is false for every value')]);
    expect((await new Evaluator(inCidr.pack).evaluate(record({ eventName: 'DeleteCollection', sourceIPAddress: '10.0.0.1' }))).alerts).toEqual([]);
  });

  it('a literal in [] warns that the condition can never match; startsWith [] and notIn [] say what they mean', () => {
    const out = loadPack([ruleFile(rule('r', { all: [
      { fact: 'eventName', operator: 'in', value: [] },
      { fact: 'eventName', operator: 'notIn', value: [] },
      { fact: 'userAgent', operator: 'startsWith', value: [] },
    ] }, { tests }))]);
    expect(out.ok).toBe(true);
    expect(out.problems.map(formatProblem)).toEqual([
      'rules/r.json: conditions.all[0].value: warning: is empty: in [] is false for every value: this condition can never match',
      'rules/r.json: conditions.all[1].value: warning: is empty: notIn [] is true for every value: this condition always holds',
      'rules/r.json: conditions.all[2].value: warning: is empty: startsWith [] is false for every value, so this condition never holds',
    ]);
  });
});

describe('ranges that cover a whole address family, or both', () => {
  it.each([
    ['::/0', 'covers every address'],
    ['0.0.0.0/0', 'covers every IPv4 address'],
    ['::ffff:0:0/96', 'covers every IPv4 address'],
    ['::/8', 'covers every IPv4 address and IPv6 addresses'],
  ])('%s warns (%s)', (cidr, what) => {
    const out = loadPack([listFile('trusted-networks', ['10.0.0.0/8', cidr]), ruleFile(rule('r', { all: [leaf(), { fact: 'sourceIPAddress', operator: 'ipNotInCidr', value: { fact: 'lists', path: '$.trusted-networks' } }] }, { tests }))]);
    expect(out.ok).toBe(true);
    expect(out.problems.map(formatProblem)).toEqual([
      `rules/lists/trusted-networks.json: items[1]: warning: "${cidr}" ${what} (IPv4 addresses are ::ffff:0:0/96 of the IPv6 space): used with ipNotInCidr, no such address is ever "not in" this list`,
    ]);
  });

  it('ordinary ranges do not', () => {
    const out = loadPack([ruleFile(rule('r', { all: [leaf(), { fact: 'sourceIPAddress', operator: 'ipInCidr', value: ['10.0.0.0/8', '2001:db8::/32', '::ffff:192.0.2.0/120', '2000::/3', '::/96'] }] }, { tests }))]);
    expect(out.problems).toEqual([]);
  });
});

describe('eventNames that no Rekognition operation has', () => {
  const pinned = (c: unknown) => ({ all: [{ fact: 'eventSource', operator: 'equal', value: 'rekognition.amazonaws.com' }, c] });

  it('warn with a did-you-mean in a rule scoped to Rekognition, literal or through a list', () => {
    const out = loadPack([
      listFile('ops', ['DeleteCollection', 'DeleteFace']),
      ruleFile(rule('r', pinned({ any: [
        { fact: 'eventName', operator: 'equal', value: 'DeleteFace' },
        { fact: 'eventName', operator: 'in', value: ['IndexFaces', 'deletecollection'] },
        { fact: 'eventName', operator: 'in', value: { fact: 'lists', path: '$.ops' } },
        { fact: 'eventName', operator: 'matches', value: 'Delete*' },
      ] }), { tests })),
    ]);
    expect(out.ok).toBe(true);
    expect(out.problems.map(formatProblem)).toEqual([
      'rules/r.json: conditions.all[1].any[0].value: warning: "DeleteFace" is not a Rekognition operation (did you mean "DeleteFaces"?): no Rekognition call has this eventName',
      'rules/r.json: conditions.all[1].any[1].value[1]: warning: "deletecollection" is not a Rekognition operation (did you mean "DeleteCollection"?): no Rekognition call has this eventName',
      'rules/lists/ops.json: items[1]: warning: "DeleteFace" is not a Rekognition operation (did you mean "DeleteFaces"?): no Rekognition call has this eventName',
    ]);
  });

  it('apply to an unpinned rule only when every configured event source is Rekognition', () => {
    const unpinned = { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteBucket' }] };
    expect(loadPack([ruleFile(rule('r', unpinned, { tests }))]).problems.map((p) => p.message)).toEqual([expect.stringContaining('"DeleteBucket" is not a Rekognition operation')]);
    expect(loadPack([ruleFile(rule('r', unpinned, { tests }))], { eventSources: ['rekognition.amazonaws.com', 's3.amazonaws.com'] }).problems).toEqual([]);
    const s3 = { all: [{ fact: 'eventSource', operator: 'equal', value: 's3.amazonaws.com' }, { fact: 'eventName', operator: 'equal', value: 'DeleteBucket' }] };
    expect(loadPack([ruleFile(rule('r', s3, { tests }))]).problems).toEqual([]);
    // A path makes it some other eventName.
    expect(loadPack([ruleFile(rule('r', { all: [{ fact: 'eventName', path: '$.x', operator: 'equal', value: 'DeleteFace' }] }, { tests }))]).problems).toEqual([]);
  });
});

describe('exists', () => {
  it('takes true or false', () => {
    const ok = loadPack([ruleFile(rule('r', { all: [leaf(), { fact: 'errorCode', operator: 'exists', value: true }, { fact: 'requestParameters', path: '$.x', operator: 'not:exists', value: false }] }, { tests }))]);
    expect(ok.problems).toEqual([]);
    expect(errorsOf({ all: [leaf({ operator: 'exists', value: 'true' })] }).map(formatProblem)).toEqual(['rules/r.json: conditions.all[0].value: exists needs true or false']);
  });
});

describe('pack conventions (validate, and the repository convention test)', () => {
  const good = {
    id: 'good',
    name: 'Good rule',
    description: 'A face collection was deleted without MFA: the faces in it are gone; benign when a pipeline tears down.',
    severity: 'high',
    tags: ['rekognition'],
    runbook: 'https://example.com/runbooks/good',
    references: ['https://docs.aws.amazon.com/rekognition/latest/APIReference/API_DeleteCollection.html'],
    conditions: { all: [{ fact: 'eventSource', operator: 'equal', value: 'rekognition.amazonaws.com' }, leaf()] },
    tests: [...tests, { ...tests[0], name: 'hit 2' }, { ...tests[1], name: 'miss 2' }],
  };
  const conventions = (pages: string[] = ['good']) => ({ hasRunbookPage: (id: string) => pages.includes(id), runbookDir: 'docs/runbooks' });
  const warnings = (over: Record<string, unknown>, pages?: string[], extra = [listFile('used', ['x'])]) => {
    const r = { ...good, ...over };
    for (const [k, v] of Object.entries(over)) if (v === undefined) delete (r as Record<string, unknown>)[k];
    const conditions = { all: [...(r.conditions as { all: unknown[] }).all, { fact: 'userAgent', operator: 'notIn', value: { fact: 'lists', path: '$.used' } }] };
    return loadPack([...extra, ruleFile({ ...r, conditions })], { conventions: conventions(pages) }).problems.map(formatProblem);
  };

  it('finds nothing to say about a rule that keeps them', () => {
    expect(warnings({})).toEqual([]);
  });

  it.each([
    [{ name: undefined }, 'rules/good.json: name: warning: convention: state the name shown in alerts'],
    [{ description: 'short' }, 'rules/good.json: description: warning: convention: describe what happened, why it matters and common benign causes (at least 60 characters; this has 5)'],
    [{ severity: undefined }, 'rules/good.json: severity: warning: convention: state the severity explicitly (the default is medium)'],
    [{ tags: ['x'] }, 'rules/good.json: tags: warning: convention: include the tag "rekognition"'],
    [{ runbook: 'http://example.com/r' }, 'rules/good.json: runbook: warning: convention: link the runbook with an https:// URL'],
    [{ references: [] }, 'rules/good.json: references: warning: convention: list at least one reference (the API operation, the threat it detects) so a reviewer can check the rule'],
    [{ conditions: { all: [leaf()] } }, expect.stringMatching(/^rules\/good\.json: conditions: warning: convention: pin the service in the top-level "all"/)],
    [{ tests: [...tests, { ...tests[1], name: 'miss 2' }] }, 'rules/good.json: tests: warning: convention: give at least 2 cases expecting true (an alert); there is 1'],
    [{ dedupe: { window: '2d', by: [] } }, 'rules/good.json: dedupe.by: warning: convention: name at least one field: a window without a key hides every other principal\'s activity'],
  ])('%p', (over, message) => {
    const out = warnings(over);
    expect(out).toContainEqual(message);
    expect(out).toHaveLength('dedupe' in over ? 2 : 1);
  });

  it('asks for a runbook page and names unused lists', () => {
    expect(warnings({}, [])).toEqual(['rules/good.json: runbook: warning: convention: add the runbook page docs/runbooks/good.md (what to do when the rule fires)']);
    expect(warnings({}, undefined, [listFile('used', ['x']), listFile('spare', ['y'])])).toEqual(['rules/lists/spare.json: warning: convention: no rule references list "spare"; remove it or use it']);
  });

  it('are checked only when asked (validate, the convention test), not by test or replay', () => {
    expect(loadPack([ruleFile({ ...good, references: [] })]).problems).toEqual([]);
  });
});
