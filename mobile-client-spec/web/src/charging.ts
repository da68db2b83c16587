// Charging: my compound's grid with booking and the waitlist; my bookings with cancel,
// check-in by the socket's code, finish; my waitlist offers.
import { NetworkError, api, apiError, hasCode, idempotencyKey, me, ok, type Schemas } from './api';
import { action, day, describe, detail, h, notice, say, time, when } from './ui';
import type { View } from './view';

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

const STATE_LABEL: Record<string, string> = { '.': '空闲', x: '已约', m: '我的', '-': '不可用' };
const DURATIONS = [30, 60, 120, 180, 240];

interface Pick {
  socket: Schemas['SocketCells'];
  cell: number;
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
    view.mount('充电预约', notice('info', `${compound.name}还没有可预约的充电桩。`));
    return;
  }
  const { max_booking_minutes: maxMinutes, grace_minutes: graceMinutes } = charging.settings;
  let grid = await availability(compound.id);
  let dayIndex = 0;
  let minutes = Math.min(60, maxMinutes);
  let open: number | null = null;

  const message = h('div', { class: 'slot', id: 'charging-message' });
  const body = h('div', {});
  const durationBar = h('div', { class: 'chips', role: 'group', 'aria-label': '充电时长' });
  const dayBar = h('div', { class: 'chips', role: 'group', 'aria-label': '日期' });

  const cellsPerDay = Math.round((24 * 60) / grid.slot_minutes);
  const cellStart = (i: number) => new Date(Date.parse(grid.starts_at) + i * grid.slot_minutes * 60_000);
  const need = () => Math.max(1, Math.round(minutes / grid.slot_minutes));
  const freeRun = (s: Schemas['SocketCells'], i: number) => s.cells.slice(i, i + need()) === '.'.repeat(need());

  function drawBars() {
    durationBar.replaceChildren(...DURATIONS.filter((m) => m <= maxMinutes).map((m) =>
      h('button', { type: 'button', class: 'chip', 'aria-pressed': String(m === minutes), onclick: () => { minutes = m; drawBars(); draw(); } },
        m < 60 ? `${m}分钟` : `${m / 60}小时`)));
    dayBar.replaceChildren(...[0, 1, 2].filter((d) => d * cellsPerDay < grid.slots).map((d) =>
      h('button', { type: 'button', class: 'chip', 'aria-pressed': String(d === dayIndex), onclick: () => { dayIndex = d; open = null; drawBars(); draw(); } },
        ['今天', '明天', '后天'][d], h('br'), h('small', {}, day(cellStart(d * cellsPerDay))))));
  }

  async function refresh() {
    grid = await availability(compound.id);
    draw();
  }

  function confirmPanel(pick: Pick): HTMLElement {
    const starts = cellStart(pick.cell);
    const ends = new Date(starts.getTime() + need() * grid.slot_minutes * 60_000);
    const key = idempotencyKey(); // one key per decision: the client retries network failures with it
    const slot = h('div', { class: 'slot' });
    const waitKey = idempotencyKey();
    const panel = h('div', { class: 'card confirm', id: 'confirm' },
      h('div', { class: 'big' }, pick.socket.label),
      h('div', {}, `${day(starts)} ${time(starts)}–${time(ends)}`),
      slot,
      action('确认预约', async () => {
        try {
          const b = await ok(api.POST('/api/v1/bookings', {
            body: { socket_id: pick.socket.socket_id, starts_at: starts.toISOString(), ends_at: ends.toISOString() },
            params: { header: { 'Idempotency-Key': key } },
          }));
          open = null;
          say(message, 'ok', `预约成功：${b.socket_label}，${when(b.starts_at, b.ends_at)}。`
            + `请在 ${time(b.check_in_opens_at)}–${time(b.check_in_closes_at)} 到充电口扫码签到，逾时未签到预约将被释放。`);
          await refresh();
        } catch (e) {
          say(slot, 'error', describe(e));
          if (hasCode(e, 'booking_conflict')) {
            // The same key would only replay this answer: the choice is now another time or the queue.
            panel.querySelector('#confirm-booking')?.remove();
            slot.append(action('加入候补（有空位时通知我）', async () => {
              try {
                const w = await ok(api.POST('/api/v1/compounds/{id}/waitlist', {
                  params: { path: { id: compound.id }, header: { 'Idempotency-Key': waitKey } },
                  body: { socket_id: pick.socket.socket_id, starts_at: starts.toISOString(), ends_at: ends.toISOString() },
                }));
                say(slot, 'ok', `已加入候补，排第 ${w.position ?? 1} 位。有空位时会通知您，请在通知所说的时间前确认。`);
              } catch (err) {
                say(slot, 'error', describe(err));
              }
            }, { class: 'btn' }));
            // Show what is free now, keeping this message on screen.
            grid = await availability(compound.id).catch(() => grid);
            body.replaceChildren(...rows());
            body.querySelector(`#slot-${pick.cell}`)?.after(panel);
          }
        }
      }, { class: 'btn primary', id: 'confirm-booking' }),
      h('button', { type: 'button', class: 'btn link', onclick: () => { open = null; draw(); } }, '取消'));
    return panel;
  }

  function socketList(cell: number): HTMLElement {
    return h('ul', { class: 'list sockets' }, grid.sockets.map((s) => {
      const c = s.cells[cell] ?? '-';
      const free = freeRun(s, cell);
      return h('li', { class: 'row' },
        h('span', {}, h('strong', {}, s.label), h('br'), h('span', { class: `state s${c === '.' ? 'free' : c === 'm' ? 'mine' : c === 'x' ? 'taken' : 'off'}` }, STATE_LABEL[c] ?? c)),
        free
          ? h('button', { type: 'button', class: 'btn small', 'data-socket': s.socket_id, onclick: (ev: Event) => {
            const li = (ev.currentTarget as HTMLElement).closest('li')!;
            body.querySelector('#confirm')?.remove();
            li.after(confirmPanel({ socket: s, cell }));
          } }, '预约')
          : c === '.' ? h('span', { class: 'muted' }, '时长不够') : null);
    }));
  }

  function rows(): HTMLElement[] {
    const first = dayIndex * cellsPerDay;
    const out: HTMLElement[] = [];
    for (let i = first; i < Math.min(first + cellsPerDay, grid.slots); i++) {
      const states = grid.sockets.map((s) => s.cells[i] ?? '-');
      if (states.every((c) => c === '-')) continue; // past or closed for everyone
      const free = states.filter((c) => c === '.').length;
      const mine = states.includes('m');
      const row = h('button', {
        type: 'button', class: `slotrow${open === i ? ' open' : ''}`, id: `slot-${i}`, 'aria-expanded': String(open === i),
        onclick: () => { open = open === i ? null : i; draw(); },
      },
      h('span', { class: 't' }, time(cellStart(i))),
      h('span', { class: 'strip', 'aria-hidden': 'true' }, states.map((c) => h('i', { class: c === '.' ? 'f' : c === 'm' ? 'm' : c === 'x' ? 'x' : 'o' }))),
      h('span', { class: free ? 'n' : 'n none' }, mine ? '我的' : free ? `空 ${free}` : '满'));
      out.push(row);
      if (open === i) out.push(socketList(i));
    }
    return out.length ? out : [notice('info', '这一天已没有可预约的时段')];
  }

  function draw() {
    body.replaceChildren(...rows());
  }

  drawBars();
  draw();
  view.mount('充电预约',
    h('p', { class: 'lead' }, `${compound.name} · ${grid.sockets.length} 个充电口`),
    message,
    h('div', { class: 'label' }, '日期'), dayBar,
    h('div', { class: 'label' }, '充电时长'), durationBar,
    h('p', { class: 'legend' }, h('i', { class: 'f' }), '空闲 ', h('i', { class: 'x' }), '已约 ', h('i', { class: 'm' }), '我的 ', h('i', { class: 'o' }), '不可用'),
    h('p', { class: 'muted' }, '点一个时间，选充电口预约'),
    h('p', { class: 'muted', id: 'check-in-rule' }, `预约开始后 ${graceMinutes} 分钟内须到充电口扫码签到，逾时预约将被释放并记为未到场。`),
    body,
    h('a', { class: 'btn', href: '#/bookings' }, '查看我的预约'));
}

