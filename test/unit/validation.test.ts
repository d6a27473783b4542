import { loadPack, type SourceFile } from '../../functions/core/rules/pack';
import { formatProblem } from '../../functions/core/rules/problem';
import { listFile, rule, ruleFile } from '../helpers/pack';

const ok = { all: [{ fact: 'eventName', operator: 'equal', value: 'DeleteCollection' }] };
const tests = [
  { name: 'hit', event: { eventName: 'DeleteCollection' }, expect: true },
  { name: 'miss', event: {}, expect: false },
];

function problems(files: SourceFile[]): string[] {
  return loadPack(files).problems.map(formatProblem);
}

describe('rule pack validation', () => {
  it('accepts a valid rule with list references and reports nothing', () => {
    const load = loadPack([
      listFile('trusted-networks', ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']),
      ruleFile(rule('untrusted', { all: [{ fact: 'sourceIPAddress', operator: 'ipNotInCidr', value: { fact: 'lists', path: '$.trusted-networks' } }] }, { tests })),
    ]);
    expect(load.problems).toEqual([]);
    expect(load.ok).toBe(true);
    expect(load.pack.rules[0]).toMatchObject({ id: 'untrusted', enabled: true, severity: 'high', tags: [] });
    expect(load.pack.lists['trusted-networks']?.items).toHaveLength(3);
  });

  it('reports every problem at once as FILE: field: message, with did-you-mean', () => {
    const out = problems([
      listFile('trusted-networks', ['10.0.0.0/8']),
      ruleFile({
        id: 'bad', nmae: 'x', severity: 'hgh', runbook: 'not a url', tags: ['a', 'a'],
        conditions: {
          all: [
            { fact: 'eventNme', operator: 'equals', value: 'X' },
            { fact: 'sourceIPAddress', operator: 'ipInCidr', value: ['10.0.0.0/33'] },
            { fact: 'sourceIPAddress', operator: 'ipNotInCidr', value: { fact: 'lists', path: '$.trusted-netwrks' } },
            { fact: 'mfaAuthenticated', operator: 'equal', value: 'false' },
            { fact: 'eventName', operator: 'in', value: 'DeleteCollection' },
            { fact: 'userAgent', operator: 'matchesRegex', value: '(unclosed' },
            { fact: 'requestParameters', path: 'collectionId', operator: 'equal', value: 'x' },
            { fact: 'eventName', operator: 'equal', value: 'DeleteCollection', params: { a: 1 } },
            { fact: 'eventName', operator: 'someFakt:equal', value: 'x' },
            { any: [] },
            { fact: 'eventName', operator: 'equal' },
            { fact: 'eventName', operator: 'equal', value: { not: 'a fact ref' } },
          ],
        },
      }),
    ]);
    expect(out).toEqual([
      'rules/bad.json: nmae: unknown field (did you mean "name"?)',
      'rules/bad.json: severity: must be one of "info", "low", "medium", "high", "critical" (did you mean "high"?)',
      'rules/bad.json: tags: must not repeat items',
      'rules/bad.json: runbook: must be an http(s) URL',
      'rules/bad.json: conditions.all[0].fact: unknown fact "eventNme" (did you mean "eventName"?)',
      'rules/bad.json: conditions.all[0].operator: unknown operator "equals" (did you mean "equal"?)',
      'rules/bad.json: conditions.all[1].value[0]: invalid CIDR "10.0.0.0/33"',
      'rules/bad.json: conditions.all[2].value.path: unknown list "trusted-netwrks" (did you mean "trusted-networks"?)',
      'rules/bad.json: conditions.all[3].value: mfaAuthenticated is a boolean (true/false, or null when unknown): compare it with false rather than the string "false"',
      'rules/bad.json: conditions.all[4].value: in needs an array (or a list reference)',
      expect.stringMatching(/^rules\/bad\.json: conditions\.all\[5\]\.value: invalid regular expression \(RE2 syntax\): /),
      'rules/bad.json: conditions.all[6].path: must be a JSONPath string starting with "$" (e.g. "$.collectionId")',
      'rules/bad.json: conditions.all[7].params: rekwatch facts take no params',
      'rules/bad.json: conditions.all[8].operator: unknown operator decorator "someFakt" (did you mean "someFact"?)',
      'rules/bad.json: conditions.all[9].any: is empty: json-rules-engine treats an empty "any" as always true',
      'rules/bad.json: conditions.all[10].value: is required',
      'rules/bad.json: conditions.all[11].value: an object value must be a fact reference like {"fact": "lists", "path": "$.trusted-networks"}',
      'rules/bad.json: tests: warning: rule has no test cases',
    ].filter((l) => !(typeof l === 'string' && l.includes('warning'))));
  });

  it('names the line and column of invalid JSON', () => {
    const out = problems([{ path: 'rules/x.json', relPath: 'x.json', text: '{\n  "id": "x",\n  "conditions": {,}\n}' }]);
    expect(out).toEqual(['rules/x.json: invalid JSON at line 3 column 18: value expected']);
    expect(problems([{ path: 'rules/y.json', relPath: 'y.json', text: '{"id": "y", // comment\n}' }])[0]).toMatch(/line 1 column 13: comments are not allowed/);
  });

  it('requires id and conditions, kebab-case ids equal to the file name, and unique ids', () => {
    expect(problems([{ path: 'rules/a.json', relPath: 'a.json', text: '{}' }])).toEqual(['rules/a.json: id: is required', 'rules/a.json: conditions: is required']);
    expect(problems([{ path: 'rules/Bad_Id.json', relPath: 'Bad_Id.json', text: JSON.stringify(rule('Bad_Id', ok, { tests })) }])).toEqual([
      'rules/Bad_Id.json: id: must be lowercase kebab-case (a-z, 0-9 and single hyphens)',
    ]);
    expect(problems([ruleFile(rule('a', ok, { tests }), 'x/'), ruleFile(rule('a', ok, { tests }), 'y/')])).toEqual([
      'rules/y/a.json: id: duplicate id "a" (also in rules/x/a.json)',
    ]);
    expect(problems([{ ...ruleFile(rule('b', ok, { tests })), relPath: 'c.json', path: 'rules/c.json' }])).toEqual([
      'rules/c.json: id: "b" does not match the file name (expected "c")',
    ]);
  });

  it('requires json-rules-engine\'s top level and a single boolean per node', () => {
    expect(problems([ruleFile(rule('a', { fact: 'eventName', operator: 'equal', value: 'x' }, { tests }))])).toEqual([
      'rules/a.json: conditions: the top level must be "all", "any" or "not" (json-rules-engine requires it); wrap a single condition in {"all": [...]}',
    ]);
    expect(problems([ruleFile(rule('a', { all: [ok.all[0]], any: [] }, { tests }))])).toEqual([
      'rules/a.json: conditions: has both "all" and "any": nest them instead',
    ]);
  });

  it('warns (without failing) when a rule lacks test cases of either polarity', () => {
    const load = loadPack([ruleFile(rule('a', ok, { tests: [tests[0]] })), ruleFile(rule('b', ok))]);
    expect(load.ok).toBe(true);
    expect(load.problems.map(formatProblem)).toEqual([
      'rules/a.json: tests: warning: rule has no test case expecting false (no alert)',
      'rules/b.json: tests: warning: rule has no test cases',
    ]);
  });

  it('checks test cases and list files', () => {
    expect(problems([ruleFile(rule('a', ok, { tests: [{ name: 'x', event: {}, expect: 'yes', extra: 1 }] }))])).toEqual([
      'rules/a.json: tests[0].extra: unknown field',
      'rules/a.json: tests[0].expect: must be true or false',
    ]);
    expect(problems([{ path: 'rules/lists/Bad.json', relPath: 'lists/Bad.json', text: '{"items": [1], "x": 2}' }])).toEqual([
      'rules/lists/Bad.json: list file names must be lowercase kebab-case (the name rules use to reference the list)',
      'rules/lists/Bad.json: x: unknown field',
      'rules/lists/Bad.json: items[0]: must be a string',
    ]);
    expect(problems([listFile('nets', ['nope']), ruleFile(rule('a', { all: [{ fact: 'sourceIPAddress', operator: 'ipInCidr', value: { fact: 'lists', path: '$.nets' } }] }, { tests }))])).toEqual([
      'rules/lists/nets.json: items[0]: invalid CIDR "nope"',
    ]);
  });

  it('checks the value of decorated operators against the base operator, and booleans in lists', () => {
    expect(problems([ruleFile(rule('a', { all: [
      { fact: 'sourceIPAddress', operator: 'not:ipInCidr', value: 'nonsense' },
      { fact: 'userAgent', operator: 'someValue:startsWith', value: 'x' },
      { fact: 'userAgent', operator: 'everyValue:startsWith', value: ['x', 7] },
      { fact: 'mfaAuthenticated', operator: 'in', value: ['false', 'False'] },
      { fact: 'eventName', operator: 'swap:in', value: 'DeleteCollection' },
    ] }, { tests }))])).toEqual([
      'rules/a.json: conditions.all[0].value: invalid CIDR "nonsense"',
      'rules/a.json: conditions.all[1].value: someValue:startsWith needs an array of values',
      'rules/a.json: conditions.all[2].value[1]: startsWith needs a string or an array of strings',
      'rules/a.json: conditions.all[3].value: mfaAuthenticated is a boolean (true/false, or null when unknown): list booleans, not strings',
    ]);
  });

  it('warns about a misspelt field in a partial test event (the base record would fill it silently)', () => {
    const load = loadPack([ruleFile(rule('a', ok, { tests: [{ name: 'x', event: { eventname: 'DeleteCollection' }, expect: true }, ...tests] }))]);
    expect(load.ok).toBe(true);
    expect(load.problems.map(formatProblem)).toEqual(['rules/a.json: tests[0].event.eventname: warning: not a CloudTrail record field (did you mean "eventName"?)']);
  });

  it('fills defaults for optional fields', () => {
    const load = loadPack([ruleFile({ id: 'min', conditions: ok, tests })]);
    expect(load.pack.rules[0]).toMatchObject({ name: 'min', severity: 'medium', enabled: true, description: '', tags: [], references: [] });
  });

  it('looks lists up as own keys only: $.constructor and $.__proto__ are unknown lists', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const path = name === '__proto__' ? "$['__proto__']" : `$.${name}`;
      const out = problems([
        listFile('trusted-networks', ['10.0.0.0/8']),
        ruleFile(rule('builtin', { all: [{ fact: 'userAgent', operator: 'notEqual', value: { fact: 'lists', path } }] }, { tests })),
      ]);
      expect(out).toEqual([`rules/builtin.json: conditions.all[0].value.path: unknown list "${name}"`]);
      expect(out.join('\n')).not.toContain('undefined');
    }
  });

  it('refuses a file nested too deeply with its line and column, instead of overflowing the stack', () => {
    const nested = (n: number) => {
      let c: unknown = { fact: 'eventName', operator: 'equal', value: 'X' };
      for (let i = 0; i < n; i++) c = { not: c };
      return c;
    };
    // 3,000 levels of conditions (the attack), as text; the 101st bracket is at column 65 + 97 × 7 + 1.
    const text = `{"id":"deep","name":"deep","severity":"low","conditions":{"all":[${'{"not":'.repeat(3000)}{"fact":"eventName","operator":"equal","value":"X"}${'}'.repeat(3000)}]}}`;
    expect(problems([{ path: 'rules/deep.json', relPath: 'deep.json', text }])).toEqual([
      'rules/deep.json: nested too deeply at line 1 column 745: at most 100 levels of arrays and objects',
    ]);
    // 100 levels is allowed (the rule object, conditions, all and 96 nots), 101 is not.
    expect(loadPack([ruleFile(rule('deep', { all: [nested(96)] }, { tests }))]).ok).toBe(true);
    expect(problems([ruleFile(rule('deep', { all: [nested(97)] }, { tests }))])[0]).toMatch(/^rules\/deep.json: nested too deeply at line \d+ column \d+: at most 100 levels/);
    // Brackets inside strings (escaped quotes included) do not count.
    expect(loadPack([ruleFile(rule('brackets', { all: [{ fact: 'userAgent', operator: 'equal', value: `\\"${'['.repeat(500)}` }] }, { tests }))]).ok).toBe(true);
  });
});
