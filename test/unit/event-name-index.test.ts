import fc from 'fast-check';
import { EventNameIndex, possibleEventNames } from '../../functions/core/match/event-name-index';

const leaf = (operator: string, value: unknown, extra: Record<string, unknown> = {}) => ({ fact: 'eventName', operator, value, ...extra });
const sorted = (s: Set<string> | null) => (s === null ? null : [...s].sort());

describe('possibleEventNames', () => {
  it('reads equal / in leaves, intersects under all and unites under any', () => {
    expect(sorted(possibleEventNames({ all: [leaf('equal', 'A')] }))).toEqual(['A']);
    expect(sorted(possibleEventNames({ all: [leaf('in', ['A', 'B']), leaf('in', ['B', 'C'])] }))).toEqual(['B']);
    expect(sorted(possibleEventNames({ any: [leaf('equal', 'A'), { all: [leaf('in', ['B'])] }] }))).toEqual(['A', 'B']);
    expect(sorted(possibleEventNames({ all: [leaf('in', [])] }))).toEqual([]);
  });

  it('resolves named lists, which are fixed for the life of a pack', () => {
    const lists = { writes: ['DeleteCollection', 'IndexFaces'] };
    expect(sorted(possibleEventNames({ all: [leaf('in', { fact: 'lists', path: '$.writes' })] }, lists))).toEqual(['DeleteCollection', 'IndexFaces']);
    expect(sorted(possibleEventNames({ all: [leaf('in', { fact: 'lists', path: "$['writes']" })] }, lists))).toEqual(['DeleteCollection', 'IndexFaces']);
    expect(possibleEventNames({ all: [leaf('in', { fact: 'lists', path: '$.missing' })] }, lists)).toBeNull();
    expect(possibleEventNames({ all: [leaf('in', { fact: 'lists', path: '$..writes' })] }, lists)).toBeNull();
  });

  it('reads an empty list as no eventName at all, so the rule is never a candidate', () => {
    const lists = { none: [] as string[], writes: ['IndexFaces'] };
    expect(sorted(possibleEventNames({ all: [leaf('in', { fact: 'lists', path: '$.none' })] }, lists))).toEqual([]);
    expect(sorted(possibleEventNames({ any: [leaf('in', { fact: 'lists', path: '$.none' }), leaf('in', { fact: 'lists', path: '$.writes' })] }, lists))).toEqual(['IndexFaces']);
    const idx = new EventNameIndex([{ item: 'never', names: possibleEventNames({ all: [leaf('in', [])] }) }, { item: 'any', names: null }]);
    expect(idx.candidates('DeleteCollection')).toEqual(['any']);
    expect(idx.candidates(undefined)).toEqual(['any']);
  });

  it('says "any eventName" whenever it cannot be certain', () => {
    expect(possibleEventNames({ not: leaf('equal', 'A') })).toBeNull();
    expect(possibleEventNames({ any: [leaf('equal', 'A'), { fact: 'principalType', operator: 'equal', value: 'Root' }] })).toBeNull();
    expect(possibleEventNames({ all: [leaf('startsWith', 'Delete')] })).toBeNull();
    expect(possibleEventNames({ all: [leaf('equal', 'A', { path: '$.x' })] })).toBeNull();
    expect(possibleEventNames({ all: [leaf('in', { fact: 'recipientAccountId' })] })).toBeNull();
    expect(possibleEventNames({ all: [leaf('notEqual', 'A')] })).toBeNull();
    expect(possibleEventNames({ any: [] })).toBeNull();
    expect(possibleEventNames({ all: [leaf('equal', 'A')], any: [] })).toBeNull();
    expect(possibleEventNames({ all: [] })).toBeNull();
  });
});

describe('EventNameIndex', () => {
  it('returns rules that can match a name, plus rules that match any name, in original order', () => {
    const idx = new EventNameIndex([
      { item: 'a', names: new Set(['X']) },
      { item: 'b', names: null },
      { item: 'c', names: new Set(['X', 'Y']) },
    ]);
    expect(idx.candidates('X')).toEqual(['a', 'b', 'c']);
    expect(idx.candidates('Y')).toEqual(['b', 'c']);
    expect(idx.candidates('Z')).toEqual(['b']);
    expect(idx.candidates(undefined)).toEqual(['b']);
  });

  it('gives for the bytes of an ASCII name (candidatesAt) what it gives for the name', () => {
    const pool = ['X', 'Y', 'XY', 'YX', 'IndexFaces', 'IndexFacez', 'Détect', ''];
    const names = fc.oneof(fc.constantFrom(...pool), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(fc.option(fc.uniqueArray(names, { maxLength: 4 }), { nil: null }), { minLength: 1, maxLength: 5 }), names, fc.string({ maxLength: 3 }), (sets, name, pad) => {
        fc.pre(/^[\x00-\x7f]*$/.test(name + pad));
        const idx = new EventNameIndex(sets.map((n, i) => ({ item: i, names: n === null ? null : new Set(n) })));
        const bytes = Buffer.from(pad + name + pad);
        expect(idx.candidatesAt(bytes, pad.length, pad.length + name.length)).toEqual(idx.candidates(name));
      }),
      { numRuns: 500 },
    );
    const idx = new EventNameIndex([{ item: 'a', names: new Set(['Détect', 'IndexFaces']) }, { item: 'b', names: null }]);
    expect(idx.candidatesAt(Buffer.from('"IndexFaces"'), 1, 11)).toEqual(['a', 'b']);
    expect(idx.candidatesAt(Buffer.from('"IndexFacez"'), 1, 11)).toEqual(['b']);
    expect(idx.candidatesAt(Buffer.from('"Detect"'), 1, 7)).toEqual(['b']);
  });
});
