// One wish and its steps: claim (not my own), 我已完成 (the claimer), confirm or dispute with a
// reason (the poster, once fulfilled), withdraw (the poster, while open).
import { api, errorText, me, NOT_NOW, ok, ready, WISH_STATUS, WISH_TEXT, wishAutoConfirm, wishClaimer, wishPoints, wishPoster } from '../../lib/index';

Component({
  data: {
    id: 0, loading: true, error: '', message: '', title: '', status: '', description: '', poster: '', claimer: '', points: '', auto: '',
    canClaim: false, canFulfil: false, canConfirm: false, canWithdraw: false, reason: '',
  },
  methods: {
    async onLoad(query: Record<string, string | undefined>) {
      this.setData({ id: Number(query.id) });
      if (!(await ready())) return;
      await this.load();
    },
    async load() {
      try {
        const [w, user] = await Promise.all([ok(api.GET('/api/v1/wishes/{id}', { params: { path: { id: this.data.id } } })), me()]);
        const mineToPost = w.poster.user_id === user.id;
        const mineToDo = w.claimer?.user_id === user.id;
        this.setData({
          loading: false, title: w.title, status: WISH_STATUS[w.status], description: w.description,
          poster: wishPoster(w), claimer: wishClaimer(w),
          points: wishPoints(w), auto: wishAutoConfirm(w),
          canClaim: w.status === 'open' && !mineToPost, canFulfil: w.status === 'claimed' && mineToDo,
          canConfirm: w.status === 'fulfilled' && mineToPost, canWithdraw: w.status === 'open' && mineToPost,
        });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    async step(run: () => Promise<unknown>, done: string) {
      try {
        await run();
        await this.load();
        this.setData({ message: done, error: '' });
      } catch (e) {
        this.setData({ error: errorText(e), message: '' });
      }
    },
    onClaim() {
      return this.step(() => ok(api.POST('/api/v1/wishes/{id}/claim', { params: { path: { id: this.data.id } } })), WISH_TEXT.claimed);
    },
    onFulfil() {
      return this.step(() => ok(api.POST('/api/v1/wishes/{id}/fulfil', { params: { path: { id: this.data.id } } })), WISH_TEXT.fulfilled);
    },
    onConfirm() {
      return this.step(() => ok(api.POST('/api/v1/wishes/{id}/confirm', { params: { path: { id: this.data.id } } })), WISH_TEXT.confirmed);
    },
    onReason(e: WechatMiniprogram.Input) {
      this.setData({ reason: e.detail.value });
    },
    onDispute() {
      const reason = this.data.reason.trim();
      if (!reason) return this.setData({ error: WISH_TEXT.askReason, message: '' });
      return this.step(() => ok(api.POST('/api/v1/wishes/{id}/dispute', { params: { path: { id: this.data.id } }, body: { reason } })), WISH_TEXT.disputed);
    },
    async onWithdraw() {
      const sure = await wx.showModal({ title: WISH_TEXT.withdraw, content: WISH_TEXT.askWithdraw, confirmText: '确定撤回', cancelText: NOT_NOW });
      if (!sure.confirm) return;
      await this.step(() => ok(api.POST('/api/v1/wishes/{id}/withdraw', { params: { path: { id: this.data.id } } })), WISH_TEXT.withdrawn);
    },
  },
});
