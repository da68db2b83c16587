// The resident's charging session, live: the current session's power, energy and duration,
// asked for again every few seconds while it is open, then its result (energy, duration, the
// stop reason's Chinese message). The numbers change quietly; only a change of state (启动 →
// 充电中 → 已结束) goes to the live region, so a screen reader is told each step once, never
// every watt. Polling stops when the resident moves on (the View is no longer current).
import { api, idempotencyKey, ok, type Schemas } from './api';
import { action, describe, h, say } from './ui';
import { SESSION_POLL_MS, SESSION_STATE, SESSION_TEXT, currentSession, sessionModel, type SessionModel } from '../../core/index';
import type { View } from './view';

type Session = Schemas['SessionView'];

async function sessions(): Promise<Session[]> {
  return (await ok(api.GET('/api/v1/me/charging-sessions', { params: { query: { per_page: 10 } } }))).items;
}

function facts(model: SessionModel): HTMLElement {
  return h('dl', { class: 'facts', id: 'session-facts' },
    model.facts.map((f) => h('div', { class: 'fact', 'data-fact': f.key }, h('dt', {}, f.label), h('dd', {}, f.value))));
}

/** Write `next` into the drawn card: numbers in place, the status line only when it changed. */
function update(card: HTMLElement, status: HTMLElement, next: SessionModel): void {
  if (status.textContent !== next.status) status.textContent = next.status;
  const old = card.querySelector('#session-facts');
  const same = old && [...old.querySelectorAll<HTMLElement>('.fact')].map((f) => f.dataset.fact).join() === next.facts.map((f) => f.key).join();
  if (same && old) {
    next.facts.forEach((f, i) => {
      const dd = old.querySelectorAll('dd')[i];
      if (dd.textContent !== f.value) dd.textContent = f.value;
    });
  } else {
    old?.replaceWith(facts(next));
  }
  const heading = card.querySelector('h2');
  if (heading) heading.textContent = next.open ? SESSION_TEXT.live : SESSION_TEXT.result;
  card.dataset.state = next.open ? 'open' : 'ended';
}

function historyItem(s: Session): HTMLElement {
  const m = sessionModel(s);
  return h('li', { class: 'card', 'data-session': s.id },
    h('div', { class: 'row' }, h('strong', {}, m.when), h('span', { class: 'badge' }, SESSION_STATE[s.state])),
    h('div', {}, m.facts.map((f) => `${f.label} ${f.value}`).join(' · ') || m.message),
    m.facts.length ? h('div', { class: 'muted' }, m.message) : null);
}

export async function sessionScreen(view: View): Promise<void> {
  view.loading(SESSION_TEXT.title);
  const items = await sessions();
  const current = currentSession(items);
  if (!current) {
    view.mount(SESSION_TEXT.title, h('p', {}, SESSION_TEXT.none), h('a', { class: 'btn primary', href: '#/bookings' }, SESSION_TEXT.toBookings));
    return;
  }
  const model = sessionModel(current);
  const status = h('p', { class: 'big', id: 'session-status', role: 'status' }, model.status);
  const note = h('p', { class: 'muted', id: 'session-note' }, model.open ? SESSION_TEXT.polling : '');
  const card = h('section', { class: 'card', id: 'session', 'aria-labelledby': 'session-heading', 'data-state': model.open ? 'open' : 'ended' },
    h('h2', { id: 'session-heading' }, model.open ? SESSION_TEXT.live : SESSION_TEXT.result),
    status,
    facts(model),
    h('p', { class: 'muted' }, `${SESSION_TEXT.started}：${model.when}`),
    note);
  const past = items.filter((s) => s.id !== current.id);
  if (!view.mount(SESSION_TEXT.title,
    view.flash,
    card,
    past.length ? h('h2', {}, SESSION_TEXT.history) : null,
    past.length ? h('ul', { class: 'list', id: 'session-history' }, past.map(historyItem)) : null,
    h('a', { class: 'btn', href: '#/bookings' }, SESSION_TEXT.toBookings))) return;
  if (!model.open) return;
  const poll = async (): Promise<void> => {
    if (!view.current) return;
    try {
      const fresh = (await sessions()).find((s) => s.id === current.id);
      if (!view.current || !fresh) return;
      const next = sessionModel(fresh);
      update(card, status, next);
      note.textContent = next.open ? SESSION_TEXT.polling : '';
      if (!next.open) return;
    } catch {
      if (!view.current) return;
      note.textContent = SESSION_TEXT.stale;
    }
    setTimeout(() => void poll(), SESSION_POLL_MS);
  };
  setTimeout(() => void poll(), SESSION_POLL_MS);
}

/** The booking card's "开始充电": asks the pile to start, then shows the session live. */
export function startChargingButton(booking: number, slot: HTMLElement): HTMLButtonElement {
  const key = idempotencyKey();
  return action(SESSION_TEXT.start, async () => {
    try {
      await ok(api.POST('/api/v1/bookings/{id}/charging-session', { params: { path: { id: booking }, header: { 'Idempotency-Key': key } } }));
      location.hash = '#/session';
    } catch (e) {
      say(slot, 'error', describe(e));
    }
  }, { class: 'btn primary', 'data-start': booking });
}
