/**
 * A timeline of alerts as inline SVG (pure): one column per bucket of the report's shared axis
 * (axis.ts), height proportional to the bucket's count, the period's start and end and the largest
 * bucket's count as labels, and each non-empty bucket's time and count as a tooltip (<title>).
 */
import type { Axis } from './axis';
import { num, short } from './escape';

const W = 720;
const H = 110;
const TOP = 14;
const BOTTOM = 18;

/** Latest (and, negated, earliest) time a Date can hold: an axis end past it is shown as it. */
const DATE_LIMIT = 8.64e15;

/** `2026-11-20 09:15 UTC` (minutes are enough for a bucket); never throws, whatever a record claimed. */
export function utc(ms: number): string {
  const t = Math.max(-DATE_LIMIT, Math.min(DATE_LIMIT, ms));
  return `${new Date(t).toISOString().replace(/T(\d\d:\d\d).*$/, ' $1')} UTC`;
}

/** `values`: the count per bucket of `axis` (TimeCounts.histogram, or a sum of them); `untimed`: alerts not drawn. */
export function timeline(values: readonly number[], axis: Axis, caption: string, untimed = 0): string {
  const max = Math.max(...values, 1);
  const plot = H - TOP - BOTTOM;
  const step = W / axis.buckets;
  const gap = step > 4 ? 1 : 0;
  const cols = values
    .map((c, i) => {
      if (c === 0) return '';
      const h = Math.max(1, Math.round((c / max) * plot));
      const x = (i * step).toFixed(2);
      return `<rect x="${x}" y="${TOP + plot - h}" width="${Math.max(0.5, step - gap).toFixed(2)}" height="${h}" class="col"><title>${utc(axis.from + i * axis.width)}: ${num(c)} alert${c === 1 ? '' : 's'}</title></rect>`;
    })
    .join('');
  const end = axis.from + axis.buckets * axis.width;
  const untimedNote = untimed > 0 ? `<p class="more">${num(untimed)} alert${untimed === 1 ? '' : 's'} with an unreadable eventTime not drawn</p>` : '';
  return (
    `<figure class="chart timeline" data-chart="timeline"><figcaption>${short(caption)} <span class="dim">(one column per ${axis.label})</span></figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${short(caption)}">` +
    `<line x1="0" y1="${TOP + plot + 0.5}" x2="${W}" y2="${TOP + plot + 0.5}" class="axis"></line>` +
    `<text x="0" y="10" class="cnt">max ${num(max)} per ${axis.label}</text>` +
    `${cols}` +
    `<text x="0" y="${H - 4}" class="lbl">${utc(axis.from)}</text><text x="${W}" y="${H - 4}" text-anchor="end" class="lbl">${utc(end)}</text>` +
    `</svg>${untimedNote}</figure>`
  );
}
