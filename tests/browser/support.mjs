// What the browser tests share: the real `linli` binary on a fresh SQLite file with the demo
// data, headless Chromium at a phone's size (390×844), and helpers. One app per test file (each
// file runs in its own process); `page` and `base` are live bindings, set by `startApp()`.
//
//   scripts/browser-test            (installs what is missing, builds, runs the tests)
//   node --test tests/browser/      (needs target/debug/linli, /usr/bin/chromium, sqlite3 and
//                                    `npm ci` in mobile-client-spec/)
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// playwright-core lives in mobile-client-spec/node_modules (the one npm project of the repo).
const require = createRequire(join(root, 'mobile-client-spec/package.json'));
const { chromium } = require('playwright-core');

const BIN = process.env.LINLI_BIN ?? join(root, 'target/debug/linli');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(root, 'test-output/screenshots');
export const TIMEOUT = 15_000;

let server, db, work, browser;
/** The phone's page and the server's base URL (live bindings, set by `startApp()`). */
export let page, base;

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

/** Start the server and the browser (in `before`). */
export async function startApp() {
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'linli-browser-'));
  db = join(work, 'linli.db');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['serve'], {
    env: {
      ...process.env,
      LINLI_DATABASE_URL: `sqlite://${db}`,
      LINLI_DATA_DIR: work,
      LINLI_DEV_LOGIN: '1',
      LINLI_SEED_DEMO: '1',
      LINLI_BIND: `127.0.0.1:${port}`,
      LINLI_LOG_FORMAT: 'json',
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let spawnError = null;
  server.on('error', (e) => { spawnError = e; });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot start ${BIN} (set LINLI_BIN or run cargo build): ${spawnError.message}`);
    if (server.exitCode !== null) throw new Error(`linli exited with ${server.exitCode}`);
    const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error('linli did not become ready in 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  // A fresh profile per run (Playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => console.error('page error:', e));
}

/** Stop the browser and the server (in `after`). */
export async function stopApp() {
  await browser?.close();
  server?.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
}

/** The demo card's check code, read from the server's own database (no CLI exposes it). */
export function checkCode(card) {
  return execFileSync('sqlite3', [db, `SELECT check_code FROM cards WHERE card_number='${card}'`], { encoding: 'utf8' }).trim();
}

/** Plain API calls for the "other resident" of a test. */
export async function call(method, path, token, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Log in through the dev login (and bind `card` when given): the whole token answer. */
export async function login(openid, card) {
  const answer = await call('POST', '/api/v1/auth/dev', null, { openid, role: 'resident' });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  if (card) {
    const bound = await call('POST', '/api/v1/me/household', answer.body.access_token, { card_number: card, check_code: checkCode(card) });
    assert.equal(bound.status, 200, JSON.stringify(bound.body));
  }
  return answer.body;
}

/** A resident's access token (bound to `card` when given). */
export async function resident(openid, card) {
  return (await login(openid, card)).access_token;
}

export async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** The tokens the app keeps (to check what it did through the API). */
export async function appTokens() {
  return page.evaluate(() => JSON.parse(localStorage.getItem('linli.tokens')));
}

export async function appToken() {
  return (await appTokens()).access_token;
}

/** Wait until the screen titled `text` has finished loading. */
export async function title(text) {
  await page.waitForFunction((t) => document.getElementById('title')?.textContent === t && document.getElementById('screen')?.getAttribute('aria-busy') === 'false', text, { timeout: TIMEOUT });
}