const STATUS: Record<Schemas['BookingStatus'], string> = {
  confirmed: '已预约', checked_in: '充电中', completed: '已完成', cancelled: '已取消', no_show: '未到场',
};
const WAIT_STATUS: Record<string, string> = {
  waiting: '候补中', offered: '有空位待确认', accepted: '已接受', declined: '已放弃', expired: '已过期', cancelled: '已取消',
};

function bookingCard(b: Schemas['BookingView'], view: View): HTMLElement {
  const slot = h('div', { class: 'slot' });
  const actions = h('div', { class: 'actions' });
  const card = h('li', { class: `card booking ${b.status}`, 'data-booking': b.id },
    h('div', { class: 'row' }, h('strong', { class: 'big' }, b.socket_label), h('span', { class: `badge ${b.status}` }, STATUS[b.status] ?? b.status)),
    h('div', {}, `${b.compound_name} · ${when(b.starts_at, b.ends_at)}`),
    slot, actions);
  if (b.status === 'confirmed') {
    const code = h('input', { id: `code-${b.id}`, autocomplete: 'off', autocapitalize: 'characters', placeholder: '充电口二维码下方的编码', maxlength: 32 });
    actions.append(
      h('label', { for: `code-${b.id}` }, `签到（${time(b.check_in_opens_at)}–${time(b.check_in_closes_at)}）：扫描或输入充电口编码`),
      code,
      action('签到', async () => {
        if (!code.value.trim()) return say(slot, 'error', '请输入充电口上的编码');
        try {
          await ok(api.POST('/api/v1/bookings/{id}/check-in', { params: { path: { id: b.id } }, body: { socket_code: code.value.trim() } }));
          await view.reload();
        } catch (e) {
          const opens = hasCode(e, 'check_in_too_early') ? detail(e, 'opens_at') : undefined;
          say(slot, 'error', describe(e) + (opens ? `，${time(opens)} 起可签到` : ''));
        }
      }, { class: 'btn primary' }),
      confirmTwice('取消预约', '确定取消这个预约吗？', async () => {
        try {
          await ok(api.POST('/api/v1/bookings/{id}/cancel', { params: { path: { id: b.id } }, body: {} }));
          await view.reload();
        } catch (e) {
          say(slot, 'error', describe(e));
        }
      }),
    );
  } else if (b.status === 'checked_in') {
    actions.append(action('结束充电', async () => {
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
      h('button', { type: 'button', class: 'btn link', onclick: () => box.replaceChildren(first) }, '不了'));
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
    w.status === 'waiting' ? h('div', {}, `排第 ${w.position ?? '?'} 位`) : null,
    w.status === 'offered' && w.offer_expires_at ? h('div', { class: 'big' }, `请在 ${time(w.offer_expires_at)} 前确认`) : null,
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
    confirmTwice(w.status === 'offered' ? '放弃' : '退出候补', '确定吗？', async () => {
      try {
        await ok(api.POST('/api/v1/waitlist/{id}/leave', { params: { path: { id: w.id } } }));
        await view.reload();
      } catch (e) {
        say(slot, 'error', describe(e));
      }
    }));
}
