// Charging: the grid of my compound (day, duration, time rows, sockets per row), book with a
// confirmation (day, time, socket, check-in window with its day, cancel), and when the slot was
// just taken, the waitlist from the same place. Texts and states from core (CELL_TEXT, at, span).
import {
  api, CELL_ICON, CELL_TEXT, cellState, clock, date, errorText, hasCode, idempotencyKey, me, ok,
  ready, refreshBadge, span, askSubscription, loadSubscriptions, subscribeNote, SlotGrid, type Schemas, BOOKING_TEXT, DAY_NAMES, DURATIONS, durationLabel, joinedWaitlist, noPiles, NOT_NOW, socketCount,
} from '../../lib/index';


interface Row { i: number; time: string; status: string; open: boolean }
interface Cell { socket: number; label: string; state: string; text: string; aria: string; bookable: boolean }
interface Pending { socket: number; label: string; cell: number; when: string; key: string }

let grid: SlotGrid | null = null;
let compoundId = 0;

Component({
  data: {
    loading: true, needBind: false, empty: '', error: '', lead: '', rule: '',
    days: [] as { i: number; text: string; sub: string; on: boolean }[],
    durations: [] as { m: number; text: string; on: boolean }[],
    day: 0, minutes: 60, maxMinutes: 240,
    rows: [] as Row[], open: -1, cells: [] as Cell[], cellNote: '',
    pending: null as Pending | null, waitlistFor: null as Pending | null, confirmError: '', canWaitlist: false, waitlisted: '',
    booked: null as null | { id: number; text: string; window: string }, message: '', bookNote: '', waitNote: '',
  },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      await Promise.all([this.load(), this.loadSubscriptions()]);
    },
    /** The subscription templates, so that the booking tap can ask at once (never blocks). */
    async loadSubscriptions() {
      await loadSubscriptions();
      this.setData({ bookNote: subscribeNote('booking'), waitNote: subscribeNote('waitlist') });
    },
    onShow() {
      if (grid) void this.refresh();
      void refreshBadge().catch(() => undefined);
    },
    async load() {
      try {
        const user: Schemas['MeView'] = await me();
        if (!user.household) return this.setData({ loading: false, needBind: true });
        const compound = user.household.address.compound;
        compoundId = compound.id;
        const charging = await ok(api.GET('/api/v1/compounds/{id}/charging', { params: { path: { id: compound.id } } })).catch((e: unknown) => {
          if (hasCode(e, 'not_found')) return null;
          throw e;
        });
        if (!charging || charging.piles.length === 0) return this.setData({ loading: false, empty: noPiles(compound.name) });
        const max = charging.settings.max_booking_minutes;
        grid = new SlotGrid(await ok(api.GET('/api/v1/compounds/{id}/availability', { params: { path: { id: compound.id } } })));
        this.setData({
          loading: false, maxMinutes: max, minutes: Math.min(60, max),
          lead: socketCount(compound.name, grid.grid.sockets.length),
          rule: `预约开始后 ${charging.settings.grace_minutes} 分钟内须到充电口扫码签到，逾时预约将被释放并记为未到场。`,
        });
        this.draw();
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    async refresh() {
      try {
        grid = new SlotGrid(await ok(api.GET('/api/v1/compounds/{id}/availability', { params: { path: { id: compoundId } } })));
        this.draw();
      } catch (e) {
        this.setData({ error: errorText(e) });
      }
    },
    draw() {
      if (!grid) return;
      const g = grid;
      const { day, minutes, open } = this.data;
      const rows: Row[] = g.rows(day).map((i) => {
        const { free, mine, full } = g.summary(i);
        return { i, time: clock(g.start(i)), status: mine ? '★ 我的' : free ? `○ 空 ${free}` : full ? '✕ 满 · 可候补' : '－ 不可用', open: i === open };
      });
      const cells: Cell[] = open < 0 ? [] : g.grid.sockets.map((s) => {
        const state = cellState(s, open);
        const short = state === 'free' && !g.freeRun(s, open, minutes);
        return {
          socket: s.socket_id, label: s.label, state, bookable: state === 'free' && !short,
          text: `${CELL_ICON[state]} ${short ? BOOKING_TEXT.tooShort : CELL_TEXT[state]}`, aria: g.cellLabel(s, open, minutes),
        };
      });
      this.setData({
        rows, cells,
        days: [0, 1, 2].filter((d) => d < g.days).map((d) => ({ i: d, text: DAY_NAMES[d], sub: date(g.start(d * g.cellsPerDay)), on: d === day })),
        durations: DURATIONS.filter((m) => m <= this.data.maxMinutes).map((m) => ({ m, text: durationLabel(m), on: m === minutes })),
      });
    },
    onDay(e: WechatMiniprogram.TouchEvent) {
      this.setData({ day: Number(e.currentTarget.dataset.day), open: -1, pending: null, cellNote: '' });
      this.draw();
    },
    onDuration(e: WechatMiniprogram.TouchEvent) {
      this.setData({ minutes: Number(e.currentTarget.dataset.m), pending: null, cellNote: '' });
      this.draw();
    },
    onRow(e: WechatMiniprogram.TouchEvent) {
      const i = Number(e.currentTarget.dataset.i);
      this.setData({ open: this.data.open === i ? -1 : i, pending: null, cellNote: '', confirmError: '', canWaitlist: false, waitlisted: '' });
      this.draw();
    },
    onCell(e: WechatMiniprogram.TouchEvent) {
      if (!grid) return;
      const socket = Number(e.currentTarget.dataset.socket);
      const cell = this.data.cells.find((c) => c.socket === socket);
      if (!cell) return;
      const i = this.data.open;
      const when = span(grid.start(i), grid.end(i, this.data.minutes));
      const pending = { socket, label: cell.label, cell: i, when, key: idempotencyKey() };
      if (cell.bookable) return this.setData({ pending, confirmError: '', canWaitlist: false, waitlisted: '', cellNote: '' });
      if (cell.state === 'taken') {
        return this.setData({ pending: null, cellNote: `${cell.label} ${when} 已约满。可以加入候补，有人取消时通知您。`, canWaitlist: true, waitlistFor: pending });
      }
      const note = cell.state === 'mine' ? BOOKING_TEXT.mine
        : cell.state === 'free' ? `${cell.label} 从这个时间起空闲不够 ${this.data.minutes} 分钟，请选短一些的时长或换一个时间`
          : `${cell.label} 这个时间不能预约，请换一个充电口或时间`;
      this.setData({ pending: null, cellNote: note, canWaitlist: false });
    },
    async onConfirm() {
      const p = this.data.pending;
      if (!grid || !p) return;
      askSubscription('booking'); // inside this tap, as WeChat requires; the booking goes on at once
      try {
        const b = await ok(api.POST('/api/v1/bookings', {
          body: { socket_id: p.socket, starts_at: grid.start(p.cell).toISOString(), ends_at: grid.end(p.cell, this.data.minutes).toISOString() },
          params: { header: { 'Idempotency-Key': p.key } },
        }));
        this.setData({
          pending: null, open: -1,
          booked: { id: b.id, text: `${b.socket_label}，${span(b.starts_at, b.ends_at)}`, window: `请在 ${span(b.check_in_opens_at, b.check_in_closes_at)} 到充电口扫码签到，逾时未签到预约将被释放。` },
        });
        await this.refresh();
      } catch (e) {
        // Slot just taken: the same key would only replay this answer; offer the waitlist instead.
        const conflict = hasCode(e, 'booking_conflict');
        this.setData({ confirmError: errorText(e), canWaitlist: conflict, waitlistFor: conflict ? { ...p, key: idempotencyKey() } : null });
        if (conflict) this.setData({ pending: null });
      }
    },
    onCancelPending() {
      this.setData({ pending: null });
    },
    async onWaitlist() {
      const p = this.data.waitlistFor;
      if (!grid || !p) return;
      askSubscription('waitlist');
      try {
        const w = await ok(api.POST('/api/v1/compounds/{id}/waitlist', {
          params: { path: { id: compoundId }, header: { 'Idempotency-Key': p.key } },
          body: { socket_id: p.socket, starts_at: grid.start(p.cell).toISOString(), ends_at: grid.end(p.cell, this.data.minutes).toISOString() },
        }));
        this.setData({ canWaitlist: false, waitlisted: joinedWaitlist(`${p.label} ${p.when}`, w.position) });
      } catch (e) {
        this.setData({ confirmError: errorText(e) });
      }
    },
    async onCancelBooking() {
      const b = this.data.booked;
      if (!b) return;
      const sure = await wx.showModal({ title: BOOKING_TEXT.cancel, content: BOOKING_TEXT.askCancel, confirmText: '确定取消', cancelText: NOT_NOW });
      if (!sure.confirm) return;
      try {
        await ok(api.POST('/api/v1/bookings/{id}/cancel', { params: { path: { id: b.id } }, body: {} }));
        this.setData({ booked: null, message: BOOKING_TEXT.cancelled });
        await this.refresh();
      } catch (e) {
        this.setData({ error: errorText(e) });
      }
    },
    goBind() {
      void wx.navigateTo({ url: '/pages/bind/index' });
    },
    goBookings() {
      void wx.navigateTo({ url: '/pages/bookings/index' });
    },
  },
});

