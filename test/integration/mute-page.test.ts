/**
 * The mute page (handlePage, as both transports call it) over the real mute store on dynalite: one
 * link makes at most one mute however it is replayed, a used link does not mute again after an undo
 * or expiry, a full live set is a clear page (not a 500), and bidi controls are shown, not obeyed.
 */
import { randomBytes } from 'node:crypto';
import { MuteStore } from '../../functions/adapters/mute-store';
import { signMuteLink, type MuteLinkPayload } from '../../functions/core/suppress/mute-links/token';
import { handlePage, type PageDeps, type PageResponse } from '../../functions/mute-page/app';
import { startDynamo, type LocalDynamo } from '../helpers/dynalite';
import { largestMute, seedMutes } from '../helpers/mute-seed';

const KEY = randomBytes(32);
const HOST = 'mute.example';
let now = Date.parse('2026-11-24T10:00:00Z');
let db: LocalDynamo;
let store: MuteStore;
let deps: PageDeps;

beforeAll(async () => {
  db = await startDynamo('mute-page-test');
  store = new MuteStore(db.client, { tableName: db.tableName, now: () => now });
  deps = { key: KEY, mutes: store, now: () => now, secureCookies: false, ruleNames: new Map([['root-user-activity', 'Root user activity']]) };
});
afterAll(() => db.close());

let alertNo = 0;
/** A fresh signed link, as an alert carries. */
function link(over: Partial<MuteLinkPayload> = {}): string {
  return signMuteLink({ v: 1, r: 'root-user-activity', d: 3_600_000, x: now + 7 * 86_400_000, a: `root-user-activity:e-${++alertNo}`, ...over }, KEY);
}

function get(path: string, query: Record<string, string>): Promise<PageResponse> {
  return handlePage({ method: 'GET', path, query: new URLSearchParams(query), headers: { host: HOST }, body: '' }, deps);
}

/** A POST as a script replaying the link would send it: its own CSRF value, in both cookie and field. */
function post(path: string, form: Record<string, string>, csrf = randomBytes(24).toString('base64url')): Promise<PageResponse> {
  return handlePage(
    { method: 'POST', path, query: new URLSearchParams(), headers: { host: HOST, origin: `https://${HOST}`, cookie: `rekwatch_csrf=${csrf}` }, body: new URLSearchParams({ ...form, csrf }).toString() },
    deps,
  );
}

const liveFrom = async (alert: string) => (await store.liveSet()).records.filter((r) => r.reason.includes(alert) || r.createdBy.includes(alert));

describe('one link, at most one mute', () => {
  it('a link replayed 127 times with fresh CSRF values, long reasons and names gives the same one mute', async () => {
    const t = link();
    const first = await post('/mute', { t, reason: 'first post', by: 'replay-0' });
    expect(first.status).toBe(303);
    for (let i = 1; i < 127; i++) {
      const again = await post('/mute', { t, reason: `x\u0001\u001b[2J`.repeat(100).slice(0, 500), by: `replay-${i}-${'\u0007'.repeat(80)}` });
      expect([again.status, again.headers.location]).toEqual([303, first.headers.location]);
    }
    const live = (await store.liveSet()).records;
    expect(live.filter((m) => m.createdBy.startsWith('replay-'))).toMatchObject([{ reason: 'first post', createdBy: 'replay-0 (via a mute link)' }]);
    // And `rekwatch mute` (the same store) still works for everyone.
    await expect(store.create({ ruleId: '*', scope: {}, reason: 'after the replay', createdBy: 'alice', createdAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString() })).resolves.toMatchObject({ reason: 'after the replay' });
  });

  it('opening a used link again shows that mute instead of asking again', async () => {
    const t = link();
    const made = await post('/mute', { t, reason: 'r', by: 'opener' });
    const again = await get('/mute', { t });
    expect(again.status).toBe(200);
    expect(again.body).toContain('<h1>Already muted</h1>');
    expect(again.body).toContain(`href="${made.headers.location!.replace(/&/g, '&amp;')}"`);
    expect(again.body).not.toContain('id="confirm"');
  });

  it('after an undo the same link mutes nothing more, and says it was used', async () => {
    const t = link();
    const made = await post('/mute', { t, reason: 'r', by: 'undoer' });
    const page = await get('/muted', Object.fromEntries(new URL(made.headers.location!, `https://${HOST}/`).searchParams));
    const [id, u] = [/name="id" value="([^"]+)"/.exec(page.body)![1]!, /name="u" value="([^"]+)"/.exec(page.body)![1]!];
    expect((await post('/unmute', { id, u, by: 'bob' })).status).toBe(200);

    const replay = await post('/mute', { t, reason: 'again', by: 'undoer' });
    expect(replay.status).toBe(409);
    expect(replay.body).toContain('<h1>This link was used already</h1>');
    expect(replay.body).toContain('was undone by bob (via the mute page) at 2026-11-24T10:00:00.000Z');
    expect(replay.body).toContain('nothing was muted');
    expect((await store.liveSet()).records.map((m) => m.id)).not.toContain(id);
    const opened = await get('/mute', { t });
    expect(opened.body).toContain('<h1>This link was used already</h1>');
    expect(opened.body).not.toContain('id="confirm"');
  });

  it('after its mute expired the link mutes nothing more', async () => {
    const t = link();
    expect((await post('/mute', { t, reason: 'r', by: 'expirer' })).status).toBe(303);
    now += 2 * 3_600_000;
    const replay = await post('/mute', { t, reason: 'r', by: 'expirer' });
    expect(replay.status).toBe(409);
    expect(replay.body).toContain('expired at');
    expect(await liveFrom('expirer')).toEqual([]);
  });
});

describe('what the page shows', () => {
  it('shows bidi overrides and other controls as visible escapes, never raw', async () => {
    const principal = 'arn:aws:iam::111122223333:user/\u202egnp.exe';
    const t = link({ p: principal });
    const ask = await get('/mute', { t });
    expect(ask.status).toBe(200);
    expect(ask.body).toContain('arn:aws:iam::111122223333:user/\\u202egnp.exe');
    const made = await post('/mute', { t, reason: 'looks \u202eharmless\u2066', by: 'mallory\u200b' });
    const page = await get('/muted', Object.fromEntries(new URL(made.headers.location!, `https://${HOST}/`).searchParams));
    expect(page.body).toContain('looks \\u202eharmless\\u2066');
    expect(page.body).toContain('mallory\\u200b (via a mute link)');
    for (const body of [ask.body, page.body]) expect(body).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b\u0000-\u0008]/);
  });

  it('a full live set is a clear page that mutes nothing, not a failure', async () => {
    const full = await startDynamo('mute-page-full');
    try {
      const fullStore = new MuteStore(full.client, { tableName: full.tableName, now: () => now });
      await seedMutes(full, Array.from({ length: 60 }, (_, i) => largestMute(`m-full${String(i).padStart(6, '0')}`, now)));
      const res = await handlePage(
        { method: 'POST', path: '/mute', query: new URLSearchParams(), headers: { host: HOST, origin: `https://${HOST}`, cookie: 'rekwatch_csrf=abc' }, body: new URLSearchParams({ t: link(), reason: 'r', csrf: 'abc' }).toString() },
        { ...deps, mutes: fullStore },
      );
      expect(res.status).toBe(409);
      expect(res.body).toContain('Nothing was muted');
      expect(res.body).toContain('the live mute list is full');
      expect((await fullStore.live()).length).toBe(60);
    } finally {
      await full.close();
    }
  });
});
