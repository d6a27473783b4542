/**
 * The coverage model (pure): what `rekwatch coverage` must read (`planReadings`), which account ×
 * region cells the deploy should cover (`expectedCells`), and, from what was read, one row per cell
 * saying what was verified, what was only inferred and what is a gap (`assessCoverage`).
 *
 * What can be verified depends on where a cell is, seen from the hub account's credentials:
 *   - the hub account, any region: its EventBridge rules can be read (DescribeRule,
 *     ListTargetsByRule), so existence, state, pattern (hashed and compared with the hub's
 *     `PatternHash`) and target (the hub bus) are verified;
 *   - member accounts (the StackSet) and `spokeAccounts`: their rules cannot be read. For the
 *     StackSet, the stack instance's status and drift status are read, and the StackSet's template is
 *     compared with the hub's pattern: a CURRENT instance was last updated with that template, which
 *     is an inference about the rule, not a reading of it. For `spokeAccounts` nothing is readable.
 *   - with the heartbeat on, a cell's last heartbeat (recorded by the evaluate function in the state
 *     table) proves that events from there reach the hub; a silent cell is a gap.
 * A row is `ok` only when its rules were read and match (and, with the heartbeat on, it was heard
 * recently); a row nothing contradicts but whose rules could not be read is `inferred`, never `ok`.
 */
import { formatDuration } from '../common/duration';
import { heartbeatKey } from '../heartbeat/heartbeat';
import type { HubDescription } from './hub';
import { rulesHash, type RuleShape } from './pattern-hash';

export type Via = 'hub' | 'spoke stack' | 'StackSet';

export interface Cell {
  readonly account: string;
  readonly region: string;
  readonly via: Via;
}

/** One rule as DescribeRule (and ListTargetsByRule) returned it, or null when it does not exist. */
export interface RuleReading {
  readonly name: string;
  readonly rule: { readonly state: string; readonly pattern: unknown; readonly targetArns: readonly string[] } | null;
}

export type Reading<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface InstanceReading {
  readonly account: string;
  readonly region: string;
  /** CURRENT | OUTDATED | INOPERABLE */
  readonly status: string | null;
  /** SUCCEEDED | RUNNING | PENDING | FAILED | CANCELLED | INOPERABLE | SKIPPED_SUSPENDED_ACCOUNT | FAILED_IMPORT */
  readonly detailedStatus: string | null;
  readonly statusReason: string | null;
  /** IN_SYNC | DRIFTED | NOT_CHECKED | UNKNOWN */
  readonly driftStatus: string | null;
  readonly lastDriftCheck: string | null;
}

export interface StackSetReading {
  /** The forwarding rules of the StackSet's current template, or null when they cannot be found in it. */
  readonly templateRules: readonly RuleShape[] | null;
  readonly instances: readonly InstanceReading[];
}

export interface CoverageReadings {
  /** Per region of the hub account: the rules `planReadings` named there. */
  readonly hubAccount: Readonly<Record<string, Reading<readonly RuleReading[]>>>;
  /** Null when the hub has no StackSet. */
  readonly stackSet: Reading<StackSetReading> | null;
  /** Last heartbeat (ms) by `heartbeatKey`; null when the heartbeat is off. */
  readonly heartbeats: Reading<Readonly<Record<string, number>>> | null;
  readonly now: number;
}

export type Verdict = 'ok' | 'inferred' | 'gap' | 'skipped';

export interface CoverageRow extends Cell {
  /** Whether the spoke (or, for the hub row, the hub's rules) exists. */
  readonly spoke: 'present' | 'missing' | 'partial' | 'unknown';
  /** The rules' state as read (one value, or several joined by `,`), or null when not readable. */
  readonly state: string | null;
  /** Whether the rules' pattern and state equal the hub's compiled ones, as read. */
  readonly pattern: 'equal' | 'differs' | 'unverified';
  /** The StackSet instance's status (`CURRENT/SUCCEEDED, drift IN_SYNC`), for StackSet rows. */
  readonly instance: string | null;
  /** The last heartbeat, ISO 8601, or null (none, or the heartbeat is off). */
  readonly lastHeartbeat: string | null;
  readonly verdict: Verdict;
  readonly verified: readonly string[];
  readonly inferred: readonly string[];
  readonly gaps: readonly string[];
}

