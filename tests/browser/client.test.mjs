// The typed client's session rules (mobile-client-spec/README.md §2 and §5), over a fake fetch:
// one refresh at a time when the access token expired, then the failed calls once more; only a
// refused refresh token ends the session (a busy server or a lost network keeps it); a network
// failure of a keyed POST is retried with the same key; errors carry the server's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const require = createRequire(join(root, 'mobile-client-spec/package.json'));
const esbuild = require('esbuild');

// Bundle core/index.ts (TypeScript) into a module node can import.
const dir = mkdtempSync(join(tmpdir(), 'linli-client-test-'));
const out = join(dir, 'client.mjs');
esbuild.buildSync({ entryPoints: [join(root, 'mobile-client-spec/core/index.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error' });
const { createLinli, ok, ApiError, NetworkError, idempotencyKey } = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true, force: true });

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function memoryTokens(t) {
  let tokens = t;
  return { get: () => tokens, set: (n) => { tokens = n; } };
}

test('an expired access token is refreshed once for concurrent calls, which are then repeated', async () => {
  const seen = [];
  let refreshes = 0;
  const fakeFetch = async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const path = new URL(req.url).pathname;
    seen.push(`${path} ${req.headers.get('Authorization') ?? ''}`);
    if (path === '/api/v1/auth/refresh') {
      refreshes++;
      const body = await req.json();
      assert.equal(body.refresh_token, 'r1');
      await new Promise((r) => setTimeout(r, 20));
      return json(200, { access_token: 'a2', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 });
    }
    if (req.headers.get('Authorization') === 'Bearer a1') return json(401, { code: 'token_expired', message: '登录已过期' });
    return json(200, { balance: 5, service_minutes: 60 });
  };
  const tokens = memoryTokens({ access_token: 'a1', refresh_token: 'r1' });
  const api = createLinli({ baseUrl: 'http://linli.test', tokens, fetch: fakeFetch });
  const [a, b] = await Promise.all([ok(api.GET('/api/v1/me/points')), ok(api.GET('/api/v1/me/points'))]);
  assert.equal(a.balance, 5);
  assert.equal(b.balance, 5);
  assert.equal(refreshes, 1, 'refresh tokens are single use: one refresh at a time');
  assert.deepEqual(tokens.get(), { access_token: 'a2', refresh_token: 'r2' });
  assert.equal(seen.filter((s) => s.endsWith('Bearer a2')).length, 2);
});

for (const code of ['invalid_refresh_token', 'refresh_token_reused']) {
  test(`a refresh refused with ${code} logs the user out`, async () => {
    let loggedOut = 0;
    const fakeFetch = async (input, init) => {
      const req = input instanceof Request ? input : new Request(input, init);
      if (new URL(req.url).pathname === '/api/v1/auth/refresh') return json(401, { code, message: '登录已失效' });
      return json(401, { code: 'token_expired', message: '登录已过期' });
    };
    const tokens = memoryTokens({ access_token: 'a1', refresh_token: 'r1' });
    const api = createLinli({ baseUrl: 'http://linli.test', tokens, fetch: fakeFetch, onLoggedOut: () => loggedOut++ });
    await assert.rejects(ok(api.GET('/api/v1/me')), (e) => e instanceof ApiError && e.status === 401 && e.code === 'token_expired');
    assert.equal(loggedOut, 1);
    assert.equal(tokens.get(), null);
  });
}

/** A server whose refresh endpoint fails with `refreshFails` until `healed`, then rotates r1 → r2. */
function flakyRefresh(refreshFails) {
  const state = { healed: false, refreshes: 0 };
  state.fetch = async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    if (new URL(req.url).pathname === '/api/v1/auth/refresh') {
      state.refreshes++;
      if (!state.healed) return refreshFails();
      assert.equal((await req.json()).refresh_token, 'r1', 'the refresh token was kept');
      return json(200, { access_token: 'a2', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 });
    }
    if (req.headers.get('Authorization') === 'Bearer a2') return json(200, { balance: 7, service_minutes: 0 });
    return json(401, { code: 'token_expired', message: '登录已过期' });
  };
  return state;
}

