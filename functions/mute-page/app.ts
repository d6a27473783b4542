/**
 * The mute page: what a signed link in an alert opens. Pure over injected dependencies (store, key,
 * clock), served locally by `rekwatch serve` and in AWS by a Lambda function URL (adapters in
 * server.ts and lambda.ts).
 *
 *   GET  /mute?t=TOKEN     verifies the link and asks for confirmation. GET never changes anything:
 *                          mail scanners and link previews open links.
 *   POST /mute             creates the mute (CSRF: a double-submit cookie, and Origin must be this
 *                          host), then redirects (303) to the result, so a reload cannot mute twice.
 *                          One link makes at most one mute, ever: its id derives from the link's
 *                          token, so posting it again (with any CSRF value, reason or name) returns
 *                          that same mute; once that mute has ended (undone or expired) the link
 *                          says it was used and mutes nothing. GET of a used link says so too.
 *   GET  /muted?id&u       shows the mute, with an undo button (`u` is an HMAC over the id: only a
 *                          holder of the result page, or of the link that made it, can undo it).
 *   POST /unmute           ends that mute.
 *
 * A tampered, forged or expired link is refused with a page that says so, and nothing changes.
 * Every value shown comes through `shown` (html.ts): bidi overrides and other invisible controls
 * appear as visible escapes, as in the CLI.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { formatDuration } from '../core/common/duration';
import { tag, tagMatches, verifyMuteLink } from '../core/suppress/mute-links/token';
import { checkMuteInput, DEFAULT_MUTE_POLICY, describeMute, isLive, type Mute, type MutePolicy } from '../core/suppress/mute';
import { MuteLimitError, newMuteId } from '../adapters/mute-store';
import { esc, facts, hidden, page, shown } from './html';

export interface PageRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** `application/x-www-form-urlencoded` body of a POST. */
  body: string;
}

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
}

export interface MuteWriter {
  create(mute: Omit<Mute, 'id'>, id?: string): Promise<Mute>;
  remove(id: string, removedBy: string): Promise<Mute>;
  get(id: string): Promise<(Mute & { suppressed: number }) | undefined>;
}

export interface PageDeps {
  key: Buffer;
  mutes: MuteWriter;
  now: () => number;
  policy?: MutePolicy;
  /** Rule names by id, for the page (ids are shown when absent). */
  ruleNames?: ReadonlyMap<string, string>;
  /** Mark the CSRF cookie Secure (true behind https). */
  secureCookies: boolean;
}

/** `__Host-` (https only) pins the cookie to this exact origin: no other host or path can set it. */
const cookieName = (deps: PageDeps) => (deps.secureCookies ? '__Host-rekwatch_csrf' : 'rekwatch_csrf');

/** `24 h` as the links say it, `3d` beyond two days. */
function span(ms: number): string {
  return ms <= 48 * 3_600_000 && ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : formatDuration(ms);
}

const SECURITY_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // The link's token must not leak to other sites through the Referer header (and same-origin, unlike
  // no-referrer, keeps the Origin header of the page's own form posts, which the POST check requires).
  'referrer-policy': 'same-origin',
};

