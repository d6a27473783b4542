/** The part of a validated rule pack the runtime needs: rules without their test cases, and the lists. */
import type { RulePack } from './types';

export function runtimePack(pack: RulePack): RulePack {
  return {
    rules: pack.rules.map((r) => ({ ...r, tests: [] })),
    lists: pack.lists,
  };
}
