// Charging: my compound's grid with booking and the waitlist; my bookings with cancel,
// check-in by the socket's code, finish; my waitlist offers.
import { NetworkError, api, apiError, hasCode, idempotencyKey, me, ok, type Schemas } from './api';
import { action, at, clock, date, describe, detail, h, notice, say, when } from './ui';
import {
  ARE_YOU_SURE, BOOKING_STATUS, BOOKING_TEXT, CELL_ICON, CELL_TEXT, DAY_NAMES, DURATIONS, SlotGrid, WAIT_STATUS, cellState, confirmBefore, durationLabel, joinedWaitlist, queuePlace, noPiles, NOT_NOW,
  socketCount, type SocketCells,
} from '../../core/index';
import { scanButton } from './account';
import type { View } from './view';
import { startChargingButton } from './session';
import { SESSION_TEXT } from '../../core/index';

type Grid = Schemas['AvailabilityView'];

/** Last grid per compound with its ETag: revalidated with If-None-Match (304 = unchanged). */
const gridCache = new Map<number, { etag: string; grid: Grid }>();

async function availability(compound: number): Promise<Grid> {
  const cached = gridCache.get(compound);
  const { data, error, response } = await api.GET('/api/v1/compounds/{id}/availability', {
    params: { path: { id: compound } },
    headers: cached ? { 'If-None-Match': cached.etag } : {},
  }).catch(() => {
    throw new NetworkError();
  });
  if (response.status === 304 && cached) return cached.grid;
  if (!response.ok || !data) throw apiError(response, error);
  const etag = response.headers.get('ETag');
  if (etag) gridCache.set(compound, { etag, grid: data });
  return data;
}


/** A booking's confirmation, in view: day, time, socket, the check-in window with its day, cancel. */
function confirmation(b: Schemas['BookingView'], message: HTMLElement, onCancelled: () => Promise<void>): void {
  const slot = h('div', { class: 'slot' });
  const box = h('div', { class: 'card confirm confirmed', id: 'booked', tabindex: '-1', role: 'status' },
    h('div', { class: 'big' }, '✓ 预约成功'),
    h('div', {}, `${b.socket_label}，${when(b.starts_at, b.ends_at)}`),
    h('div', { id: 'check-in-window' }, `请在 ${when(b.check_in_opens_at, b.check_in_closes_at)} 到充电口扫码签到，逾时未签到预约将被释放。`),
    slot,
    confirmTwice(BOOKING_TEXT.cancel, BOOKING_TEXT.askCancel, async () => {
      try {
        await ok(api.POST('/api/v1/bookings/{id}/cancel', { params: { path: { id: b.id } }, body: {} }));
        say(message, 'ok', BOOKING_TEXT.cancelled);
        await onCancelled();
      } catch (e) {
        say(slot, 'error', describe(e));
      }
    }),
    h('a', { class: 'btn', href: '#/bookings' }, '查看我的预约'));
  message.replaceChildren(box);
  box.scrollIntoView({ block: 'start' });
  box.focus({ preventScroll: true });
}

/** An error under the grid, with the way on: the quota message links to 我的预约. */
function failure(slot: HTMLElement, e: unknown): void {
  say(slot, 'error', describe(e));
  if (hasCode(e, 'household_quota_reached', 'booking_suspended', 'already_waitlisted')) {
    slot.append(h('a', { class: 'btn', href: '#/bookings' }, '去“我的预约”'));
  }
}

