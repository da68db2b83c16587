// Volunteer activities: my live sign-ups, then the list; a tap opens the activity.
import { api, errorText, ok, ready, refreshBadge, seats, signupBadge, span } from '../../lib/index';

Component({
  data: { loading: true, error: '', mine: [] as { id: number; title: string; when: string; status: string }[], list: [] as { id: number; title: string; when: string; where: string; seats: string; label: string; full: boolean }[] },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      await this.load();
    },
    onShow() {
      void refreshBadge().catch(() => undefined);
    },
    async load() {
      try {
        const [list, mine] = await Promise.all([
          ok(api.GET('/api/v1/activities', { params: { query: { per_page: 50 } } })),
          ok(api.GET('/api/v1/me/signups', { params: { query: { per_page: 20 } } })),
        ]);
        this.setData({
          loading: false,
          mine: mine.items.filter((s) => s.status !== 'cancelled' && s.activity_status === 'open').map((s) => ({
            id: s.activity_id, title: s.activity_title, when: span(s.activity_starts_at, s.activity_ends_at),
            status: signupBadge(s),
          })),
          list: list.items.map((a) => ({ id: a.id, title: a.title, when: span(a.starts_at, a.ends_at), where: `${a.place} · ${a.team_name}`, seats: seats(a), label: a.category_label, full: a.seats_left <= 0 })),
        });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    onOpen(e: WechatMiniprogram.TouchEvent) {
      void wx.navigateTo({ url: `/pages/activity/index?id=${String(e.currentTarget.dataset.id)}` });
    },
  },
});
