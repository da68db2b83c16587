// The one module every page imports: the shared core (typed client, error texts, formats, slot
// grid) with the WeChat platform under it (wx.request, wx storage, wx.login, wx.scanCode). Pages
// never call wx.request themselves: scripts/check-views.mjs fails the build if one does.
import { installPolyfills } from './polyfill';
import {
  createLinli, ok, describeError, idempotencyKey, subscribeResults, SUBSCRIBE_TEXT, templatesToAsk,
  type SubscribeMoment, type TemplateGrant, type Tokens, type Schemas, type LinliClient,
} from '../../../core/index';
import { wxFetch } from './wx-fetch';

/** What this runtime lacked and the polyfills gave (empty in Node and browsers). */
export const POLYFILLED: readonly string[] = installPolyfills();

export * from '../../../core/index';
export { entryFor } from './qr';
export { installPolyfills } from './polyfill';
export { wxFetch } from './wx-fetch';

declare const __LINLI_API_BASE__: string;
declare const __LINLI_DEV_LOGIN__: boolean;

/** Whether this build offers the development login (never in a release build). */
export const DEV_LOGIN: boolean = typeof __LINLI_DEV_LOGIN__ === 'boolean' ? __LINLI_DEV_LOGIN__ : false;

const KEY = 'linli.tokens';
/** Tokens in the mini-program's storage (kept across launches, private to this mini-program). */
export const tokens = {
  get(): Tokens | null {
    const t = wx.getStorageSync<Tokens | '' | undefined>(KEY);
    return t && typeof t === 'object' && t.access_token ? t : null;
  },
  set(t: Tokens | null): void {
    if (t) wx.setStorageSync(KEY, t);
    else wx.removeStorageSync(KEY);
  },
};

function make(baseUrl: string): LinliClient {
  return createLinli({
    baseUrl,
    tokens,
    // Lazy: the Node tests put their wx.request in place after loading this module.
    fetch: (input, init) => wxFetch((o) => wx.request(o as unknown as WechatMiniprogram.RequestOption))(input as Request | string, init),
    onLoggedOut: () => {
      void wx.reLaunch({ url: '/pages/login/index?ended=1' });
    },
  });
}

/** The server's address (the build's LINLI_MP_API_BASE). */
export let apiBase: string = typeof __LINLI_API_BASE__ === 'string' ? __LINLI_API_BASE__ : '';
/** The client every page uses (`api.GET(...)`), on the build's server address. */
export let api: LinliClient = make(apiBase);
/** Point the client at another server (the Node tests). */
export function configure(baseUrl: string): void {
  apiBase = baseUrl;
  api = make(baseUrl);
}

function wxLoginCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({ success: (r) => (r.code ? resolve(r.code) : reject(new Error('no code'))), fail: (e) => reject(new Error(e.errMsg)) });
  });
}

/** Signed in already, or silently through `wx.login` → `/auth/wechat`. Throws if that fails. */
export async function ensureLogin(): Promise<void> {
  if (tokens.get()) return;
  const code = await wxLoginCode().catch(() => {
    throw new Error('微信登录失败，请重新打开小程序再试');
  });
  const t = await ok(api.POST('/api/v1/auth/wechat', { body: { code } }));
  tokens.set({ access_token: t.access_token, refresh_token: t.refresh_token });
}

/** The development login (a server with LINLI_DEV_LOGIN on; tests and DevTools only). */
export async function devLogin(openid: string): Promise<Schemas['TokenResponse']> {
  const t = await ok(api.POST('/api/v1/auth/dev', { body: { openid, role: 'resident' } }));
  tokens.set({ access_token: t.access_token, refresh_token: t.refresh_token });
  return t;
}

export async function logout(): Promise<void> {
  await api.logout();
}

export async function me(): Promise<Schemas['MeView']> {
  return ok(api.GET('/api/v1/me'));
}

/** The page a page needs before it shows anything: signed in, or the login page. */
export async function ready(): Promise<boolean> {
  try {
    await ensureLogin();
    return true;
  } catch (e) {
    const text = e instanceof Error && !('status' in e) ? e.message : describeError(e);
    void wx.reLaunch({ url: `/pages/login/index?error=${encodeURIComponent(text)}` });
    return false;
  }
}

/** The tab that shows the notifications (app.json's tabBar order). */
export const NOTIFICATIONS_TAB = 2;

/** The unread count as a badge on the notifications tab (removed at zero). */
export async function refreshBadge(): Promise<number> {
  const page = await ok(api.GET('/api/v1/me/notifications', { params: { query: { unread: true, per_page: 1 } } }));
  if (page.total > 0) void wx.setTabBarBadge({ index: NOTIFICATIONS_TAB, text: page.total > 99 ? '99+' : String(page.total) }).catch(() => undefined);
  else void wx.removeTabBarBadge({ index: NOTIFICATIONS_TAB }).catch(() => undefined);
  return page.total;
}

/** Scan a QR with the camera. `null` when the resident closed the scanner (type instead). WeChat
 * asks for the privacy agreement first (app.ts answers wx.onNeedPrivacyAuthorization). */
export function scan(): Promise<string | null> {
  return new Promise((resolve) => {
    wx.scanCode({
      onlyFromCamera: false,
      scanType: ['qrCode'],
      success: (r) => resolve(r.result),
      fail: () => resolve(null),
    });
  });
}

/** Call a number (the service card): the phone's dialer, after WeChat's own confirmation. */
export function call(phone: string): void {
  void wx.makePhoneCall({ phoneNumber: phone.replace(/[^\d+]/g, '') }).catch(() => undefined);
}

// ---- WeChat subscription messages (mobile-client-spec/README.md, "WeChat subscription messages")

/** The templates the server lists (only the configured kinds) with the grants left; loaded
 * before the tap that may ask, since WeChat wants the ask itself inside the tap. */
let templates: TemplateGrant[] = [];

/** Fetch the templates (on the page's load). Never fails: without them nothing is asked. */
export async function loadSubscriptions(): Promise<void> {
  templates = await ok(api.GET('/api/v1/me/subscriptions')).catch(() => []);
}

/** The plain words shown before the tap that asks at `moment`; empty when nothing would be asked. */
export function subscribeNote(moment: SubscribeMoment): string {
  return templatesToAsk(templates, moment).length ? SUBSCRIBE_TEXT[moment] : '';
}

/**
 * Ask WeChat for permission to send the messages of `moment`; call it first thing in the tap
 * (WeChat's rule), and go on at once: the booking never waits for the answer. Whatever WeChat
 * answers goes to `POST /me/subscriptions` with a key of its own; a failed ask (the main switch
 * off, 20004) or a failed report changes nothing: the inbox still has every notice.
 */
export function askSubscription(moment: SubscribeMoment): void {
  const asked = templatesToAsk(templates, moment);
  if (!asked.length) return;
  wx.requestSubscribeMessage({
    tmplIds: asked,
    success: (answer) => {
      const body = subscribeResults(answer, asked);
      if (body) void reportSubscription(body);
    },
    fail: () => undefined,
  });
}

async function reportSubscription(body: Schemas['SubscribeRequest']): Promise<void> {
  const key = idempotencyKey();
  templates = await ok(api.POST('/api/v1/me/subscriptions', { body, params: { header: { 'Idempotency-Key': key } } })).catch(() => templates);
}

/** The text to show for an error: core's Chinese text for its code. */
export function errorText(e: unknown): string {
  return describeError(e);
}

export { privacyNeeded, privacyPanel, privacyAnswer } from './privacy';
