/**
 * Block Kit blocks -> a self-contained HTML page that shows the message roughly the way Slack draws
 * it (pure; used by scripts/render-previews.ts for docs/previews/slack.png). Not a full Block Kit
 * implementation: enough of it for every block and element formatSlack emits, and a visible
 * placeholder for anything else.
 *
 *   header    plain_text, bold and large
 *   section   text (mrkdwn or plain_text), `fields` in two columns, a button or image accessory
 *   actions   buttons (primary / danger / default); other elements as a grey chip with their label
 *   context   small grey mrkdwn / plain_text elements; images as a small placeholder
 *   divider   a rule;  image  a placeholder with its alt text
 *
 * mrkdwn: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, ```` ```preformatted``` ````, `> quote`
 * lines, `<url|label>` / `<url>` links (http, https and mailto only), `<!channel>`, `<@U123>` and
 * `<#C123|name>` mentions, `:emoji:` shortcodes (a few, drawn without an emoji font), and the
 * `&amp;` / `&lt;` / `&gt;` entities decoded for display. Bare URLs become links unless the text
 * is `verbatim`.
 *
 * Safety: the input is untrusted JSON; every piece of text and every attribute is HTML-escaped after
 * entity decoding, and no script, style sheet, font or image is loaded from anywhere.
 */
import { escapeHtml } from '../functions/core/format/text';

export interface SlackPreviewOptions {
  /** The app's display name shown above the message. Default `rekwatch`. */
  appName?: string;
  /** Time shown next to the name, e.g. `09:15`. Omitted when absent. */
  timeLabel?: string;
  /** Shown (as mrkdwn) when there are no blocks, as Slack does with the top-level `text`. */
  fallbackText?: string;
}

type Json = Record<string, unknown>;

const e = escapeHtml;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Slack's three entities; anything else stays as written. One pass, so `&amp;lt;` shows `&lt;`. */
export function decodeSlackEntities(value: string): string {
  return value.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

/** Decoded, then escaped: the display form of a run of text. */
function textHtml(raw: string): string {
  return e(decodeSlackEntities(raw));
}

function safeUrl(url: string): string | undefined {
  const u = url.trim();
  return /^(https?:\/\/|mailto:)[^\s]+$/i.test(u) ? u : undefined;
}

function link(url: string, labelHtml: string): string {
  const href = safeUrl(decodeSlackEntities(url));
  return href ? `<a class="link" href="${e(href)}">${labelHtml}</a>` : `<span class="link-bad">${labelHtml}</span>`;
}

// ---------------------------------------------------------------------------------------------
// Emoji: no emoji font is assumed, so the common ones are drawn with CSS or a text symbol.

const EMOJI_DOTS: Readonly<Record<string, string>> = {
  red_circle: '#dd2e44',
  large_orange_circle: '#f4900c',
  large_yellow_circle: '#fdcb58',
  large_green_circle: '#78b159',
  large_blue_circle: '#55acee',
  large_purple_circle: '#aa8ed6',
  large_brown_circle: '#c1694f',
  black_circle: '#31373d',
  white_circle: '#e6e7e8',
};
const EMOJI_TEXT: Readonly<Record<string, string>> = {
  rotating_light: '🚨',
  warning: '⚠',
  white_check_mark: '✔',
  heavy_check_mark: '✔',
  x: '✖',
  lock: '🔒',
  bell: '🔔',
};

function emojiHtml(name: string): string | undefined {
  const dot = EMOJI_DOTS[name];
  if (dot) return `<span class="emoji-dot" style="background:${e(dot)}" title=":${e(name)}:"></span>`;
  const text = EMOJI_TEXT[name];
  if (text) return `<span class="emoji" title=":${e(name)}:">${e(text)}</span>`;
  return undefined;
}

const EMOJI_RE = /:([a-z0-9_+-]+):/g;

/** Plain text with `:emoji:` shortcodes drawn (plain_text with `emoji: true`, and mrkdwn runs). */
function withEmoji(raw: string, render: (run: string) => string): string {
  let out = '';
  let last = 0;
  EMOJI_RE.lastIndex = 0;
  for (let m = EMOJI_RE.exec(raw); m; m = EMOJI_RE.exec(raw)) {
    const html = emojiHtml(m[1]!);
    if (!html) {
      EMOJI_RE.lastIndex = m.index + 1; // `09:15:00`: the closing colon may open the next shortcode
      continue;
    }
    out += render(raw.slice(last, m.index)) + html;
    last = m.index + m[0].length;
  }
  return out + render(raw.slice(last));
}

// ---------------------------------------------------------------------------------------------
// mrkdwn

const URL_RE = /\bhttps?:\/\/[^\s<>]+[^\s<>.,;:!?)'"]/g;

/** A run with no markup left: entities decoded, escaped, emoji drawn, bare URLs linked unless verbatim. */
function runHtml(raw: string, verbatim: boolean): string {
  const plainRun = (s: string): string => withEmoji(s, textHtml);
  if (verbatim) return plainRun(raw);
  let out = '';
  let last = 0;
  URL_RE.lastIndex = 0;
  for (let m = URL_RE.exec(raw); m; m = URL_RE.exec(raw)) {
    out += plainRun(raw.slice(last, m.index)) + link(m[0], textHtml(m[0]));
    last = m.index + m[0].length;
  }
  return out + plainRun(raw.slice(last));
}

/** `<...>` contents: a link, a mention or a special command, as Slack shows them. */
function angleHtml(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('!')) {
    const name = target.slice(1).split('^')[0] ?? '';
    const shown = label ?? `@${name}`;
    return `<span class="mention broadcast">${textHtml(shown)}</span>`;
  }
  if (target.startsWith('@')) return `<span class="mention">${textHtml(label ? `@${label}` : target)}</span>`;
  if (target.startsWith('#')) return `<span class="mention">${textHtml(`#${label ?? target.slice(1)}`)}</span>`;
  return link(target, textHtml(label ?? target));
}

