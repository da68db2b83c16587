// Micro-wishes (微心愿): my wishes, post one, the open wishes of the community with claim.
import { api, errorText, ok, ready, WISH_STATUS, WISH_TEXT, wishMeta, type Schemas } from '../../lib/index';

interface Wish { id: number; title: string; status: string; meta: string; canClaim: boolean }

const item = (w: Schemas['WishView'], me: boolean): Wish => ({
  id: w.id, title: w.title, status: WISH_STATUS[w.status], meta: wishMeta(w),
  canClaim: !me && w.status === 'open',
});

Component({
  data: { loading: true, error: '', message: '', mine: [] as Wish[], open: [] as Wish[], title: '', description: '' },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      await this.load();
    },
    async load() {
      try {
        const [open, mine] = await Promise.all([
          ok(api.GET('/api/v1/wishes', { params: { query: { status: 'open', per_page: 50 } } })),
          ok(api.GET('/api/v1/me/wishes', { params: { query: { per_page: 50 } } })),
        ]);
        const mineIds = new Set(mine.items.map((w) => w.id));
        this.setData({ loading: false, mine: mine.items.map((w) => item(w, true)), open: open.items.map((w) => item(w, mineIds.has(w.id))) });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    onTitle(e: WechatMiniprogram.Input) {
      this.setData({ title: e.detail.value });
    },
    onDescription(e: WechatMiniprogram.Input) {
      this.setData({ description: e.detail.value });
    },
    async onPost() {
      if (!this.data.title.trim()) return this.setData({ error: WISH_TEXT.askTitle, message: '' });
      try {
        await ok(api.POST('/api/v1/wishes', { body: { title: this.data.title.trim(), description: this.data.description.trim() } }));
        this.setData({ title: '', description: '', message: '心愿已发布，志愿者认领后会通知您', error: '' });
        await this.load();
      } catch (e) {
        this.setData({ error: errorText(e), message: '' });
      }
    },
    onOpen(e: WechatMiniprogram.TouchEvent) {
      void wx.navigateTo({ url: `/pages/wish/index?id=${String(e.currentTarget.dataset.id)}` });
    },
    async onClaim(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      try {
        await ok(api.POST('/api/v1/wishes/{id}/claim', { params: { path: { id } } }));
        this.setData({ message: '认领成功，完成后请在这里标记完成', error: '' });
        await this.load();
      } catch (err) {
        this.setData({ error: errorText(err), message: '' });
      }
    },
  },
});
