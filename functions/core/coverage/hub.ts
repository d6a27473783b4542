/**
 * What a hub says it covers (pure): the hub stack's CloudFormation outputs -> `HubDescription`, or
 * why they do not describe a hub. `rekwatch coverage` reads nothing else to know what to check.
 */
import { isPlainObject } from '../common/json-value';
import { canonicalPattern, type RuleShape } from './pattern-hash';

export interface HubDescription {
  readonly stackName: string;
  /** From `HubEventBusArn`: the hub's account and home region. */
  readonly homeAccount: string;
  readonly homeRegion: string;
  readonly busArn: string;
  /** `CoveredRegions`, the home region first. */
  readonly regions: readonly string[];
  /** `PatternHash`: `sha256:` of the compiled rules. */
  readonly patternHash: string;
  /** `SpokeRuleNamePrefix` + `forward-<n>`, n = 1..`CompiledRuleCount`. */
  readonly spokeRuleNames: readonly string[];
  /** `HubRuleNames`: the hub's default-bus rules in its home region, in compiled order; empty when the stack predates the output. */
  readonly hubRuleNames: readonly string[];
  /** `SpokeAccounts`: accounts with spoke stacks of their own. */
  readonly spokeAccounts: readonly string[];
  /** With `SpokeStackSetName`: the spoke StackSet and how to call it (`StackSetCallAs`). */
  readonly stackSet: { readonly name: string; readonly callAs: 'SELF' | 'DELEGATED_ADMIN'; readonly organizationalUnitIds: readonly string[] } | null;
  /** With `HeartbeatMaxSilenceSeconds`: where heartbeats are recorded and how old one may be. */
  readonly heartbeat: { readonly maxSilenceMs: number; readonly tableName: string } | null;
}

export type HubParse = { ok: true; hub: HubDescription } | { ok: false; reason: string };

const list = (value: string | undefined): string[] => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** Reads the hub stack's outputs (`OutputKey` -> `OutputValue`). */
export function parseHubOutputs(stackName: string, outputs: Readonly<Record<string, string>>): HubParse {
  const busArn = outputs.HubEventBusArn;
  if (busArn === undefined) {
    return {
      ok: false,
      reason: `stack ${stackName} has no HubEventBusArn output: it is not a rekwatch hub (a single-region deploy covers only its own region; deploy with -c regions=... or -c organizationId=... for hub and spokes)`,
    };
  }
  const bus = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/.+$/.exec(busArn);
  if (!bus) return { ok: false, reason: `stack ${stackName}: HubEventBusArn "${busArn}" is not an event bus ARN` };
  const regions = list(outputs.CoveredRegions);
  if (regions.length === 0) return { ok: false, reason: `stack ${stackName} has no CoveredRegions output` };
  const patternHash = outputs.PatternHash;
  if (!patternHash || !/^sha256:[0-9a-f]{64}$/.test(patternHash)) return { ok: false, reason: `stack ${stackName}: PatternHash output missing or not a sha256: hash` };
  const prefix = outputs.SpokeRuleNamePrefix;
  const count = Number(outputs.CompiledRuleCount);
  if (!prefix || !Number.isInteger(count) || count < 0) return { ok: false, reason: `stack ${stackName}: SpokeRuleNamePrefix and CompiledRuleCount outputs are needed` };
  const callAs = outputs.StackSetCallAs ?? 'DELEGATED_ADMIN';
  if (callAs !== 'SELF' && callAs !== 'DELEGATED_ADMIN') return { ok: false, reason: `stack ${stackName}: StackSetCallAs output "${callAs}" is neither SELF nor DELEGATED_ADMIN` };
  let heartbeat: HubDescription['heartbeat'] = null;
  if (outputs.HeartbeatMaxSilenceSeconds !== undefined) {
    const seconds = Number(outputs.HeartbeatMaxSilenceSeconds);
    if (!Number.isInteger(seconds) || seconds <= 0) return { ok: false, reason: `stack ${stackName}: HeartbeatMaxSilenceSeconds "${outputs.HeartbeatMaxSilenceSeconds}" is not a number of seconds` };
    const tableName = outputs.StateTableName;
    if (!tableName) return { ok: false, reason: `stack ${stackName}: a heartbeat needs the StateTableName output (where heartbeats are recorded)` };
    heartbeat = { maxSilenceMs: seconds * 1000, tableName };
  }
  return {
    ok: true,
    hub: {
      stackName,
      homeAccount: bus[2]!,
      homeRegion: regions[0]!,
      busArn,
      regions,
      patternHash,
      spokeRuleNames: Array.from({ length: count }, (_, i) => `${prefix}forward-${i + 1}`),
      hubRuleNames: list(outputs.HubRuleNames),
      spokeAccounts: list(outputs.SpokeAccounts).filter((a) => a !== bus[2]),
      stackSet: outputs.SpokeStackSetName ? { name: outputs.SpokeStackSetName, callAs, organizationalUnitIds: list(outputs.OrganizationalUnitIds) } : null,
      heartbeat,
    },
  };
}

/**
 * The spoke forwarding rules a StackSet's template carries (`<prefix>forward-<n>`, in order), or
 * null when the template is not JSON with such rules. Used to compare what member accounts run with
 * what the hub runs, since their rules cannot be read from the hub account.
 */
export function spokeRulesOfTemplate(templateBody: string, spokeRuleNames: readonly string[]): RuleShape[] | null {
  let template: unknown;
  try {
    template = JSON.parse(templateBody);
  } catch {
    return null;
  }
  if (!isPlainObject(template) || !isPlainObject(template.Resources)) return null;
  const byName = new Map<string, RuleShape>();
  for (const resource of Object.values(template.Resources)) {
    if (!isPlainObject(resource) || resource.Type !== 'AWS::Events::Rule' || !isPlainObject(resource.Properties)) continue;
    const p = resource.Properties;
    if (typeof p.Name === 'string') byName.set(p.Name, { pattern: p.EventPattern, state: typeof p.State === 'string' ? p.State : 'ENABLED' });
  }
  const rules = spokeRuleNames.map((n) => byName.get(n));
  return rules.every((r): r is RuleShape => r !== undefined) ? rules : null;
}

/** Whether two rule lists have equal patterns and states, position by position. */
export function sameRules(a: readonly RuleShape[], b: readonly RuleShape[]): boolean {
  return a.length === b.length && a.every((r, i) => r.state === b[i]!.state && canonicalPattern(r.pattern) === canonicalPattern(b[i]!.pattern));
}
