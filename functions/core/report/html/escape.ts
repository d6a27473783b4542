/**
 * Every string from an event, a file name or the command line goes into the HTML report through
 * `text` (element content and attribute values alike): cut to a length that keeps one value from
 * filling the page (the cut is said, "… 12,345 more characters"), display-unsafe characters (bidi
 * overrides, controls, invisible marks) made visible escapes as on the terminal (terminalSafe), then
 * `& < > " '` escaped. Links go through `href`, which accepts only https URLs.
 */
import { htmlText } from '../../common/text';

/** Characters of one value shown before it is cut. */
const SHOWN_CHARS = 200;

/** `length`: the value's length before it was cut when kept (detail.ts), if it was. */
export function text(value: unknown, max = SHOWN_CHARS, length?: number): string {
  const s = typeof value === 'string' ? value : String(value);
  const full = Math.max(length ?? 0, s.length);
  if (full <= max) return htmlText(s);
  const cut = cutAt(s, Math.min(max, s.length));
  return `${htmlText(s.slice(0, cut))}… <span class="cut">(${(full - cut).toLocaleString('en-US')} more characters)</span>`;
}

/** As `text`, for places that take no markup (SVG labels, titles): the cut is only "…". */
export function short(value: unknown, max = SHOWN_CHARS): string {
  const s = typeof value === 'string' ? value : String(value);
  return s.length <= max ? htmlText(s) : `${htmlText(s.slice(0, cutAt(s, max)))}…`;
}

/** Where to cut: never inside a surrogate pair (a lone half would be shown as an escape of its own). */
function cutAt(s: string, max: number): number {
  const last = s.charCodeAt(max - 1);
  return last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
}

/** An attribute value (a class name, a data key): escaped, never cut. */
export function attr(value: string): string {
  return htmlText(value);
}

/** An https URL as an attribute value; undefined for anything else (javascript:, data:, http:). */
export function href(url: string): string | undefined {
  return /^https:\/\/[^\s"'<>]+$/.test(url) ? htmlText(url) : undefined;
}

export function num(x: number): string {
  return x.toLocaleString('en-US');
}
