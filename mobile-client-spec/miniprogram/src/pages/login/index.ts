// Log in: silent `wx.login` → /auth/wechat when opened; when that fails, the reason in Chinese and
// a way on (try again); the development login only in a build with LINLI_MP_DEV_LOGIN=1.
import { DEV_LOGIN, devLogin, ensureLogin, errorText, me } from '../../lib/index';

async function next(): Promise<void> {
  const user = await me();
  if (!user.household) void wx.redirectTo({ url: '/pages/bind/index' });
  else void wx.switchTab({ url: '/pages/charging/index' });
}

Component({
  data: { error: '', ended: false, dev: DEV_LOGIN, openid: '', busy: false },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      if (query.error) this.setData({ error: decodeURIComponent(query.error) });
      else if (query.ended) this.setData({ ended: true });
      else void this.silent();
    },
    async silent() {
      this.setData({ busy: true, error: '' });
      try {
        await ensureLogin();
        await next();
      } catch (e) {
        this.setData({ error: e instanceof Error && !('status' in e) ? e.message : errorText(e) });
      } finally {
        this.setData({ busy: false });
      }
    },
    onOpenid(e: WechatMiniprogram.Input) {
      this.setData({ openid: e.detail.value });
    },
    async onDevLogin() {
      const openid = this.data.openid.trim();
      if (!openid) return this.setData({ error: '请输入账号名' });
      this.setData({ busy: true, error: '' });
      try {
        await devLogin(openid);
        await next();
      } catch (e) {
        this.setData({ error: errorText(e) });
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
