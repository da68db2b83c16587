// My bookings: check-in by scanning the pile's QR (or typing its code), cancel, finish; my
// waitlist places with the offer's countdown and one-tap accept. Opened from a pile sticker
// (`?socket=CODE`), it checks in the booking that is open for check-in now.
import {
  api, at, BOOKING_STATUS, countdown, errorText, hasCode, idempotencyKey, me, ok, parseSocketQr, ready, scan, SCAN_CANCELLED,
  span, WAIT_STATUS, BOOKING_TEXT, confirmBefore, NOT_NOW, queuePlace,
} from '../../lib/index';

interface Item { id: number; title: string; when: string; status: string; statusText: string; window: string; canCheckIn: boolean; canFinish: boolean }
/** Codes typed per booking (not shown back, so not page data). */
const typed = new Map<number, string>();

interface Wait { id: number; when: string; statusText: string; position: string; offer: string; offered: boolean; key: string }

function tooEarly(e: unknown): string {
  const opens = hasCode(e, 'check_in_too_early') ? e.details as { opens_at?: string } | undefined : undefined;
  return opens?.opens_at ? `还没到签到时间，${at(opens.opens_at)} 起可签到` : errorText(e);
}

Component({
  data: { loading: true, needBind: false, error: '', message: '', items: [] as Item[], waits: [] as Wait[] },
  methods: {
    async onLoad(query: Record<string, string | undefined>) {
      if (!(await ready())) return;
      await this.load();
      if (query.socket) await this.checkInAny(decodeURIComponent(query.socket));
    },
    async load() {
      try {
        const user = await me();
        if (!user.household) return this.setData({ loading: false, needBind: true });
        const [bookings, waitlist] = await Promise.all([
          ok(api.GET('/api/v1/me/bookings', { params: { query: { per_page: 20 } } })),
          ok(api.GET('/api/v1/me/waitlist')),
        ]);
        const now = new Date();
        this.setData({
          loading: false,
          items: bookings.items.map((b) => ({
            id: b.id, title: b.socket_label, when: `${b.compound_name} · ${span(b.starts_at, b.ends_at)}`, status: b.status,
            statusText: BOOKING_STATUS[b.status] ?? b.status, window: `签到时间：${span(b.check_in_opens_at, b.check_in_closes_at)}`,
            canCheckIn: b.status === 'confirmed', canFinish: b.status === 'checked_in',
          })),
          waits: waitlist.filter((w) => w.status === 'waiting' || w.status === 'offered').map((w) => ({
            id: w.id, when: span(w.starts_at, w.ends_at), statusText: WAIT_STATUS[w.status] ?? w.status,
            position: w.status === 'waiting' ? queuePlace(w.position) : '',
            offer: w.status === 'offered' && w.offer_expires_at ? `${confirmBefore(w.offer_expires_at)}（还剩 ${countdown(w.offer_expires_at, now)}）` : '',
            offered: w.status === 'offered', key: idempotencyKey(),
          })),
        });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    /** From a pile sticker: try the socket code on each booking waiting for check-in. */
    async checkInAny(code: string) {
      const open = this.data.items.filter((b) => b.canCheckIn);
      if (!open.length) return this.setData({ error: '您现在没有待签到的预约，请先预约充电' });
      let last: unknown = null;
      for (const b of open) {
        try {
          await ok(api.POST('/api/v1/bookings/{id}/check-in', { params: { path: { id: b.id } }, body: { socket_code: code } }));
          this.setData({ message: `签到成功：${b.title}`, error: '' });
          return this.load();
        } catch (e) {
          last = e;
        }
      }
      this.setData({ error: tooEarly(last) });
    },
    onCode(e: WechatMiniprogram.Input) {
      typed.set(Number(e.currentTarget.dataset.id), e.detail.value);
    },
    async onScanCheckIn(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      const text = await scan();
      if (text === null) return this.setData({ error: SCAN_CANCELLED });
      await this.checkIn(id, parseSocketQr(text));
    },
    async onTypedCheckIn(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      const code = (typed.get(id) ?? '').trim();
      if (!code) return this.setData({ error: BOOKING_TEXT.askSocketCode });
      await this.checkIn(id, code);
    },
    async checkIn(id: number, code: string) {
      try {
        const b = await ok(api.POST('/api/v1/bookings/{id}/check-in', { params: { path: { id } }, body: { socket_code: code } }));
        this.setData({ message: `签到成功：${b.socket_label}`, error: '' });
        await this.load();
      } catch (e) {
        this.setData({ error: tooEarly(e), message: '' });
      }
    },
    async onCancel(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      const sure = await wx.showModal({ title: BOOKING_TEXT.cancel, content: BOOKING_TEXT.askCancel, confirmText: '确定取消', cancelText: NOT_NOW });
      if (!sure.confirm) return;
      try {
        await ok(api.POST('/api/v1/bookings/{id}/cancel', { params: { path: { id } }, body: {} }));
        this.setData({ message: BOOKING_TEXT.cancelled, error: '' });
        await this.load();
      } catch (err) {
        this.setData({ error: errorText(err), message: '' });
      }
    },
    async onFinish(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      try {
        await ok(api.POST('/api/v1/bookings/{id}/finish', { params: { path: { id } } }));
        await this.load();
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },
    async onAccept(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      const w = this.data.waits.find((x) => x.id === id);
      if (!w) return;
      try {
        const b = await ok(api.POST('/api/v1/waitlist/{id}/accept', { params: { path: { id }, header: { 'Idempotency-Key': w.key } } }));
        this.setData({ message: `已接受空位：${b.socket_label}，${span(b.starts_at, b.ends_at)}`, error: '' });
        await this.load();
      } catch (err) {
        this.setData({ error: errorText(err), message: '' });
      }
    },
    async onLeave(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      try {
        await ok(api.POST('/api/v1/waitlist/{id}/leave', { params: { path: { id } } }));
        await this.load();
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },
    goCharging() {
      void wx.switchTab({ url: '/pages/charging/index' });
    },
    goBind() {
      void wx.navigateTo({ url: '/pages/bind/index' });
    },
  },
});
