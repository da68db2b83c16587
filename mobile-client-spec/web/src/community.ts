// Micro-wishes (微心愿: post, browse, mine, claim, fulfil, confirm, withdraw, dispute) and the
// service search.
import { api, me, ok, type Schemas } from './api';
import { service } from './account';
import { confirmTwice } from './charging';
import { action, describe, h, notice, say } from './ui';
import { WISH_STATUS, WISH_TEXT, wishAutoConfirm, wishClaimer, wishMeta, wishPoints, wishPoster } from '../../core/index';
import type { View } from './view';

function wishItem(w: Schemas['WishView']): HTMLElement {
  return h('li', {}, h('a', { class: 'card', href: `#/wish/${w.id}`, 'data-wish': w.id },
    h('div', { class: 'row' }, h('strong', { class: 'big' }, w.title), h('span', { class: 'badge' }, WISH_STATUS[w.status])),
    h('div', { class: 'muted' }, wishMeta(w))));
}

export async function wishesScreen(view: View): Promise<void> {
  view.loading('微心愿');
  const [open, mine] = await Promise.all([
    ok(api.GET('/api/v1/wishes', { params: { query: { status: 'open', per_page: 50 } } })),
    ok(api.GET('/api/v1/me/wishes', { params: { query: { per_page: 50 } } })),
  ]);
  const title = h('input', { id: 'wish-title', maxlength: 64, placeholder: '例如 帮忙修理收音机' });
  const text = h('textarea', { id: 'wish-description', maxlength: 1000, placeholder: '说说具体需要什么帮助' });
  const slot = h('div', { class: 'slot', id: 'wish-message' }, view.flash);
  view.mount('微心愿',
    slot,
    h('h2', {}, '我的心愿'),
    mine.items.length ? h('ul', { class: 'list', id: 'my-wishes' }, mine.items.map(wishItem)) : notice('info', '还没有发布或认领的心愿'),
    h('h2', {}, '发布心愿'),
    h('label', { for: 'wish-title' }, '需要什么帮助'), title,
    h('label', { for: 'wish-description' }, '详细说明（可不填）'), text,
    action('发布心愿', async () => {
      if (!title.value.trim()) return say(slot, 'error', WISH_TEXT.askTitle);
      try {
        const w = await ok(api.POST('/api/v1/wishes', { body: { title: title.value.trim(), description: text.value.trim() } }));
        location.hash = `#/wish/${w.id}`;
      } catch (e) {
        say(slot, 'error', describe(e));
      }
    }, { class: 'btn primary', id: 'post-wish' }),
    h('h2', {}, '等待认领的心愿'),
    open.items.length ? h('ul', { class: 'list', id: 'open-wishes' }, open.items.map(wishItem)) : notice('info', '暂时没有等待认领的心愿'));
}

export async function wishScreen(view: View, id?: string): Promise<void> {
  const wishId = Number(id);
  if (!Number.isInteger(wishId)) {
    location.hash = '#/wishes';
    return;
  }
  view.loading('心愿详情');
  const [w, user] = await Promise.all([ok(api.GET('/api/v1/wishes/{id}', { params: { path: { id: wishId } } })), me()]);
  const slot = h('div', { class: 'slot', id: 'wish-message' }, view.flash);
  const mineToPost = w.poster.user_id === user.id;
  const mineToDo = w.claimer?.user_id === user.id;
  const step = (label: string, done: string, run: () => Promise<unknown>, attrs: Record<string, string> = {}) => action(label, async () => {
    try {
      await run();
      await view.reload(notice('ok', done));
    } catch (e) {
      say(slot, 'error', describe(e));
    }
  }, { class: 'btn primary', ...attrs });
  const reason = h('input', { id: 'dispute-reason', maxlength: 255, placeholder: '例如 收音机还是没有声音' });
  const path = { params: { path: { id: wishId } } };
  view.mount('心愿详情',
    h('div', { class: 'card' },
      h('div', { class: 'row' }, h('strong', { class: 'big' }, w.title), h('span', { class: 'badge', id: 'wish-status' }, WISH_STATUS[w.status])),
      w.description ? h('p', {}, w.description) : null,
      h('div', { class: 'muted' }, wishPoster(w)),
      w.claimer ? h('div', { class: 'muted' }, wishClaimer(w)) : null,
      h('div', {}, wishPoints(w)),
      wishAutoConfirm(w) ? h('div', { class: 'muted' }, wishAutoConfirm(w)) : null),
    slot,
    w.status === 'open' && !mineToPost ? step('我来认领', WISH_TEXT.claimed, () => ok(api.POST('/api/v1/wishes/{id}/claim', path)), { id: 'claim' }) : null,
    w.status === 'claimed' && mineToDo ? step('我已完成', WISH_TEXT.fulfilled, () => ok(api.POST('/api/v1/wishes/{id}/fulfil', path)), { id: 'fulfil' }) : null,
    w.status === 'fulfilled' && mineToPost
      ? [step('确认已完成', WISH_TEXT.confirmed, () => ok(api.POST('/api/v1/wishes/{id}/confirm', path)), { id: 'confirm-wish' }),
        h('label', { for: 'dispute-reason' }, '没有完成？说说哪里不对'), reason,
        action('提出异议', async () => {
          if (!reason.value.trim()) return say(slot, 'error', WISH_TEXT.askReason);
          try {
            await ok(api.POST('/api/v1/wishes/{id}/dispute', { ...path, body: { reason: reason.value.trim() } }));
            await view.reload(notice('ok', WISH_TEXT.disputed));
          } catch (e) { say(slot, 'error', describe(e)); }
        }, { class: 'btn danger', id: 'dispute' })]
      : null,
    w.status === 'open' && mineToPost
      ? confirmTwice(WISH_TEXT.withdraw, WISH_TEXT.askWithdraw, async () => {
        try {
          await ok(api.POST('/api/v1/wishes/{id}/withdraw', path));
          await view.reload(notice('ok', WISH_TEXT.withdrawn));
        } catch (e) { say(slot, 'error', describe(e)); }
      })
      : null,
    h('a', { class: 'btn', href: '#/wishes' }, '返回微心愿'));
}

/** Search services by keyword, open now, near my compound. */
export async function servicesScreen(view: View, q?: string): Promise<void> {
  const query = decodeURIComponent(q ?? '');
  view.loading('找服务');
  const user = await me();
  const near = user.household?.address.compound.id;
  const result = query || near
    ? await ok(api.GET('/api/v1/services', { params: { query: { q: query || undefined, near_compound_id: near, per_page: 20 } } }))
    : null;
  const input = h('input', { id: 'service-q', type: 'search', value: query, placeholder: '例如 理发、药店、维修', enterkeyhint: 'search' });
  const go = () => { location.hash = `#/services/${encodeURIComponent(input.value.trim())}`; };
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
  view.mount('找服务',
    h('label', { for: 'service-q' }, '搜索附近的服务'), input,
    h('button', { type: 'button', class: 'btn primary', id: 'service-search', onclick: go }, '搜索'),
    result
      ? result.items.length
        ? h('ul', { class: 'list', id: 'services' }, result.items.map((s) => h('li', {}, service(s, true))))
        : notice('info', `没有找到“${query}”相关的服务，请换个词试试`)
      : null);
}
