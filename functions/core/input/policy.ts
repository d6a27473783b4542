/**
 * The `projectPolicy` fact: a resource policy carried in a record as a JSON string (Rekognition's
 * `PutProjectPolicy` puts it in `requestParameters.policyDocument`), parsed and normalised so rule
 * conditions can reach its content with json-rules-engine's own operators and decorators.
 *
 * Contract (pure, never throws, for any JSON value):
 *   - no `requestParameters.policyDocument` field: the fact is undefined (a condition on it is false);
 *   - a document that is not a JSON object (or a string holding one) with a `Statement` that is an
 *     object or an array of objects: `{ valid: false, reason, ... }` with empty unions;
 *   - otherwise `valid: true` and one normalised entry per statement: `effect`, `principals` (each as
 *     written: `*`, a 12-digit account id, an ARN, a service or federated name), `accounts` (the
 *     account ids the principals name, from bare ids and from ARNs), `anyone` (`*` as the principal,
 *     `{"AWS": "*"}`, or any `NotPrincipal` in an Allow: everyone but a few), `services`,
 *     `actions`, `resources`, `conditions` (the Condition object, or null) and `conditional`.
 *   - unions over the **Allow** statements: `allowedPrincipals`, `allowedAccounts` (sorted, unique),
 *     `allowsAnyone`, `allowedServices`, `allowedActions`; and `unconditionalAnyone` (an Allow to
 *     anyone with no Condition).
 * A statement that cannot be read (a non-object entry) makes the document invalid: a rule that checks
 * `valid` then sees a document AWS itself would have refused, and nothing is silently skipped.
 */
import { isPlainObject } from '../common/json-value';

export interface PolicyStatement {
  sid: string | null;
  effect: string;
  principals: string[];
  accounts: string[];
  anyone: boolean;
  services: string[];
  notPrincipal: boolean;
  actions: string[];
  notAction: boolean;
  resources: string[];
  conditions: Record<string, unknown> | null;
  conditional: boolean;
}

export interface PolicyFact {
  valid: boolean;
  /** Why the document could not be read (only when `valid` is false). */
  reason?: string;
  statements: PolicyStatement[];
  allowedPrincipals: string[];
  allowedAccounts: string[];
  allowsAnyone: boolean;
  unconditionalAnyone: boolean;
  allowedServices: string[];
  allowedActions: string[];
}

const ACCOUNT_ID = /^\d{12}$/;
/** `arn:PARTITION:SERVICE:REGION:ACCOUNT:...`: the account field of an ARN. */
const ARN_ACCOUNT = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/;

function invalid(reason: string): PolicyFact {
  return { valid: false, reason, statements: [], allowedPrincipals: [], allowedAccounts: [], allowsAnyone: false, unconditionalAnyone: false, allowedServices: [], allowedActions: [] };
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The account id a principal string names: a bare id, or the account field of an ARN. */
export function accountOfPrincipal(principal: string): string | undefined {
  if (ACCOUNT_ID.test(principal)) return principal;
  return ARN_ACCOUNT.exec(principal)?.[1];
}

interface Principals {
  all: string[];
  anyone: boolean;
  services: string[];
}

function readPrincipal(value: unknown): Principals {
  if (value === '*') return { all: ['*'], anyone: true, services: [] };
  const out: Principals = { all: [], anyone: false, services: [] };
  if (!isPlainObject(value)) return out;
  for (const [kind, v] of Object.entries(value)) {
    for (const p of strings(v)) {
      out.all.push(p);
      if (p === '*' && kind === 'AWS') out.anyone = true;
      if (kind === 'Service') out.services.push(p);
    }
  }
  return out;
}

function statementOf(s: Record<string, unknown>): PolicyStatement {
  const notPrincipal = 'NotPrincipal' in s;
  const p = readPrincipal(notPrincipal ? s.NotPrincipal : s.Principal);
  const effect = typeof s.Effect === 'string' ? s.Effect : '';
  const conditions = isPlainObject(s.Condition) ? s.Condition : null;
  return {
    sid: typeof s.Sid === 'string' ? s.Sid : null,
    effect,
    principals: p.all,
    accounts: [...new Set(p.all.map(accountOfPrincipal).filter((a): a is string => a !== undefined))].sort(),
    // An Allow with NotPrincipal grants everyone except the principals named.
    anyone: notPrincipal ? effect === 'Allow' : p.anyone,
    services: p.services,
    notPrincipal,
    actions: strings('NotAction' in s ? s.NotAction : s.Action),
    notAction: 'NotAction' in s,
    resources: strings('NotResource' in s ? s.NotResource : s.Resource),
    conditions,
    conditional: conditions !== null && Object.keys(conditions).length > 0,
  };
}

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** Normalises one policy document (a JSON string or an already parsed object). Never throws. */
export function normalisePolicy(document: unknown): PolicyFact {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return invalid('the policy document is not valid JSON');
    }
  }
  if (!isPlainObject(doc)) return invalid('the policy document is not a JSON object');
  const raw = doc.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? null : [raw];
  if (list === null) return invalid('the policy document has no Statement');
  if (!list.every(isPlainObject)) return invalid('a Statement entry is not an object');
  const statements = (list as Record<string, unknown>[]).map(statementOf);
  const allow = statements.filter((s) => s.effect === 'Allow');
  return {
    valid: true,
    statements,
    allowedPrincipals: sortedUnique(allow.flatMap((s) => (s.notPrincipal ? [] : s.principals))),
    allowedAccounts: sortedUnique(allow.flatMap((s) => (s.notPrincipal ? [] : s.accounts))),
    allowsAnyone: allow.some((s) => s.anyone),
    unconditionalAnyone: allow.some((s) => s.anyone && !s.conditional),
    allowedServices: sortedUnique(allow.flatMap((s) => s.services)),
    allowedActions: sortedUnique(allow.flatMap((s) => (s.notAction ? [] : s.actions))),
  };
}

/** The fact for a record: undefined when its requestParameters carry no `policyDocument`. */
export function projectPolicyOf(requestParameters: unknown): PolicyFact | undefined {
  if (!isPlainObject(requestParameters) || !Object.prototype.hasOwnProperty.call(requestParameters, 'policyDocument')) return undefined;
  return normalisePolicy(requestParameters.policyDocument);
}
