/**
 * Soundness of the compiled EventBridge patterns: whatever the rules, every event the evaluator
 * alerts on must reach it in AWS. For generated packs and records (in EventBridge envelopes), each
 * alert's record must match the pattern of an EventBridge rule that carries the alerting rule, and a
 * read-only record must match one whose state lets read-only management events through.
 *
 * One assumption is the design's, not the evaluator's: a record named after a known mutating
 * Rekognition operation is never read-only in AWS (the state decision trusts that list), so for such
 * records with readOnly true only the pattern, not the state, is checked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadRulesDir } from '../../functions/adapters/rule-files';
import { compileEventPatterns, REKOGNITION_MUTATING_OPERATIONS, type CompiledPatterns } from '../../functions/core/eventbridge/event-pattern';
import { Evaluator } from '../../functions/core/match/evaluator';
import { toBooleanOrNull } from '../../functions/core/input/facts';
import type { CloudTrailRecord, RuleDefinition, RulePack } from '../../functions/core/common/types';
import { arbPack, arbRecord, EVENT_NAMES } from '../helpers/arbitraries';
import { CORPUS_DIR } from '../helpers/corpus';
import { matchesEventPattern } from '../helpers/eventbridge-match';
import { envelope } from '../helpers/records';

const ALL = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
const ROOT = join(__dirname, '..', '..');
const CORPUS = join(CORPUS_DIR ?? '/nonexistent', 'cloudtrail-records.jsonl');

interface Tally {
  alerts: number;
  readOnlyAlerts: number;
}

/**
 * Checks every alert of `records` against the compiled rules. Returns counts so callers can assert
 * the run exercised something.
 */
async function checkSound(pack: RulePack, compiled: CompiledPatterns, records: readonly CloudTrailRecord[], evaluator = new Evaluator(pack), tally: Tally = { alerts: 0, readOnlyAlerts: 0 }): Promise<Tally> {
  for (const r of records) {
    const event = envelope(r);
    const result = await evaluator.evaluate(event);
    for (const alert of result.alerts) {
      tally.alerts++;
      const carriers = compiled.rules.filter((c) => c.ruleIds.includes(alert.ruleId) && matchesEventPattern(c.pattern, event));
      if (carriers.length === 0) {
        throw new Error(`rule ${alert.ruleId} alerts on a record no EventBridge rule delivers:\n${JSON.stringify(r)}\n${JSON.stringify(compiled, null, 1)}`);
      }
      const readOnly = toBooleanOrNull(r.readOnly) === true;
      if (readOnly && !REKOGNITION_MUTATING_OPERATIONS.includes(String(r.eventName))) {
        tally.readOnlyAlerts++;
        if (!carriers.some((c) => c.state === ALL)) {
          throw new Error(`rule ${alert.ruleId} alerts on a read-only record that only reaches ENABLED rules:\n${JSON.stringify(r)}\n${JSON.stringify(compiled, null, 1)}`);
        }
      }
    }
  }
  return tally;
}

// Rules built from the constructs that narrow a pattern or decide its state, mixed with others, so
// narrowing and state are exercised far more often than fully random conditions would.
const WRITES = ['DeleteCollection', 'CreateCollection', 'DeleteProject', 'PutProjectPolicy', 'IndexFaces', 'DeleteFaces', 'StartStreamProcessor'];
const TYPES = ['Root', 'IAMUser', 'AssumedRole', 'AWSService', 'FederatedUser'];

const nameLeaf = fc.oneof(
  fc.constantFrom(...EVENT_NAMES, 'NotAnOperation').map((v) => ({ fact: 'eventName', operator: 'equal', value: v })),
  fc.subarray([...EVENT_NAMES], { minLength: 0, maxLength: 4 }).map((v) => ({ fact: 'eventName', operator: 'in', value: v })),
  fc.constant({ fact: 'eventName', operator: 'in', value: { fact: 'lists', path: '$.writes' } }),
  fc.constant({ fact: 'eventName', operator: 'notEqual', value: 'DetectFaces' }),
);
const typeLeaf = fc.oneof(
  fc.constantFrom(...TYPES, 'Nope', '').map((v) => ({ fact: 'principalType', operator: 'equal', value: v })),
  fc.subarray(TYPES, { minLength: 0, maxLength: 3 }).map((v) => ({ fact: 'principalType', operator: 'in', value: v })),
  fc.constant({ fact: 'principalType', operator: 'in', value: { fact: 'lists', path: '$.types' } }),
  fc.constant({ fact: 'principalType', operator: 'notEqual', value: 'AWSService' }),
  fc.constant({ fact: 'userIdentity', path: '$.type', operator: 'equal', value: 'Root' }),
);
const readOnlyLeaf = fc.constantFrom(
  { fact: 'readOnly', operator: 'equal', value: false },
  { fact: 'readOnly', operator: 'notEqual', value: true },
  { fact: 'readOnly', operator: 'in', value: [false] },
  { fact: 'readOnly', operator: 'notIn', value: [true] },
  { fact: 'readOnly', operator: 'equal', value: true },
  { fact: 'readOnly', operator: 'equal', value: 'true' },
  { fact: 'readOnly', operator: 'notEqual', value: false },
  { fact: 'readOnly', operator: 'in', value: [true, false] },
);
const otherLeaf = fc.constantFrom(
  { fact: 'errorCode', operator: 'matches', value: '?*' },
  { fact: 'userAgent', operator: 'matchesIgnoreCase', value: '*kali*' },
  { fact: 'awsRegion', operator: 'equal', value: 'us-east-1' },
  { fact: 'sourceIPAddress', operator: 'ipNotInCidr', value: '10.0.0.0/8' },
  { fact: 'mfaAuthenticated', operator: 'notEqual', value: true },
  { fact: 'accountId', operator: 'notEqual', value: { fact: 'recipientAccountId' } },
);
const part = fc.oneof({ weight: 3, arbitrary: nameLeaf }, { weight: 3, arbitrary: typeLeaf }, { weight: 2, arbitrary: readOnlyLeaf }, { weight: 2, arbitrary: otherLeaf });

