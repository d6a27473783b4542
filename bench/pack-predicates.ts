/**
 * Hand-written JavaScript predicates with the same meaning as the shipped rule pack (rules/), for
 * the benchmark's "hand-written" column. The bench checks that they find exactly the alerts rekwatch
 * finds, so a drift between a rule file and its predicate here fails the benchmark loudly.
 */
import { accountId, mfaAuthenticated, principalArn, principalType, sessionIssuerArn, toBooleanOrNull } from '../functions/core/input/facts';
import { globMatch } from '../functions/core/match/glob';
import { ipInRange, parseCidr, parseIp, type Cidr } from '../functions/core/match/ip';
import type { CloudTrailRecord, RulePack } from '../functions/core/common/types';
import type { Predicate } from './synthetic-rules';

const ACCOUNT = /^[0-9]{12}$/;

export function packPredicates(pack: RulePack): Map<string, Predicate> {
  const list = (name: string) => pack.lists[name]?.items ?? [];
  const writes = new Set(list('write-operations'));
  const trusted = list('trusted-networks').map((c) => parseCidr(c) as Cidr);
  const approved = new Set(list('approved-regions'));
  const anyGlob = (patterns: readonly string[], value: string | undefined, ignoreCase = false) =>
    value !== undefined && patterns.some((p) => globMatch(p, value, ignoreCase));
  const listed = (name: string, r: CloudTrailRecord, ignoreCase = false) =>
    anyGlob(list(name), principalArn(r), ignoreCase) || anyGlob(list(name), sessionIssuerArn(r), ignoreCase);
  const succeeded = (r: CloudTrailRecord) => !(typeof r.errorCode === 'string' && r.errorCode.length > 0);
  const readOnly = (r: CloudTrailRecord) => toBooleanOrNull(r.readOnly) ?? r.readOnly;
  const write = (r: CloudTrailRecord) => writes.has(r.eventName as string) && readOnly(r) !== true;
  const noMfaDelete = (names: string[]) => (r: CloudTrailRecord) =>
    names.includes(r.eventName as string) && succeeded(r) && mfaAuthenticated(r) !== true && !listed('mfa-exempt-principals', r);
  const success = (names: string[]) => (r: CloudTrailRecord) => names.includes(r.eventName as string) && succeeded(r);
  const organization = new Set(list('organization-accounts'));
  const crossAccount = (r: CloudTrailRecord) => {
    const a = accountId(r);
    const recipient = r.recipientAccountId;
    return write(r) && principalType(r) !== 'AWSService' && typeof a === 'string' && ACCOUNT.test(a) && typeof recipient === 'string' && ACCOUNT.test(recipient) && a !== recipient;
  };
  const units = (r: CloudTrailRecord, key: string) => {
    const rp = r.requestParameters;
    const v = rp !== null && typeof rp === 'object' && !Array.isArray(rp) ? (rp as Record<string, unknown>)[key] : rp;
    return Number.parseFloat(v as string).toString() !== 'NaN' && (v as number) >= 5;
  };

  return new Map<string, Predicate>([
    ['break-glass-role-used', (r) => write(r) && listed('break-glass-roles', r, true)],
    ['collection-deleted-without-mfa', noMfaDelete(['DeleteCollection'])],
    ['caller-outside-organization', (r) => {
      const invokedBy = (r.userIdentity as { invokedBy?: unknown } | undefined)?.invokedBy;
      return crossAccount(r) && r.sourceIPAddress !== 'AWS Internal' && invokedBy !== 'AWS Internal' && !organization.has(accountId(r) as string);
    }],
    ['cross-account-caller', (r) => crossAccount(r) && organization.has(accountId(r) as string)],
    ['dataset-deleted-without-mfa', noMfaDelete(['DeleteDataset'])],
    ['denied-write-attempt', (r) => write(r) && anyGlob(['*AccessDenied*', '*Unauthorized*', '*NotAuthorized*', '*Forbidden*'], typeof r.errorCode === 'string' ? r.errorCode : undefined, true)],
    ['face-data-deleted', (r) => ['DeleteFaces', 'DeleteUser', 'DisassociateFaces'].includes(r.eventName as string) && succeeded(r) && !listed('face-data-maintainers', r)],
    ['model-copied', success(['CopyProjectVersion'])],
    ['model-started-with-high-capacity', (r) => r.eventName === 'StartProjectVersion' && succeeded(r) && (units(r, 'minInferenceUnits') || units(r, 'maxInferenceUnits'))],
    ['project-deleted-without-mfa', noMfaDelete(['DeleteProject', 'DeleteProjectVersion'])],
    ['project-policy-changed', success(['PutProjectPolicy', 'DeleteProjectPolicy'])],
    ['resource-created-outside-approved-regions', (r) =>
      success(['CreateCollection', 'IndexFaces', 'CreateUser', 'AssociateFaces', 'CreateProject', 'CreateDataset', 'CreateProjectVersion', 'CopyProjectVersion', 'StartProjectVersion', 'CreateStreamProcessor'])(r) &&
      typeof r.awsRegion === 'string' && r.awsRegion.length > 0 && !approved.has(r.awsRegion)],
    ['root-user-activity', (r) => principalType(r) === 'Root' && r.eventType !== 'AwsServiceEvent'],
    ['stream-processor-changed', success(['CreateStreamProcessor', 'UpdateStreamProcessor', 'StartStreamProcessor', 'StopStreamProcessor'])],
    ['stream-processor-deleted-without-mfa', noMfaDelete(['DeleteStreamProcessor'])],
    ['suspicious-user-agent', (r) => write(r) && anyGlob(list('suspicious-user-agents'), typeof r.userAgent === 'string' ? r.userAgent : undefined, true)],
    ['untrusted-network-write', (r) => {
      if (!write(r)) return false;
      const ip = parseIp(r.sourceIPAddress);
      return ip !== null && !trusted.some((c) => ipInRange(ip, c));
    }],
  ]);
}