const WORD = '[\\p{L}\\p{N}]';
/** `*x*`, `_x_`, `~x~`: the marker not inside a word, the content neither starting nor ending with a space. */
const emphasis = (c: string): string => {
  const m = c === '*' ? '\\*' : c; // `\_` and `\~` are invalid escapes with the u flag
  return `(?<!${WORD})${m}(?=[^\\s${c}])([^${c}\\n]*?[^\\s${c}])${m}(?!${WORD})`;
};
const INLINE_RE = new RegExp(
  [
    '`([^`\\n]+)`', // 1 code span
    '<([^<>\\n]+)>', // 2 link / mention
    emphasis('*'), // 3 bold
    emphasis('_'), // 4 italic
    emphasis('~'), // 5 strike
  ].join('|'),
  'gu',
);

/** One line of mrkdwn (no code blocks, no quote marker). */
function inlineHtml(raw: string, verbatim: boolean, depth = 0): string {
  if (depth > 4) return runHtml(raw, verbatim);
  const re = new RegExp(INLINE_RE.source, INLINE_RE.flags);
  let out = '';
  let last = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    out += runHtml(raw.slice(last, m.index), verbatim);
    if (m[1] !== undefined) out += `<code>${textHtml(m[1])}</code>`;
    else if (m[2] !== undefined) out += angleHtml(m[2]);
    else if (m[3] !== undefined) out += `<b>${inlineHtml(m[3], verbatim, depth + 1)}</b>`;
    else if (m[4] !== undefined) out += `<i>${inlineHtml(m[4], verbatim, depth + 1)}</i>`;
    else if (m[5] !== undefined) out += `<s>${inlineHtml(m[5], verbatim, depth + 1)}</s>`;
    last = m.index + m[0].length;
  }
  return out + runHtml(raw.slice(last), verbatim);
}

