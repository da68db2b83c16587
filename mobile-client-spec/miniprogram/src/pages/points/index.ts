// Points and the points supermarket (积分超市): my balance, items with price and stock, redeem
// (a pickup code to show at the service centre), my redemptions with their pickup codes.
import {
  api, askRedeem, cannotRedeem, collectedAt, date, errorText, idempotencyKey, itemPrice, ledgerMore, NOT_NOW, ok, POINTS_REASON, ready, REDEEM, redeemed,
  redeemedAt, REDEMPTION_STATUS, serviceHours,
} from '../../lib/index';

interface Item { id: number; name: string; description: string; price: string; note: string; canRedeem: boolean; key: string; ask: string }
interface Entry { id: number; what: string; when: string; amount: string }
interface Redemption { id: number; title: string; status: string; code: string; when: string }

Component({
  data: { loading: true, error: '', balance: 0, minutes: '', items: [] as Item[], redemptions: [] as Redemption[], ledger: [] as Entry[], ledgerMore: '', redeemed: '', pickup: '' },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      await this.load();
    },
    async load() {
      try {
        const [items, points, mine, ledger] = await Promise.all([
          ok(api.GET('/api/v1/points-shop/items', { params: { query: { per_page: 50 } } })),
          ok(api.GET('/api/v1/me/points')),
          ok(api.GET('/api/v1/me/redemptions', { params: { query: { per_page: 50 } } })),
          ok(api.GET('/api/v1/me/points/ledger', { params: { query: { per_page: 20 } } })),
        ]);
        this.setData({
          loading: false, balance: points.balance, minutes: serviceHours(points.service_minutes),
          ledger: ledger.items.map((e) => ({ id: e.id, what: e.note ?? POINTS_REASON[e.reason] ?? e.reason, when: date(e.created_at), amount: `${e.amount >= 0 ? '+' : ''}${e.amount}` })),
          ledgerMore: ledgerMore(ledger.items.length, ledger.total),
          items: items.items.filter((it) => it.active).map((it) => ({
            id: it.id, name: it.name, description: it.description, price: itemPrice(it),
            note: cannotRedeem(it, points.balance),
            canRedeem: it.stock > 0 && it.price_points <= points.balance, key: idempotencyKey(), ask: askRedeem(it),
          })),
          redemptions: mine.items.map((r) => ({
            id: r.id, title: `${r.item_name} ×${r.quantity}`, status: REDEMPTION_STATUS[r.status],
            code: r.status === 'collected' ? '' : r.pickup_code,
            when: r.status === 'collected' ? collectedAt(r) : redeemedAt(r),
          })),
        });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    async onRedeem(e: WechatMiniprogram.TouchEvent) {
      const it = this.data.items.find((x) => x.id === Number(e.currentTarget.dataset.id));
      if (!it) return;
      const sure = await wx.showModal({ title: REDEEM, content: it.ask, confirmText: '确定兑换', cancelText: NOT_NOW });
      if (!sure.confirm) return;
      try {
        const r = await ok(api.POST('/api/v1/points-shop/items/{id}/redeem', { params: { path: { id: it.id }, header: { 'Idempotency-Key': it.key } }, body: { quantity: 1 } }));
        await this.load();
        this.setData({ redeemed: redeemed(r), pickup: r.pickup_code, error: '' });
      } catch (err) {
        this.setData({ error: errorText(err) });
      }
    },
  },
});
