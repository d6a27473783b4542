import fc from 'fast-check';
import { hasUnsafeDisplayCharacters, htmlText, jsonTerminalSafe, markdownCode, terminalSafe } from '../../functions/core/common/text';

describe('terminalSafe', () => {
  it('shows escape sequences, carriage returns and bidi overrides as visible escapes', () => {
    expect(terminalSafe('\u001b[2JALL CLEAR')).toBe('\\x1b[2JALL CLEAR');
    expect(terminalSafe('evil\rgood')).toBe('evil\\x0dgood');
    expect(terminalSafe('user\u202Egnp.exe')).toBe('user\\u202egnp.exe');
    expect(terminalSafe('a\u2066b\u2069c\u200bd\ufeff')).toBe('a\\u2066b\\u2069c\\u200bd\\ufeff');
    expect(terminalSafe('\u009b31m')).toBe('\\x9b31m');
  });

  it('leaves ordinary text, including non-Latin scripts and emoji, as it is', () => {
    for (const s of ['arn:aws:iam::111122223333:user/alice', '203.0.113.7', 'Zoë 😀 日本語 שלום']) expect(terminalSafe(s)).toBe(s);
  });

  it('never leaves a control or bidi character in its output', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = terminalSafe(s);
        expect(hasUnsafeDisplayCharacters(out)).toBe(false);
        expect(hasUnsafeDisplayCharacters(s)).toBe(out !== s);
      }),
    );
  });
});

describe('jsonTerminalSafe', () => {
  it('escapes what JSON.stringify leaves raw (DEL, C1, U+2028, bidi controls), and the JSON still parses to the same value', () => {
    expect(jsonTerminalSafe(JSON.stringify({ a: 'x\u202ey\u2028\u007f\u009b' }))).toBe('{"a":"x\\u202ey\\u2028\\u007f\\u009b"}');
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary' }), (value, s) => {
        const json = jsonTerminalSafe(JSON.stringify({ value, s }));
        expect(hasUnsafeDisplayCharacters(json)).toBe(false);
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify({ value, s })));
      }),
    );
  });
});

describe('markdownCode', () => {
  it('puts any text in a code span, where links, mentions, issue references, emphasis and HTML are inert', () => {
    expect(markdownCode('arn:aws:iam::111122223333:user/alice')).toBe('`arn:aws:iam::111122223333:user/alice`');
    expect(markdownCode('@org/team #12 [x](https://example.com) <img src=x> **b**')).toBe('`@org/team #12 [x](https://example.com) <img src=x> **b**`');
  });

  it('escapes table pipes, fences around backticks, and shows line breaks and controls as escapes', () => {
    expect(markdownCode('a|b')).toBe('`a\\|b`');
    expect(markdownCode('x`y')).toBe('``x`y``');
    expect(markdownCode('`x``')).toBe('``` `x`` ```');
    expect(markdownCode('a\nb\u001b[2J\u202e')).toBe('`a\\x0ab\\x1b[2J\\u202e`');
    expect(markdownCode('')).toBe('` `');
    expect(markdownCode(' a ')).toBe('`  a  `');
  });

  it('always gives one line, a fence longer than any backtick run inside, and no unescaped pipe', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = markdownCode(s);
        expect(hasUnsafeDisplayCharacters(out)).toBe(false);
        const fence = /^`+/.exec(out)![0];
        expect(out.endsWith(fence)).toBe(true);
        const inner = out.slice(fence.length, out.length - fence.length);
        expect(Math.max(0, ...Array.from(inner.matchAll(/`+/g), (m) => m[0].length))).toBeLessThan(fence.length);
        expect(inner.replace(/\\\|/g, '')).not.toContain('|');
      }),
    );
  });
});

describe('htmlText', () => {
  it('escapes markup characters after making the text terminal-safe', () => {
    expect(htmlText('<b a="1">&\'x\u001b')).toBe('&#60;b a=&#34;1&#34;&#62;&#38;&#39;x\\x1b');
  });
});
