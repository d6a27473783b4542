import { MemoryStateStore, StateConflictError, updateState, type DetectionStateStore } from '../../functions/core/detect/state-store';

describe('MemoryStateStore', () => {
  let now = 1_000;
  const store = () => new MemoryStateStore(() => now);

  it('writes only over the expected version and bumps it', async () => {
    const s = store();
    expect(await s.put('k', { n: 1 }, 0, 5_000)).toBe(true);
    expect(await s.put('k', { n: 2 }, 0, 5_000)).toBe(false);
    expect(await s.get('k')).toEqual({ value: { n: 1 }, version: 1, expiresAt: 5_000 });
    expect(await s.put('k', { n: 2 }, 1, 5_000)).toBe(true);
    expect((await s.get('k'))?.version).toBe(2);
  });

  it('reads an expired item as absent, and a new item over it starts at version 1', async () => {
    const s = store();
    await s.put('k', 'old', 0, 2_000);
    now = 2_000;
    expect(await s.get('k')).toBeUndefined();
    expect(await s.put('k', 'new', 1, 9_000)).toBe(false);
    expect(await s.put('k', 'new', 0, 9_000)).toBe(true);
    expect(await s.get('k')).toEqual({ value: 'new', version: 1, expiresAt: 9_000 });
    now = 1_000;
  });

  it('copies values so callers cannot change what is stored', async () => {
    const s = store();
    const v = { list: [1] };
    await s.put('k', v, 0, 5_000);
    v.list.push(2);
    const got = await s.get<{ list: number[] }>('k');
    got!.value.list.push(3);
    expect((await s.get('k'))?.value).toEqual({ list: [1] });
  });

  it('without copies, hands out what it holds, and a later write or expiry leaves what a reader holds as it was', () => {
    const s = new MemoryStateStore(() => now, { copy: false });
    const v = { n: 1 };
    s.putNow('k', v, 0, 5_000);
    const first = s.getNow<{ n: number }>('k');
    expect(first).toEqual({ value: v, version: 1, expiresAt: 5_000 });
    expect(first?.value).toBe(v);
    expect(s.putNow('k', { n: 2 }, 1, 6_000)).toBe(true);
    expect(s.getNow('k')).toEqual({ value: { n: 2 }, version: 2, expiresAt: 6_000 });
    now = 6_000;
    expect(s.getNow('k')).toBeUndefined();
    now = 1_000;
    expect(first).toEqual({ value: { n: 1 }, version: 1, expiresAt: 5_000 });
  });

  it('holds what is live, not every key ever written: expired keys nobody reads again are swept', async () => {
    let clock = 0;
    const s = new MemoryStateStore(() => clock, { copy: false });
    // A key per session, each written once and never read again, live for 100 ticks of the clock.
    let peak = 0;
    for (let i = 0; i < 50_000; i++) {
      clock = i;
      expect(await s.put(`threshold#r#session-${i}`, { i }, 0, i + 100)).toBe(true);
      peak = Math.max(peak, s.held);
    }
    expect(s.size).toBe(100);
    expect(peak).toBeLessThan(2_500);
    // Live items are never swept.
    expect((await s.get('threshold#r#session-49999'))?.value).toEqual({ i: 49_999 });
  });

  it('refuses a value over the size limit', async () => {
    await expect(store().put('k', 'x'.repeat(400_000), 0, 5_000)).rejects.toThrow(/over 350000 bytes/);
  });
});

describe('updateState', () => {
  it('applies every one of 20 concurrent increments once', async () => {
    const s = new MemoryStateStore(() => 0);
    await Promise.all(Array.from({ length: 20 }, () => updateState<number>(s, 'c', (n) => ({ value: (n ?? 0) + 1, expiresAt: 10 }))));
    expect((await s.get('c'))?.value).toBe(20);
  });

  it('leaves the item when the change says so, and returns the stored value', async () => {
    const s = new MemoryStateStore(() => 0);
    await s.put('k', 7, 0, 10);
    expect(await updateState<number>(s, 'k', () => undefined)).toBe(7);
    expect((await s.get('k'))?.version).toBe(1);
  });

  it('gives up with a named error when every attempt conflicts', async () => {
    const always: DetectionStateStore = { get: async () => undefined, put: async () => false };
    await expect(updateState(always, 'k', () => ({ value: 1, expiresAt: 1 }), 3)).rejects.toThrow(StateConflictError);
  });
});
