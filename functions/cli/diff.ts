/**
 * `rekwatch diff`: reviews a rule change by its alerts. Two rule sets, the head (`--rules`, the
 * working tree) and the base (`--base GIT_REF`, the same directory as committed there, read from git
 * without touching the working tree; or `--base-rules DIR`), are evaluated over the same trail logs,
 * read once: each record goes through the record pipeline (`processRecord`) once per side, and
 * core/report/alert-diff.ts compares the alerts by id. Both sides get the same `--config` list
 * overrides and event-source scope; live mutes and dedupe windows do not apply (the diff compares
 * what the rules raise, not what would be delivered).
 *
 * Output: the readable report, `--format markdown` (a pull-request comment), or `--json` (one line
 * per changed alert on stdout, the summary last on stderr). Exit status: 1 when either side's rules
 * are invalid, or when `--fail-on` finds a change; 2 for a usage error (options, a rules directory
 * or config file that cannot be read, an unknown git ref), when no input could be read, or when a
 * path named on the command line could not be read (as `replay`), or when the `--html` report could
 * not be written.
 */
import type { Writable } from 'node:stream';
import { ruleFilesAtRef } from '../adapters/git-rules';
import { readTrail } from '../adapters/trail-reader';
import { DuplicateWindow } from '../core/input/duplicate-window';
import { Evaluator } from '../core/match/evaluator';
import { processRecord, type PipelineDeps, type RecordOutcome } from '../core/pipeline/record-pipeline';
import { AlertDiff, diffFails } from '../core/report/alert-diff';
import { diffJsonLine, diffJsonSummary, renderDiffMarkdown, renderDiffText, type DiffReportInput } from '../core/report/alert-diff-report';
import { unreadableArgumentsNote } from '../core/report/replay-report';
import { ReplayTally, SAMPLE_LIMIT } from '../core/report/replay-tally';
import { terminalSafe } from '../core/common/text';
import type { Alert } from '../core/common/types';
import { Output, plural, writeLine, type CliIo } from './io';
import { eventSourcesFor, loadRulesForCommand, type LoadedRules } from './load-rules';
import { Progress } from './progress';
import { countItem } from './replay';
import { writeDiffHtml } from './report-html';

export interface DiffOptions {
  /** The base rules: this directory as committed at GIT_REF (default HEAD). */
  base?: string;
  /** The base rules: another directory. */
  baseRules?: string;
  rules: string;
  config?: string;
  eventSource?: string[];
  json?: boolean;
  format?: 'text' | 'markdown';
  failOn?: 'new' | 'any';
  /** Appeared and vanished alerts shown per rule. */
  examples: number;
  maxRecordSize?: number;
  /** `--html FILE`: also write the HTML report (report-html.ts). */
  html?: string;
}

const EXIT_INVALID_RULES = 1;
const EXIT_FAIL_ON = 1;
/** A usage error, no input, or a named path that could not be read (README: exit codes). */
const EXIT_USAGE = 2;

/** One rule set and what reading gives it. */
interface Side {
  /** As the report names it: `origin/main:rules`, `rules`. */
  label: string;
  load: LoadedRules;
  deps: PipelineDeps;
  /** Base's counts the input (the same for both sides); each counts its own rule errors. */
  tally: ReplayTally;
}

export async function diffCommand(paths: string[], opts: DiffOptions, io: CliIo): Promise<number> {
  const sides = await setUp(opts, io);
  if (typeof sides === 'number') return sides;
  const diff = await readBoth(paths, sides, opts, io);
  return finish(diff, sides, opts, io);
}

/** Both rule sets, loaded and validated, with an evaluator each; an exit status after printing why not. */
async function setUp(opts: DiffOptions, io: CliIo): Promise<{ base: Side; head: Side } | number> {
  if (opts.json && opts.format === 'markdown') {
    writeLine(io.stderr, 'rekwatch diff: --json and --format markdown: choose one');
    return EXIT_USAGE;
  }
  const head = loadRulesForCommand(opts.rules, io, io.stderr, opts.config);
  if (!head) return EXIT_USAGE;
  let base: LoadedRules | null;
  let baseLabel: string;
  if (opts.baseRules !== undefined) {
    baseLabel = opts.baseRules;
    base = loadRulesForCommand(opts.baseRules, io, io.stderr, opts.config);
  } else {
    const atRef = await ruleFilesAtRef(io.cwd, opts.base ?? 'HEAD', opts.rules);
    if (!atRef.ok) {
      writeLine(io.stderr, terminalSafe(`rekwatch diff: ${atRef.reason}`));
      return EXIT_USAGE;
    }
    baseLabel = atRef.label;
    base = loadRulesForCommand(atRef.label, io, io.stderr, opts.config, { files: atRef.files });
  }
  if (!base) return EXIT_USAGE;
  let invalid = false;
  for (const [label, load] of [[baseLabel, base], [opts.rules, head]] as const) {
    if (load.ok) continue;
    invalid = true;
    const errors = load.problems.filter((p) => p.level === 'error').length;
    writeLine(io.stderr, terminalSafe(`${label}: ${plural(errors, 'error')}; rules are invalid (rekwatch validate)`));
  }
  if (invalid) {
    writeLine(io.stderr, 'rekwatch diff: nothing was compared');
    return EXIT_INVALID_RULES;
  }
  // One scope for both sides: the head's --config (or --event-source), as for the list overrides.
  const eventSources = eventSourcesFor(opts.eventSource, head.config);
  const side = (label: string, load: LoadedRules): Side => ({
    label,
    load,
    // No `decide`: mutes and dedupe windows do not apply, every alert a rule raises counts.
    deps: { evaluator: new Evaluator(load.pack, { eventSources }), duplicates: new DuplicateWindow() },
    tally: new ReplayTally(),
  });
  return { base: side(baseLabel, base), head: side(opts.rules, head) };
}

