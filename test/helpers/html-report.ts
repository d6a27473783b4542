/**
 * What every HTML report must be, whatever went into it: the CSP meta, only the renderer's own small
 * vocabulary of tags and attributes (so no script, no event handler, no src), links only to the
 * CloudTrail console or an anchor in the page, styles that fetch nothing, and no display-unsafe
 * character (bidi controls, zero-width marks, C0/C1 controls but the newline) left raw.
 */
import { CSP } from '../../functions/core/report/html/page';

/** Tag and attribute names in a page: only the renderer's own small vocabulary. */
const TAGS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'main', 'section', 'h1', 'h2', 'h3', 'p', 'span', 'div', 'code', 'table', 'tr', 'th', 'td', 'a', 'br', 'ul', 'li', 'figure', 'figcaption', 'svg', 'g', 'rect', 'line', 'text']);
const ATTRIBUTES = new Set(['lang', 'charset', 'http-equiv', 'content', 'name', 'class', 'id', 'href', 'rel', 'data-summary', 'data-rule', 'data-k', 'data-chart', 'data-section', 'xmlns', 'viewbox', 'width', 'height', 'role', 'aria-label', 'x', 'y', 'x1', 'y1', 'x2', 'y2', 'rx', 'text-anchor']);

export function expectSafePage(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`);
  expect(CSP).toContain("default-src 'none'");
  const tags = new Set<string>();
  const attributes = new Set<string>();
  for (const m of html.replace(/^<!DOCTYPE html>/, '').matchAll(/<\/?([A-Za-z][\w-]*)([^>]*)>/g)) {
    tags.add(m[1]!.toLowerCase());
    const rest = m[2]!.replace(/="[^"]*"/g, '');
    for (const a of rest.matchAll(/[^\s/]+/g)) attributes.add(a[0].toLowerCase());
  }
  expect([...tags].filter((t) => !TAGS.has(t))).toEqual([]);
  expect([...attributes].filter((a) => !ATTRIBUTES.has(a))).toEqual([]);
  for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^(https:\/\/[a-z0-9.-]+\.(amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)\/|#rule-\d+$)/);
  // No script, and nothing in the styles that could fetch (src= and on* attributes fail the vocabulary check above).
  expect(html).not.toMatch(/<script/i);
  expect(/<style>([^<]*)<\/style>/.exec(html)?.[1]).not.toMatch(/url\(|@import|@font-face/i);
  // Nothing display-unsafe reaches the page raw (bidi overrides and isolates, zero-width, controls but \n).
  expect(html).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
}

