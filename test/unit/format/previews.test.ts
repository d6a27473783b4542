/**
 * docs/previews/ (the README's "what a person receives") stays in step with the formatters: the
 * text previews are regenerated in-process and compared with the committed files. No browser here;
 * the screenshots are only checked to exist and stay small.
 *
 *   npm run previews    rewrite docs/previews/ (text and screenshots), then review `git diff`
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { formatSlack } from '../../../functions/core/format/slack';
import type { Alert } from '../../../functions/core/common/types';
import {
  buildPreviewAlert,
  PREVIEW_RULE_ID,
  PREVIEW_WIDTH,
  PREVIEWS_DIR,
  renderPreviewPages,
  renderPreviewTexts,
  type PreviewTexts,
} from '../../../scripts/render-previews';
import { decodeSlackEntities, mrkdwnHtml, slackPreviewHtml } from '../../../scripts/slack-preview-html';
import { HOSTILE_PRINCIPAL, hostileAlert } from './fixtures';

const HINT = 'run `npm run previews` and commit docs/previews/';

function committed(file: string): string | undefined {
  try {
    return readFileSync(join(PREVIEWS_DIR, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** Throws a readable error (first differing line) instead of a 4 KB string diff. */
function expectUpToDate(file: string, fresh: string): void {
  const onDisk = committed(file);
  if (onDisk === fresh) return;
  if (onDisk === undefined) throw new Error(`docs/previews/${file} is missing: ${HINT}`);
  const a = onDisk.split('\n');
  const b = fresh.split('\n');
  let i = 0;
  while (i < Math.max(a.length, b.length) && a[i] === b[i]) i++;
  throw new Error(
    `docs/previews/${file} is out of date: ${HINT}\n` +
      `first difference at line ${i + 1}:\n  committed: ${JSON.stringify(a[i] ?? '(end of file)')}\n  expected:  ${JSON.stringify(b[i] ?? '(end of file)')}`,
  );
}

