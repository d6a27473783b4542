/**
 * The HTML report of `rekwatch diff --html FILE` (pure), from the same DiffReportInput as the text,
 * Markdown and `--json` reports: the input and alert totals, a chart of each changed rule's alerts
 * on the base and the head side, the per-rule table (status, base, head, change, appeared,
 * vanished), and per rule the first `examples` appeared and vanished alerts with their console
 * links ("and N more" for the rest). Bounded by the number of changed rules, never by the number of
 * changed alerts; every value from an event, a rule file or the command line is escaped (escape.ts).
 */
import type { ChangedAlert, RuleChange } from '../alert-diff';
import type { DiffReportInput } from '../alert-diff-report';
import { alertTable } from './alert-table';
import { attr, num, short, text } from './escape';
import { page } from './page';

const signed = (x: number) => (x > 0 ? `+${num(x)}` : x < 0 ? `-${num(-x)}` : '0');

/** Base and head alerts of each rule as paired horizontal bars (inline SVG), at most `max` rules. */
function pairedBars(rules: readonly RuleChange[], max = 30): string {
  const shown = rules.slice(0, max);
  if (shown.length === 0) return '';
  const top = Math.max(1, ...shown.map((c) => Math.max(c.base, c.head)));
  const ROW = 30;
  const LABEL = 300;
  const BAR = 300;
  const rows = shown
    .map((c, i) => {
      const y = i * ROW + 2;
      const b = Math.round((c.base / top) * BAR);
      const h = Math.round((c.head / top) * BAR);
      return (
        `<g><title>${short(c.ruleId)}: base ${num(c.base)}, head ${num(c.head)}</title><text x="${LABEL - 6}" y="${y + 17}" text-anchor="end" class="lbl">${short(c.ruleId, 44)}</text>` +
        `<rect x="${LABEL}" y="${y + 3}" width="${Math.max(b, 1)}" height="11" class="bar base"></rect><text x="${LABEL + Math.max(b, 1) + 5}" y="${y + 12}" class="cnt">${num(c.base)}</text>` +
        `<rect x="${LABEL}" y="${y + 15}" width="${Math.max(h, 1)}" height="11" class="bar"></rect><text x="${LABEL + Math.max(h, 1) + 5}" y="${y + 25}" class="cnt">${num(c.head)}</text></g>`
      );
    })
    .join('');
  const H = shown.length * ROW + 4;
  const W = LABEL + BAR + 70;
  const more = rules.length > max ? `<p class="more">and ${num(rules.length - max)} more rules in the table below</p>` : '';
  return (
    `<figure class="chart bars" data-chart="diff"><figcaption>Alerts per rule: <span class="dim">base (grey), head (blue)</span></figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Alerts per rule, base and head">${rows}</svg>${more}</figure>`
  );
}

function ruleTable(rules: readonly RuleChange[]): string {
  const body = rules
    .map(
      (c, i) =>
        `<tr data-rule="${attr(c.ruleId)}"><td><a href="#rule-${i + 1}"><code>${text(c.ruleId, 80)}</code></a></td><td>${text(c.severity, 12)}</td><td>${text(c.status, 20)}</td>` +
        `<td class="n" data-k="base">${num(c.base)}</td><td class="n" data-k="head">${num(c.head)}</td><td class="n">${signed(c.head - c.base)}</td>` +
        `<td class="n appeared" data-k="appeared">${num(c.appeared)}</td><td class="n vanished" data-k="vanished">${num(c.vanished)}</td></tr>`,
    )
    .join('');
  return `<table class="rules"><tr><th>Rule</th><th>Severity</th><th>Status</th><th class="n">Base</th><th class="n">Head</th><th class="n">Change</th><th class="n">Appeared</th><th class="n">Vanished</th></tr>${body}</table>`;
}

function examples(title: string, cls: string, list: readonly ChangedAlert[], max: number): string {
  if (list.length === 0) return '';
  const rows = list.slice(0, max).map((a) => ({ ...a, status: a.count > 1 ? `×${num(a.count)}` : '1' }));
  const more = list.length > max ? `<p class="more">and ${num(list.length - max)} more (<code>rekwatch diff --json</code> lists every one)</p>` : '';
  return `<h3 class="${cls}">${title} (${num(list.length)})</h3>${alertTable(rows, 'Times')}${more}`;
}

export function renderDiffHtml(input: DiffReportInput): string {
  const { result: r, stats } = input;
  const groups = new Map<string, { appeared: ChangedAlert[]; vanished: ChangedAlert[] }>();
  for (const c of r.changed) {
    let g = groups.get(c.ruleId);
    if (!g) groups.set(c.ruleId, (g = { appeared: [], vanished: [] }));
    g[c.change].push(c);
  }
  const totals = (
    [
      ['files', stats.files], ['records', stats.records], ['evaluated', stats.evaluated], ['malformed', stats.malformed],
      ['alerts.base', r.alerts.base], ['alerts.head', r.alerts.head], ['alerts.appeared', r.alerts.appeared], ['alerts.vanished', r.alerts.vanished],
      ['ruleErrors.base', input.ruleErrors.base], ['ruleErrors.head', input.ruleErrors.head],
    ] as const
  )
    .map(([k, v]) => `<div data-summary="${k}"><span class="v">${num(v)}</span><span class="k">${k.replace('.', ' ').replace('ruleErrors', 'rule errors')}</span></div>`)
    .join('');
  const lists = (['changed', 'added', 'removed'] as const).filter((k) => r.lists[k].length > 0).map((k) => `lists ${k}: ${r.lists[k].slice(0, 20).map((x) => `<code>${text(x, 80)}</code>`).join(', ')}${r.lists[k].length > 20 ? ` and ${num(r.lists[k].length - 20)} more` : ''}`);
  const sections = r.rules
    .map((c, i) => {
      const g = groups.get(c.ruleId);
      const ex = g ? examples('Appeared', 'appeared', g.appeared, input.examples) + examples('Vanished', 'vanished', g.vanished, input.examples) : '<p class="dim">No alert changed; the rule\'s definition did.</p>';
      return `<section class="rule" id="rule-${i + 1}" data-rule="${attr(c.ruleId)}"><h2><code>${text(c.ruleId, 80)}</code> · ${text(c.status, 20)} · base ${num(c.base)} → head ${num(c.head)}</h2>${ex}</section>`;
    })
    .join('');
  const body =
    `<section data-section="summary"><h1>rekwatch diff</h1><p class="dim">Alerts of <code>${text(input.head, 120)}</code> compared with <code>${text(input.base, 120)}</code>: ` +
    `${num(r.alerts.appeared)} appeared, ${num(r.alerts.vanished)} vanished (${num(r.alerts.base)} → ${num(r.alerts.head)}).</p>` +
    `<div class="totals">${totals}</div>${lists.map((l) => `<p>${l}</p>`).join('')}</section>` +
    (r.rules.length === 0
      ? '<section data-section="rules"><p>No rule changed.</p></section>'
      : `<section data-section="rules"><h2>Rules whose alerts or definition changed</h2>${pairedBars(r.rules)}${ruleTable(r.rules)}</section>${sections}`);
  return page('rekwatch diff', body);
}
