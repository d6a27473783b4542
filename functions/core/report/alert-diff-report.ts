/**
 * What `rekwatch diff` prints (pure text rendering; the CLI writes it): the readable report, the
 * Markdown of a pull-request comment, and the `--json` lines and summary. Examples are bounded (the
 * first `examples` appeared and vanished alerts of each rule) and every value from an event or the
 * command line is made safe for where it goes: terminalSafe for the terminal, code spans
 * (markdownCode) and HTML escapes in Markdown, jsonTerminalSafe in JSON.
 */
import type { ChangedAlert, DiffResult, RuleChange } from './alert-diff';
import type { ReplayStats } from './replay-stats';
import { htmlText, jsonTerminalSafe, markdownCode, terminalSafe } from '../common/text';

export interface DiffReportInput {
  result: DiffResult;
  /** What each side is, as the user named it (`origin/main:rules`, `rules`). */
  base: string;
  head: string;
  /** The input, read once for both sides. */
  stats: ReplayStats;
  ruleErrors: { base: number; head: number };
  /** Appeared and vanished examples shown per rule. */
  examples: number;
}

/** GitHub refuses a comment over 65,536 characters: the Markdown stays below this, leaving examples out first. */
export const MARKDOWN_LIMIT = 60_000;

const n = (x: number) => x.toLocaleString('en-US');
const count = (k: number, singular: string, pluralForm = `${singular}s`) => `${n(k)} ${k === 1 ? singular : pluralForm}`;
const signed = (x: number) => (x > 0 ? `+${n(x)}` : x < 0 ? `-${n(-x)}` : '0');

/** "2 alerts appeared, 1 vanished" or "no alert changed". */
function headline(r: DiffResult): string {
  const { appeared, vanished } = r.alerts;
  if (appeared + vanished === 0) return `no alert changed (${count(r.alerts.base, 'alert')} on both sides)`;
  return `${count(appeared, 'alert')} appeared, ${n(vanished)} vanished (${n(r.alerts.base)} → ${n(r.alerts.head)})`;
}

function inputLine(s: ReplayStats): string {
  return `${count(s.files, 'file')}, ${count(s.records, 'record')}: ${n(s.evaluated)} evaluated, ${n(s.outOfScope)} out of scope, ${count(s.duplicates, 'duplicate')}, ${n(s.malformed)} malformed`;
}

/** The changed alerts of each rule, in the order first seen. */
function byRule(changed: readonly ChangedAlert[]): Map<string, { appeared: ChangedAlert[]; vanished: ChangedAlert[] }> {
  const out = new Map<string, { appeared: ChangedAlert[]; vanished: ChangedAlert[] }>();
  for (const c of changed) {
    let g = out.get(c.ruleId);
    if (!g) out.set(c.ruleId, (g = { appeared: [], vanished: [] }));
    g[c.change].push(c);
  }
  return out;
}

function listsLine(r: DiffResult, code: (name: string) => string = (x) => x): string | undefined {
  const parts = (['changed', 'added', 'removed'] as const).filter((k) => r.lists[k].length > 0).map((k) => `${k}: ${r.lists[k].map(code).join(', ')}`);
  return parts.length ? `lists ${parts.join('; ')}` : undefined;
}

function ruleErrorsLine(e: { base: number; head: number }): string | undefined {
  return e.base + e.head > 0 ? `rule errors: base ${n(e.base)}, head ${n(e.head)} (named on stderr)` : undefined;
}

const times = (c: ChangedAlert) => (c.count > 1 ? ` (×${n(c.count)})` : '');

/** The readable report. */
export function renderDiffText(input: DiffReportInput): string[] {
  const { result: r } = input;
  const out: string[] = [];
  out.push(`Alerts of ${input.head} compared with ${input.base}: ${headline(r)}`);
  out.push(`  over ${inputLine(input.stats)}`);
  const lists = listsLine(r);
  if (lists) out.push(`  ${lists}`);
  const errors = ruleErrorsLine(input.ruleErrors);
  if (errors) out.push(`  ${errors}`);
  if (r.rules.length === 0) {
    out.push('');
    out.push('No rule changed.');
    return out.map(terminalSafe);
  }
  out.push('');
  out.push('By rule (rules whose alerts or definition changed)');
  const width = Math.max(...r.rules.map((c) => c.ruleId.length), 4);
  out.push(`  ${'rule'.padEnd(width)}  ${'severity'.padEnd(8)}  ${'status'.padEnd(12)}  ${'base'.padStart(6)}  ${'head'.padStart(6)}  ${'change'.padStart(6)}  ${'appeared'.padStart(8)}  ${'vanished'.padStart(8)}`);
  for (const c of r.rules) {
    out.push(`  ${c.ruleId.padEnd(width)}  ${c.severity.padEnd(8)}  ${c.status.padEnd(12)}  ${n(c.base).padStart(6)}  ${n(c.head).padStart(6)}  ${signed(c.head - c.base).padStart(6)}  ${n(c.appeared).padStart(8)}  ${n(c.vanished).padStart(8)}`);
  }
  const groups = byRule(r.changed);
  for (const c of r.rules) {
    const g = groups.get(c.ruleId);
    if (!g) continue;
    out.push('');
    out.push(`${c.ruleId}: ${n(c.appeared)} appeared, ${n(c.vanished)} vanished`);
    for (const [mark, list] of [['+', g.appeared], ['-', g.vanished]] as const) {
      for (const a of list.slice(0, input.examples)) {
        out.push(`  ${mark} ${a.eventTime}  ${a.eventName} by ${a.principal} from ${a.sourceIp} in ${a.account}/${a.region}  event ${a.eventId}${times(a)}`);
      }
      if (list.length > input.examples) out.push(`  ${mark} ... and ${n(list.length - input.examples)} more (--json lists every one)`);
    }
  }
  return out.map(terminalSafe);
}