export interface CoverageReport {
  readonly rows: readonly CoverageRow[];
  /** What could not be seen at all, for the reader (not gaps by themselves). */
  readonly notes: readonly string[];
}

/** Which rules to read in which region of the hub account (with the caller's credentials). */
export function planReadings(hub: HubDescription): Array<{ region: string; ruleNames: readonly string[] }> {
  return hub.regions.map((region) => ({ region, ruleNames: region === hub.homeRegion ? hub.hubRuleNames : hub.spokeRuleNames }));
}

/** Every account × region the deploy should cover, given what the StackSet lists. */
export function expectedCells(hub: HubDescription, stackSet: Reading<StackSetReading> | null): Cell[] {
  const cells: Cell[] = hub.regions.map((region) => ({ account: hub.homeAccount, region, via: region === hub.homeRegion ? 'hub' : 'spoke stack' }));
  for (const account of hub.spokeAccounts) for (const region of hub.regions) cells.push({ account, region, via: 'spoke stack' });
  if (stackSet?.ok) {
    const own = new Set([hub.homeAccount, ...hub.spokeAccounts]);
    const members = [...new Set(stackSet.value.instances.map((i) => i.account))].filter((a) => !own.has(a)).sort();
    for (const account of members) for (const region of hub.regions) cells.push({ account, region, via: 'StackSet' });
  }
  return cells;
}

const short = (hash: string) => hash.replace(/^sha256:/, '').slice(0, 12);

interface Draft {
  spoke: CoverageRow['spoke'];
  state: string | null;
  pattern: CoverageRow['pattern'];
  instance: string | null;
  skipped: boolean;
  verified: string[];
  inferred: string[];
  gaps: string[];
}

function draft(): Draft {
  return { spoke: 'unknown', state: null, pattern: 'unverified', instance: null, skipped: false, verified: [], inferred: [], gaps: [] };
}

/** The hub account's rules in one region, read back: existence, state, target, pattern. */
function assessReadRules(d: Draft, cell: Cell, hub: HubDescription, reading: Reading<readonly RuleReading[]> | undefined): void {
  const what = cell.via === 'hub' ? 'hub rule' : 'spoke rule';
  if (!reading) {
    d.gaps.push('rules not read');
    return;
  }
  if (!reading.ok) {
    d.gaps.push(`cannot read the rules: ${reading.error}`);
    return;
  }
  if (reading.value.length === 0) {
    if (cell.via === 'hub') d.inferred.push('hub rules not checked: the stack has no HubRuleNames output (deploy it again to add it)');
    else d.inferred.push('no rules expected (CompiledRuleCount 0)');
    return;
  }
  const found = reading.value.filter((r) => r.rule !== null);
  d.spoke = found.length === reading.value.length ? 'present' : found.length === 0 ? 'missing' : 'partial';
  for (const r of reading.value) if (r.rule === null) d.gaps.push(`${what} ${r.name} does not exist`);
  if (found.length === 0) return;
  d.state = [...new Set(found.map((r) => r.rule!.state))].join(',');
  for (const r of found) if (r.rule!.state === 'DISABLED') d.gaps.push(`${what} ${r.name} is DISABLED`);
  if (cell.via !== 'hub') {
    for (const r of found) if (!r.rule!.targetArns.includes(hub.busArn)) d.gaps.push(`spoke rule ${r.name} does not target the hub bus ${hub.busArn}`);
  }
  if (found.length === reading.value.length) {
    const hash = rulesHash(found.map((r) => ({ pattern: r.rule!.pattern, state: r.rule!.state })));
    if (hash === hub.patternHash) {
      d.pattern = 'equal';
      d.verified.push(`${found.length === 1 ? 'rule' : `${found.length} rules`} read: pattern and state equal the hub's (${short(hub.patternHash)})${cell.via === 'hub' ? '' : ', forwarding to the hub bus'}`);
    } else {
      d.pattern = 'differs';
      d.gaps.push(`pattern or state differs from the hub's: ${short(hash)}, hub ${short(hub.patternHash)} (${cell.via === 'hub' ? 'changed outside CloudFormation?' : 'an old or hand-edited spoke: cdk deploy --all'})`);
    }
  }
}

