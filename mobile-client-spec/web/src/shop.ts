// The points supermarket (积分超市): items with price and stock, redeem (pickup code), my redemptions.
import { api, idempotencyKey, ok } from './api';
import { describe, h, notice, say } from './ui';
import { confirmTwice } from './charging';
import { askRedeem, cannotRedeem, collectedAt, itemPrice, REDEEM, redeemed, redeemedAt, REDEMPTION_STATUS } from '../../core/index';
import type { View } from './view';

export async function shopScreen(view: View): Promise<void> {
  view.loading('积分超市');
  const [items, points] = await Promise.all([
    ok(api.GET('/api/v1/points-shop/items', { params: { query: { per_page: 50 } } })),
    ok(api.GET('/api/v1/me/points')),
  ]);
  const slot = h('div', { class: 'slot', id: 'shop-message' }, view.flash);
  view.mount('积分超市',
    h('div', { class: 'card center' }, h('div', { class: 'muted' }, '我的积分'), h('div', { class: 'huge', id: 'balance' }, points.balance)),
    slot,
    items.items.length
      ? h('ul', { class: 'list', id: 'items' }, items.items.map((it) => {
        const key = idempotencyKey();
        const itemSlot = h('div', { class: 'slot' });
        return h('li', { class: 'card', 'data-item': it.id },
          h('div', { class: 'big' }, it.name),
          it.description ? h('div', { class: 'muted' }, it.description) : null,
          h('div', {}, itemPrice(it)),
          itemSlot,
          cannotRedeem(it, points.balance)
            ? h('div', { class: it.stock <= 0 ? 'warn-text' : 'muted' }, cannotRedeem(it, points.balance))
            : confirmTwice(REDEEM, askRedeem(it), async () => {
              try {
                const r = await ok(api.POST('/api/v1/points-shop/items/{id}/redeem', {
                  params: { path: { id: it.id }, header: { 'Idempotency-Key': key } }, body: { quantity: 1 },
                }));
                await view.reload(h('div', { class: 'notice ok', role: 'status', id: 'redeemed' },
                  redeemed(r), h('div', { class: 'pickup' }, r.pickup_code),
                  h('a', { class: 'btn', href: '#/redemptions' }, '查看我的兑换')));
              } catch (e) {
                say(itemSlot, 'error', describe(e));
              }
            }));
      }))
      : notice('info', '暂时没有可兑换的物品，请过几天再来看看'),
    h('a', { class: 'btn', href: '#/redemptions' }, '我的兑换记录'));
}

export async function redemptionsScreen(view: View): Promise<void> {
  view.loading('我的兑换');
  const list = await ok(api.GET('/api/v1/me/redemptions', { params: { query: { per_page: 50 } } }));
  view.mount('我的兑换',
    list.items.length
      ? h('ul', { class: 'list', id: 'redemptions' }, list.items.map((r) => h('li', { class: 'card' },
        h('div', { class: 'row' }, h('strong', { class: 'big' }, `${r.item_name} ×${r.quantity}`),
          h('span', { class: 'badge' }, REDEMPTION_STATUS[r.status])),
        r.status === 'collected'
          ? h('div', { class: 'muted' }, collectedAt(r))
          : [h('div', {}, '取货码（到社区服务中心出示）'), h('div', { class: 'pickup' }, r.pickup_code)],
        h('div', { class: 'muted' }, redeemedAt(r)))))
      : notice('info', '还没有兑换过物品。'),
    h('a', { class: 'btn', href: '#/shop' }, '去积分超市'));
}