/** A whole mrkdwn text: ```preformatted``` blocks, `>` quote lines, then inline markup line by line. */
export function mrkdwnHtml(raw: string, verbatim = false): string {
  const parts = raw.split(/```([\s\S]*?)```/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return `<pre>${textHtml(part.replace(/^\n/, ''))}</pre>`;
      const lines = part.split('\n');
      const html: string[] = [];
      for (const line of lines) {
        const quote = /^>\s?(.*)$/.exec(line);
        html.push(quote ? `<span class="quote">${inlineHtml(quote[1]!, verbatim)}</span>` : inlineHtml(line, verbatim));
      }
      return html.join('\n');
    })
    .join('');
}

/** A text object (`plain_text` or `mrkdwn`). */
function textObjectHtml(t: unknown): string {
  if (!isObject(t)) return '';
  const text = str(t.text) ?? '';
  if (t.type === 'mrkdwn') return mrkdwnHtml(text, t.verbatim === true);
  return t.emoji === false ? textHtml(text) : withEmoji(text, textHtml);
}

// ---------------------------------------------------------------------------------------------
// Elements and blocks

function imagePlaceholder(el: Json, cls: string): string {
  const alt = str(el.alt_text) ?? 'image';
  return `<span class="${cls}" title="${e(alt)}">${e(alt)}</span>`;
}

function elementHtml(el: unknown): string {
  if (!isObject(el)) return '';
  switch (el.type) {
    case 'button': {
      const style = el.style === 'primary' ? ' primary' : el.style === 'danger' ? ' danger' : '';
      const label = textObjectHtml(el.text);
      const href = str(el.url) && safeUrl(str(el.url)!);
      return href ? `<a class="button${style}" href="${e(href)}">${label}</a>` : `<span class="button${style}">${label}</span>`;
    }
    case 'image':
      return imagePlaceholder(el, 'image-el');
    case 'mrkdwn':
    case 'plain_text':
      return `<span class="context-text">${textObjectHtml(el)}</span>`;
    default: {
      const label = isObject(el.placeholder) ? textObjectHtml(el.placeholder) : isObject(el.text) ? textObjectHtml(el.text) : e(String(el.type ?? 'element'));
      return `<span class="chip">${label} ▾</span>`;
    }
  }
}

