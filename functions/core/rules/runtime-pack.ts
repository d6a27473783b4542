/** The part of a validated rule pack the runtime needs: rules without their test cases, and the lists. */
import type { RulePack } from '../common/types';

export function runtimePack(pack: RulePack): RulePack {
  return {
    rules: pack.rules.map((r) => ({ ...r, tests: [] })),
    lists: pack.lists,
    ...(pack.accountNames && Object.keys(pack.accountNames).length > 0 ? { accountNames: pack.accountNames } : {}),
  };
}

/**
 * The pack with the deployment config's account names, for every runtime to show in alerts (the
 * CLI's `--config`, and the bundle the deployment builds). An empty map leaves the pack as it is.
 */
export function withAccountNames(pack: RulePack, accountNames: Readonly<Record<string, string>> | undefined): RulePack {
  return accountNames && Object.keys(accountNames).length > 0 ? { ...pack, accountNames: { ...accountNames } } : pack;
}
