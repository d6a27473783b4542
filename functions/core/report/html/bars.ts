/**
 * A horizontal bar chart of the top values of one field (principals, source IPs, accounts,
 * regions) as inline SVG (pure): one row per value, its label and count as text, the bar's length
 * proportional to the largest count. Labels are escaped and cut (escape.ts `text`).
 */
import { num, short } from './escape';

const ROW = 20;
const LABEL_W = 230;
const BAR_W = 150;

export function barChart(title: string, rows: ReadonlyArray<readonly [string, number]>, total: number, kind: string): string {
  if (rows.length === 0) return '';
  const max = Math.max(...rows.map(([, c]) => c), 1);
  const h = rows.length * ROW + 4;
  const w = LABEL_W + BAR_W + 70;
  const bars = rows
    .map(([label, c], i) => {
      const y = i * ROW + 2;
      const len = Math.max(1, Math.round((c / max) * BAR_W));
      return `<g><title>${short(label)}: ${num(c)}</title><text x="${LABEL_W - 6}" y="${y + 14}" text-anchor="end" class="lbl">${short(label, 32)}</text><rect x="${LABEL_W}" y="${y + 3}" width="${len}" height="${ROW - 6}" rx="2" class="bar"></rect><text x="${LABEL_W + len + 6}" y="${y + 14}" class="cnt">${num(c)}</text></g>`;
    })
    .join('');
  const rest = total - rows.reduce((s, [, c]) => s + c, 0);
  const more = rest > 0 ? `<p class="more">and ${num(rest)} more alerts from other values</p>` : '';
  return `<figure class="chart bars" data-chart="${kind}"><figcaption>${short(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${short(title)}">${bars}</svg>${more}</figure>`;
}
