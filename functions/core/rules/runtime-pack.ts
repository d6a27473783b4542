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
 * The esbuild `define` that bakes the runtime pack into a Lambda bundle: `__REKWATCH_PACK__` becomes
 * the pack's JSON text as a string literal (functions/evaluate/bundled-pack.ts reads it).
 */
export function packDefine(pack: RulePack): Record<string, string> {
  return { __REKWATCH_PACK__: JSON.stringify(JSON.stringify(runtimePack(pack))) };
}

/**
 * The pack with the deployment config's account names, for every runtime to show in alerts (the
 * CLI's `--config`, and the bundle the deployment builds). An empty map leaves the pack as it is.
 */
export function withAccountNames(pack: RulePack, accountNames: Readonly<Record<string, string>> | undefined): RulePack {
  return accountNames && Object.keys(accountNames).length > 0 ? { ...pack, accountNames: { ...accountNames } } : pack;
}
