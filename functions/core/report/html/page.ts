/**
 * The document around a report (pure): one self-contained page that makes no request when opened.
 * Styles are inline; charts are inline SVG; there is no script. The Content-Security-Policy meta
 * (`default-src 'none'; style-src 'unsafe-inline'`) makes the browser refuse anything else, so even
 * markup that escaped escaping could not load an image, a font or a script, or send a form. The
 * `title` is escaped here; `body` is the caller's markup, every value in it already escaped.
 */
import { short } from './escape';

export const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const CSS = `:root{color-scheme:light}
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#f4f5f7;color:#202124;margin:0;padding:20px}
main{max-width:1040px;margin:0 auto}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 8px}h3{font-size:14px;margin:12px 0 6px;color:#5f6368}
section{background:#fff;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.12);padding:16px 20px;margin:14px 0}
section.rule{border-left:6px solid #9aa0a6}section.sev-critical{border-left-color:#a50e0e}section.sev-high{border-left-color:#d93025}
section.sev-medium{border-left-color:#f29900}section.sev-low{border-left-color:#1a73e8}section.sev-info{border-left-color:#9aa0a6}
.dim,.cut,p.more{color:#5f6368}p.more{margin:4px 0;font-size:13px}.cut{font-size:12px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e8eaed;vertical-align:top}
th{color:#5f6368;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td{overflow-wrap:break-word}td.nw{white-space:nowrap}td.any{overflow-wrap:anywhere;min-width:13em}td.ip{overflow-wrap:anywhere;min-width:7.5em}code{background:#f1f3f4;padding:1px 4px;border-radius:3px;font-size:12.5px}
.totals{display:flex;flex-wrap:wrap;gap:8px 22px;margin:8px 0 0}.totals div{min-width:92px}
.totals .v{display:block;font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}.totals .k{color:#5f6368;font-size:12px}
.badge{display:inline-block;font-size:11px;font-weight:700;padding:1px 6px;border-radius:3px;color:#fff;background:#9aa0a6;vertical-align:2px}
.badge.critical{background:#a50e0e}.badge.high{background:#d93025}.badge.medium{background:#f29900}.badge.low{background:#1a73e8}
.held{color:#b06000;font-weight:600}.appeared{color:#188038;font-weight:600}.vanished{color:#c5221f;font-weight:600}
figure{margin:8px 0}figcaption{font-weight:600;margin:0 0 4px}svg{max-width:100%;height:auto;display:block}
svg .col{fill:#1a73e8}svg .bar{fill:#8ab4f8}svg .bar.base{fill:#bdc1c6}svg .axis{stroke:#bdc1c6}
svg text{font:11px -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;fill:#3c4043}svg text.cnt{fill:#5f6368}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:4px 20px}
details summary{cursor:pointer;color:#1a73e8;margin:8px 0}a{color:#1a73e8}`;

export function page(title: string, body: string): string {
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">` +
    '<meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${short(title)}</title><style>${CSS}</style></head><body><main>${body}</main></body></html>\n`
  );
}
