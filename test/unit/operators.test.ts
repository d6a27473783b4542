import fc from 'fast-check';
import { RE2JS } from 're2js';
import { compileGlob, globMatch } from '../../functions/core/match/glob';
import { parseCidr, parseIp } from '../../functions/core/match/ip';
import { Evaluator } from '../../functions/core/match/evaluator';
import { CUSTOM_OPERATORS } from '../../functions/core/match/operators';
import { record } from '../helpers/records';

const op = (name: string) => {
  const found = CUSTOM_OPERATORS.find((o) => o.name === name);
  if (!found) throw new Error(name);
  return found.evaluate;
};

describe('parseIp', () => {
  it.each(['192.0.2.1', '0.0.0.0', '255.255.255.255', '2001:db8::1', '::1', 'fe80::1'])('accepts %s', (ip) => {
    expect(parseIp(ip)).not.toBeNull();
  });
  it.each([
    'AWS Internal', 'rekognition.amazonaws.com', '192.0.2.01', '253.252.51.07', 'a, b', '', '-', '1.2.3', '1.2.3.4.5',
    '256.1.1.1', ' 192.0.2.1', '192.0.2.1 ', '0x7f.0.0.1', '2001:db8::1::2', 'x'.repeat(100), null, 42, {},
  ])('rejects %p', (value) => {
    expect(parseIp(value)).toBeNull();
  });
  it('treats IPv4-mapped IPv6 as IPv4', () => {
    expect(parseIp('::ffff:192.0.2.1')?.toString()).toBe('192.0.2.1');
  });
});

describe('parseCidr', () => {
  it.each(['10.0.0.0/8', '192.0.2.1', '2001:db8::/32', '::/0', '0.0.0.0/0'])('accepts %s', (c) => expect(parseCidr(c)).not.toBeNull());
  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '/8', '10.0.0.0/8/8', 'ten/8', '10.0.0.0/-1', '10.0.0.0/ 8'])('rejects %s', (c) =>
    expect(parseCidr(c)).toBeNull());
});

