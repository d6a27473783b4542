/**
 * `--html FILE` for `replay` and `diff`: renders the report (core/report/html/) and writes it
 * atomically (adapters/atomic-file.ts: a temporary file in the same directory, then a rename), so a reader never sees a
 * half-written report and a failed write leaves any earlier report in place. Prints where it went
 * (`rekwatch: HTML report: PATH (12 KB)`) or why not (`PATH: cannot write the HTML report: reason`)
 * on stderr; the caller turns a failure into its exit status.
 */
import { resolve } from 'node:path';
import { writeFileAtomically } from '../adapters/atomic-file';
import { renderDiffHtml } from '../core/report/html/diff-html';
import { ReportDetail } from '../core/report/html/detail';
import { renderReplayHtml } from '../core/report/html/replay-html';
import type { DiffReportInput } from '../core/report/alert-diff-report';
import type { ReplayTally } from '../core/report/replay-tally';
import type { ReplaySummary } from '../core/report/replay-stats';
import type { RuleDefinition } from '../core/common/types';
import { terminalSafe } from '../core/common/text';
import { writeLine, type CliIo } from './io';

/** Writes `html` to `file` (relative to the command's cwd) through a temporary sibling; the path written, or why not. */
function writeHtmlFile(file: string, html: string, io: CliIo): { ok: true; path: string } | { ok: false; reason: string } {
  const path = resolve(io.cwd, file);
  try {
    writeFileAtomically(path, html);
    return { ok: true, path };
  } catch (e) {
    return { ok: false, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}

/** Writes a rendered report and says where (or why not) on stderr; false when it could not be written. */
export function writeReport(file: string, html: string, io: CliIo): boolean {
  const written = writeHtmlFile(file, html, io);
  if (!written.ok) {
    writeLine(io.stderr, terminalSafe(`${file}: cannot write the HTML report: ${written.reason}`));
    return false;
  }
  writeLine(io.stderr, terminalSafe(`rekwatch: HTML report: ${written.path} (${Math.ceil(Buffer.byteLength(html) / 1024).toLocaleString('en-US')} KB)`));
  return true;
}

/** The tally replay counts into: with what the HTML report needs when `--html` was given. */
export function replayTallyDetail(html: string | undefined): ReportDetail | undefined {
  return html === undefined ? undefined : new ReportDetail();
}

/**
 * `replay --html FILE`: the report of one run, from its tally and the summary `--json` prints (with
 * the detect stage's and deliveries' counters when the run had them).
 */
export function writeReplayHtml(file: string, tally: ReplayTally, rules: readonly RuleDefinition[], top: number, inputs: readonly string[], io: CliIo, summary: ReplaySummary = tally.stats.summary()): boolean {
  const html = renderReplayHtml({
    summary, stats: tally.stats, detail: tally.detail ?? new ReportDetail(), rules, byMute: tally.byMute,
    malformedSamples: tally.malformedSamples, ruleErrorSamples: tally.ruleErrorSamples, unreadable: tally.unreadable, top,
    // Replay needs a path unless it reads Event history (--lookup-events) alone.
    inputs: inputs.length > 0 ? inputs : ['--lookup-events'],
  });
  return writeReport(file, html, io);
}

/** `diff --html FILE`: the diff report, from the same input as the text and Markdown reports. */
export function writeDiffHtml(file: string, input: DiffReportInput, io: CliIo): boolean {
  return writeReport(file, renderDiffHtml(input), io);
}
