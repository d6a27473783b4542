/**
 * The mute page in headless Chromium, served as `rekwatch serve` serves it (Node HTTP on loopback,
 * the embedded store): a signed link from an alert mutes in two clicks (open, confirm) and can be
 * undone; GET alone never changes anything; tampered, expired and cross-site requests are refused.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { LocalState } from '../../functions/adapters/local-state';
import { MuteStore } from '../../functions/adapters/mute-store';
import { muteLinks } from '../../functions/core/suppress/mute-links/links';
import { signMuteLink } from '../../functions/core/suppress/mute-links/token';
import { startMuteServer, type MuteServer } from '../../functions/mute-page/server';
import { launchChromium } from '../helpers/chromium';
import { hostileAlert } from '../unit/format/fixtures';

const KEY = randomBytes(32);
let state: LocalState;
let store: MuteStore;
let server: MuteServer;
let browser: { context: BrowserContext; close(): Promise<void> };

beforeAll(async () => {
  state = await LocalState.open(join(mkdtempSync(join(tmpdir(), 'rekwatch-page-')), '.rekwatch'));
  store = new MuteStore(state.client, { tableName: state.tableName });
  server = await startMuteServer(
    { key: KEY, mutes: store, now: Date.now, secureCookies: false, ruleNames: new Map([['collection-deleted-without-mfa', 'Face collection deleted without MFA']]) },
    { host: '127.0.0.1', port: 0 },
  );
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await state?.close();
});

const alert = { ...hostileAlert(), ruleId: 'collection-deleted-without-mfa', id: 'collection-deleted-without-mfa:e-1', principal: 'arn:aws:iam::111122223333:user/ci-<b>bot</b>' };
const links = () => muteLinks(alert, { baseUrl: server.url, key: KEY }, Date.now());

it('a mail scanner or link preview opening the link (GET, twice) mutes nothing', async () => {
  const before = (await store.live()).length;
  for (const l of links()) {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(l.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
    }
  }
  expect((await store.live()).length).toBe(before);
});

it('mutes for a principal in two clicks, shows exactly what and until when, and undoes it', async () => {
  const page = await browser.context.newPage();
  const link = links().find((l) => l.label === 'Mute for this principal 24 h')!;
  await page.goto(link.url);
  expect(await page.title()).toBe('Mute these alerts? · rekwatch');
  const text = await page.textContent('main');
  expect(text).toContain('Face collection deleted without MFA (collection-deleted-without-mfa)');
  expect(text).toContain('arn:aws:iam::111122223333:user/ci-<b>bot</b>'); // shown as text, not markup
  expect(await page.locator('main b').count()).toBe(0);
  await page.fill('#by', 'alice');
  await page.click('#confirm');
  await page.waitForURL(/\/muted\?id=m-/);
  const done = await page.textContent('main');
  expect(done).toContain('Muted rule collection-deleted-without-mfa for principal arn:aws:iam::111122223333:user/ci-<b>bot</b>');
  expect(done).toMatch(/23h59m left|1d left|24h/);
  const live = await store.live();
  const mute = live.find((m) => m.scope.principal === alert.principal)!;
  expect(mute).toMatchObject({ ruleId: 'collection-deleted-without-mfa', createdBy: 'alice (via a mute link)', reason: 'Muted from alert collection-deleted-without-mfa:e-1' });
  expect(Date.parse(mute.expiresAt) - Date.parse(mute.createdAt)).toBe(86_400_000);

  await page.reload(); // the result page is a GET: reloading it mutes nothing more
  expect((await store.live()).filter((m) => m.scope.principal === alert.principal)).toHaveLength(1);

  await page.fill('#by', 'alice');
  await page.click('#undo');
  expect(await page.textContent('h1')).toBe('Unmuted');
  expect((await store.live()).find((m) => m.id === mute.id)).toBeUndefined();
  expect(await store.get(mute.id)).toMatchObject({ removedBy: 'alice (via the mute page)' });
  await page.close();
}, 30_000);

it('refuses a tampered link and an expired one, in the browser, and mutes nothing', async () => {
  const before = (await store.live()).length;
  const page = await browser.context.newPage();
  const url = new URL(links()[0]!.url);
  const [body, sig] = url.searchParams.get('t')!.split('.') as [string, string];
  const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), d: 30 * 86_400_000 })).toString('base64url');
  const tampered = await page.goto(`${server.url}mute?t=${widened}.${sig}`);
  expect(tampered?.status()).toBe(400);
  expect(await page.textContent('main')).toContain('This link was changed or was not made by this rekwatch deployment');
  expect(await page.locator('#confirm').count()).toBe(0);
  const expiredToken = signMuteLink({ v: 1, r: alert.ruleId, d: 3_600_000, x: Date.now() - 1, a: alert.id }, KEY);
  const expired = await page.goto(`${server.url}mute?t=${expiredToken}`);
  expect(expired?.status()).toBe(410);
  expect(await page.textContent('main')).toContain('This mute link has expired');
  await page.close();
  expect((await store.live()).length).toBe(before);
}, 30_000);

it('refuses a POST without the page\'s cookie or from another site (CSRF)', async () => {
  const token = new URL(links()[0]!.url).searchParams.get('t')!;
  const noCookie = await fetch(`${server.url}mute`, { method: 'POST', body: new URLSearchParams({ t: token, csrf: 'x', reason: 'r' }), redirect: 'manual' });
  expect(noCookie.status).toBe(403);
  const ask = await fetch(`${server.url}mute?t=${token}`);
  const cookie = ask.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(await ask.text())![1]!;
  const crossSite = await fetch(`${server.url}mute`, {
    method: 'POST',
    headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: token, csrf, reason: 'r' }).toString(),
    redirect: 'manual',
  });
  expect(crossSite.status).toBe(403);
  const noOrigin = await fetch(`${server.url}mute`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ t: token, csrf, reason: 'r' }).toString(), redirect: 'manual' });
  expect(noOrigin.status).toBe(403);
  const before = (await store.live()).length;
  const sameSite = await fetch(`${server.url}mute`, {
    method: 'POST',
    headers: { cookie, origin: server.url.replace(/\/$/, ''), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: token, csrf, reason: 'r' }).toString(),
    redirect: 'manual',
  });
  expect(sameSite.status).toBe(303);
  expect((await store.live()).length).toBe(before + 1);
  // The same submission again (double-click, back and resubmit): the same mute, not a second one.
  const twice = await fetch(`${server.url}mute`, {
    method: 'POST',
    headers: { cookie, origin: server.url.replace(/\/$/, ''), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: token, csrf, reason: 'r' }).toString(),
    redirect: 'manual',
  });
  expect(twice.headers.get('location')).toBe(sameSite.headers.get('location'));
  expect((await store.live()).length).toBe(before + 1);
});

it('keeps several confirmation tabs valid at once (one CSRF cookie per browser, reused)', async () => {
  const before = (await store.live()).length;
  const [one, two] = links();
  const a = await browser.context.newPage();
  const b = await browser.context.newPage();
  await a.goto(one!.url);
  await b.goto(two!.url);
  await a.click('#confirm');
  await a.waitForURL(/\/muted\?id=m-/);
  await b.click('#confirm');
  await b.waitForURL(/\/muted\?id=m-/);
  expect((await store.live()).length).toBe(before + 2);
  await a.close();
  await b.close();
}, 30_000);
