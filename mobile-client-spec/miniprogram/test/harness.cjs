// The page tests' world: jsdom for miniprogram-simulate, the built package (miniprogram/dist,
// `npm run build:mp` first), and recording fakes for wx.* (login codes, scan results, dialer,
// tab-bar badge, navigation, storage). The API answers come from a route table standing in for
// the network (wx.request), so each test says what the server answered and checks the page.
const { JSDOM } = require('jsdom');
const path = require('node:path');

const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
for (const k of ['window', 'document', 'Event', 'CustomEvent', 'HTMLElement', 'Element', 'Node', 'MutationObserver', 'getComputedStyle']) {
  globalThis[k] = dom.window[k];
}
const simulate = require('miniprogram-simulate');

const dist = path.resolve(__dirname, '../dist');

/** Everything the fakes saw, reset per test. */
const seen = { requests: [], navigations: [], calls: [], badges: [], scans: [], modals: [], sheets: [], clipboard: [], logins: 0, subscribes: [] };
let sheetPick = 0;
let routes = {};
let storage = new Map();
let scanResults = [];
let loginCode = 'wx-code-1';
/** What wx.requestSubscribeMessage answers: `{<template id>: 'accept' | ...}`, `null` to fail,
 * 'never' to keep the popup open. */
let subscribeAnswer = null;

/** `routes['POST /api/v1/bookings'] = (req) => [201, body]` (or a fixed [status, body]). */
function reset(newRoutes = {}) {
  routes = newRoutes;
  storage = new Map();
  scanResults = [];
  loginCode = 'wx-code-1';
  subscribeAnswer = null;
  for (const k of Object.keys(seen)) seen[k] = Array.isArray(seen[k]) ? [] : 0;
}

function answer(method, url, body, header) {
  const u = new URL(url, 'http://mp.test');
  const req = { method, path: u.pathname, query: Object.fromEntries(u.searchParams), body: body ? JSON.parse(body) : undefined, header };
  seen.requests.push(req);
  const exact = routes[`${method} ${u.pathname}`];
  const route = exact ?? Object.entries(routes).find(([k]) => {
    const [m, p] = k.split(' ');
    return m === method && new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(u.pathname);
  })?.[1];
  if (!route) return [404, { code: 'not_found', field: null, message: 'not found' }];
  return typeof route === 'function' ? route(req) : route;
}

const fakes = {
  request(o) {
    // Answer on the next turn, as the real one does; a route answering 'offline' fails the request.
    setTimeout(() => {
      const [status, body] = answer(o.method, o.url, o.data, o.header);
      if (status === 'offline') return o.fail({ errMsg: 'request:fail' });
      o.success({ statusCode: status, data: body === undefined ? '' : JSON.stringify(body), header: { 'Content-Type': 'application/json' } });
    }, 0);
    return { abort() {} };
  },
  login(o) {
    seen.logins++;
    setTimeout(() => (loginCode ? o.success({ code: loginCode, errMsg: 'login:ok' }) : o.fail({ errMsg: 'login:fail' })), 0);
  },
  scanCode(o) {
    const r = scanResults.shift();
    seen.scans.push(r ?? null);
    setTimeout(() => (r ? o.success({ result: r, scanType: 'QR_CODE', errMsg: 'scanCode:ok' }) : o.fail({ errMsg: 'scanCode:fail cancel' })), 0);
  },
  makePhoneCall(o) {
    seen.calls.push(o.phoneNumber);
    return Promise.resolve({});
  },
  setTabBarBadge(o) {
    seen.badges.push({ index: o.index, text: o.text });
    return Promise.resolve({});
  },
  removeTabBarBadge(o) {
    seen.badges.push({ index: o.index, text: null });
    return Promise.resolve({});
  },
  requestSubscribeMessage(o) {
    // Kept per call with the ids asked for; the answer (or the failure, e.g. 20004: the main
    // switch is off) comes on a later turn, as the resident taps in WeChat's popup.
    seen.subscribes.push(o.tmplIds);
    const a = subscribeAnswer;
    if (a === 'never') return; // the popup is still open
    setTimeout(() => (a ? o.success({ errMsg: 'requestSubscribeMessage:ok', ...a }) : o.fail({ errMsg: 'requestSubscribeMessage:fail', errCode: 20004 })), 0);
  },
  showModal(o) {
    seen.modals.push(o.content);
    return Promise.resolve({ confirm: true, cancel: false });
  },
  showActionSheet(o) {
    seen.sheets.push(o.itemList);
    return Promise.resolve({ tapIndex: sheetPick });
  },
  showToast: () => Promise.resolve({}),
  setClipboardData(o) {
    seen.clipboard.push(o.data);
    return Promise.resolve({});
  },
  getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
  setStorageSync: (k, v) => storage.set(k, v),
  removeStorageSync: (k) => storage.delete(k),
};
for (const nav of ['navigateTo', 'redirectTo', 'switchTab', 'reLaunch']) {
  fakes[nav] = (o) => {
    seen.navigations.push(`${nav} ${o.url}`);
    return Promise.resolve({});
  };
}
Object.assign(globalThis.wx, fakes);