const conditions = fc
  .record({ parts: fc.array(part, { minLength: 1, maxLength: 4 }), alt: fc.array(part, { minLength: 1, maxLength: 2 }), shape: fc.constantFrom('all', 'all', 'all', 'nested', 'any', 'anyInside', 'notInside') })
  .map(({ parts, alt, shape }) => {
    switch (shape) {
      case 'nested': return { all: [{ all: parts.slice(0, 2) }, ...parts.slice(2)] };
      case 'any': return { any: [...parts, ...alt] };
      case 'anyInside': return { all: [...parts.slice(1), { any: [parts[0], ...alt] }] };
      case 'notInside': return { all: [...parts.slice(1), { not: parts[0] }] };
      default: return { all: parts };
    }
  });

const arbNarrowPack: fc.Arbitrary<RulePack> = fc
  .array(fc.record({ conditions, enabled: fc.constantFrom(true, true, true, false) }), { minLength: 1, maxLength: 6 })
  .map((rules) => ({
    lists: {
      writes: { name: 'writes', description: '', items: WRITES, file: 'lists/writes.json' },
      types: { name: 'types', description: '', items: ['Root', 'IAMUser'], file: 'lists/types.json' },
    },
    rules: rules.map(
      (r, i): RuleDefinition => ({
        id: `r${i}`, name: `r${i}`, description: '', severity: 'high', enabled: r.enabled, tags: [], references: [], tests: [],
        conditions: r.conditions as RuleDefinition['conditions'], file: `r${i}.json`,
      }),
    ),
  }));

const maxLength = fc.constantFrom(2048, 2048, 400, 260, 200);

/** arbRecord, a third of the time as the root user (the shipped pack's one read-only rule). */
const arbRecordRootish: fc.Arbitrary<CloudTrailRecord> = fc
  .tuple(arbRecord, fc.nat(2))
  .map(([r, k]) => (k === 0 ? { ...r, userIdentity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' } } : r));

describe('compiled EventBridge patterns deliver every event a rule alerts on', () => {
  it('for packs built from narrowing constructs', async () => {
    const total: Tally = { alerts: 0, readOnlyAlerts: 0 };
    await fc.assert(
      fc.asyncProperty(arbNarrowPack, fc.array(arbRecord, { minLength: 1, maxLength: 10 }), maxLength, async (pack, records, max) => {
        const compiled = compileEventPatterns(pack, { maxPatternLength: max });
        for (const r of compiled.rules) expect(JSON.stringify(r.pattern).length).toBeLessThanOrEqual(max);
        await checkSound(pack, compiled, records, new Evaluator(pack), total);
      }),
      { numRuns: 300 },
    );
    // The generators must produce alerts, read-only ones included, or this proves nothing.
    expect(total.alerts).toBeGreaterThan(200);
    expect(total.readOnlyAlerts).toBeGreaterThan(50);
  });

  it('for fully random packs (test/helpers/arbitraries.ts)', async () => {
    const total: Tally = { alerts: 0, readOnlyAlerts: 0 };
    await fc.assert(
      fc.asyncProperty(arbPack, fc.array(arbRecord, { minLength: 1, maxLength: 8 }), maxLength, async (pack, records, max) => {
        const compiled = compileEventPatterns(pack, { maxPatternLength: max });
        await checkSound(pack, compiled, records, new Evaluator(pack), total);
      }),
      { numRuns: 200 },
    );
    expect(total.alerts).toBeGreaterThan(50);
  });

  describe('for the shipped pack', () => {
    const load = loadRulesDir(join(ROOT, 'rules'), ROOT);
    // Every rule enabled, the read-only user-agent rule included, and as shipped.
    const packs: Array<[string, RulePack]> = [
      ['as shipped', load.pack],
      ['with every rule enabled', { ...load.pack, rules: load.pack.rules.map((r) => ({ ...r, enabled: true })) }],
    ];

    it.each(packs)('%s, on generated records', async (_name, pack) => {
      const evaluator = new Evaluator(pack);
      const total: Tally = { alerts: 0, readOnlyAlerts: 0 };
      for (const max of [2048, 300]) {
        const compiled = compileEventPatterns(pack, { maxPatternLength: max });
        await fc.assert(
          fc.asyncProperty(fc.array(arbRecordRootish, { minLength: 1, maxLength: 10 }), async (records) => {
            await checkSound(pack, compiled, records, evaluator, total);
          }),
          { numRuns: 150 },
        );
      }
      expect(total.alerts).toBeGreaterThan(100);
      expect(total.readOnlyAlerts).toBeGreaterThan(10);
    });

    const corpus = existsSync(CORPUS)
      ? readFileSync(CORPUS, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as CloudTrailRecord)
      : null;
    (corpus ? it.each(packs) : it.skip.each(packs))('%s, on the real records of ../shared/corpus (as they are, and relabelled as Rekognition calls)', async (_name, pack) => {
      const records = corpus ?? [];
      const relabelled = records.map((r) => ({ ...r, eventSource: 'rekognition.amazonaws.com' }));
      const evaluator = new Evaluator(pack);
      const compiled = compileEventPatterns(pack);
      const tally = await checkSound(pack, compiled, [...records, ...relabelled], evaluator);
      expect(tally.alerts).toBeGreaterThan(0);
    });
  });
});
