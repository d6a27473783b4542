/**
 * Text primitives shared by the alert formatters (pure): making hidden characters visible,
 * escaping for Slack mrkdwn and HTML, and cutting text to a length limit without ever splitting a
 * grapheme, a surrogate pair or an escape sequence (`&amp;`, `&lt;`, ...).
 *
 * Lengths are measured in UTF-16 code units (`string.length`), which is never less than the number
 * of characters Slack or AWS count, so a value within a limit here is within it there too.
 */

/** The marker left where text was cut. */
export const ELLIPSIS = '…';

/**
 * Characters a reader cannot see or that change how the text around them is displayed: control
 * characters (including line breaks and tabs), format characters (bidirectional overrides and
 * isolates, zero-width spaces and joiners, word joiner, soft hyphen, BOM, Unicode tag characters),
 * line and paragraph separators, lone surrogates, variation selectors and blank fillers.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u115F\u1160\u3164\uFFA0\u180B-\u180F\uFE00-\uFE0F]/gu;

function codePointLabel(ch: string): string {
  return `[U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`;
}

/**
 * Makes hidden characters visible as `[U+202E]`, so a value from an event reads exactly as it is
 * (an ARN with a right-to-left override or a zero-width space cannot pass for a familiar one, a
 * newline cannot start a fake line). Used on every value taken from a CloudTrail event.
 */
export function reveal(value: string): string {
  return value.replace(HIDDEN, codePointLabel);
}

/** True when `reveal` would change the value. */
export function hasHidden(value: string): boolean {
  return reveal(value) !== value;
}

/** Slack mrkdwn control characters as entities (Slack decodes exactly these three for display). */
export function escapeMrkdwn(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** HTML text escaping (element content: `&`, `<`, `>`). */
export function escapeHtmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** HTML attribute (and text) escaping: also both quotes. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

let segmenter: Intl.Segmenter | undefined;

/** The grapheme clusters of a string (what a reader perceives as characters). */
export function graphemes(value: string): string[] {
  // Below U+0300 (where combining marks start) every code point is a grapheme of its own, except
  // CR LF; the segmenter is slow on long strings, so that common case skips it.
  if (/^[^\r\u0300-\uffff]*$/.test(value)) return Array.from(value);
  segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  return Array.from(segmenter.segment(value), (s) => s.segment);
}

/**
 * Escapes `value` with `escape` applied to each grapheme and cuts the result to at most `max`
 * UTF-16 code units, ending with `marker` when something was cut. A cut falls only between
 * graphemes (between code points inside a pathological grapheme longer than the budget), so an
 * escape sequence or surrogate pair is never split.
 */
export function clipEscaped(value: string, max: number, escape: (s: string) => string = (s) => s, marker = ELLIPSIS): string {
  if (max <= 0) return '';
  // Escaping never shortens: a value longer than `max` is cut, and only its start is escaped.
  if (value.length <= max) {
    const whole = escape(value);
    if (whole.length <= max) return whole;
  }
  const budget = max - marker.length;
  if (budget < 0) return '';
  // Only the first `max` code units can end up in the output (escaping never shortens), so only a
  // prefix is segmented: grapheme segmentation is slow on long strings. The prefix's last segment
  // may be a partial grapheme; it cannot fit whole, so it only ever reaches the code-point fallback,
  // exactly as the complete grapheme would.
  const prefix = value.length > max + 64 ? value.slice(0, max + 64) : value;
  let out = '';
  outer: for (const g of graphemes(prefix)) {
    const e = escape(g);
    if (out.length + e.length <= budget) {
      out += e;
      continue;
    }
    // A grapheme that does not fit: try its code points one by one (only matters for absurd
    // clusters such as thousands of combining marks on one letter), then stop.
    for (const cp of Array.from(g)) {
      const ec = escape(cp);
      if (out.length + ec.length > budget) break outer;
      out += ec;
    }
    break;
  }
  return out + marker;
}

/** Cuts plain text to at most `max` UTF-16 code units at a grapheme boundary, marking the cut. */
export function clip(value: string, max: number, marker = ELLIPSIS): string {
  return clipEscaped(value, max, (s) => s, marker);
}

/**
 * Cuts text that is already escaped or formatted to at most `max` code units without splitting
 * an entity (`&...;`) or a surrogate pair. The last line of defence behind per-value budgets.
 */
export function safeCut(text: string, max: number, marker = ELLIPSIS): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - marker.length);
  // Do not split a surrogate pair.
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end--;
  // Do not split an entity: if an '&' within the last 10 units has no ';' before the cut, cut before it.
  const amp = text.lastIndexOf('&', end - 1);
  if (amp !== -1 && end - amp < 10 && !text.slice(amp, end).includes(';')) end = amp;
  return text.slice(0, end) + marker;
}

/**
 * Joins parts with `sep` within `max` code units: all of them when they fit, otherwise whole parts
 * in order while they fit, then a marker saying how many were left out (the first part alone is
 * cut to fit when even it is too long).
 */
export function joinWithin(parts: readonly string[], sep: string, max: number): string {
  const all = parts.join(sep);
  if (all.length <= max) return all;
  const reserve = sep.length + 20; // room for the "… (N more)" marker
  const kept: string[] = [];
  let length = 0;
  for (const part of parts) {
    const add = (kept.length ? sep.length : 0) + part.length;
    if (length + add + reserve > max) break;
    kept.push(part);
    length += add;
  }
  if (kept.length === 0) return safeCut(parts[0] ?? '', max);
  kept.push(`${ELLIPSIS} (${parts.length - kept.length} more)`);
  return kept.join(sep);
}