/** Load, render and open a page with its query; resolves once its loading settled. */
async function open(page, query = {}) {
  const id = simulate.load(path.join(dist, 'pages', page, 'index'), { compiler: 'simulate', rootPath: dist });
  const comp = simulate.render(id);
  comp.attach(document.createElement('parent-wrapper'));
  await comp.instance.onLoad(query);
  await settle();
  return comp;
}

/** Let pending fake answers arrive. */
async function settle(times = 5) {
  for (let i = 0; i < times; i++) await simulate.sleep(2);
}

/** Tap the element and let the answers arrive. */
async function tap(comp, selector) {
  const el = comp.querySelector(selector);
  if (!el) throw new Error(`nothing matches ${selector}`);
  el.dispatchEvent('tap');
  await settle();
}

const text = (comp, selector) => comp.querySelector(selector)?.dom.textContent.trim() ?? null;
const texts = (comp, selector) => comp.querySelectorAll(selector).map((c) => c.dom.textContent.trim());

/**
 * Keep the page as a standalone HTML file (its simulated DOM with app.wxss, rpx at a 390 px wide
 * phone) in test-output/mp-pages/; scripts/mp-screenshots.mjs renders them to PNG in Chromium.
 */
function snapshot(comp, name) {
  const fs = require('node:fs');
  const out = path.resolve(__dirname, '../../../test-output/mp-pages');
  fs.mkdirSync(out, { recursive: true });
  const wxss = fs.readFileSync(path.resolve(__dirname, '../src/app.wxss'), 'utf8')
    .replace(/(\d+(?:\.\d+)?)rpx/g, (_, n) => `${(Number(n) * 390) / 750}px`)
    .replace(/\.([a-z][\w-]*)/g, '.main--$1')
    .replace(/^page\b/m, 'body')
    .replace(/^input\b/m, 'wx-input');
  const base = 'wx-view,wx-button,wx-input{display:block} wx-text{display:inline} body{margin:0;font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif}'
    + ' wx-button{font-size:36rpx} .main--row{display:flex}';
  const tab = '<nav style="position:fixed;bottom:0;left:0;right:0;display:flex;background:#fff;border-top:1px solid #ddd;height:50px">'
    + ['充电', '活动', '通知', '我的'].map((t) => `<span style="flex:1;text-align:center;line-height:50px">${t}</span>`).join('') + '</nav>';
  fs.writeFileSync(path.join(out, `${name}.html`), `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>${base.replace(/(\d+)rpx/g, (_, n) => `${(n * 390) / 750}px`)}${wxss}</style></head><body><div style="padding-bottom:60px">${comp.dom.outerHTML}</div>${tab}</body></html>`);
}

function signedIn() {
  storage.set('linli.tokens', { access_token: 'at', refresh_token: 'rt' });
}

module.exports = {
  dist, seen, reset, open, tap, settle, text, texts, signedIn, snapshot,
  scanWill: (r) => scanResults.push(r),
  sheetWill: (i) => (sheetPick = i),
  loginCodeWill: (c) => (loginCode = c),
  subscribeWill: (a) => (subscribeAnswer = a),
  lib: () => require(path.join(dist, 'lib/index.js')),
};