const alertsOf = (o: RecordOutcome): readonly Alert[] => (o.status === 'evaluated' ? o.alerts.map((a) => a.matched) : []);

/** Reads the input once, each value through both sides' pipelines, and compares their alerts. */
async function readBoth(paths: readonly string[], sides: { base: Side; head: Side }, opts: DiffOptions, io: CliIo): Promise<AlertDiff> {
  const { base, head } = sides;
  const diff = new AlertDiff();
  const progress = new Progress(io.stderr, io.stderrIsTTY);
  const note = (line: string | undefined) => {
    if (line !== undefined) progress.above(terminalSafe(line));
  };
  for await (const batch of readTrail(paths, io.stdin, io.cwd, { maxRecordBytes: opts.maxRecordSize })) {
    for (const item of batch) {
      if (item.kind !== 'value') {
        countItem(base.tally, item, note, note);
        continue;
      }
      const before = await processRecord(item.value, base.deps);
      const after = await processRecord(item.value, head.deps);
      const counted = base.tally.record(before, item.file, item.where);
      head.tally.record(after, item.file, item.where);
      // Malformed input is named as it comes (once: both sides see the same); rule errors, per side, at the end.
      if (before.status === 'malformed') for (const n of counted.notes) note(n);
      diff.record(alertsOf(before), alertsOf(after));
    }
    progress.update(base.tally.stats);
  }
  progress.clear();
  return diff;
}

/** Each side's rule errors on stderr: the first SAMPLE_LIMIT named, then how many more. */
function ruleErrorNotes(side: Side, io: CliIo): void {
  const { tally } = side;
  for (const text of tally.ruleErrorSamples) writeLine(io.stderr, terminalSafe(`rekwatch: rule error (${side.label}): ${text}`));
  const rest = tally.stats.ruleErrors - tally.ruleErrorSamples.length;
  if (rest > 0) writeLine(io.stderr, terminalSafe(`rekwatch: rule error (${side.label}): ${rest} more; only the first ${SAMPLE_LIMIT} are named`));
}

/** Writes lines through the CLI's one line writer (io.ts `Output`). */
async function writeLines(stream: Writable, lines: Iterable<string>): Promise<void> {
  const out = new Output(stream);
  for (const line of lines) await out.line(line);
}

/** The report, the notes before it, and the exit status. */
async function finish(diff: AlertDiff, sides: { base: Side; head: Side }, opts: DiffOptions, io: CliIo): Promise<number> {
  const { base, head } = sides;
  const { stats } = base.tally;
  if (stats.files === 0) {
    writeLine(io.stderr, 'rekwatch: no input could be read');
    return EXIT_USAGE;
  }
  ruleErrorNotes(base, io);
  ruleErrorNotes(head, io);
  const ruleErrors = { base: base.tally.stats.ruleErrors, head: head.tally.stats.ruleErrors };
  const result = diff.result(base.load.pack, head.load.pack);
  const input: DiffReportInput = { result, base: base.label, head: head.label, stats, ruleErrors, examples: opts.examples };
  if (opts.json) await writeLines(io.stdout, result.changed.map(diffJsonLine));
  else if (opts.format === 'markdown') await writeLines(io.stdout, [renderDiffMarkdown(input).replace(/\n$/, '')]);
  else await writeLines(io.stdout, renderDiffText(input));
  const named = unreadableArgumentsNote(base.tally.unreadableArguments, EXIT_USAGE);
  if (named) writeLine(io.stderr, named);
  const fails = opts.failOn !== undefined && diffFails(result, ruleErrors, opts.failOn);
  if (fails) writeLine(io.stderr, `rekwatch diff: --fail-on ${opts.failOn}: ${plural(result.alerts.appeared, 'alert')} appeared, ${result.alerts.vanished} vanished, rule errors ${ruleErrors.base} → ${ruleErrors.head}; exit status ${EXIT_FAIL_ON}`);
  const htmlFailed = opts.html !== undefined && !writeDiffHtml(opts.html, input, io);
  if (opts.json) writeLine(io.stderr, diffJsonSummary(input));
  if (named || htmlFailed) return EXIT_USAGE;
  return fails ? EXIT_FAIL_ON : 0;
}
