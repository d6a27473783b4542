/**
 * The mute page's HTML (pure): one small self-contained page per state, every value escaped. Text
 * shown to the reader (titles, facts, messages) also goes through terminalSafe: a bidi override
 * (U+202E) in a principal or reason would reorder what the page shows, so it, and every other
 * control or invisible character, appears as a visible escape (`\u202e`) instead, as in the CLI.
 */
import { terminalSafe } from '../core/common/text';

const CSS = `body{font:16px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#f4f5f7;color:#202124;margin:0;padding:24px}
main{max-width:640px;margin:0 auto;background:#fff;border-top:6px solid #1a73e8;padding:24px 28px}
main.error{border-top-color:#c5221f}main.done{border-top-color:#188038}
h1{font-size:22px;margin:0 0 12px}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:16px 0}
dt{color:#5f6368}dd{margin:0;word-break:break-all}code{background:#f1f3f4;padding:1px 4px;border-radius:3px}
label{display:block;margin:12px 0 4px;color:#5f6368}textarea,input[type=text]{width:100%;box-sizing:border-box;font:inherit;padding:6px}
button{font:inherit;font-weight:600;padding:8px 18px;border:0;border-radius:4px;background:#1a73e8;color:#fff;cursor:pointer;margin-top:16px}
button.secondary{background:#5f6368}p.note{color:#5f6368;font-size:14px}`;

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Text for the reader: invisible and reordering characters made visible, then HTML-escaped. */
export function shown(value: string): string {
  return esc(terminalSafe(value));
}

export function page(title: string, body: string, kind: 'ask' | 'done' | 'error' = 'ask'): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${shown(title)} · rekwatch</title><style>${CSS}</style></head><body><main class="${kind}"><h1>${shown(title)}</h1>${body}</main></body></html>`;
}

export function facts(rows: Array<[string, string | undefined]>): string {
  return `<dl>${rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `<dt>${esc(k)}</dt><dd>${shown(v!)}</dd>`).join('')}</dl>`;
}

export function hidden(fields: Record<string, string>): string {
  return Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
}
