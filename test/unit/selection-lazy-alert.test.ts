/**
 * A threshold selection's lazily built alert (functions/core/detect/selection.ts `lazyAlert`): built
 * once, on the first read, and only then; carried by every kind of copy (spread, JSON, structured
 * clone) and nothing else with it; the builder (and the record it closes over) let go once built;
 * and every lazy selection of the same fields in one hidden class, with fast properties, which is
 * what lets them die young (with a getter made per selection, every selection after the first was a
 * dictionary-mode object, and the bench's threshold rule doubled a worker's GC time).
 */
import { deserialize, serialize, setFlagsFromString } from 'node:v8';
import { alertBuilt, lazyAlert, type AlertSource, type SelectionData } from '../../functions/core/detect/selection';
import type { Alert } from '../../functions/core/common/types';

const data = (i: number): SelectionData => ({ ruleId: 'mass-face-enrolment', key: 'k'.repeat(32), keyValues: { principalArn: `arn:aws:sts::111122223333:assumed-role/app/s-${i}` }, eventTime: 1_763_600_000_000 + i, id: String(i).padStart(24, '0') });
const alertOf = (i: number) => ({ id: `a-${i}`, ruleId: 'mass-face-enrolment', eventId: `e-${i}` }) as unknown as Alert;

describe('lazyAlert', () => {
  it('builds the alert on the first read only, and keeps it', () => {
    let builds = 0;
    const s = lazyAlert(data(1), () => {
      builds++;
      return alertOf(1);
    });
    expect(builds).toBe(0);
    expect(alertBuilt(s)).toBe(false);
    expect(s.alert).toEqual(alertOf(1));
    expect(s.alert).toBe(s.alert);
    expect(builds).toBe(1);
    expect(alertBuilt(s)).toBe(true);
    expect(Object.getOwnPropertyDescriptor(s, 'alert')).toMatchObject({ enumerable: true, writable: true });
  });

  it('is carried by a spread, JSON and a structured clone, each building it; the builder is not', () => {
    const copies = [(s: object) => ({ ...s }), (s: object) => JSON.parse(JSON.stringify(s)), (s: object) => deserialize(serialize(s))];
    for (const copy of copies) {
      const s = lazyAlert(data(2), () => alertOf(2));
      const c = copy(s) as Record<string | symbol, unknown>;
      expect(c).toEqual({ ...data(2), alert: alertOf(2) });
      expect(Object.getOwnPropertySymbols(c)).toEqual([]);
      expect(Object.keys(c)).toEqual(['ruleId', 'key', 'keyValues', 'eventTime', 'id', 'alert']);
      expect(alertBuilt(s)).toBe(true);
    }
  });

  it('builds from a source shared by several selections (one record), each its own alert from its own fields, once', () => {
    const asked: string[] = [];
    const source: AlertSource = {
      alertOf: (sel) => {
        asked.push(sel.id);
        return { ...alertOf(Number(sel.id)), ruleId: sel.ruleId } as Alert;
      },
    };
    const a = lazyAlert({ ...data(4), ruleId: 'r1' }, source);
    const b = lazyAlert({ ...data(5), ruleId: 'r2' }, source);
    expect(asked).toEqual([]);
    expect(b.alert).toMatchObject({ id: 'a-5', ruleId: 'r2' });
    expect(a.alert).toMatchObject({ id: 'a-4', ruleId: 'r1' });
    void a.alert;
    expect(asked).toEqual([b.id, a.id]);
    expect({ ...a }).toEqual({ ...data(4), ruleId: 'r1', alert: a.alert });
    expect(Object.getOwnPropertySymbols(a).map((k) => (a as unknown as Record<symbol, unknown>)[k])).toEqual([undefined]);
  });

  it('lets the builder go once the alert is built', () => {
    const s = lazyAlert(data(3), () => alertOf(3));
    const held = () => Object.getOwnPropertySymbols(s).map((k) => (s as unknown as Record<symbol, unknown>)[k]);
    expect(held().filter((v) => typeof v === 'function')).toHaveLength(1);
    void s.alert;
    expect(held().filter((v) => typeof v === 'function')).toHaveLength(0);
  });

  it('gives every lazy selection of the same fields one hidden class with fast properties, before and after its alert is built', () => {
    // V8's own tests (natives syntax, allowed in functions compiled after the flag is set).
    setFlagsFromString('--allow-natives-syntax');
    const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
    const fast = new Function('a', 'return %HasFastProperties(a)') as (a: object) => boolean;
    const shared: AlertSource = { alertOf: (sel) => alertOf(sel.eventTime) };
    // Built by a function of their own or from a shared source: one hidden class all the same.
    const all = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? lazyAlert(data(10 + i), () => alertOf(10 + i)) : lazyAlert(data(10 + i), shared)));
    const check = () => {
      expect(all.map(fast)).toEqual(all.map(() => true));
      expect(all.map((s) => sameMap(s, all[0] as object))).toEqual(all.map(() => true));
    };
    check();
    for (const s of all) void s.alert;
    check();
  });
});
