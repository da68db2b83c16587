// Log in, bind the card, home, my card's contacts, points, notifications.
import { api, hasCode, idempotencyKey, me, ok, tokens, type Schemas } from './api';
import { action, day, describe, h, notice, say, time } from './ui';
import type { View } from './view';

export function loginScreen(view: View): void {
  const input = h('input', {
    id: 'openid', name: 'openid', autocomplete: 'username', inputmode: 'text',
    value: localStorage.getItem('linli.demo-openid') ?? '', placeholder: '例如 zhang-ayi',
  });
  const slot = h('div', { class: 'slot' });
  view.mount(
    '登录',
    h('p', { class: 'lead' }, '欢迎使用邻里：充电预约、便民服务卡、志愿活动。'),
    notice('info', '演示版：输入任意账号名即可登录（正式版使用微信登录）。'),
    h('label', { for: 'openid' }, '账号名'),
    input,
    slot,
    action('登录', async () => {
      const openid = input.value.trim();
      if (!openid) return say(slot, 'error', '请输入账号名');
      try {
        const t = await ok(api.POST('/api/v1/auth/dev', { body: { openid, role: 'resident' } }));
        tokens.set({ access_token: t.access_token, refresh_token: t.refresh_token });
        localStorage.setItem('linli.demo-openid', openid);
        location.hash = t.user.household_id ? '#/' : '#/bind';
      } catch (e) {
        say(slot, 'error', describe(e));
      }
    }, { class: 'btn primary', id: 'login' }),
  );
}

export function bindScreen(view: View): void {
  const number = h('input', { id: 'card_number', autocomplete: 'off', autocapitalize: 'characters', placeholder: '例如 JC00001', maxlength: 16 });
  const code = h('input', { id: 'check_code', autocomplete: 'off', autocapitalize: 'characters', placeholder: '卡号旁的6位校验码', maxlength: 16 });
  const slot = h('div', { class: 'slot' });
  const fields: Record<string, HTMLInputElement> = { card_number: number, check_code: code };
  view.mount(
    '绑定我家',
    h('p', { class: 'lead' }, '请输入家里便民服务卡上的卡号和校验码。'),
    h('label', { for: 'card_number' }, '卡号'), number,
    h('label', { for: 'check_code' }, '校验码'), code,
    slot,
    action('绑定', async () => {
      for (const f of Object.values(fields)) f.removeAttribute('aria-invalid');
      try {
        await ok(api.POST('/api/v1/me/household', {
          body: { card_number: number.value.trim(), check_code: code.value.trim() },
          headers: { 'Idempotency-Key': idempotencyKey() },
        }));
        location.hash = '#/';
      } catch (e) {
        const field = hasCode(e, 'validation_failed') ? e.field : null;
        if (field && fields[field]) fields[field].setAttribute('aria-invalid', 'true');
        say(slot, 'error', hasCode(e, 'card_not_found') ? '卡号或校验码不正确，请核对卡片' : describe(e));
      }
    }, { class: 'btn primary', id: 'bind' }),
  );
}

function address(a: Schemas['AddressView']): string {
  return [a.community.name, a.grid.name, a.compound.name, a.building.name, a.unit ? `${a.unit}单元` : '', a.room ?? '']
    .filter(Boolean).join(' › ');
}

export async function homeScreen(view: View): Promise<void> {
  view.loading('邻里');
  const user = await me();
  const tiles: [string, string, string][] = [
    ['#/charging', '⚡', '充电预约'],
    ['#/bookings', '🗓', '我的预约'],
    ['#/activities', '🤝', '志愿活动'],
    ['#/card', '📞', '我的服务卡'],
    ['#/points', '⭐', '我的积分'],
    ['#/notifications', '🔔', '消息通知'],
  ];
  view.mount(
    '邻里',
    h('p', { class: 'lead' }, `${user.nickname}，您好`),
    user.household
      ? h('div', { class: 'card' }, h('div', { class: 'muted' }, '我家'), h('div', { class: 'big' }, address(user.household.address)))
      : h('div', { class: 'card' }, notice('info', '还没有绑定您家，绑定后才能预约充电。'), h('a', { class: 'btn primary', href: '#/bind' }, '去绑定')),
    h('div', { class: 'tiles' }, tiles.map(([href, icon, label]) =>
      h('a', { class: 'tile', href }, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), label))),
    h('button', { type: 'button', class: 'btn link', onclick: () => { tokens.set(null); location.hash = '#/login'; } }, '退出登录'),
  );
}

interface Contact {
  who: string;
  name: string;
  phone: string;
}

