/** Loads and validates a rules directory for a command, printing problems the same way everywhere. */
import { resolve } from 'node:path';
import { loadRulesDir, RulesDirError } from '../adapters/rule-files';
import type { PackLoad } from '../core/rules/pack';
import { formatProblem } from '../core/rules/problem';
import { writeLine, type CliIo } from './io';
import type { Writable } from 'node:stream';

export function loadRulesForCommand(dir: string, io: CliIo, out: Writable = io.stderr): PackLoad | null {
  let load: PackLoad;
  try {
    load = loadRulesDir(resolve(io.cwd, dir), io.cwd);
  } catch (e) {
    if (e instanceof RulesDirError) {
      writeLine(out, e.message);
      return null;
    }
    throw e;
  }
  for (const p of load.problems) writeLine(out, formatProblem(p));
  return load;
}