function ruleRow(c: RuleChange): string {
  return `| ${markdownCode(c.ruleId)} | ${c.severity} | ${c.status} | ${n(c.base)} | ${n(c.head)} | ${signed(c.head - c.base)} | ${n(c.appeared)} | ${n(c.vanished)} |`;
}

function exampleRows(mark: string, list: readonly ChangedAlert[], max: number): string[] {
  const rows = list.slice(0, max).map((a) =>
    `| ${mark} | ${markdownCode(a.eventTime)} | ${markdownCode(a.eventName)} | ${markdownCode(a.principal)} | ${markdownCode(a.sourceIp)} | ${markdownCode(`${a.account}/${a.region}`)} | ${markdownCode(a.eventId)}${times(a)} |`);
  if (list.length > max) rows.push(`| ${mark} | … and ${n(list.length - max)} more | | | | | |`);
  return rows;
}

/**
 * The Markdown of a pull-request comment: a heading, the per-rule table, and each rule's examples in
 * a collapsed `<details>`. At most `limit` characters: examples that do not fit are left out, and
 * the comment says so.
 */
export function renderDiffMarkdown(input: DiffReportInput, limit = MARKDOWN_LIMIT): string {
  const { result: r } = input;
  const head: string[] = [];
  head.push(`### rekwatch diff: ${headline(r)}`);
  head.push('');
  head.push(`Alerts of ${markdownCode(input.head)} compared with ${markdownCode(input.base)}, over ${inputLine(input.stats)}.`);
  const lists = listsLine(r, markdownCode);
  const errors = ruleErrorsLine(input.ruleErrors);
  for (const line of [lists, errors]) {
    if (line) head.push('', line.replace(/^./, (c) => c.toUpperCase()) + '.');
  }
  head.push('');
  if (r.rules.length === 0) {
    head.push('No rule changed.');
    return `${head.join('\n')}\n`;
  }
  head.push('| rule | severity | status | base | head | change | appeared | vanished |');
  head.push('|:--|:--|:--|--:|--:|--:|--:|--:|');
  for (const c of r.rules) head.push(ruleRow(c));
  head.push('');
  let text = head.join('\n');
  const groups = byRule(r.changed);
  const withExamples = r.rules.filter((c) => groups.has(c.ruleId));
  let left = 0;
  for (const [i, c] of withExamples.entries()) {
    const g = groups.get(c.ruleId) as { appeared: ChangedAlert[]; vanished: ChangedAlert[] };
    const section = [
      '',
      `<details><summary>${htmlText(c.ruleId)}: ${n(c.appeared)} appeared, ${n(c.vanished)} vanished</summary>`,
      '',
      '| | event time | event | principal | source IP | account/region | event ID |',
      '|:-:|:--|:--|:--|:--|:--|:--|',
      ...exampleRows('+', g.appeared, input.examples),
      ...exampleRows('-', g.vanished, input.examples),
      '',
      '</details>',
      '',
    ].join('\n');
    // Room for the note below, whatever is left out.
    if (text.length + section.length + 200 > limit) {
      left = withExamples.length - i;
      break;
    }
    text += section;
  }
  if (left > 0) text += `\nExamples of ${count(left, 'more rule')} left out to stay within a comment's size; \`rekwatch diff\` locally (or \`--json\`) shows them.\n`;
  return text;
}

/** `--json`: one line per changed alert (stdout). */
export function diffJsonLine(c: ChangedAlert): string {
  return jsonTerminalSafe(JSON.stringify(c));
}

/** `--json`: the summary (last line of stderr). */
export function diffJsonSummary(input: DiffReportInput): string {
  const { result: r, stats } = input;
  const byRule: Record<string, Omit<RuleChange, 'ruleId'>> = {};
  for (const { ruleId, ...rest } of r.rules) byRule[ruleId] = rest;
  return jsonTerminalSafe(JSON.stringify({
    base: input.base,
    head: input.head,
    files: stats.files,
    records: stats.records,
    evaluated: stats.evaluated,
    outOfScope: stats.outOfScope,
    duplicates: stats.duplicates,
    malformed: stats.malformed,
    unreadable: stats.unreadable,
    alerts: r.alerts,
    ruleErrors: input.ruleErrors,
    lists: r.lists,
    byRule,
  }));
}
