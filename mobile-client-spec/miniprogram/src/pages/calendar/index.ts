// 日历订阅: the address of my activities' calendar feed, copied for the phone's calendar (a webcal:
// link cannot be opened from WeChat), a new address (the old one stops), or no feed.
import { api, apiBase, errorText, ok, ready } from '../../lib/index';

Component({
  data: { loading: true, error: '', message: '', url: '' },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      await this.load();
    },
    async load() {
      try {
        const feed = await ok(api.GET('/api/v1/me/calendar'));
        this.setData({ loading: false, url: feed.active ? feed.url ?? (feed.path ? `${apiBase}${feed.path}` : '') : '' });
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
    onRotate() {
      return this.step(() => ok(api.POST('/api/v1/me/calendar/rotate')), '已生成新的订阅地址，旧地址已作废');
    },
    onStop() {
      return this.step(() => ok(api.DELETE('/api/v1/me/calendar')), '已停止订阅');
    },
    onCopy() {
      void wx.setClipboardData({ data: this.data.url }).then(() => this.setData({ message: '已复制订阅地址，请在手机日历里“添加订阅日历”并粘贴', error: '' }));
    },
  },
});
