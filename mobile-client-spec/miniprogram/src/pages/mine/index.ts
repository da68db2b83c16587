// 我的: my household, the ways to the other screens, log out (the server forgets the refresh token).
import { api, HOUSEHOLD_TEXT, LEAVE_HOUSEHOLD, logout, me, errorText, ok, ready, refreshBadge } from '../../lib/index';

Component({
  data: { name: '', household: '', bound: false, waiting: false, error: '' },
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
        const user = await me();
        const h = user.household;
        const waiting = user.membership?.status === 'pending';
        this.setData({
          name: user.nickname, bound: !!h, waiting,
          household: h ? `${h.address.compound.name} ${h.address.building.name}` : waiting ? HOUSEHOLD_TEXT.submitted : '还没有绑定便民服务卡',
        });
      } catch (e) {
        this.setData({ error: errorText(e) });
      }
    },
    go(e: WechatMiniprogram.TouchEvent) {
      void wx.navigateTo({ url: String(e.currentTarget.dataset.url) });
    },
    /** Moved out: leave the household (asks once more); the others of the household keep it. */
    async onLeave() {
      const sure = await wx.showModal({
        title: LEAVE_HOUSEHOLD, content: `退出后，您将不能再为“${this.data.household}”预约充电，家里其他人不受影响。`, confirmText: '确定退出', cancelText: '不退出',
      });
      if (!sure.confirm) return;
      try {
        await ok(api.DELETE('/api/v1/me/household'));
        await this.load();
      } catch (e) {
        this.setData({ error: errorText(e) });
      }
    },
    async onLogout() {
      await logout();
      void wx.reLaunch({ url: '/pages/login/index?ended=1' });
    },
  },
});