function describeInstance(i: InstanceReading): string {
  return `${i.status ?? '?'}${i.detailedStatus ? `/${i.detailedStatus}` : ''}${i.driftStatus ? `, drift ${i.driftStatus}` : ''}`;
}

/** A member account's spoke, seen through its stack instance and the StackSet's template. */
function assessInstance(d: Draft, cell: Cell, hub: HubDescription, stackSet: StackSetReading): void {
  const instance = stackSet.instances.find((i) => i.account === cell.account && i.region === cell.region);
  if (!instance) {
    d.spoke = 'missing';
    d.gaps.push(`no stack instance of ${hub.stackSet!.name} in this region`);
    return;
  }
  d.instance = describeInstance(instance);
  const reason = instance.statusReason ? `: ${instance.statusReason}` : '';
  if (instance.detailedStatus === 'SKIPPED_SUSPENDED_ACCOUNT') {
    d.skipped = true;
    d.inferred.push('account suspended: StackSets skipped it (a suspended account makes no calls)');
    return;
  }
  if (instance.status === 'CURRENT' && (instance.detailedStatus === null || instance.detailedStatus === 'SUCCEEDED')) {
    d.spoke = 'present';
    d.verified.push('stack instance CURRENT (the last StackSet operation succeeded here)');
  } else if (instance.detailedStatus === 'RUNNING' || instance.detailedStatus === 'PENDING') {
    d.spoke = 'unknown';
    d.gaps.push(`stack instance ${d.instance}: a StackSet operation is still under way${reason}`);
  } else {
    d.spoke = instance.status === 'INOPERABLE' ? 'unknown' : 'present';
    d.gaps.push(`stack instance ${d.instance}${reason}`);
  }
  if (instance.driftStatus === 'DRIFTED') d.gaps.push(`the stack was changed outside the StackSet (drift DRIFTED${instance.lastDriftCheck ? ` at ${instance.lastDriftCheck}` : ''})`);
  else if (instance.driftStatus === 'IN_SYNC') d.verified.push(`drift detection IN_SYNC${instance.lastDriftCheck ? ` at ${instance.lastDriftCheck}` : ''}`);
  else d.inferred.push('never drift-checked (aws cloudformation detect-stack-set-drift): a hand edit there would not show');
  if (stackSet.templateRules === null) {
    d.gaps.push(`the StackSet's template has no spoke rules ${hub.spokeRuleNames.join(', ')}`);
  } else if (rulesHash(stackSet.templateRules) !== hub.patternHash) {
    d.gaps.push(`the StackSet's template pattern differs from the hub's: ${short(rulesHash(stackSet.templateRules))}, hub ${short(hub.patternHash)} (cdk deploy the hub to update it)`);
  } else {
    d.inferred.push(`pattern: the StackSet's template equals the hub's (${short(hub.patternHash)}); the rule itself is not readable from the hub account`);
  }
}

