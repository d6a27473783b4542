/**
 * A digest of the rule pack a runtime evaluates (`runtimePack`: rules without their test cases,
 * lists, account names): the stack outputs the one it bundled into the backtest worker, and
 * `replay --on-aws` compares it with the pack it loaded from --rules (and --config), to say when the
 * two differ. SHA-256 of the pack's JSON without where each rule and list was read from (`file`:
 * the same rules read from another directory are the same pack), hex, first 16 characters.
 */
import { createHash } from 'node:crypto';
import type { RulePack } from '../../core/common/types';
import { runtimePack } from '../../core/rules/runtime-pack';

const withoutFile = <T extends object>(o: T): Omit<T, 'file'> => {
  const { file: _file, ...rest } = o as T & { file?: unknown };
  return rest;
};

export function packDigest(pack: RulePack): string {
  const runtime = runtimePack(pack);
  const lists = Object.fromEntries(Object.entries(runtime.lists ?? {}).map(([name, list]) => [name, withoutFile(list as object)]));
  const stable = { ...runtime, rules: runtime.rules.map(withoutFile), lists };
  return createHash('sha256').update(JSON.stringify(stable)).digest('hex').slice(0, 16);
}
