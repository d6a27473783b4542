/**
 * The rule pack compiled into the Lambda bundle. At synth time the stack validates the rules
 * directory and esbuild replaces `__REKWATCH_PACK__` with the pack's JSON text (see
 * infra/constructs/detection.ts); test cases are left out of the bundle.
 */
import type { RulePack } from '../core/common/types';

declare const __REKWATCH_PACK__: string;

export function bundledPack(): RulePack {
  if (typeof __REKWATCH_PACK__ !== 'string') {
    throw new Error('no rule pack in this bundle: build it with the rekwatch CDK stack (it defines __REKWATCH_PACK__)');
  }
  return JSON.parse(__REKWATCH_PACK__) as RulePack;
}