function assessHeartbeat(d: Draft, cell: Cell, hub: HubDescription, readings: CoverageReadings): string | null {
  if (!hub.heartbeat || !readings.heartbeats || d.skipped) return null;
  if (!readings.heartbeats.ok) {
    d.gaps.push(`heartbeat not readable: ${readings.heartbeats.error}`);
    return null;
  }
  const at = readings.heartbeats.value[heartbeatKey(cell.account, cell.region)];
  const limit = formatDuration(hub.heartbeat.maxSilenceMs);
  if (at === undefined) {
    d.gaps.push(`no heartbeat ever recorded (one is sent every 15 minutes once deployed; heartbeatMaxSilence ${limit})`);
    return null;
  }
  const age = readings.now - at;
  if (age > hub.heartbeat.maxSilenceMs) d.gaps.push(`silent: last heartbeat ${formatDuration(age)} ago, over heartbeatMaxSilence ${limit}`);
  else d.verified.push(`heartbeat ${formatDuration(Math.max(age, 0))} ago: a real CloudTrail event from here reached the evaluate function`);
  return new Date(at).toISOString();
}

function verdictOf(d: Draft): Verdict {
  if (d.gaps.length > 0) return 'gap';
  if (d.skipped) return 'skipped';
  return d.pattern === 'equal' && d.spoke === 'present' ? 'ok' : 'inferred';
}

export function assessCoverage(hub: HubDescription, readings: CoverageReadings): CoverageReport {
  const notes: string[] = [];
  const rows: CoverageRow[] = [];
  const stackSet = readings.stackSet;
  if (hub.stackSet && stackSet && !stackSet.ok) {
    rows.push({
      account: '*', region: '*', via: 'StackSet', spoke: 'unknown', state: null, pattern: 'unverified', instance: null, lastHeartbeat: null, verdict: 'gap',
      verified: [], inferred: [], gaps: [`cannot list the instances of ${hub.stackSet.name} (CallAs ${hub.stackSet.callAs}): ${stackSet.error}`],
    });
  } else if (hub.stackSet && stackSet?.ok) {
    if (stackSet.value.instances.length === 0) {
      rows.push({
        account: '*', region: '*', via: 'StackSet', spoke: 'missing', state: null, pattern: 'unverified', instance: null, lastHeartbeat: null, verdict: 'gap',
        verified: [], inferred: [], gaps: [`${hub.stackSet.name} has no stack instances (empty OUs ${hub.stackSet.organizationalUnitIds.join(', ')}, or trusted access for StackSets not activated?)`],
      });
    }
    notes.push(
      `member accounts are those ${hub.stackSet.name} has instances for; an account of ${hub.stackSet.organizationalUnitIds.join(', ') || 'the OUs'} with no instance at all is not visible from CloudFormation (compare with aws organizations list-accounts-for-parent)`,
    );
  }
  if (hub.spokeAccounts.length > 0) notes.push(`spokeAccounts (${hub.spokeAccounts.join(', ')}): their spoke stacks are not readable from the hub account${hub.heartbeat ? '; the heartbeat is what proves them' : '; turn the heartbeat on (-c heartbeat=true) to prove them'}`);

  for (const cell of expectedCells(hub, stackSet)) {
    const d = draft();
    if (cell.account === hub.homeAccount) {
      assessReadRules(d, cell, hub, readings.hubAccount[cell.region]);
    } else if (cell.via === 'StackSet' && stackSet?.ok) {
      assessInstance(d, cell, hub, stackSet.value);
    } else {
      d.inferred.push(`spoke stack ${hub.stackName}-Spoke-${cell.account}-${cell.region} is in another account: not readable from the hub account`);
    }
    const lastHeartbeat = assessHeartbeat(d, cell, hub, readings);
    rows.push({ ...cell, spoke: d.spoke, state: d.state, pattern: d.pattern, instance: d.instance, lastHeartbeat, verdict: verdictOf(d), verified: d.verified, inferred: d.inferred, gaps: d.gaps });
  }
  return { rows, notes };
}

/** Heartbeat keys to read for the cells. */
export function heartbeatKeys(cells: readonly Cell[]): string[] {
  return [...new Set(cells.map((c) => heartbeatKey(c.account, c.region)))];
}
