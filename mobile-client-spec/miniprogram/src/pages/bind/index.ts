// Bind the household: scan the card's QR (wx.scanCode) or type the number and check code. Opened
// from a scanned card's page (`?card=&check_code=`), both are filled in; the resident taps 绑定.
import { api, errorText, hasCode, HOUSEHOLD_TEXT, idempotencyKey, ok, parseCardQr, ready, scan, SCAN_CANCELLED } from '../../lib/index';

Component({
  data: { card: '', code: '', error: '', field: '', busy: false, key: '' },
  methods: {
    async onLoad(query: Record<string, string | undefined>) {
      this.setData({ key: idempotencyKey() });
      if (!(await ready())) return;
      if (query.card && query.check_code) this.setData({ card: decodeURIComponent(query.card), code: decodeURIComponent(query.check_code) });
    },
    onCard(e: WechatMiniprogram.Input) {
      this.setData({ card: e.detail.value, key: idempotencyKey() });
    },
    onCode(e: WechatMiniprogram.Input) {
      this.setData({ code: e.detail.value, key: idempotencyKey() });
    },
    async onScan() {
      const text = await scan();
      if (text === null) return this.setData({ error: SCAN_CANCELLED });
      const got = parseCardQr(text);
      if (!got) return this.setData({ error: '这不是便民服务卡的二维码，请对准卡片背面的二维码，或直接输入' });
      this.setData({ card: got.card, code: got.code, key: idempotencyKey() });
      await this.bind();
    },
    async bind() {
      const card = this.data.card.trim();
      const code = this.data.code.trim();
      if (!card || !code) return this.setData({ error: '请输入卡号和校验码' });
      this.setData({ busy: true, error: '', field: '' });
      try {
        const me = await ok(api.POST('/api/v1/me/household', {
          body: { card_number: card, check_code: code },
          headers: { 'Idempotency-Key': this.data.key },
        }));
        if (!me.household) {
          // Binding asks to join: the household's owner or community staff approve it; 我的家庭
          // says the request waits.
          void wx.showToast({ title: HOUSEHOLD_TEXT.submitted, icon: 'none' });
          void wx.redirectTo({ url: '/pages/household/index' });
          return;
        }
        void wx.showToast({ title: '绑定成功', icon: 'success' });
        void wx.switchTab({ url: '/pages/charging/index' });
      } catch (e) {
        this.setData({ error: errorText(e), field: hasCode(e, 'validation_failed') ? e.field ?? '' : '' });
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
