// Notifications: newest first, unread marked; a tap marks one read, "全部已读" all; the unread
// count is the badge on this tab (lib refreshBadge), kept fresh on every tab's onShow.
import { api, at, errorText, ok, ready, refreshBadge, type Schemas } from '../../lib/index';

/** Where a notification leads, by its kind (as the web app's): bookings and offers to 我的预约. */
function target(n: Schemas['NotificationView']): string {
  const data = (n.data ?? {}) as { activity_id?: number; wish_id?: number };
  if (n.kind.startsWith('booking.') || n.kind.startsWith('waitlist.')) return '/pages/bookings/index';
  if ((n.kind.startsWith('signup.') || n.kind.startsWith('activity.')) && data.activity_id) return `/pages/activity/index?id=${data.activity_id}`;
  if (n.kind.startsWith('wish.') && data.wish_id) return `/pages/wish/index?id=${data.wish_id}`;
  return '';
}

interface Item { id: number; title: string; body: string; when: string; unread: boolean; target: string }

Component({
  data: { loading: true, error: '', items: [] as Item[], unread: 0 },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      await this.load();
    },
    onShow() {
      if (!this.data.loading) void this.load();
    },
    async load() {
      try {
        const page = await ok(api.GET('/api/v1/me/notifications', { params: { query: { per_page: 30 } } }));
        const unread = await refreshBadge();
        this.setData({ loading: false, unread, items: page.items.map((n) => ({ id: n.id, title: n.title, body: n.body, when: at(n.created_at), unread: !n.read_at, target: target(n) })) });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    async onRead(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      const n = this.data.items.find((x) => x.id === id);
      if (!n) return;
      try {
        if (n.unread) await ok(api.POST('/api/v1/me/notifications/{id}/read', { params: { path: { id } } }));
        if (n.target) void wx.navigateTo({ url: n.target });
        else await this.load();
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },
    async onReadAll() {
      try {
        await ok(api.POST('/api/v1/me/notifications/read-all'));
        await this.load();
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },
  },
});
