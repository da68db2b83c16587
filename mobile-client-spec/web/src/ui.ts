// Tiny DOM helpers: no framework, text set through textContent (never innerHTML). Screens draw
// through their View (view.ts), not here.
import { ApiError, NetworkError, describeError } from '../../core/index';
export { at, clock, date, dayWord, span as when } from '../../core/index';

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

let running: HTMLButtonElement | null = null;
let offlineRetry: HTMLButtonElement | null = null;

/** What the user reads for an error: always Chinese, saying what to do next (core/errors.ts).
 * A lost network also raises the offline banner, whose "重试" taps the failed button again: the
 * action keeps its idempotency key, so the retry cannot do the work twice. */
export function describe(e: unknown): string {
  if (e instanceof NetworkError && running) offline(running);
  return describeError(e);
}

/** Show (or hide, with `false`) the offline banner; `retry` is the action to tap again. */
export function offline(retry: HTMLButtonElement | null | false): void {
  const banner = document.getElementById('offline');
  if (!banner) return;
  if (retry === false) {
    banner.hidden = true;
    offlineRetry = null;
    return;
  }
  offlineRetry = retry ?? offlineRetry;
  const again = h('button', { type: 'button', class: 'btn small', id: 'offline-retry', onclick: () => {
    banner.hidden = true;
    if (offlineRetry?.isConnected) offlineRetry.click();
    else window.dispatchEvent(new HashChangeEvent('hashchange'));
  } }, '重试');
  banner.replaceChildren(h('span', {}, '网络断开了。网络恢复后点“重试”，不会重复提交。'), again);
  banner.hidden = false;
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
    running = btn;
    void run(btn).finally(() => {
      if (running === btn) running = null;
      delete btn.dataset.busy;
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
      btn.textContent = label;
    });
  });
  return btn;
}