export async function cardScreen(view: View): Promise<void> {
  view.loading('我的服务卡');
  const user = await me();
  if (!user.household) {
    view.mount('我的服务卡', notice('info', '还没有绑定您家。'), h('a', { class: 'btn primary', href: '#/bind' }, '去绑定'));
    return;
  }
  const head = h('div', { class: 'card' },
    h('div', { class: 'muted' }, `卡号 ${user.household.card_number ?? '—'}`),
    h('div', { class: 'big' }, address(user.household.address)));
  const card = await ok(api.GET('/api/v1/me/card')).catch((e: unknown) => {
    // Bound a moment ago elsewhere, or unbound meanwhile: the emergency numbers still help.
    if (hasCode(e, 'household_not_bound')) return null;
    throw e;
  });
  const emergency: Contact[] = card
    ? card.emergency_numbers.map((n) => ({ who: '紧急电话', name: n.name, phone: n.number }))
    : [{ who: '紧急电话', name: '报警', phone: '110' }, { who: '紧急电话', name: '急救', phone: '120' }, { who: '紧急电话', name: '火警', phone: '119' }];
  const roles: Contact[] = (card?.role_contacts ?? []).flatMap((r) => (r.phone ? [{ who: r.title, name: r.name ?? '', phone: r.phone }] : []));
  const centre = card?.service_centre;
  view.mount('我的服务卡', head,
    h('p', { class: 'muted' }, '点一下即可拨打'),
    roles.length ? [h('h2', {}, '楼栋联系人'), contactList(roles)] : null,
    centre?.phone ? [h('h2', {}, '社区服务中心'), contactList([{ who: centre.name, name: centre.address, phone: centre.phone }])] : null,
    h('h2', {}, '紧急电话'), contactList(emergency));
}

function contactList(list: Contact[]): HTMLElement {
  return h('ul', { class: 'list' }, list.map((c) => h('li', {},
    h('a', { class: 'row call', href: `tel:${c.phone.replace(/[^\d+]/g, '')}` },
      h('span', {}, h('strong', {}, c.who), c.name ? h('span', { class: 'muted' }, ` ${c.name}`) : null),
      h('span', { class: 'phone' }, `📞 ${c.phone}`)))));
}

const REASON: Record<Schemas['PointsReason'], string> = {
  activity_hours: '志愿服务', wish_fulfilled: '完成微心愿', redemption: '积分兑换', adjustment: '积分调整',
};

export async function pointsScreen(view: View): Promise<void> {
  view.loading('我的积分');
  const [points, ledger] = await Promise.all([
    ok(api.GET('/api/v1/me/points')),
    ok(api.GET('/api/v1/me/points/ledger', { params: { query: { per_page: 20 } } })),
  ]);
  view.mount('我的积分',
    h('div', { class: 'card center' }, h('div', { class: 'muted' }, '可用积分'), h('div', { class: 'huge', id: 'balance' }, points.balance),
      h('div', { class: 'muted' }, `累计服务 ${Math.round(points.service_minutes / 6) / 10} 小时`)),
    h('h2', {}, '积分明细'),
    ledger.items.length
      ? h('ul', { class: 'list' }, ledger.items.map((e) => h('li', { class: 'row' },
        h('span', {}, e.note ?? REASON[e.reason] ?? e.reason, h('br'), h('span', { class: 'muted' }, day(e.created_at))),
        h('strong', { class: e.amount >= 0 ? 'plus' : 'minus' }, `${e.amount >= 0 ? '+' : ''}${e.amount}`))))
      : notice('info', '还没有积分记录。参加志愿活动可以获得积分。'),
    ledger.total > ledger.items.length ? h('p', { class: 'muted' }, `仅显示最近 ${ledger.items.length} 条，共 ${ledger.total} 条`) : null,
  );
}

/** Where a notification leads, by its kind (unknown kinds stay on the list). */
function target(n: Schemas['NotificationView']): string {
  const data = (n.data ?? {}) as { activity_id?: number };
  if (n.kind.startsWith('booking.') || n.kind.startsWith('waitlist.')) return '#/bookings';
  if ((n.kind.startsWith('signup.') || n.kind.startsWith('activity.')) && data.activity_id) return `#/activity/${data.activity_id}`;
  return '#/notifications';
}

export async function notificationsScreen(view: View): Promise<void> {
  view.loading('消息通知');
  const page = await ok(api.GET('/api/v1/me/notifications', { params: { query: { per_page: 50 } } }));
  const slot = h('div', { class: 'slot' });
  view.mount('消息通知',
    slot,
    page.items.length
      ? h('ul', { class: 'list' }, page.items.map((n) => h('li', {},
        h('a', { class: `row note${n.read_at ? '' : ' unread'}`, href: target(n), 'data-kind': n.kind, onclick: () => {
          // Mark read on the way; the link navigates at once.
          if (!n.read_at) void api.POST('/api/v1/me/notifications/{id}/read', { params: { path: { id: n.id } } }).catch(() => undefined);
        } },
        h('span', {}, h('strong', {}, n.title), h('br'), n.body, h('br'), h('span', { class: 'muted' }, `${day(n.created_at)} ${time(n.created_at)}`))))))
      : notice('info', '暂无消息'),
    page.items.some((n) => !n.read_at)
      ? action('全部标为已读', async () => {
        try {
          await ok(api.POST('/api/v1/me/notifications/read-all'));
          await view.reload();
        } catch (e) { say(slot, 'error', describe(e)); }
      })
      : null,
  );
}
