/**
 * What one deploy covers (pure): from the coverage keys (`account`, `region`, `regions`,
 * `organizationId`, `organizationalUnitIds`, `spokeAccounts`, `stackSetCallAs`) and the CDK
 * environment, which regions of which accounts are watched, and by what:
 *
 *   - the hub's home region of the hub account: the hub stack's default-bus rules, as in a
 *     single-region deploy (no spoke there, so each call there is evaluated once);
 *   - the hub account's other covered regions: one spoke stack each (`cdk deploy --all`);
 *   - each of `spokeAccounts` (e.g. the organization's management account, which service-managed
 *     StackSets never reach): one spoke stack per covered region, home region included;
 *   - member accounts of `organizationalUnitIds`: the spoke StackSet, in every covered region, home
 *     region included, the hub account excluded (it is covered by the two lines above).
 *
 * Every spoke forwards to the hub's event bus, which admits the organization (`aws:PrincipalOrgID`),
 * the listed accounts and the hub account itself. Null when nothing beyond the home region is asked
 * for: the deploy is then exactly the single-region one.
 */
import { ConfigError, type CoverageKeys } from '../../functions/adapters/deploy-config';

export interface CoveragePlan {
  /** The hub account, when known at synth time (`-c account` or CDK_DEFAULT_ACCOUNT); else resolved at deploy time. */
  readonly homeAccount: string | undefined;
  /** The hub's home region (concrete: spokes must know where to forward). */
  readonly homeRegion: string;
  /** Every covered region, the home region first, then in the order given. */
  readonly regions: readonly string[];
  /** Covered regions other than the home region: the hub account's spoke stacks. */
  readonly spokeRegions: readonly string[];
  /** Accounts other than the hub's with spoke stacks in this app (and admitted to the bus). */
  readonly spokeAccounts: readonly string[];
  /** The organization admitted to the bus and, with OUs, the spoke StackSet; or null. */
  readonly organization: OrganizationPlan | null;
  /** Prefix of every physical name (bus, StackSet, spoke rules and alarms): the hub stack's name. */
  readonly namePrefix: string;
  /** Name of the hub's custom event bus. */
  readonly busName: string;
}

export interface OrganizationPlan {
  /** `o-...`: the `aws:PrincipalOrgID` the bus policy admits. */
  readonly id: string;
  /** Roots/OUs whose accounts get the spoke StackSet; empty for no StackSet (members deploy spokes themselves). */
  readonly organizationalUnitIds: readonly string[];
  /** How the hub account calls StackSets. */
  readonly callAs: 'SELF' | 'DELEGATED_ADMIN';
  /** Name of the spoke StackSet (when there are OUs). */
  readonly stackSetName: string;
}

/** The CDK environment the hub falls back to (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION). */
export interface DefaultEnvironment {
  readonly account?: string;
  readonly region?: string;
}

export function planCoverage(keys: CoverageKeys, env: DefaultEnvironment, stackName: string): CoveragePlan | null {
  const homeAccount = keys.account ?? (env.account || undefined);
  const homeRegion = keys.region ?? (env.region || undefined);
  const wanted = keys.regions.length > 0 || keys.organizationId !== null || keys.spokeAccounts.length > 0;
  if (!wanted) return null;
  const asking = [keys.regions.length > 0 && 'regions', keys.organizationId !== null && 'organizationId', keys.spokeAccounts.length > 0 && 'spokeAccounts']
    .filter(Boolean)
    .join(', ');
  if (!homeRegion) {
    throw new ConfigError(`context region: the hub's home region is needed with ${asking} (-c region=us-east-1, or a CDK environment with a region: a profile or CDK_DEFAULT_REGION)`);
  }
  const regions = [...new Set([homeRegion, ...keys.regions])];
  const spokeRegions = regions.slice(1);
  const spokeAccounts = keys.spokeAccounts.filter((a) => a !== homeAccount);
  if (spokeAccounts.length > 0 && !homeAccount) {
    throw new ConfigError('context account: the hub account id is needed with spokeAccounts (-c account=111122223333, or CDK_DEFAULT_ACCOUNT): their spoke stacks must name the hub bus');
  }
  if (spokeRegions.length === 0 && keys.organizationId === null && spokeAccounts.length === 0) return null;
  const namePrefix = stackName;
  // Spoke rule and alarm names are `<prefix>-spoke-...` and rule names are at most 64 characters.
  if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(namePrefix)) {
    throw new ConfigError(`context stackName: "${namePrefix}" must be at most 40 letters, digits and hyphens, starting with a letter, with ${asking} (it prefixes the bus, StackSet, spoke rule and alarm names)`);
  }
  return {
    homeAccount,
    homeRegion,
    regions,
    spokeRegions,
    spokeAccounts,
    organization:
      keys.organizationId === null
        ? null
        : { id: keys.organizationId, organizationalUnitIds: keys.organizationalUnitIds, callAs: keys.stackSetCallAs, stackSetName: `${namePrefix}-spokes` },
    namePrefix,
    busName: `${namePrefix}-hub`,
  };
}