export async function chargingScreen(view: View): Promise<void> {
  view.loading('充电预约');
  const user = await me();
  if (!user.household) {
    view.mount('充电预约', notice('info', '请先绑定您家的便民服务卡，才能预约充电。'), h('a', { class: 'btn primary', href: '#/bind' }, '去绑定'));
    return;
  }
  const compound = user.household.address.compound;
  const charging = await ok(api.GET('/api/v1/compounds/{id}/charging', { params: { path: { id: compound.id } } })).catch((e: unknown) => {
    if (hasCode(e, 'not_found')) return null;
    throw e;
  });
  if (!charging || charging.piles.length === 0) {
    view.mount('充电预约', notice('info', noPiles(compound.name)));
    return;
  }
  const { max_booking_minutes: maxMinutes, grace_minutes: graceMinutes } = charging.settings;
  let grid = new SlotGrid(await availability(compound.id));
  let dayIndex = 0;
  let minutes = Math.min(60, maxMinutes);
  let open: number | null = null;

  const message = h('div', { class: 'slot', id: 'charging-message' });
  const body = h('div', {});
  const durationBar = h('div', { class: 'chips', role: 'group', 'aria-label': '充电时长' });
  const dayBar = h('div', { class: 'chips', role: 'group', 'aria-label': '日期' });

  function drawBars() {
    durationBar.replaceChildren(...DURATIONS.filter((m) => m <= maxMinutes).map((m) =>
      h('button', { type: 'button', class: 'chip', 'aria-pressed': String(m === minutes), onclick: () => { minutes = m; drawBars(); draw(); } },
        durationLabel(m))));
    dayBar.replaceChildren(...[0, 1, 2].filter((d) => d < grid.days).map((d) =>
      h('button', { type: 'button', class: 'chip', 'aria-pressed': String(d === dayIndex), onclick: () => { dayIndex = d; open = null; drawBars(); draw(); } },
        DAY_NAMES[d], h('br'), h('small', {}, date(grid.start(d * grid.cellsPerDay))))));
  }

  async function refresh() {
    grid = new SlotGrid(await availability(compound.id));
    draw();
  }

  /** Join the waitlist for this time on this socket (one key per decision). */
  function waitlistButton(socket: SocketCells, cell: number, slot: HTMLElement): HTMLButtonElement {
    const key = idempotencyKey();
    const starts = grid.start(cell);
    const ends = grid.end(cell, minutes);
    return action('加入候补（有空位时通知我）', async () => {
      try {
        const w = await ok(api.POST('/api/v1/compounds/{id}/waitlist', {
          params: { path: { id: compound.id }, header: { 'Idempotency-Key': key } },
          body: { socket_id: socket.socket_id, starts_at: starts.toISOString(), ends_at: ends.toISOString() },
        }));
        say(slot, 'ok', joinedWaitlist(`${socket.label} ${when(starts, ends)}`, w.position));
      } catch (err) {
        failure(slot, err);
      }
    }, { class: 'btn', id: 'join-waitlist' });
  }

  function confirmPanel(socket: SocketCells, cell: number): HTMLElement {
    const starts = grid.start(cell);
    const ends = grid.end(cell, minutes);
    const key = idempotencyKey(); // one key per decision: the client retries network failures with it
    const slot = h('div', { class: 'slot' });
    const panel = h('div', { class: 'card confirm', id: 'confirm' },
      h('div', { class: 'big' }, socket.label),
      h('div', {}, when(starts, ends)),
      slot,
      action('确认预约', async () => {
        try {
          const b = await ok(api.POST('/api/v1/bookings', {
            body: { socket_id: socket.socket_id, starts_at: starts.toISOString(), ends_at: ends.toISOString() },
            params: { header: { 'Idempotency-Key': key } },
          }));
          open = null;
          await refresh().catch(() => undefined);
          if (view.current) confirmation(b, message, refresh);
        } catch (e) {
          failure(slot, e);
          if (hasCode(e, 'booking_conflict')) {
            // The same key would only replay this answer: the choice is now another time or the queue.
            panel.querySelector('#confirm-booking')?.remove();
            slot.append(waitlistButton(socket, cell, slot));
          }
        }
      }, { class: 'btn primary', id: 'confirm-booking' }),
      h('button', { type: 'button', class: 'btn link', onclick: () => { open = null; draw(); } }, '取消'));
    return panel;
  }

  /** One row's sockets as cells: each a ≥44px button with its state in text and icon. */
  function cells(cell: number): HTMLElement {
    const after = h('div', { class: 'slot', id: 'cell-action' });
    const list = h('ul', { class: 'cells', 'aria-label': `${clock(grid.start(cell))} 的充电口` }, grid.grid.sockets.map((s) => {
      const state = cellState(s, cell);
      const short = state === 'free' && !grid.freeRun(s, cell, minutes);
      const label = grid.cellLabel(s, cell, minutes);
      return h('li', {}, h('button', {
        type: 'button', class: `cell ${state}`, 'data-socket': s.socket_id, 'aria-label': label, 'data-state': state,
        onclick: () => {
          if (state === 'free' && !short) after.replaceChildren(confirmPanel(s, cell));
          else if (state === 'taken') {
            const slot = h('div', { class: 'slot' });
            after.replaceChildren(h('div', { class: 'card confirm', id: 'confirm' },
              notice('info', `${s.label} ${when(grid.start(cell), grid.end(cell, minutes))} 已约满。可以加入候补，有人取消时通知您。`),
              slot, waitlistButton(s, cell, slot)));
          } else if (short) say(after, 'info', `${s.label} 从这个时间起空闲不够 ${minutes} 分钟，请选短一些的时长或换一个时间`);
          else if (state === 'mine') say(after, 'info', BOOKING_TEXT.mine);
          else say(after, 'info', `${s.label} 这个时间不能预约，请换一个充电口或时间`);
        },
      }, h('span', {}, s.label), h('span', { class: 'st', 'aria-hidden': 'true' }, `${CELL_ICON[state]} ${short ? BOOKING_TEXT.tooShort : CELL_TEXT[state]}`)));
    }));
    return h('div', { class: 'sockets' }, list, after);
  }

  function rows(): HTMLElement[] {
    const out: HTMLElement[] = [];
    for (const i of grid.rows(dayIndex)) {
      const { free, mine, full } = grid.summary(i);
      const [icon, status] = mine ? ['★', '我的'] : free ? ['○', `空 ${free}`] : full ? ['✕', '满 · 可候补'] : ['－', '不可用'];
      // The visible text is the accessible name ("19:00 空 3"): no aria-label that differs from it.
      const row = h('button', {
        type: 'button', class: `slotrow${open === i ? ' open' : ''}`, id: `slot-${i}`, 'aria-expanded': String(open === i),
        onclick: () => { open = open === i ? null : i; draw(); },
      },
      h('span', { class: 't' }, clock(grid.start(i))),
      h('span', { class: 'strip', 'aria-hidden': 'true' }, grid.grid.sockets.map((s) => h('i', { class: { free: 'f', mine: 'm', taken: 'x', off: 'o' }[cellState(s, i)] }))),
      h('span', { class: free ? 'n' : 'n none' }, h('span', { 'aria-hidden': 'true' }, `${icon} `), status));
      out.push(row);
      if (open === i) out.push(cells(i));
    }
    return out.length ? out : [notice('info', '这一天已没有可预约的时段，请看看明天')];
  }

  function draw() {
    body.replaceChildren(...rows());
  }

  drawBars();
  draw();
  view.mount('充电预约',
    h('p', { class: 'lead' }, socketCount(compound.name, grid.grid.sockets.length)),
    message,
    h('div', { class: 'label' }, '日期'), dayBar,
    h('div', { class: 'label' }, '充电时长'), durationBar,
    h('p', { class: 'legend' }, '○ 可预约　✕ 已约满　★ 我的预约　－ 不可用'),
    h('p', { class: 'muted' }, '点一个时间，再点充电口预约；约满的可以加入候补'),
    h('p', { class: 'muted', id: 'check-in-rule' }, `预约开始后 ${graceMinutes} 分钟内须到充电口扫码签到，逾时预约将被释放并记为未到场。`),
    body,
    h('a', { class: 'btn', href: '#/bookings' }, '查看我的预约'));
}