function respond(status: number, html: string, cookies: string[] = [], extra: Record<string, string> = {}): PageResponse {
  return { status, headers: { ...SECURITY_HEADERS, ...extra }, cookies, body: html };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/**
 * The CSRF value for a page: the browser's existing one when it has a well-formed one (so several
 * confirmation tabs stay valid), else a new random one.
 */
function csrfFor(req: PageRequest, deps: PageDeps): { value: string; cookie: string } {
  const existing = cookieValue(req.headers.cookie, cookieName(deps));
  const value = existing && /^[A-Za-z0-9_-]{32}$/.test(existing) ? existing : randomBytes(24).toString('base64url');
  return { value, cookie: `${cookieName(deps)}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600${deps.secureCookies ? '; Secure' : ''}` };
}

/**
 * A POST must come from this site's own page: the Origin header (browsers send it on every POST)
 * names this host, and the double-submit cookie matches the form's field.
 */
function csrfOk(req: PageRequest, form: URLSearchParams, deps: PageDeps): boolean {
  const cookie = cookieValue(req.headers.cookie, cookieName(deps));
  const field = form.get('csrf');
  if (!cookie || !field || cookie.length !== field.length || !timingSafeEqual(Buffer.from(cookie), Buffer.from(field))) return false;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

const LINK_ERRORS = {
  malformed: 'This link is not a valid rekwatch mute link (it may have been cut off or changed).',
  'bad-signature': 'This link was changed or was not made by this rekwatch deployment, so it cannot mute anything.',
  expired: 'This mute link has expired. Mute links work for 7 days after the alert; use `rekwatch mute` instead.',
} as const;

function refused(reason: keyof typeof LINK_ERRORS): PageResponse {
  return respond(reason === 'expired' ? 410 : 400, page('Nothing was muted', `<p>${esc(LINK_ERRORS[reason])}</p>`, 'error'));
}

/**
 * The id of the one mute a link can make: an HMAC over its token, which verified, so it is exactly
 * the string the signer made (one per link: the signature is compared as a string).
 */
function linkMuteId(deps: PageDeps, token: string): string {
  return newMuteId(Buffer.from(tag(deps.key, 'link', token), 'base64url'));
}

const mutePath = (deps: PageDeps, id: string) => `muted?id=${encodeURIComponent(id)}&u=${encodeURIComponent(tag(deps.key, 'undo', id))}`;

/** The page for a link whose mute exists already: still live (see it), or ended (the link is used up). */
function usedLink(deps: PageDeps, mute: Mute, status: number): PageResponse {
  const see = `<p><a href="${esc(mutePath(deps, mute.id))}">See the mute</a></p>`;
  if (isLive(mute, deps.now())) {
    return respond(200, page('Already muted', `<p>This link was used already: ${shown(describeMute(mute))} is muted until <strong>${shown(mute.expiresAt)}</strong>.</p>${see}`, 'done'));
  }
  const ended = mute.removedAt ? `was undone by ${mute.removedBy} at ${mute.removedAt}` : `expired at ${mute.expiresAt}`;
  return respond(
    status,
    page('This link was used already', `<p>The mute this link made (${shown(describeMute(mute))}) ${shown(ended)}. A mute link mutes at most once, so nothing was muted; to mute again, use the link in a newer alert or <code>rekwatch mute</code>.</p>${see}`, 'error'),
  );
}

function ruleLabel(deps: PageDeps, ruleId: string): string {
  const name = deps.ruleNames?.get(ruleId);
  return name ? `${name} (${ruleId})` : ruleId;
}

async function askToMute(req: PageRequest, deps: PageDeps): Promise<PageResponse> {
  const token = req.query.get('t') ?? '';
  const link = verifyMuteLink(token, deps.key, deps.now());
  if (!link.ok) return refused(link.reason);
  const p = link.payload;
  const used = await deps.mutes.get(linkMuteId(deps, token));
  if (used) return usedLink(deps, used, 200);
  const csrf = csrfFor(req, deps);
  const body = [
    `<p>Stop delivering these alerts for <strong>${esc(span(p.d))}</strong> from when you confirm. They are still evaluated, counted and logged, and you can undo this at any time. The link mutes once: after an undo it does not mute again.</p>`,
    facts([
      ['Rule', ruleLabel(deps, p.r)],
      ['Principal', p.p ?? 'any'],
      ['For', span(p.d)],
      ['From alert', p.a],
    ]),
    `<form method="post" action="mute">${hidden({ t: token, csrf: csrf.value })}`,
    `<label for="reason">Why (kept in the audit record)</label><textarea id="reason" name="reason" rows="2" required maxlength="500">${shown(`Muted from alert ${p.a}`)}</textarea>`,
    `<label for="by">Your name</label><input type="text" id="by" name="by" maxlength="100" placeholder="shown in rekwatch mutes">`,
    `<button type="submit" id="confirm">Mute ${shown(describeMute({ ruleId: p.r, scope: p.p ? { principal: p.p } : {} }))} for ${esc(span(p.d))}</button></form>`,
  ].join('');
  return respond(200, page('Mute these alerts?', body), [csrf.cookie]);
}

async function confirmMute(req: PageRequest, deps: PageDeps, form: URLSearchParams): Promise<PageResponse> {
  if (!csrfOk(req, form, deps)) return respond(403, page('Nothing was muted', '<p>This request did not come from the confirmation page (or its cookie expired). Open the link from the alert again.</p>', 'error'));
  const link = verifyMuteLink(form.get('t') ?? '', deps.key, deps.now());
  if (!link.ok) return refused(link.reason);
  const p = link.payload;
  const by = (form.get('by') ?? '').trim().slice(0, 100);
  const check = checkMuteInput(
    { ruleId: p.r, scope: p.p ? { principal: p.p } : {}, reason: form.get('reason') ?? '', createdBy: `${by || 'someone'} (via a mute link)`, forMs: p.d },
    new Set([p.r]),
    deps.now(),
    deps.policy ?? DEFAULT_MUTE_POLICY,
  );
  if (!check.ok) return respond(400, page('Nothing was muted', `<ul>${check.problems.map((x) => `<li>${shown(x)}</li>`).join('')}</ul><p>Go back and try again.</p>`, 'error'));
  // One link makes one mute, however often and by whomever it is posted (double-click, back and
  // resubmit, a script replaying it with fresh CSRF values): the id derives from the link alone.
  let mute: Mute;
  try {
    mute = await deps.mutes.create(check.mute, linkMuteId(deps, form.get('t') ?? ''));
  } catch (e) {
    if (!(e instanceof MuteLimitError)) throw e;
    return respond(409, page('Nothing was muted', `<p>${shown(e.message)}</p>`, 'error'));
  }
  if (!isLive(mute, deps.now())) return usedLink(deps, mute, 409);
  return respond(303, page('Muted', `<p><a href="${esc(mutePath(deps, mute.id))}">See the mute</a></p>`, 'done'), [], { location: mutePath(deps, mute.id) });
}

async function showMute(req: PageRequest, deps: PageDeps): Promise<PageResponse> {
  const id = req.query.get('id') ?? '';
  const u = req.query.get('u') ?? '';
  if (!/^m-[a-z0-9]{1,40}$/.test(id) || !tagMatches(deps.key, 'undo', id, u)) return respond(400, page('Unknown mute', '<p>This address does not name a mute you created.</p>', 'error'));
  const mute = await deps.mutes.get(id);
  if (!mute) return respond(404, page('Unknown mute', '<p>No such mute (it may have been cleaned up long after it ended).</p>', 'error'));
  const now = deps.now();
  const live = isLive(mute, now);
  const rows = facts([
    ['What', describeMute(mute)],
    ['Rule', ruleLabel(deps, mute.ruleId)],
    ['Until', `${mute.expiresAt}${live ? ` (${formatDuration(Date.parse(mute.expiresAt) - now)} left)` : ''}`],
    ['Reason', mute.reason],
    ['By', `${mute.createdBy} at ${mute.createdAt}`],
    ['Suppressed so far', String(mute.suppressed)],
    ['Mute id', mute.id],
  ]);
  if (!live) {
    const ended = mute.removedAt ? `It was undone by ${mute.removedBy} at ${mute.removedAt}.` : `It expired at ${mute.expiresAt}.`;
    return respond(200, page('This mute has ended', `<p>${shown(ended)} Alerts are delivered again.</p>${rows}`, 'done'));
  }
  const csrf = csrfFor(req, deps);
  const body = `<p>These alerts are not delivered until <strong>${shown(mute.expiresAt)}</strong>. See every mute with <code>rekwatch mutes</code>.</p>${rows}<form method="post" action="unmute">${hidden({ id, u, csrf: csrf.value })}<label for="by">Your name</label><input type="text" id="by" name="by" maxlength="100" placeholder="shown in rekwatch mutes --all"><button type="submit" id="undo" class="secondary">Undo: deliver these alerts again</button></form>`;
  return respond(200, page(`Muted ${describeMute(mute)}`, body, 'done'), [csrf.cookie]);
}

async function undo(req: PageRequest, deps: PageDeps, form: URLSearchParams): Promise<PageResponse> {
  if (!csrfOk(req, form, deps)) return respond(403, page('Nothing was changed', '<p>This request did not come from the mute page (or its cookie expired). Open the page again.</p>', 'error'));
  const id = form.get('id') ?? '';
  if (!tagMatches(deps.key, 'undo', id, form.get('u') ?? '')) return respond(400, page('Nothing was changed', '<p>This undo button does not belong to that mute.</p>', 'error'));
  try {
    const by = (form.get('by') ?? '').trim().slice(0, 100);
    const ended = await deps.mutes.remove(id, `${by || 'someone'} (via the mute page)`);
    return respond(200, page('Unmuted', `<p>${shown(describeMute(ended))} is delivered again.</p>`, 'done'));
  } catch (e) {
    return respond(409, page('Nothing was changed', `<p>${shown((e as Error).message)}</p>`, 'error'));
  }
}

export async function handlePage(req: PageRequest, deps: PageDeps): Promise<PageResponse> {
  const path = req.path.replace(/\/+$/, '') || '/';
  const route = path.slice(path.lastIndexOf('/') + 1);
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (route === 'mute') return askToMute(req, deps);
    if (route === 'muted') return showMute(req, deps);
    if (path === '/') return respond(200, page('rekwatch', '<p>This page confirms mutes from the links in rekwatch alerts.</p>'));
  } else if (req.method === 'POST') {
    const form = new URLSearchParams(req.body);
    if (route === 'mute') return confirmMute(req, deps, form);
    if (route === 'unmute') return undo(req, deps, form);
    return respond(404, page('Not found', '<p>No such page.</p>', 'error'));
  } else {
    return respond(405, page('Method not allowed', '<p>Only GET and POST.</p>', 'error'), [], { allow: 'GET, POST' });
  }
  return respond(404, page('Not found', '<p>No such page.</p>', 'error'));
}