/** Width, height, colour type of a PNG. */
function pngInfo(buf: Buffer): { width: number; height: number; colorType: number } {
  expect(buf.subarray(1, 4).toString('ascii')).toBe('PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), colorType: buf[25]! };
}

/** Tag names and attribute names in a page: the renderer must emit only its own small vocabulary. */
function markup(html: string): { tags: Set<string>; attributes: Set<string> } {
  const tags = new Set<string>();
  const attributes = new Set<string>();
  for (const m of html.matchAll(/<\/?([A-Za-z][\w-]*)([^>]*)>/g)) {
    tags.add(m[1]!.toLowerCase());
    // Attribute values are always double-quoted (and escaped, so they hold no `"`).
    const rest = m[2]!.replace(/="[^"]*"/g, '');
    for (const a of rest.matchAll(/[^\s/]+/g)) attributes.add(a[0].toLowerCase());
  }
  return { tags, attributes };
}
const ALLOWED_TAGS = ['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'div', 'span', 'a', 'b', 'i', 's', 'code', 'pre', 'hr'];
const ALLOWED_ATTRIBUTES = ['lang', 'charset', 'class', 'href', 'style', 'title', 'aria-hidden'];

function expectOwnMarkupOnly(html: string): void {
  const { tags, attributes } = markup(html.replace(/^<!DOCTYPE html>/, ''));
  expect([...tags].filter((t) => !ALLOWED_TAGS.includes(t))).toEqual([]);
  expect([...attributes].filter((a) => !ALLOWED_ATTRIBUTES.includes(a))).toEqual([]);
  // Only http(s) and mailto links.
  for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^(https?:\/\/|mailto:)/);
}

describe('docs/previews', () => {
  let alert: Alert;
  let texts: PreviewTexts;

  beforeAll(async () => {
    alert = await buildPreviewAlert();
    texts = renderPreviewTexts(alert);
  });

  it('shows a genuine alert from the shipped pack, at the test event\'s own time', async () => {
    expect(alert.ruleId).toBe(PREVIEW_RULE_ID);
    expect(alert.eventName).toBe('DeleteCollection');
    expect(alert.eventTime).toBe('2026-11-20T09:15:00Z');
    expect(await buildPreviewAlert()).toEqual(alert);
  });

  it.each(['email.txt', 'slack.json'] as const)('committed %s matches the formatters', (file) => {
    expectUpToDate(file, texts[file]);
  });

  it('email.txt starts with the subject line, slack.json is the Block Kit payload', () => {
    expect(texts['email.txt']).toMatch(/^Subject: \[HIGH\] Face collection deleted without MFA in prod-vision\/us-east-1 by assumed-role\/Admin\/alice\n\n/);
    expect(JSON.parse(texts['slack.json'])).toEqual(formatSlack(alert));
  });

  it.each(['email.png', 'slack.png'])('%s exists, is %i px wide and under 400 KB', (file) => {
    let buf: Buffer;
    try {
      buf = readFileSync(join(PREVIEWS_DIR, file));
    } catch {
      throw new Error(`docs/previews/${file} is missing: ${HINT}`);
    }
    expect(pngInfo(buf).width).toBe(PREVIEW_WIDTH);
    expect(buf.length).toBeLessThan(400 * 1024);
  });

  it('draws the Slack message from the payload formatSlack emits', () => {
    const html = renderPreviewPages(alert)['slack.png'];
    expectOwnMarkupOnly(html);
    expect(html).toContain('<span class="name">rekwatch</span>');
    expect(html).toContain('<div class="block header"><span class="emoji-dot"');
    expect(html).toContain('HIGH · Face collection deleted without MFA · prod-vision/us-east-1</div>');
    expect(html).toContain('<div class="fields"><div class="field"><b>Principal</b>\n<code>arn:aws:sts::111122223333:assumed-role/Admin/alice</code></div>');
    expect(html).toContain('<b>without MFA</b>');
    expect(html).toMatch(/<a class="button primary" href="https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudtrail\/[^"]+">Open in CloudTrail<\/a>/);
    expect(html).toContain('<div class="block context"><span class="context-text">Rule <code>collection-deleted-without-mfa</code>');
    expect(html).not.toContain('block not drawn in this preview');
  });
});

describe('slack-preview-html', () => {
  it('escapes hostile values from a formatted alert: no script, no live mention, no foreign link', () => {
    const message = formatSlack(hostileAlert());
    const html = slackPreviewHtml(message.blocks, { fallbackText: message.text });
    expectOwnMarkupOnly(html);
    expect(html).not.toMatch(/<script|<img|<!channel|<!here|<@U/i);
    // formatSlack sends `&lt;script&gt;`: shown as `<script>`, which in HTML is escaped again.
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;!channel&gt;');
    expect(html).not.toContain('evil.example/login"');
    expect(HOSTILE_PRINCIPAL).toContain('<script>');
  });

  it('escapes hostile values written straight into a field, header, button and unknown block', () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'Header <script>alert(1)</script> & "quotes"' } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*User*\n`<script>alert(1)</script>` <!channel> &lt;!here&gt; <javascript:alert(1)|click me>' },
          { type: 'plain_text', text: '<img src=x onerror=alert(1)> \' "' },
        ],
      },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: '<b>go</b>' }, url: 'https://ok.example/"><script>x</script>' }] },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'bad' }, url: 'javascript:alert(1)' }] },
      { type: '<img src=x onerror=alert(1)>' },
    ];
    const html = slackPreviewHtml(blocks, { appName: '<b>app</b>', timeLabel: '"><script>' });
    expectOwnMarkupOnly(html);
    expect(html).not.toMatch(/<script|<img|<!channel|<!here/i);
    expect(html).toContain('Header &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(html).toContain('<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    expect(html).toContain('<span class="mention broadcast">@channel</span>'); // a real mention is drawn as one, never raw
    expect(html).toContain('&lt;!here&gt;'); // an escaped one is just text
    expect(html).toContain('<span class="link-bad">click me</span>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &#39; &quot;');
    expect(html).toContain('href="https://ok.example/&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(html).toContain('<span class="button">bad</span>');
    expect(html).toContain('[&lt;img src=x onerror=alert(1)&gt; block not drawn in this preview]');
    expect(html).toContain('<span class="name">&lt;b&gt;app&lt;/b&gt;</span>');
  });

  it('draws mrkdwn: bold, italic, strike, code, links, mentions, emoji and entities', () => {
    expect(mrkdwnHtml('*bold* _italic_ ~strike~ `co*de*`')).toBe('<b>bold</b> <i>italic</i> <s>strike</s> <code>co*de*</code>');
    expect(mrkdwnHtml('*bold _and italic_*')).toBe('<b>bold <i>and italic</i></b>');
    expect(mrkdwnHtml('snake_case_name and 2*3*4')).toBe('snake_case_name and 2*3*4');
    expect(mrkdwnHtml('<https://a.example/?x=1&amp;y=2|Tom &amp; Jerry> <mailto:a@b.example>')).toBe(
      '<a class="link" href="https://a.example/?x=1&amp;y=2">Tom &amp; Jerry</a> <a class="link" href="mailto:a@b.example">mailto:a@b.example</a>',
    );
    expect(mrkdwnHtml('<@U123> <#C1|ops> <!subteam^S1|@oncall>')).toBe(
      '<span class="mention">@U123</span> <span class="mention">#ops</span> <span class="mention broadcast">@oncall</span>',
    );
    expect(mrkdwnHtml('a &lt; b &amp;&amp; c &gt; d, &amp;lt; stays')).toBe('a &lt; b &amp;&amp; c &gt; d, &amp;lt; stays');
    expect(mrkdwnHtml(':red_circle: at 09:15:00 :no_such_emoji:')).toBe(
      '<span class="emoji-dot" style="background:#dd2e44" title=":red_circle:"></span> at 09:15:00 :no_such_emoji:',
    );
    expect(mrkdwnHtml('see https://x.example/a.', false)).toBe('see <a class="link" href="https://x.example/a">https://x.example/a</a>.');
    expect(mrkdwnHtml('see https://x.example/a.', true)).toBe('see https://x.example/a.');
    expect(mrkdwnHtml('```\n<b>x</b>\n```')).toBe('<pre>&lt;b&gt;x&lt;/b&gt;\n</pre>');
    expect(mrkdwnHtml('> quoted *x*')).toBe('<span class="quote">quoted <b>x</b></span>');
    expect(decodeSlackEntities('&amp;lt;&lt;&gt;&quot;')).toBe('&lt;<>&quot;');
  });

  it('draws the fallback text when there are no blocks', () => {
    expect(slackPreviewHtml([], { fallbackText: '[HIGH] *x* &lt;y&gt;' })).toContain('<div class="block">[HIGH] <b>x</b> &lt;y&gt;</div>');
  });
});