const transientFailures = [
  ['503 service_unavailable', () => json(503, { code: 'service_unavailable', message: '服务暂时不可用' }),
    (e) => e instanceof ApiError && e.status === 503 && e.code === 'service_unavailable'],
  ['429 rate_limited', () => json(429, { code: 'rate_limited', message: '请求过于频繁' }),
    (e) => e instanceof ApiError && e.status === 429 && e.code === 'rate_limited'],
  ['a 502 page from a proxy', () => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
    (e) => e instanceof ApiError && e.status === 502 && e.code === null],
  ['no answer (network down)', () => { throw new TypeError('network down'); },
    (e) => e instanceof NetworkError],
];

for (const [what, refreshFails, isThatFailure] of transientFailures) {
  test(`a refresh that meets ${what} keeps the session; the call fails with that and works later`, async () => {
    let loggedOut = 0;
    const server = flakyRefresh(refreshFails);
    const tokens = memoryTokens({ access_token: 'a1', refresh_token: 'r1' });
    const api = createLinli({ baseUrl: 'http://linli.test', tokens, fetch: server.fetch, onLoggedOut: () => loggedOut++ });

    await assert.rejects(ok(api.GET('/api/v1/me/points')), isThatFailure);
    assert.equal(loggedOut, 0, 'not logged out');
    assert.deepEqual(tokens.get(), { access_token: 'a1', refresh_token: 'r1' }, 'both tokens kept');

    server.healed = true;
    assert.equal((await ok(api.GET('/api/v1/me/points'))).balance, 7);
    assert.equal(server.refreshes, 2);
    assert.deepEqual(tokens.get(), { access_token: 'a2', refresh_token: 'r2' });
    assert.equal(loggedOut, 0);
  });
}

test('a keyed POST is resent with the same key after a network failure; errors keep the code', async () => {
  const keys = [];
  let calls = 0;
  const fakeFetch = async (req) => {
    calls++;
    keys.push(req.headers.get('Idempotency-Key'));
    assert.equal((await req.json()).socket_id, 3, 'the body is sent again');
    if (calls === 1) throw new TypeError('network down');
    return json(409, { code: 'booking_conflict', message: '该时段已被预约', details: { socket_id: 3 } });
  };
  const api = createLinli({ baseUrl: 'http://linli.test', tokens: memoryTokens(null), fetch: fakeFetch });
  const key = idempotencyKey();
  const err = await ok(api.POST('/api/v1/bookings', {
    body: { socket_id: 3, starts_at: '2026-12-01T02:00:00Z', ends_at: '2026-12-01T03:00:00Z' },
    params: { header: { 'Idempotency-Key': key } },
  })).catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 409);
  assert.equal(err.code, 'booking_conflict');
  assert.deepEqual(keys, [key, key]);
});

test('a network failure without a key is not retried and reads as NetworkError', async () => {
  let calls = 0;
  const api = createLinli({ baseUrl: 'http://linli.test', tokens: memoryTokens(null), fetch: async () => { calls++; throw new TypeError('offline'); } });
  const err = await ok(api.GET('/api/v1/communities')).catch((e) => e);
  assert.ok(err instanceof NetworkError);
  assert.equal(err.message, '网络连接失败，请检查网络后重试');
  assert.equal(calls, 1);
});

test('an access token refused as invalid ends the session at once, without a refresh', async () => {
  let loggedOut = 0;
  let refreshes = 0;
  const fakeFetch = async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    if (new URL(req.url).pathname === '/api/v1/auth/refresh') refreshes++;
    return json(401, { code: 'invalid_token', message: '登录凭证无效' });
  };
  const tokens = memoryTokens({ access_token: 'forged', refresh_token: 'r1' });
  const api = createLinli({ baseUrl: 'http://linli.test', tokens, fetch: fakeFetch, onLoggedOut: () => loggedOut++ });
  await assert.rejects(ok(api.GET('/api/v1/me')), (e) => e instanceof ApiError && e.code === 'invalid_token');
  assert.equal(refreshes, 0);
  assert.equal(loggedOut, 1);
  assert.equal(tokens.get(), null);
});
