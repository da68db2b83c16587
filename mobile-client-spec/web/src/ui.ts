// Tiny DOM helpers: no framework, text set through textContent (never innerHTML). Screens draw
// through their View (view.ts), not here.
import { ApiError, NetworkError, type ErrorCode } from '../../client/index';

type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function loading(text = '加载中…'): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/** What to tell the user for some codes, instead of the server's message. Keys must be codes of
 * the generated `ErrorCode` union: a misspelt or retired code does not compile. */
const ADVICE: Partial<Record<ErrorCode, string>> = {
  booking_conflict: '这个时段刚刚被别人预约了，请换一个时段，或加入候补',
  household_required: '请先绑定您家的便民服务卡',
  service_unavailable: '服务繁忙，请稍后再试',
  rate_limited: '操作太频繁了，请稍后再试',
  idempotency_in_progress: '上一次操作还在处理中，请稍候',
  token_expired: '登录已过期，请重新登录',
  invalid_refresh_token: '登录已失效，请重新登录',
  refresh_token_reused: '登录已失效，请重新登录',
};

/** What the user reads for an error: the server's message, or advice for some codes. */
export function describe(e: unknown): string {
  if (e instanceof NetworkError) return e.message;
  if (!(e instanceof ApiError)) return '出了点问题，请稍后重试';
  const text = (e.code && ADVICE[e.code]) ?? e.message;
  return e.status >= 500 && e.status !== 503 && e.requestId ? `${text}（编号 ${e.requestId.slice(0, 8)}）` : text;
}

function detailValue(e: unknown, name: string): unknown {
  const details = e instanceof ApiError ? e.details : undefined;
  return details && typeof details === 'object' ? (details as Record<string, unknown>)[name] : undefined;
}

/** A fact in an error's `details` (e.g. `opens_at`), when it is a string. */
export function detail(e: unknown, name: string): string | undefined {
  const value = detailValue(e, name);
  return typeof value === 'string' ? value : undefined;
}

/** A list in an error's `details` (e.g. `missing`), when it is one of strings. */
export function detailList(e: unknown, name: string): string[] {
  const value = detailValue(e, name);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A message box in the screen: role=alert so screen readers announce it. */
export function notice(kind: 'error' | 'ok' | 'info', text: string): HTMLElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** Put a message into a slot element (replacing what was there). */
export function say(slot: HTMLElement, kind: 'error' | 'ok' | 'info', text: string): void {
  slot.replaceChildren(notice(kind, text));
}

/**
 * A button that runs `action` once per tap: disabled and labelled "处理中…" while it runs, so a
 * slow network cannot cause a double submit.
 */
export function action(
  label: string,
  run: (btn: HTMLButtonElement) => Promise<void>,
  attrs: Attrs = {},
): HTMLButtonElement {
  const btn = h('button', { type: 'button', class: 'btn', ...attrs }, label);
  btn.addEventListener('click', () => {
    if (btn.dataset.busy) return;
    btn.dataset.busy = '1';
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    btn.textContent = '处理中…';
    void run(btn).finally(() => {
      delete btn.dataset.busy;
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
      btn.textContent = label;
    });
  });
  return btn;
}

const tz = 'Asia/Shanghai';
const dateFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: tz, month: 'numeric', day: 'numeric', weekday: 'short' });
const timeFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false });

export function day(iso: string | Date): string {
  return dateFmt.format(new Date(iso));
}
export function time(iso: string | Date): string {
  return timeFmt.format(new Date(iso));
}
export function when(start: string, end?: string): string {
  return `${day(start)} ${time(start)}${end ? '–' + time(end) : ''}`;
}
