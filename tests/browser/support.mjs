// What the browser tests share: the real `linli` binary on a fresh SQLite file with the demo
// data, headless Chromium at a phone's size (390×844), and helpers. One app per test file (each
// file runs in its own process); `page` and `base` are live bindings, set by `startApp()`.
//
//   scripts/browser-test            (installs what is missing, builds, runs the tests)
//   node --test tests/browser/      (needs target/debug/linli, /usr/bin/chromium, sqlite3 and
//                                    `npm ci` in mobile-client-spec/)
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// playwright-core lives in mobile-client-spec/node_modules (the one npm project of the repo).
const require = createRequire(join(root, 'mobile-client-spec/package.json'));
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');

const BIN = process.env.LINLI_BIN ?? join(root, 'target/debug/linli');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(root, 'test-output/screenshots');
export const TIMEOUT = 15_000;

// LINLI_BROWSER_DB=mysql runs the same tests on a fresh MariaDB/MySQL database at
// LINLI_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306), dropped afterwards.
const MYSQL = process.env.LINLI_BROWSER_DB === 'mysql'
  ? new URL(process.env.LINLI_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306') : null;
let mysqlDb = null;

function mysql(sql, database) {
  const args = ['-h', MYSQL.hostname, '-P', MYSQL.port || '3306', '-u', decodeURIComponent(MYSQL.username || 'root'), '-N', '-B', '-e', sql];
  if (database) args.push(database);
  return execFileSync('mysql', args, { encoding: 'utf8', env: { ...process.env, MYSQL_PWD: decodeURIComponent(MYSQL.password) } }).trim();
}

let server, db, work, browser, dbUrl;
/** Processes started beside the server (the gateway, simulated piles), stopped by `stopApp()`. */
const helpers = [];
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
  let url = `sqlite://${db}`;
  if (MYSQL) {
    mysqlDb = `linli_browser_${process.pid}_${port}`;
    mysql(`CREATE DATABASE \`${mysqlDb}\` CHARACTER SET utf8mb4`);
    url = `mysql://${MYSQL.username || 'root'}${MYSQL.password ? `:${MYSQL.password}` : ''}@${MYSQL.host}/${mysqlDb}`;
  }
  dbUrl = url;
  server = spawn(BIN, ['serve'], {
    env: {
      ...process.env,
      LINLI_DATABASE_URL: url,
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
  browser = await launchPhone('chromium-profile');
  page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => console.error('page error:', e));
}

/** A phone: Chromium at 390×844 with a fresh profile of its own (Playwright passes it as
 * --user-data-dir), so its localStorage (the app's tokens) is its own. */
function launchPhone(profile) {
  return chromium.launchPersistentContext(join(work, profile), {
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
}

const otherPhones = [];

/** A second resident's phone (its own browser profile), closed by `stopApp()`. */
export async function anotherPhone() {
  const phone = await launchPhone(`chromium-profile-${otherPhones.length + 2}`);
  otherPhones.push(phone);
  const p = await phone.newPage();
  p.setDefaultTimeout(TIMEOUT);
  p.on('pageerror', (e) => console.error('page error (other phone):', e));
  return p;
}

/**
 * The device gateway (`linli gateway` on a free port) and simulated piles (`linli simulate-piles
 * --register` on the first `piles` piles of `compound`, with `simArgs`) over the server's
 * database; stopped by `stopApp()`.
 */
export async function startPiles({ compound = 1, piles = 1, simArgs = [] } = {}) {
  const port = await freePort();
  const env = {
    ...process.env,
    LINLI_DATABASE_URL: dbUrl,
    LINLI_DATA_DIR: work,
    LINLI_DEV_LOGIN: '1',
    LINLI_DEVICE_BIND: `127.0.0.1:${port}`,
    LINLI_DEVICE_HEARTBEAT_MS: '5000',
    LINLI_DEVICE_COMMAND_POLL_MS: '100',
    LINLI_LOG_FORMAT: 'json',
    RUST_LOG: 'warn',
  };
  const gateway = spawn(BIN, ['gateway'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  helpers.push(gateway);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (gateway.exitCode !== null) throw new Error(`linli gateway exited with ${gateway.exitCode}`);
    const up = await new Promise((ok) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => { s.end(); ok(true); });
      s.on('error', () => ok(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('linli gateway did not listen in 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const sim = spawn(BIN, ['simulate-piles', '--compound', String(compound), '--piles', String(piles), '--register', ...simArgs],
    { env: { ...env, RUST_LOG: process.env.LINLI_SIM_LOG ?? 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
  helpers.push(sim);
}

/** Stop the browser and the server (in `after`). */
export async function stopApp() {
  for (const p of helpers.splice(0).reverse()) {
    p.kill('SIGTERM');
    if (p.exitCode === null) await new Promise((r) => p.once('exit', r));
  }
  for (const phone of otherPhones.splice(0)) await phone.close();
  await browser?.close();
  server?.kill('SIGTERM');
  if (server && server.exitCode === null) await new Promise((r) => server.once('exit', r));
  if (mysqlDb) mysql(`DROP DATABASE IF EXISTS \`${mysqlDb}\``);
  if (work) rmSync(work, { recursive: true, force: true });
}

/** The demo card's check code, read from the server's own database (no CLI exposes it). */
export function checkCode(card) {
  const sql = `SELECT check_code FROM cards WHERE card_number='${card}'`;
  if (mysqlDb) return mysql(sql, mysqlDb);
  return execFileSync('sqlite3', [db, sql], { encoding: 'utf8' }).trim();
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
    assert.equal(bound.status, 202, JSON.stringify(bound.body));
    if (bound.body.membership.status === 'pending') await approve(bound.body.membership);
  }
  return answer.body;
}

/** Community staff approve a pending household membership request as a member. */
export async function approve(membership) {
  const staff = await call('POST', '/api/v1/auth/dev', null, { openid: 'browser-staff', role: 'staff' });
  const m = membership;
  const r = await call('POST', `/api/v1/households/${m.household_id}/members/${m.id}/approve`, staff.body.access_token, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** A resident's access token (bound to `card` when given). */
export async function resident(openid, card) {
  return (await login(openid, card)).access_token;
}

export async function shot(name, p = page) {
  await p.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** The tokens the app keeps (to check what it did through the API). */
export async function appTokens(p = page) {
  return p.evaluate(() => JSON.parse(localStorage.getItem('linli.tokens')));
}

export async function appToken(p = page) {
  return (await appTokens(p)).access_token;
}

/** Give the app on `p` a resident's tokens (as if they had logged in on that phone). */
export async function signIn(p, tokens) {
  await p.goto(`${base}/app/#/login`);
  await p.evaluate((t) => localStorage.setItem('linli.tokens', JSON.stringify({ access_token: t.access_token, refresh_token: t.refresh_token })), tokens);
}

/** Wait until the screen titled `text` has finished loading. */
export async function title(text, p = page) {
  await p.waitForFunction((t) => document.getElementById('title')?.textContent === t && document.getElementById('screen')?.getAttribute('aria-busy') === 'false', text, { timeout: TIMEOUT });
}

/** Serious or critical axe violations on the screen as drawn now. */
export async function axe(p = page) {
  const result = await new AxeBuilder({ page: p }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** What 200% text zoom breaks: sideways scroll, tab labels over two lines, a tall header + tab bar. */
export async function zoomProblems(p = page) {
  return p.evaluate(async () => {
    document.documentElement.style.fontSize = '40px';
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const problems = [];
    const wide = document.documentElement.scrollWidth - window.innerWidth;
    if (wide > 0) problems.push(`scrolls sideways by ${wide}px`);
    for (const a of document.querySelectorAll('nav.tabs a')) {
      const range = document.createRange();
      range.selectNodeContents(a.firstChild);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      if (lines > 1) problems.push(`tab "${a.textContent}" on ${lines} lines`);
    }
    const header = document.querySelector('header.bar').getBoundingClientRect().height;
    const tabs = document.querySelector('nav.tabs');
    const bar = tabs.hidden ? 0 : tabs.getBoundingClientRect().height;
    if (header + bar > window.innerHeight * 0.25) problems.push(`header ${header}px + tab bar ${bar}px`);
    document.documentElement.style.fontSize = '';
    return problems;
  });
}

/** Tappable things smaller than 44×44 px. */
export async function smallTargets(p = page) {
  return p.evaluate(() => [...document.querySelectorAll('a[href], button, input, select, textarea')]
    .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, r]) => r.width < 44 || r.height < 44)
    .map(([el, r]) => `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || el.id).trim().slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}`));
}

/** All three checks of a screen as drawn now: axe, 200% text, target sizes. */
export async function screenProblems(p = page) {
  return [...await axe(p), ...await zoomProblems(p), ...await smallTargets(p)];
}
