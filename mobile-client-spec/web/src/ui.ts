// Tiny DOM helpers: no framework, text set through textContent (never innerHTML).
import { ApiError } from '../../client/index';

type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;
type Child = Node | string | number | null | undefined | false;

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

/** The screen's root: replaced on every navigation. */
export function mount(title: string, ...content: (Child | Child[])[]): HTMLElement {
  const main = document.getElementById('screen')!;
  document.title = `${title} · 邻里`;
  const heading = document.getElementById('title')!;
  heading.textContent = title;
  main.replaceChildren(...content.flat().filter((c): c is Node | string => !!c || c === 0).map((c) => (c instanceof Node ? c : String(c))));
  main.setAttribute('aria-busy', 'false');
  window.scrollTo(0, 0);
  return main;
}

export function loading(text = '加载中…'): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/** What the user reads for an error: the server's message, plus what to do for some codes. */
export function describe(e: unknown): string {
  if (!(e instanceof ApiError)) return '出了点问题，请稍后重试';
  const advice: Record<string, string> = {
    network_error: '网络连接失败，请检查网络后重试',
    booking_conflict: '这个时段刚刚被别人预约了，请换一个时段，或加入候补',
    household_required: '请先绑定您家的便民服务卡',
    service_unavailable: '服务繁忙，请稍后再试',
    rate_limited: '操作太频繁了，请稍后再试',
    idempotency_in_progress: '上一次操作还在处理中，请稍候',
    token_expired: '登录已过期，请重新登录',
    invalid_refresh_token: '登录已失效，请重新登录',
    refresh_token_reused: '登录已失效，请重新登录',
  };
  const text = advice[e.code] ?? e.message;
  return e.status >= 500 && e.status !== 503 && e.requestId ? `${text}（编号 ${e.requestId.slice(0, 8)}）` : text;
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
  btn.addEventListener('click', async () => {
    if (btn.dataset.busy) return;
    btn.dataset.busy = '1';
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    btn.textContent = '处理中…';
    try {
      await run(btn);
    } finally {
      delete btn.dataset.busy;
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
      btn.textContent = label;
    }
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