function blockHtml(block: unknown): string {
  if (!isObject(block)) return '';
  switch (block.type) {
    case 'header':
      return `<div class="block header">${textObjectHtml(block.text)}</div>`;
    case 'section': {
      const body: string[] = [];
      if (block.text !== undefined) body.push(`<div class="text">${textObjectHtml(block.text)}</div>`);
      const fields = arr(block.fields);
      if (fields.length) body.push(`<div class="fields">${fields.map((f) => `<div class="field">${textObjectHtml(f)}</div>`).join('')}</div>`);
      const accessory = isObject(block.accessory) ? `<div class="accessory">${elementHtml(block.accessory)}</div>` : '';
      return `<div class="block section"><div class="section-body">${body.join('')}</div>${accessory}</div>`;
    }
    case 'actions':
      return `<div class="block actions">${arr(block.elements).map(elementHtml).join('')}</div>`;
    case 'context':
      return `<div class="block context">${arr(block.elements).map(elementHtml).join('')}</div>`;
    case 'divider':
      return '<hr class="block divider">';
    case 'image': {
      const title = isObject(block.title) ? `<div class="image-title">${textObjectHtml(block.title)}</div>` : '';
      return `<div class="block image">${title}${imagePlaceholder(block, 'image-box')}</div>`;
    }
    default:
      return `<div class="block unsupported">[${e(String(block.type ?? 'unknown'))} block not drawn in this preview]</div>`;
  }
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;padding:16px 20px;background:#fff;color:#1d1c1d;font:15px/1.46668 Lato,'Liberation Sans','DejaVu Sans',Arial,sans-serif}
.message{display:flex;gap:8px;padding:8px 0}
.avatar{flex:none;width:36px;height:36px;border-radius:6px;background:#d93025;color:#fff;font-weight:900;font-size:20px;line-height:36px;text-align:center}
.content{flex:1;min-width:0}
.meta{line-height:1.2;margin-bottom:2px}
.name{font-weight:900}
.app{display:inline-block;margin-left:4px;padding:1px 3px;border-radius:2px;background:rgba(29,28,29,.13);color:rgba(29,28,29,.7);font-size:10px;font-weight:700;vertical-align:1px}
.time{margin-left:6px;color:#616061;font-size:12px}
.block{margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.header{font-size:18px;font-weight:900;line-height:1.33;margin:6px 0 8px}
.section{display:flex;gap:12px;margin:8px 0}
.section-body{flex:1;min-width:0}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin-top:4px}
.field{min-width:0;overflow-wrap:anywhere}
.context{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;color:#616061;font-size:12px;line-height:1.5}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0 8px}
.button{display:inline-block;padding:0 12px;height:28px;line-height:26px;border:1px solid rgba(29,28,29,.3);border-radius:4px;background:#fff;color:#1d1c1d;font-size:13px;font-weight:700;text-decoration:none;white-space:nowrap}
.button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
.button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.chip{display:inline-block;padding:0 10px;height:28px;line-height:26px;border:1px solid rgba(29,28,29,.3);border-radius:4px;font-size:13px}
code{font:12px/1.5 'DejaVu Sans Mono','Liberation Mono',Menlo,Consolas,monospace;padding:1px 3px;border:1px solid rgba(29,28,29,.13);border-radius:3px;background:rgba(29,28,29,.04);color:#e01e5a;overflow-wrap:anywhere}
pre{margin:4px 0;padding:8px;border:1px solid rgba(29,28,29,.13);border-radius:4px;background:rgba(29,28,29,.04);font:12px/1.5 'DejaVu Sans Mono','Liberation Mono',monospace;white-space:pre-wrap}
.quote{display:inline-block;padding-left:10px;border-left:4px solid #ddd}
a.link{color:#1264a3;text-decoration:none}
.link-bad{text-decoration:underline dotted}
.mention{padding:0 2px;border-radius:3px;background:rgba(29,155,209,.1);color:#1264a3}
.mention.broadcast{background:rgba(242,199,68,.4);color:#1d1c1d}
.emoji-dot{display:inline-block;width:.9em;height:.9em;border-radius:50%;vertical-align:-.1em;margin-right:2px}
.emoji{font-family:'DejaVu Sans',sans-serif}
.divider{border:0;border-top:1px solid rgba(29,28,29,.13);margin:12px 0}
.image-box,.image-el{display:inline-flex;align-items:center;justify-content:center;background:#f4f4f4;border:1px dashed #ccc;color:#616061;font-size:12px}
.image-box{width:360px;height:120px}
.image-el{width:20px;height:20px;overflow:hidden;border-radius:3px}
.unsupported{color:#616061;font-style:italic;font-size:13px}
`;

/** The whole page: one message from the app, its blocks drawn in order. */
export function slackPreviewHtml(blocks: readonly unknown[], options: SlackPreviewOptions = {}): string {
  const appName = options.appName ?? 'rekwatch';
  const initial = Array.from(appName.trim())[0]?.toUpperCase() ?? '?';
  const body = blocks.length ? blocks.map(blockHtml).join('\n') : `<div class="block">${mrkdwnHtml(options.fallbackText ?? '')}</div>`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${e(appName)} - Slack preview</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<div class="message">',
    `<div class="avatar" aria-hidden="true">${e(initial)}</div>`,
    '<div class="content">',
    `<div class="meta"><span class="name">${e(appName)}</span><span class="app">APP</span>${options.timeLabel ? `<span class="time">${e(options.timeLabel)}</span>` : ''}</div>`,
    body,
    '</div>',
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
