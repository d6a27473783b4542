/**
 * Synthetic rule sets for the benchmark: each rule is built from a template that yields both the
 * rekwatch JSON rule and a hand-written JavaScript predicate with the same meaning, so the two can
 * be timed on the same records.
 */
import { mfaAuthenticated, principalType } from '../functions/core/input/facts';
import { parseIp, parseCidr, ipInRange, type Cidr } from '../functions/core/match/ip';
import type { CloudTrailRecord, RuleDefinition, RulePack } from '../functions/core/common/types';
import { prng } from '../scripts/synthetic-trail';

export type Predicate = (r: CloudTrailRecord) => boolean;

const MUTATING = ['DeleteCollection', 'DeleteProject', 'DeleteDataset', 'DeleteStreamProcessor', 'PutProjectPolicy', 'CopyProjectVersion', 'DeleteFaces', 'DeleteUser', 'CreateCollection', 'UpdateStreamProcessor', 'StopStreamProcessor', 'TagResource', 'ListCollections'];
const TRUSTED = ['198.51.100.0/24', '2001:db8:100::/48'];
const trustedCidrs = TRUSTED.map((c) => parseCidr(c) as Cidr);

interface Template {
  conditions: (names: string[]) => RuleDefinition['conditions'];
  predicate: (names: string[]) => Predicate;
}

const TEMPLATES: Template[] = [
  {
    conditions: (names) => ({ all: [{ fact: 'eventName', operator: 'in', value: names }, { fact: 'mfaAuthenticated', operator: 'notEqual', value: true }] }),
    predicate: (names) => (r) => names.includes(r.eventName as string) && mfaAuthenticated(r) !== true,
  },
  {
    conditions: (names) => ({ all: [{ fact: 'eventName', operator: 'in', value: names }, { fact: 'sourceIPAddress', operator: 'ipNotInCidr', value: TRUSTED }] }),
    predicate: (names) => (r) => {
      if (!names.includes(r.eventName as string)) return false;
      const ip = parseIp(r.sourceIPAddress);
      return ip !== null && !trustedCidrs.some((c) => ipInRange(ip, c));
    },
  },
  {
    conditions: (names) => ({ all: [{ fact: 'eventName', operator: 'in', value: names }, { fact: 'errorCode', operator: 'in', value: ['AccessDenied', 'AccessDeniedException'] }] }),
    predicate: (names) => (r) => names.includes(r.eventName as string) && (r.errorCode === 'AccessDenied' || r.errorCode === 'AccessDeniedException'),
  },
  {
    conditions: (names) => ({ all: [{ fact: 'eventName', operator: 'equal', value: names[0] }, { fact: 'requestParameters', path: '$.collectionId', operator: 'equal', value: 'employees' }] }),
    predicate: (names) => (r) => {
      const rp = r.requestParameters as Record<string, unknown> | null;
      return r.eventName === names[0] && typeof rp === 'object' && rp !== null && rp.collectionId === 'employees';
    },
  },
  {
    conditions: () => ({ all: [{ fact: 'principalType', operator: 'equal', value: 'Root' }] }),
    predicate: () => (r) => principalType(r) === 'Root',
  },
  {
    conditions: (names) => ({ any: [{ fact: 'userAgent', operator: 'matchesIgnoreCase', value: ['*kali*', '*parrot*', '*pentoo*'] }, { all: [{ fact: 'eventName', operator: 'in', value: names }, { fact: 'accountId', operator: 'notEqual', value: { fact: 'recipientAccountId' } }] }] }),
    predicate: (names) => (r) => {
      const ua = typeof r.userAgent === 'string' ? r.userAgent.toLowerCase() : '';
      if (ua.includes('kali') || ua.includes('parrot') || ua.includes('pentoo')) return true;
      const ui = r.userIdentity as Record<string, unknown> | undefined;
      return names.includes(r.eventName as string) && typeof ui?.accountId === 'string' && ui.accountId !== r.recipientAccountId;
    },
  },
];

export interface SyntheticSet {
  pack: RulePack;
  predicates: Predicate[];
}

export function syntheticRuleSet(count: number, seed = 7): SyntheticSet {
  const rand = prng(seed);
  const rules: RuleDefinition[] = [];
  const predicates: Predicate[] = [];
  for (let i = 0; i < count; i++) {
    // Mostly rules narrowed by eventName; one template in six needs every event (as real packs have).
    const t = TEMPLATES[Math.floor(rand() * TEMPLATES.length)]!;
    const names = MUTATING.filter(() => rand() < 0.25);
    if (names.length === 0) names.push(MUTATING[Math.floor(rand() * MUTATING.length)]!);
    rules.push({
      id: `synthetic-${i}`, name: `Synthetic ${i}`, description: '', severity: 'medium', enabled: true, tags: [], references: [], tests: [],
      conditions: t.conditions(names), file: `synthetic-${i}.json`,
    });
    predicates.push(t.predicate(names));
  }
  return { pack: { rules, lists: {} }, predicates };
}
