// The mini-program's own client code (miniprogram/dist/lib/index.js: the shared core over the
// wx.request adapter) against the real `linli` binary on a fresh SQLite file with the demo data.
// Only wx.request is swapped: here it is backed by Node's fetch, on a real port. So a change of
// the API that breaks the mini-program fails CI. Started like tests/browser (LINLI_BIN or
// target/debug/linli); `npm run build:mp` first.
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '../../../..');
const BIN = process.env.LINLI_BIN ?? path.join(root, 'target/debug/linli');
const TEMPLATE = 'tmpl-live-reminder';

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

async function startServer() {
  const work = mkdtempSync(path.join(tmpdir(), 'linli-mp-'));
  const db = path.join(work, 'linli.db');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(BIN, ['serve'], {
    env: {
      ...process.env, LINLI_DATABASE_URL: `sqlite://${db}`, LINLI_DATA_DIR: work, LINLI_DEV_LOGIN: '1', LINLI_SEED_DEMO: '1', LINLI_BIND: `127.0.0.1:${port}`, LINLI_LOG_FORMAT: 'json', RUST_LOG: 'warn',
      // One subscription template (the booking reminder), for the prompt below.
      LINLI_WECHAT_TEMPLATES: JSON.stringify({ 'booking.reminder': { template_id: TEMPLATE, page: 'pages/bookings/index', fields: { thing1: 'title', time2: 'data.starts_at' }, drop_after: 'starts_at' } }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let spawnError = null;
  server.on('error', (e) => (spawnError = e));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot start ${BIN} (set LINLI_BIN or run cargo build): ${spawnError.message}`);
    if (server.exitCode !== null) throw new Error(`linli exited with ${server.exitCode}`);
    if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error('linli did not become ready in 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  const checkCode = (card) => execFileSync('sqlite3', [db, `SELECT check_code FROM cards WHERE card_number='${card}'`], { encoding: 'utf8' }).trim();
  return { base, checkCode, stop: () => { server.kill('SIGTERM'); rmSync(work, { recursive: true, force: true }); } };
}

/** wx as the lib uses it, with wx.request over fetch (what WeChat's runtime does over HTTPS). */
function installWx(seen) {
  const storage = new Map();
  globalThis.wx = {
    request(o) {
      const controller = new AbortController();
      seen.push({ method: o.method, url: o.url, key: o.header['idempotency-key'] });
      fetch(o.url, { method: o.method, headers: o.header, body: o.data, signal: controller.signal })
        .then(async (res) => o.success({ statusCode: res.status, data: await res.text(), header: Object.fromEntries(res.headers) }))
        .catch((e) => o.fail({ errMsg: `request:fail ${e.message}` }));
      return { abort: () => controller.abort() };
    },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => storage.set(k, v),
    removeStorageSync: (k) => storage.delete(k),
    reLaunch: () => Promise.resolve({}),
  };
}

/** A plain POST of someone else than the mini-program's resident (staff, a neighbour). */
async function post(base, url, token, body) {
  const res = await fetch(base + url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${url}: ${res.status} ${await res.clone().text()}`);
  return res.json();
}

/** Community staff make a pending membership the owner's (on their own console, not in the mini-program). */
async function approveAsStaff(base, m) {
  const staff = await post(base, '/api/v1/auth/dev', null, { openid: 'mp-live-staff', role: 'staff' });
  await post(base, `/api/v1/households/${m.household_id}/members/${m.id}/approve`, staff.access_token, { role: 'owner' });
}

/** The scenario: dev login, a wrong card, bind, 我的家庭 as the owner (a tenant approved and moved),
 * the subscription prompt's answer, book (and the same tap again), cancel, sign up. */
async function run(t) {
  const srv = await startServer();
  t.after(() => srv.stop());
  const seen = [];
  installWx(seen);
  const lib = require(path.resolve(__dirname, '../../dist/lib/index.js'));
  lib.configure(srv.base);
  const { api, ok, describeError, hasCode, idempotencyKey, SlotGrid } = lib;

  const t1 = await lib.devLogin('mp-live-resident');
  assert.equal(t1.user.household_id, null);
  assert.equal((await lib.me()).household, null);

  // A wrong check code: the server's code, and core's Chinese text for it.
  const wrong = await ok(api.POST('/api/v1/me/household', { body: { card_number: 'JC00007', check_code: 'WRONG1' } })).catch((e) => e);
  assert.ok(hasCode(wrong, 'card_not_found'), String(wrong));
  assert.equal(describeError(wrong), '卡号或校验码不正确，请核对卡片');

  const bound = await ok(api.POST('/api/v1/me/household', {
    body: { card_number: 'JC00007', check_code: srv.checkCode('JC00007') }, headers: { 'Idempotency-Key': idempotencyKey() },
  }));
  // Binding asks to join: pending until the household's owner or community staff approve.
  assert.equal(bound.household, null);
  assert.equal(bound.membership.status, 'pending');
  await approveAsStaff(srv.base, bound.membership);
  const me = await lib.me();
  assert.ok(me.household, 'a member of the card\'s household once approved');
  assert.equal(me.membership.status, 'active');
  const compound = me.household.address.compound.id;

  // 我的家庭 as the owner: a neighbour asks to join, the owner approves them as a tenant until a
  // day and moves that day, as pages/household does.
  const other = await post(srv.base, '/api/v1/auth/dev', null, { openid: 'mp-live-tenant', role: 'resident' });
  const asked = await post(srv.base, '/api/v1/me/household', other.access_token, { card_number: 'JC00007', check_code: srv.checkCode('JC00007') });
  const hh = { params: { path: { id: me.membership.household_id } } };
  const members = await ok(api.GET('/api/v1/households/{id}/members', hh));
  assert.deepEqual(members.filter((m) => m.status === 'pending').map((m) => m.id), [asked.membership.id]);
  const member = { params: { path: { id: me.membership.household_id, member_id: asked.membership.id } } };
  const lastDay = lib.addDays(lib.localDay(), 30);
  const tenant = await ok(api.POST('/api/v1/households/{id}/members/{member_id}/approve', { ...member, body: { role: 'tenant', valid_until: lib.validUntilFor(lastDay) } }));
  assert.equal(lib.memberLine(tenant), `租户 · 已加入 · 住到 ${lib.longDate(lastDay)}`);
  const tooFar = await ok(api.PATCH('/api/v1/households/{id}/members/{member_id}', { ...member, body: { valid_until: lib.addDays(lib.localDay(), 800) } })).catch((e) => e);
  assert.equal(describeError(tooFar), '请检查“租户住到哪一天”：最早今天，最晚一年以内');
  const moved = await ok(api.PATCH('/api/v1/households/{id}/members/{member_id}', { ...member, body: { valid_until: lib.validUntilFor(lib.addDays(lastDay, 10)) } }));
  assert.equal(lib.tenancyLastDay(moved.valid_until), lib.addDays(lastDay, 10));

  // The subscription prompt, as the charging page does it: the server lists the configured
  // template, WeChat's answer goes back with a key of its own and allows one reminder.
  await lib.loadSubscriptions();
  assert.match(lib.subscribeNote('booking'), /微信会问您/);
  assert.equal(lib.subscribeNote('waitlist'), '', 'no template carries the waitlist offer here');
  const prompts = [];
  globalThis.wx.requestSubscribeMessage = (o) => {
    prompts.push(o.tmplIds);
    setTimeout(() => o.success({ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE]: 'accept' }), 0);
  };
  lib.askSubscription('booking');
  assert.deepEqual(prompts, [[TEMPLATE]]);
  let grants = [];
  for (let i = 0; i < 100 && !grants.some((g) => g.remaining === 1); i++) {
    await new Promise((r) => setTimeout(r, 50));
    grants = await ok(api.GET('/api/v1/me/subscriptions'));
  }
  assert.deepEqual(grants, [{ template_id: TEMPLATE, kinds: ['booking.reminder'], remaining: 1 }]);
  assert.ok(seen.find((r) => r.method === 'POST' && r.url.endsWith('/api/v1/me/subscriptions')).key, 'the answer carries an Idempotency-Key');

  // Book the first free hour tomorrow, as the charging page does.
  const grid = new SlotGrid(await ok(api.GET('/api/v1/compounds/{id}/availability', { params: { path: { id: compound } } })));
  let pick = null;
  for (const i of grid.rows(1)) {
    const s = grid.grid.sockets.find((x) => grid.freeRun(x, i, 60));
    if (s && grid.start(i).getTime() > Date.now() + 3_600_000) {
      pick = { socket: s, i };
      break;
    }
  }
  assert.ok(pick, 'a free hour tomorrow in the demo compound');
  const key = idempotencyKey();
  const book = () => ok(api.POST('/api/v1/bookings', {
    body: { socket_id: pick.socket.socket_id, starts_at: grid.start(pick.i).toISOString(), ends_at: grid.end(pick.i, 60).toISOString() },
    params: { header: { 'Idempotency-Key': key } },
  }));
  const booking = await book();
  assert.equal(booking.status, 'confirmed');
  // The same tap again (a retry after a lost answer): the same booking, not a second one.
  assert.equal((await book()).id, booking.id);
  assert.deepEqual(seen.filter((r) => r.url.endsWith('/api/v1/bookings')).map((r) => r.key), [key, key]);
  const mine = await ok(api.GET('/api/v1/me/bookings', { params: { query: { per_page: 20 } } }));
  assert.deepEqual(mine.items.filter((b) => b.status === 'confirmed').map((b) => b.id), [booking.id]);

  const cancelled = await ok(api.POST('/api/v1/bookings/{id}/cancel', { params: { path: { id: booking.id } }, body: {} }));
  assert.equal(cancelled.status, 'cancelled');
  const again = await ok(api.POST('/api/v1/bookings/{id}/cancel', { params: { path: { id: booking.id } }, body: {} })).catch((e) => e);
  assert.ok(hasCode(again, 'booking_not_cancellable'), String(again));

  // Sign up to an open activity with seats.
  const list = await ok(api.GET('/api/v1/activities', { params: { query: { per_page: 50 } } }));
  const open = list.items.find((a) => a.status === 'open' && a.seats_left > 0 && a.required_skills.length === 0 && Date.parse(a.signup_deadline) > Date.now() + 60_000);
  assert.ok(open, 'the demo data has an open activity with seats and time to sign up');
  const signup = await ok(api.POST('/api/v1/activities/{id}/signups', { params: { path: { id: open.id }, header: { 'Idempotency-Key': idempotencyKey() } } }));
  assert.equal(signup.status, 'confirmed');
  const detail = await ok(api.GET('/api/v1/activities/{id}', { params: { path: { id: open.id } } }));
  assert.equal(detail.my_signup.id, signup.id);

  // Log out: the server forgets the refresh token; the next call has no session.
  const refresh = lib.tokens.get().refresh_token;
  await lib.logout();
  assert.equal(lib.tokens.get(), null);
  const reused = await fetch(`${srv.base}/api/v1/auth/refresh`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh_token: refresh }) });
  assert.equal(reused.status, 401);
}

module.exports = { run };