function bookingCard(b: Schemas['BookingView'], view: View): HTMLElement {
  const slot = h('div', { class: 'slot' });
  const actions = h('div', { class: 'actions' });
  const card = h('li', { class: `card booking ${b.status}`, 'data-booking': b.id },
    h('div', { class: 'row' }, h('strong', { class: 'big' }, b.socket_label), h('span', { class: `badge ${b.status}` }, BOOKING_STATUS[b.status] ?? b.status)),
    h('div', {}, `${b.compound_name} · ${when(b.starts_at, b.ends_at)}`),
    slot, actions);
  if (b.status === 'confirmed') {
    const code = h('input', { id: `code-${b.id}`, autocomplete: 'off', autocapitalize: 'characters', placeholder: '充电口二维码下方的编码', maxlength: 32 });
    const scanSlot = h('div', { class: 'scan' });
    const checkIn = action('签到', async () => {
      if (!code.value.trim()) return say(slot, 'error', BOOKING_TEXT.askSocketCode);
      try {
        await ok(api.POST('/api/v1/bookings/{id}/check-in', { params: { path: { id: b.id } }, body: { socket_code: code.value.trim() } }));
        await view.reload();
      } catch (e) {
        const opens = hasCode(e, 'check_in_too_early') ? detail(e, 'opens_at') : undefined;
        say(slot, 'error', opens ? `还没到签到时间，${at(opens)} 起可签到` : describe(e));
      }
    }, { class: 'btn primary' });
    actions.append(
      h('label', { for: `code-${b.id}` }, `签到（${when(b.check_in_opens_at, b.check_in_closes_at)}）：扫描或输入充电口编码`),
      code,
      scanButton('📷 扫充电口二维码', (text) => {
        code.value = (/[?&]code=([^&#]+)/.exec(text)?.[1] ?? text).trim();
        checkIn.click();
      }, scanSlot),
      scanSlot,
      checkIn,
      startChargingButton(b.id, slot),
      confirmTwice(BOOKING_TEXT.cancel, BOOKING_TEXT.askCancel, async () => {
        try {
          await ok(api.POST('/api/v1/bookings/{id}/cancel', { params: { path: { id: b.id } }, body: {} }));
          await view.reload();
        } catch (e) {
          say(slot, 'error', describe(e));
        }
      }),
    );
  } else if (b.status === 'checked_in') {
    actions.append(startChargingButton(b.id, slot), h('a', { class: 'btn', href: '#/session' }, SESSION_TEXT.view), action('结束充电', async () => {
      try {
        await ok(api.POST('/api/v1/bookings/{id}/finish', { params: { path: { id: b.id } } }));
        await view.reload();
      } catch (e) {
        say(slot, 'error', describe(e));
      }
    }, { class: 'btn primary' }));
  }
  return card;
}

/** A destructive action asks once more, in the page (no blocking browser dialog). */
export function confirmTwice(label: string, question: string, run: () => Promise<void>): HTMLElement {
  const box = h('div', { class: 'confirm-twice' });
  const first = h('button', { type: 'button', class: 'btn danger' }, label);
  first.addEventListener('click', () => {
    box.replaceChildren(
      h('p', { class: 'question' }, question),
      action(`确定${label}`, run, { class: 'btn danger' }),
      h('button', { type: 'button', class: 'btn link', onclick: () => box.replaceChildren(first) }, NOT_NOW));
  });
  box.append(first);
  return box;
}

export async function bookingsScreen(view: View): Promise<void> {
  view.loading('我的预约');
  const user = await me();
  if (!user.household) {
    view.mount('我的预约', notice('info', '请先绑定您家的便民服务卡。'), h('a', { class: 'btn primary', href: '#/bind' }, '去绑定'));
    return;
  }
  const [bookings, waitlist] = await Promise.all([
    ok(api.GET('/api/v1/me/bookings', { params: { query: { per_page: 20 } } })),
    ok(api.GET('/api/v1/me/waitlist')),
  ]);
  const live = waitlist.filter((w) => w.status === 'waiting' || w.status === 'offered');
  view.mount('我的预约',
    live.length ? h('h2', {}, '候补') : null,
    live.length ? h('ul', { class: 'list' }, live.map((w) => waitCard(w, view))) : null,
    h('h2', {}, '充电预约'),
    bookings.items.length
      ? h('ul', { class: 'list', id: 'bookings' }, bookings.items.map((b) => bookingCard(b, view)))
      : notice('info', '还没有预约'),
    bookings.total > bookings.items.length ? h('p', { class: 'muted' }, `显示最近 ${bookings.items.length} 条，共 ${bookings.total} 条`) : null,
    h('a', { class: 'btn', href: '#/charging' }, '去预约充电'));
}

function waitCard(w: Schemas['WaitlistView'], view: View): HTMLElement {
  const slot = h('div', { class: 'slot' });
  const key = idempotencyKey();
  return h('li', { class: 'card' },
    h('div', { class: 'row' }, h('strong', {}, when(w.starts_at, w.ends_at)), h('span', { class: 'badge' }, WAIT_STATUS[w.status] ?? w.status)),
    w.status === 'waiting' ? h('div', {}, queuePlace(w.position)) : null,
    w.status === 'offered' && w.offer_expires_at ? h('div', { class: 'big' }, confirmBefore(w.offer_expires_at)) : null,
    slot,
    w.status === 'offered'
      ? action('接受这个空位', async () => {
        try {
          await ok(api.POST('/api/v1/waitlist/{id}/accept', { params: { path: { id: w.id }, header: { 'Idempotency-Key': key } } }));
          await view.reload();
        } catch (e) {
          say(slot, 'error', describe(e));
        }
      }, { class: 'btn primary' })
      : null,
    confirmTwice(w.status === 'offered' ? BOOKING_TEXT.declineOffer : BOOKING_TEXT.leaveWaitlist, ARE_YOU_SURE, async () => {
      try {
        await ok(api.POST('/api/v1/waitlist/{id}/leave', { params: { path: { id: w.id } } }));
        await view.reload();
      } catch (e) {
        say(slot, 'error', describe(e));
      }
    }));
}