describe('ipInCidr / ipNotInCidr', () => {
  const inCidr = op('ipInCidr');
  const notIn = op('ipNotInCidr');
  const ranges = ['10.0.0.0/8', '2001:db8::/32'];

  it('matches IPv4 and IPv6 against one CIDR or an array', () => {
    expect(inCidr('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(inCidr('10.1.2.3', ranges)).toBe(true);
    expect(inCidr('2001:db8:1::5', ranges)).toBe(true);
    expect(inCidr('11.0.0.1', ranges)).toBe(false);
    expect(notIn('11.0.0.1', ranges)).toBe(true);
    expect(notIn('2001:db9::1', ranges)).toBe(true);
    expect(notIn('10.0.0.1', ranges)).toBe(false);
  });

  it('reads IPv4 as the IPv4-mapped block of one 128-bit address space (::ffff:0:0/96)', () => {
    // An address inside ::ffff:0:0/96 is inside every range containing that one.
    expect(inCidr('10.0.0.1', '::ffff:0:0/96')).toBe(true);
    expect(inCidr('10.0.0.1', '::/0')).toBe(true);
    expect(inCidr('10.0.0.1', '::/8')).toBe(true);
    expect(inCidr('10.0.0.1', '::/80')).toBe(true);
    expect(notIn('10.0.0.1', '::/0')).toBe(false);
    // ...and outside ranges that do not contain it.
    expect(inCidr('10.0.0.1', '::/96')).toBe(false); // IPv4-compatible block, not the mapped one
    expect(inCidr('10.0.0.1', '2001:db8::/32')).toBe(false);
    expect(inCidr('2001:db8::1', '::ffff:0:0/96')).toBe(false);
    expect(inCidr('2001:db8::1', '0.0.0.0/0')).toBe(false);
    expect(inCidr('::a00:1', '10.0.0.0/8')).toBe(false); // ::10.0.0.1 is not ::ffff:10.0.0.1
    expect(inCidr('::ffff:10.0.0.1', '10.0.0.0/8')).toBe(true);
  });

  it('reads a bare address as one host: /32 for IPv4, /128 for IPv6', () => {
    expect(parseCidr('192.0.2.1')?.[1]).toBe(32);
    expect(parseCidr('2001:db8::1')?.[1]).toBe(128);
    expect(inCidr('192.0.2.1', '192.0.2.1')).toBe(true);
    expect(inCidr('192.0.2.2', '192.0.2.1')).toBe(false);
    expect(inCidr('2001:db8::1', '2001:db8::1')).toBe(true);
    expect(inCidr('2001:db8::2', '2001:db8::1')).toBe(false); // a /32 would hold it
    expect(inCidr('2001:db8:ffff::1', '2001:db8::1')).toBe(false);
    expect(notIn('2001:db8::2', ['2001:db8::1'])).toBe(true);
  });

  it('is exact at prefix boundaries: /8, /31, /32, /32 of IPv6, /127, /128', () => {
    expect(inCidr('10.255.255.255', '10.0.0.0/8')).toBe(true);
    expect(inCidr('11.0.0.0', '10.0.0.0/8')).toBe(false);
    expect(inCidr('9.255.255.255', '10.0.0.0/8')).toBe(false);
    expect(inCidr('192.0.2.1', '192.0.2.1/32')).toBe(true);
    expect(inCidr('192.0.2.0', '192.0.2.1/32')).toBe(false);
    expect(inCidr('192.0.2.0', '192.0.2.1/31')).toBe(true);
    expect(inCidr('192.0.2.2', '192.0.2.1/31')).toBe(false);
    expect(inCidr('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::/32')).toBe(true);
    expect(inCidr('2001:db9::', '2001:db8::/32')).toBe(false);
    expect(inCidr('2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::/32')).toBe(false);
    expect(inCidr('2001:db8::1', '2001:db8::1/128')).toBe(true);
    expect(inCidr('2001:db8::', '2001:db8::1/128')).toBe(false);
    expect(inCidr('2001:db8::', '2001:db8::1/127')).toBe(true);
    expect(inCidr('2001:db8::2', '2001:db8::1/127')).toBe(false);
  });

  it('treats an address with a zone id (fe80::1%eth0) as not an IP: both operators false', () => {
    expect(parseIp('fe80::1%eth0')).toBeNull();
    expect(parseCidr('fe80::1%eth0')).toBeNull();
    expect(parseCidr('fe80::%eth0/64')).toBeNull();
    expect(inCidr('fe80::1%eth0', 'fe80::/10')).toBe(false);
    expect(notIn('fe80::1%eth0', 'fe80::/10')).toBe(false);
    expect(inCidr('fe80::1', 'fe80::/10')).toBe(true);
  });

  it('holds embedded IPv4 to the same strict syntax, and reads ::a.b.c.d as IPv4-compatible, not mapped', () => {
    expect(parseIp('::ffff:192.0.2.01')).toBeNull();
    expect(parseIp('::ffff:0x7f.0.0.1')).toBeNull();
    expect(parseIp('::1.2.3.4')?.toString()).toBe('::102:304');
    expect(inCidr('::1.2.3.4', '1.2.3.4')).toBe(false);
    expect(inCidr('::1.2.3.4', '::102:304/128')).toBe(true);
  });

  it('accepts the longest textual forms under the 64-character cap', () => {
    expect(parseIp('0000:0000:0000:0000:0000:ffff:255.255.255.255')?.toString()).toBe('255.255.255.255');
    expect(parseIp('2001:0db8:0000:0000:0000:0000:0000:0001')?.toString()).toBe('2001:db8::1');
    expect(parseIp(`${'0'.repeat(60)}::1`)).toBeNull();
  });

  it('is false both ways for anything that is not an IP', () => {
    for (const v of ['AWS Internal', 'rekognition.amazonaws.com', '192.0.2.01', 'a, b', '', '-', undefined, null, 7, ['10.0.0.1']]) {
      expect(inCidr(v, ranges)).toBe(false);
      expect(notIn(v, ranges)).toBe(false);
    }
  });

  it('answers the same for an address met before (parsed addresses are remembered, the memory bounded)', () => {
    const inCidr = op('ipInCidr');
    const notIn = op('ipNotInCidr');
    for (let round = 0; round < 2; round++) {
      expect(inCidr('10.1.2.3', '10.0.0.0/8')).toBe(true);
      expect(notIn('10.1.2.3', '10.0.0.0/8')).toBe(false);
      expect(inCidr('10.1.2.3', '192.0.2.0/24')).toBe(false);
      expect(inCidr('::ffff:10.1.2.3', '10.0.0.0/8')).toBe(true);
      expect(inCidr('AWS Internal', '0.0.0.0/0')).toBe(false);
      expect(notIn('AWS Internal', '0.0.0.0/0')).toBe(false);
      // Past the bound of remembered addresses (10,000): the cache starts over, answers do not change.
      for (let i = 0; i < 10_050 && round === 0; i++) expect(inCidr(`172.16.${i >> 8}.${i & 255}`, '172.16.0.0/12')).toBe(true);
    }
  });

  it('throws on a malformed rule value (reported as a rule error)', () => {
    expect(() => inCidr('10.0.0.1', 'nope')).toThrow(/not a CIDR/);
    expect(() => notIn('10.0.0.1', 42)).toThrow(/CIDR/);
  });
});

describe('a missing value (a fact reference to a missing field) makes every rekwatch operator false', () => {
  it.each(CUSTOM_OPERATORS.map((o) => o.name))('%s', (name) => {
    for (const missing of [undefined, null]) {
      expect(op(name)('arn:aws:iam::1:user/bob', missing)).toBe(false);
      expect(op(name)('10.0.0.1', missing)).toBe(false);
      expect(op(name)(undefined, missing)).toBe(false);
    }
  });

  it('so a not: around it alerts, and json-rules-engine reports no rule error', async () => {
    const conditions = { not: { fact: 'userIdentity', path: '$.arn', operator: 'endsWith', value: { fact: 'requestParameters', path: '$.userName' } } };
    const ev = new Evaluator(
      { lists: {}, rules: [{ id: 'r', name: 'r', description: '', severity: 'high', enabled: true, tags: [], references: [], tests: [], conditions: conditions as never, file: 'r.json' }] },
      { eventSources: '*' },
    );
    const result = await ev.evaluate(record({ requestParameters: {} }));
    expect(result.errors).toEqual([]);
    expect(result.alerts.map((a) => a.ruleId)).toEqual(['r']);
    const self = await ev.evaluate(record({ userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/bob' }, requestParameters: { userName: 'bob' } }));
    expect(self.alerts).toEqual([]);
  });

  it('a value of the wrong type (not missing) is still a rule error', () => {
    expect(() => op('endsWith')('x', 42)).toThrow(/string/);
    expect(() => op('ipInCidr')('10.0.0.1', 42)).toThrow(/CIDR/);
    expect(() => op('exists')('x', 'yes')).toThrow(/true or false/);
  });
});

describe('exists', () => {
  it('is true for a present value, false for a missing one; null counts as missing', () => {
    for (const present of ['', 'x', 0, false, [], {}]) {
      expect(op('exists')(present, true)).toBe(true);
      expect(op('exists')(present, false)).toBe(false);
    }
    for (const absent of [undefined, null]) {
      expect(op('exists')(absent, true)).toBe(false);
      expect(op('exists')(absent, false)).toBe(true);
    }
  });

  it('reads fields through json-rules-engine paths, and errorCode / mfaAuthenticated as rules need them', async () => {
    const rule = (id: string, c: unknown) => ({ id, name: id, description: '', severity: 'high' as const, enabled: true, tags: [], references: [], tests: [], conditions: c as never, file: `${id}.json` });
    const ev = new Evaluator(
      {
        lists: {},
        rules: [
          rule('failed', { all: [{ fact: 'errorCode', operator: 'exists', value: true }] }),
          rule('no-collection', { all: [{ fact: 'requestParameters', path: '$.collectionId', operator: 'exists', value: false }] }),
          rule('mfa-unknown', { all: [{ fact: 'mfaAuthenticated', operator: 'exists', value: false }] }),
        ],
      },
      { eventSources: '*' },
    );
    const ids = async (over: Record<string, unknown>) => (await ev.evaluate(record(over))).alerts.map((a) => a.ruleId).sort();
    expect(await ids({ errorCode: 'AccessDenied', requestParameters: { collectionId: 'c' } })).toEqual(['failed']);
    expect(await ids({ requestParameters: { collectionId: null }, userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/u' } })).toEqual(['mfa-unknown', 'no-collection']);
    expect(await ids({ requestParameters: null, userIdentity: { type: 'AssumedRole', sessionContext: { attributes: { mfaAuthenticated: 'true' } } } })).toEqual(['no-collection']);
  });
});

describe('string operators', () => {
  it('startsWith / endsWith take a string or any of an array', () => {
    expect(op('startsWith')('arn:aws:iam::1:root', 'arn:aws:iam')).toBe(true);
    expect(op('startsWith')('abc', ['x', 'ab'])).toBe(true);
    expect(op('endsWith')('abc', ['x', 'y'])).toBe(false);
    expect(op('endsWith')(undefined, 'c')).toBe(false);
    expect(op('startsWith')(42, '4')).toBe(false);
  });

  it('matches is a case-sensitive glob; matchesIgnoreCase is not', () => {
    expect(op('matches')('arn:aws:sts::1:assumed-role/BreakGlass/alice', 'arn:aws:sts::*:assumed-role/BreakGlass*/*')).toBe(true);
    expect(op('matches')('Kali', '*kali*')).toBe(false);
    expect(op('matchesIgnoreCase')('aws-cli/2 distrib#KALI.2024', '*kali*')).toBe(true);
  });

  it('matchesRegex uses RE2 (linear time) syntax', () => {
    expect(op('matchesRegex')('aws-cli/2.15.0', '^aws-cli/2\\.')).toBe(true);
    expect(op('matchesRegex')('boto3', '^aws-cli')).toBe(false);
    expect(() => op('matchesRegex')('x', '(a')).toThrow();
    // A pattern that backtracks catastrophically in a backtracking engine completes at once here.
    expect(op('matchesRegex')(`${'a'.repeat(5000)}!`, '^(a+)+$')).toBe(false);
  });

  it('matchesRegex answers asked again (remembered) are the answers asked fresh', () => {
    const m = op('matchesRegex');
    const fresh = (fact: string, pattern: string) => RE2JS.compile(pattern).matcher(fact).find();
    // Pairs whose pattern and fact, written one after the other, spell the same text.
    const pairs: Array<[string, string]> = [['123456789012', '^[0-9]{12}$'], ['12345678901', '^[0-9]{12}$'], ['b', 'a'], ['ab', ''], ['', 'ab'], ['2$', '^[0-9]{1'], ['^[0-9]{12}$123456789012', ''], ['x\u0000c', 'c'], ['c', 'c\u0000x']];
    for (let round = 0; round < 3; round++) for (const [fact, pattern] of pairs) expect(m(fact, pattern)).toBe(fresh(fact, pattern));
    // Many distinct facts (past the bound, which forgets) and long ones (not remembered) stay right.
    for (let i = 0; i < 5000; i++) expect(m(String(100000000000 + i * 7919), '^[0-9]{12}$')).toBe(true);
    expect(m(`${'1'.repeat(300)}`, '^1+$')).toBe(true);
    expect(m(`${'1'.repeat(300)}x`, '^1+$')).toBe(false);
  });
});

describe('globMatch', () => {
  it.each([
    ['*', '', true], ['*', 'anything/at:all', true], ['a?c', 'abc', true], ['a?c', 'ac', false],
    ['*.amazonaws.com', 'rekognition.amazonaws.com', true], ['a*b*c', 'aXbYc', true], ['a*b*c', 'aXbY', false],
    ['abc', 'abc', true], ['abc', 'abcd', false], ['**', 'x', true], ['a*', 'b', false],
  ])('%s vs %s -> %s', (p, t, e) => expect(globMatch(p, t)).toBe(e));

  it('handles a hostile pattern and text in linear-ish time without recursion', () => {
    const text = `${'a'.repeat(20000)}b`;
    expect(globMatch(`${'*a'.repeat(50)}c`, text)).toBe(false);
  });
});

describe('glob semantics', () => {
  /** The reference meaning: `*` any run of characters, `?` exactly one character (code point), the rest literal. */
  const oracle = (pattern: string, text: string) => {
    const body = Array.from(pattern, (c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
    return new RegExp(`^${body}$`, 'su').test(text);
  };

  it('treats every * in the pattern as a wildcard, even where the text has a literal *', () => {
    for (const name of ['matches', 'matchesIgnoreCase']) {
      expect(op(name)('a*xb', 'a*b')).toBe(true);
      // "?*" is the README's "non-empty" idiom; CloudTrail redacts secrets as "***".
      expect(op(name)('***', '?*')).toBe(true);
      expect(op(name)('*', '?*')).toBe(true);
      expect(op(name)('', '?*')).toBe(false);
      expect(op(name)('x*y*z', '*y*')).toBe(true);
    }
    expect(globMatch('a*b', 'a*xb')).toBe(true);
    expect(globMatch('?*', '***')).toBe(true);
  });

  it('matches ? against one character (code point), not one UTF-16 unit', () => {
    expect(op('matches')('a😀b', 'a?b')).toBe(true);
    expect(op('matches')('a😀b', 'a??b')).toBe(false);
    expect(op('matchesIgnoreCase')('A😀B', 'a?b')).toBe(true);
    expect(op('matches')('😀', '?')).toBe(true);
    expect(op('matches')('😀😀', '?*?')).toBe(true);
    expect(op('matches')('😀😀', '???')).toBe(false);
    // A literal surrogate half never matches part of a character.
    expect(op('matches')('😀x', '\ud83d*')).toBe(false);
    expect(op('matches')('😀x', '*\ude00x')).toBe(false);
    expect(op('matches')('\ud83dx', '?x')).toBe(true); // a lone surrogate is one character
  });

  it('agrees with the reference meaning on adversarial patterns and texts', () => {
    const unit = fc.constantFrom('a', 'B', '*', '?', '/', '😀', '\ud83d', '\ude00', 'İ');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 6 }), fc.string({ unit, maxLength: 8 }), (p, t) => {
        expect(globMatch(p, t)).toBe(oracle(p, t));
        expect(compileGlob(p)(t)).toBe(oracle(p, t));
        expect(op('matches')(t, p)).toBe(oracle(p, t));
        expect(op('matchesIgnoreCase')(t, p)).toBe(oracle(p.toLowerCase(), t.toLowerCase()));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('compiled globs agree with globMatch', () => {
  it('for every pattern shape, case-sensitive and not', () => {
    const chars = fc.constantFrom('a', 'B', '*', '?', '/', ':');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 6 }), fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', '/', ':'), maxLength: 8 }), (p, t) => {
        expect(compileGlob(p)(t)).toBe(globMatch(p, t));
        expect(compileGlob(p, true)(t.toLowerCase())).toBe(globMatch(p, t, true));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('CIDR containment is one 128-bit address space', () => {
  // Reference model: IPv4 a.b.c.d is ::ffff:a.b.c.d; an IPv4 range x/n is ::ffff:x/(96+n).
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });
  const bigOf4 = (o: number[]) => (0xffffn << 32n) | BigInt(((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!);
  const bigOf6 = (g: number[]) => g.reduce((acc, x) => (acc << 16n) | BigInt(x), 0n);
  const text4 = (o: number[]) => o.join('.');
  const text6 = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  const mapped = (o: number[]) => [0, 0, 0, 0, 0, 0xffff, (o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!];
  // Addresses as text with their 128-bit value: IPv4, IPv4-mapped IPv6, native IPv6 (some near the mapped block).
  const address = fc.oneof(
    v4.map((o) => ({ text: text4(o), big: bigOf4(o) })),
    v4.map((o) => ({ text: `::ffff:${text4(o)}`, big: bigOf4(o) })),
    v6.map((g) => ({ text: text6(g), big: bigOf6(g) })),
    fc.tuple(fc.constantFrom(0, 0xfffe, 0xffff), v4).map(([w, o]) => {
      const g = [0, 0, 0, 0, 0, w, ...mapped(o).slice(6)];
      return { text: text6(g), big: bigOf6(g) };
    }),
  );
  const inside = (a: bigint, base: bigint, bits: number) => bits === 0 || a >> BigInt(128 - bits) === base >> BigInt(128 - bits);
  // Ranges in either notation, with their 128-bit base and prefix length.
  const range = fc.oneof(
    fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([o, n]) => ({ text: `${text4(o)}/${n}`, base: bigOf4(o), bits: 96 + n })),
    fc.tuple(v4, fc.integer({ min: 96, max: 128 })).map(([o, n]) => ({ text: `::ffff:${text4(o)}/${n}`, base: bigOf4(o), bits: n })),
    fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([g, n]) => ({ text: `${text6(g)}/${n}`, base: bigOf6(g), bits: n })),
    fc.integer({ min: 0, max: 96 }).map((n) => ({ text: `::/${n}`, base: 0n, bits: n })),
  );

  it('equals prefix containment in the 128-bit model, for every notation', () => {
    fc.assert(
      fc.property(address, range, (a, r) => {
        const want = inside(a.big, r.base, r.bits);
        expect(op('ipInCidr')(a.text, r.text)).toBe(want);
        expect(op('ipNotInCidr')(a.text, r.text)).toBe(!want);
      }),
      { numRuns: 5000 },
    );
  });

  it('is monotone: inside a range means inside every range that contains it', () => {
    fc.assert(
      fc.property(address, range, fc.integer({ min: 0, max: 128 }), (a, r, k) => {
        const wider = Math.min(k, r.bits);
        const widerText = `${text6(Array.from({ length: 8 }, (_, i) => Number((r.base >> BigInt(112 - 16 * i)) & 0xffffn)))}/${wider}`;
        if (op('ipInCidr')(a.text, r.text)) expect(op('ipInCidr')(a.text, widerText)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('IPv4-mapped IPv6 ranges', () => {
  it('accepts them and matches the IPv4 addresses they map', () => {
    expect(parseCidr('::ffff:0:0/96')).not.toBeNull();
    expect(parseCidr('::ffff:192.0.2.0/120')?.[1]).toBe(24);
    expect(op('ipInCidr')('192.0.2.9', '::ffff:192.0.2.0/120')).toBe(true);
    expect(op('ipInCidr')('::ffff:192.0.2.9', '::ffff:0:0/96')).toBe(true);
  });
});
