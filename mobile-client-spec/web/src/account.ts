// Log in, bind the card (typed or scanned), home, my card and the card lookup without login,
// points, notifications, my volunteer profile (skills), the calendar feed, leaving the household.
import { api, hasCode, idempotencyKey, me, ok, tokens, type Schemas } from './api';
import { action, at, date, describe, h, notice, say } from './ui';
import {
  distanceNote, emergencyName, hoursToday, HOUSEHOLD_TEXT, LEAVE_HOUSEHOLD, ledgerMore, NO_PHONE, NOT_A_CARD_QR, openNow, parseCardQr, POINTS_REASON,
  REPORT_KIND, REPORT_OTHER_MESSAGE, REPORT_THANKS, serviceHours, SKILL_TEXT, VACANT,
} from '../../core/index';
import type { View } from './view';

/** Where the scanner module is served (set by scripts/build-web.mjs, with its content hash). */
declare const __SCAN_URL__: string;

export function loginScreen(view: View): void {
  const input = h('input', {
    id: 'openid', name: 'openid', autocomplete: 'username', inputmode: 'text',
    value: localStorage.getItem('linli.demo-openid') ?? '', placeholder: '例如 zhang-ayi', 'aria-describedby': 'login-message',
  });
  const slot = h('div', { class: 'slot', id: 'login-message' });
  view.mount(
    '登录',
    h('p', { class: 'lead' }, '欢迎使用邻里：充电预约、便民服务卡、志愿活动。'),
    notice('info', '演示版：输入任意账号名即可登录（正式版使用微信登录）。'),
    h('label', { for: 'openid' }, '账号名'),
    input,
    slot,
    action('登录', async () => {
      const openid = input.value.trim();
      input.removeAttribute('aria-invalid');
      if (!openid) {
        input.setAttribute('aria-invalid', 'true');
        return say(slot, 'error', '请输入账号名（1 到 124 个字符），再点“登录”');
      }
      try {
        const t = await ok(api.POST('/api/v1/auth/dev', { body: { openid, role: 'resident' } }));
        tokens.set({ access_token: t.access_token, refresh_token: t.refresh_token });
        localStorage.setItem('linli.demo-openid', openid);
        location.hash = t.user.household_id ? '#/' : '#/bind';
      } catch (e) {
        input.setAttribute('aria-invalid', 'true');
        slot.replaceChildren(notice('error', describe(e)),
          h('button', { type: 'button', class: 'btn', id: 'login-again', onclick: () => { input.value = ''; slot.replaceChildren(); input.focus(); } }, '清空重新输入'));
      }
    }, { class: 'btn primary', id: 'login' }),
    h('a', { class: 'btn link', href: '#/lookup' }, '不登录，查看便民服务卡'),
  );
}

/** A "扫码" button that opens the scanner (loaded only when tapped) and hands back the text. */
export function scanButton(label: string, found: (text: string) => void, slot: HTMLElement): HTMLButtonElement {
  return action(label, async () => {
    try {
      const { scan } = (await import(/* built separately: scripts/build-web.mjs */ __SCAN_URL__)) as typeof import('./scan');
      const text = await scan(slot);
      if (text) found(text);
    } catch (e) {
      say(slot, 'error', describe(e));
    }
  }, { class: 'btn', 'data-scan': '1' });
}

export function bindScreen(view: View): void {
  const number = h('input', { id: 'card_number', autocomplete: 'off', autocapitalize: 'characters', placeholder: '例如 JC00001', maxlength: 16 });
  const code = h('input', { id: 'check_code', autocomplete: 'off', autocapitalize: 'characters', placeholder: '卡号旁的6位校验码', maxlength: 16 });
  const slot = h('div', { class: 'slot', id: 'bind-message' });
  const scanSlot = h('div', { class: 'scan' });
  const fields: Record<string, HTMLInputElement> = { card_number: number, check_code: code };
  const key = idempotencyKey();
  const bind = action('绑定', async () => {
    for (const f of Object.values(fields)) f.removeAttribute('aria-invalid');
    if (!number.value.trim() || !code.value.trim()) return say(slot, 'error', '请填写卡号和校验码（都印在服务卡上），或点“扫码绑定”');
    try {
      const me = await ok(api.POST('/api/v1/me/household', {
        body: { card_number: number.value.trim(), check_code: code.value.trim() },
        headers: { 'Idempotency-Key': key },
      }));
      // Binding asks to join: until the household's owner or community staff approve it, the
      // account has no household; 我的家庭 says the request waits.
      location.hash = me.household ? '#/' : '#/household';
    } catch (e) {
      const field = hasCode(e, 'validation_failed') ? e.field : null;
      if (field && fields[field]) fields[field].setAttribute('aria-invalid', 'true');
      say(slot, 'error', describe(e));
    }
  }, { class: 'btn primary', id: 'bind' });
  view.mount(
    '绑定我家',
    h('p', { class: 'lead' }, '扫描家里便民服务卡上的二维码，或输入卡号和校验码。'),
    scanButton('📷 扫码绑定', (text) => {
      const got = parseCardQr(text);
      if (!got) return say(slot, 'error', NOT_A_CARD_QR);
      number.value = got.card;
      code.value = got.code;
      bind.click();
    }, scanSlot),
    scanSlot,
    h('label', { for: 'card_number' }, '卡号'), number,
    h('label', { for: 'check_code' }, '校验码'), code,
    slot,
    bind,
  );
}

export function address(a: Schemas['AddressView']): string {
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
    ['#/services', '🔍', '找服务'],
    ['#/wishes', '💝', '微心愿'],
    ['#/points', '⭐', '我的积分'],
    ['#/shop', '🛒', '积分超市'],
    ['#/profile', '🙋', '志愿者资料'],
    ['#/teams', '👥', '志愿服务队'],
    ['#/calendar', '📅', '日历订阅'],
    ['#/household', '🏠', HOUSEHOLD_TEXT.title],
    ['#/notifications', '🔔', '消息通知'],
  ];
  view.mount(
    '邻里',
    h('p', { class: 'lead' }, `${user.nickname}，您好`),
    user.household
      ? h('div', { class: 'card' }, h('div', { class: 'muted' }, '我家'), h('div', { class: 'big' }, address(user.household.address)),
        h('a', { class: 'btn link', href: '#/leave' }, '搬走了？退出这户'))
      : user.membership?.status === 'pending'
        ? h('div', { class: 'card' }, notice('info', HOUSEHOLD_TEXT.submitted), h('a', { class: 'btn', href: '#/household' }, HOUSEHOLD_TEXT.title))
        : h('div', { class: 'card' }, notice('info', '还没有绑定您家，绑定后才能预约充电。'), h('a', { class: 'btn primary', href: '#/bind' }, '去绑定')),
    h('nav', { 'aria-label': '全部功能' }, h('ul', { class: 'tiles list' }, tiles.map(([href, icon, label]) =>
      h('li', {}, h('a', { class: 'tile', href }, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), label))))),
    action('退出登录', async () => {
      await api.logout();
      location.hash = '#/login';
    }, { class: 'btn link', id: 'logout' }),
  );
}

/** "报错" under an entry: what is wrong, sent as a directory report (logged-in residents only). */
function reportLink(target: { service_id?: number; role_contact_id?: number }, what: string): HTMLElement {
  const box = h('div', { class: 'report-box' });
  const open = h('button', { type: 'button', class: 'btn link report', onclick: () => {
    const slot = h('div', { class: 'slot' });
    box.replaceChildren(h('p', { class: 'question' }, `${what}：哪里不对？`), ...REPORT_KIND.map(([kind, label]) => action(label, async () => {
      try {
        await ok(api.POST('/api/v1/directory-reports', { body: { ...target, kind, message: kind === 'other' ? REPORT_OTHER_MESSAGE : undefined } }));
        box.replaceChildren(notice('ok', REPORT_THANKS));
      } catch (e) {
        say(slot, 'error', describe(e));
      }
    }, { class: 'btn' })), slot, h('button', { type: 'button', class: 'btn link', onclick: () => box.replaceChildren(open) }, '不报错了'));
  } }, `报错：${what}`);
  box.append(open);
  return box;
}

const tel = (phone: string) => `tel:${phone.replace(/[^\d+]/g, '')}`;

/** The card's contents: the seven roles in order (vacant ones "暂缺"), the service centre, the
 * nearby services with hours today, open now and distance, and the emergency numbers. */
function cardBody(card: Schemas['CardView'], signedIn: boolean): HTMLElement[] {
  const out: HTMLElement[] = [];
  out.push(h('h2', {}, '楼栋联系人（三长三员一民警）'));
  out.push(h('ul', { class: 'list', id: 'roles' }, card.role_contacts.map((r) => h('li', { 'data-role': r.role },
    r.phone
      ? h('a', { class: 'row call', href: tel(r.phone) },
        h('span', {}, h('strong', {}, r.title), r.name ? h('span', { class: 'muted' }, ` ${r.name}`) : null),
        h('span', { class: 'phone' }, `📞 ${r.phone}`))
      : h('div', { class: 'row' }, h('strong', {}, r.title), h('span', { class: 'vacant' }, VACANT)),
    signedIn && r.contact_id ? reportLink({ role_contact_id: r.contact_id }, `${r.title}的电话`) : null))));
  const centre = card.service_centre;
  if (centre) {
    out.push(h('h2', {}, '社区服务中心'), h('ul', { class: 'list' }, h('li', {}, service(centre, signedIn))));
  }
  if (card.nearby.length) {
    out.push(h('h2', {}, '附近服务（15分钟生活圈）'));
    for (const g of card.nearby) {
      out.push(h('h3', {}, g.category.name), h('ul', { class: 'list nearby' }, g.services.map((s) => h('li', {}, service(s, signedIn)))));
    }
  }
  out.push(h('h2', {}, '紧急电话'), h('ul', { class: 'list', id: 'emergency' }, card.emergency_numbers.map((n) => h('li', {},
    h('a', { class: 'row call', href: tel(n.number) }, h('strong', {}, emergencyName(n)), h('span', { class: 'phone' }, `📞 ${n.number}`))))));
  return out;
}

export function service(s: Schemas['ServiceSummary'], signedIn: boolean): HTMLElement {
  return h('div', { class: 'card service', 'data-service': s.id },
    h('div', { class: 'big' }, s.name),
    h('div', {}, h('span', { class: s.open_now ? 'open-now' : 'closed-now' }, openNow(s)), ` · ${hoursToday(s)}`, distanceNote(s)),
    h('div', { class: 'muted' }, s.address),
    s.phone ? h('a', { class: 'btn', href: tel(s.phone) }, `📞 拨打 ${s.phone}`) : h('div', { class: 'muted' }, NO_PHONE),
    signedIn ? reportLink({ service_id: s.id }, '这项服务的信息') : null);
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
    if (hasCode(e, 'household_not_bound')) return null;
    throw e;
  });
  view.mount('我的服务卡', head, h('p', { class: 'muted' }, '点电话即可拨打'),
    card ? cardBody(card, true) : notice('info', '还没有绑定您家，请先绑定便民服务卡。'));
}

/** The card as scanning it shows, without login: #/lookup/<card>/<check code>. */
export async function lookupScreen(view: View, arg?: string): Promise<void> {
  const [card, code] = [arg, location.hash.split('/')[3]];
  if (card && code) {
    view.loading('便民服务卡');
    const found = await ok(api.GET('/api/v1/cards/{card_number}', { params: { path: { card_number: card }, query: { check_code: code } } }));
    view.mount('便民服务卡', h('div', { class: 'card' }, h('div', { class: 'muted' }, `卡号 ${card}`), h('div', { class: 'big' }, found.address.text)),
      cardBody(found, !!tokens.get()), h('a', { class: 'btn', href: '#/lookup' }, '查另一张卡'));
    return;
  }
  const number = h('input', { id: 'lookup_card', autocomplete: 'off', autocapitalize: 'characters', placeholder: '例如 JC00001', maxlength: 16 });
  const check = h('input', { id: 'lookup_code', autocomplete: 'off', autocapitalize: 'characters', maxlength: 16 });
  const slot = h('div', { class: 'slot' });
  const scanSlot = h('div', { class: 'scan' });
  const go = (c: string, k: string) => { location.hash = `#/lookup/${encodeURIComponent(c)}/${encodeURIComponent(k)}`; };
  view.mount('便民服务卡',
    h('p', { class: 'lead' }, '扫描服务卡上的二维码，查看楼栋联系人、附近服务和紧急电话（不用登录）。'),
    scanButton('📷 扫码查看', (text) => {
      const got = parseCardQr(text);
      if (got) go(got.card, got.code);
      else say(slot, 'error', NOT_A_CARD_QR);
    }, scanSlot),
    scanSlot,
    h('label', { for: 'lookup_card' }, '卡号'), number,
    h('label', { for: 'lookup_code' }, '校验码'), check,
    slot,
    h('button', { type: 'button', class: 'btn primary', id: 'lookup', onclick: () => {
      if (!number.value.trim() || !check.value.trim()) return say(slot, 'error', '请填写卡号和校验码（都印在服务卡上）');
      go(number.value.trim(), check.value.trim());
    } }, '查看'),
    tokens.get() ? null : h('a', { class: 'btn link', href: '#/login' }, '返回登录'));
}

export async function pointsScreen(view: View): Promise<void> {
  view.loading('我的积分');
  const [points, ledger] = await Promise.all([
    ok(api.GET('/api/v1/me/points')),
    ok(api.GET('/api/v1/me/points/ledger', { params: { query: { per_page: 20 } } })),
  ]);
  view.mount('我的积分',
    h('div', { class: 'card center' }, h('div', { class: 'muted' }, '可用积分'), h('div', { class: 'huge', id: 'balance' }, points.balance),
      h('div', { class: 'muted' }, serviceHours(points.service_minutes))),
    h('a', { class: 'btn primary', href: '#/shop' }, '去积分超市兑换'),
    h('h2', {}, '积分明细'),
    ledger.items.length
      ? h('ul', { class: 'list' }, ledger.items.map((e) => h('li', { class: 'row' },
        h('span', {}, e.note ?? POINTS_REASON[e.reason] ?? e.reason, h('br'), h('span', { class: 'muted' }, date(e.created_at))),
        h('strong', { class: e.amount >= 0 ? 'plus' : 'minus' }, `${e.amount >= 0 ? '+' : ''}${e.amount}`))))
      : notice('info', '还没有积分记录。参加志愿活动可以获得积分。'),
    ledgerMore(ledger.items.length, ledger.total) ? h('p', { class: 'muted' }, ledgerMore(ledger.items.length, ledger.total)) : null,
  );
}

/** Where a notification leads, by its kind (unknown kinds stay on the list). */
function target(n: Schemas['NotificationView']): string {
  const data = (n.data ?? {}) as { activity_id?: number; wish_id?: number };
  if (n.kind.startsWith('booking.') || n.kind.startsWith('waitlist.')) return '#/bookings';
  if ((n.kind.startsWith('signup.') || n.kind.startsWith('activity.')) && data.activity_id) return `#/activity/${data.activity_id}`;
  if (n.kind.startsWith('wish.') && data.wish_id) return `#/wish/${data.wish_id}`;
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
          if (!n.read_at) void api.POST('/api/v1/me/notifications/{id}/read', { params: { path: { id: n.id } } }).catch(() => undefined);
        } },
        h('span', {}, h('strong', {}, n.read_at ? '' : '未读 · ', n.title), h('br'), n.body, h('br'), h('span', { class: 'muted' }, at(n.created_at)))))))
      : notice('info', '暂无消息'),
    page.items.some((n) => !n.read_at)
      ? action('全部标为已读', async () => {
        try {
          await ok(api.POST('/api/v1/me/notifications/read-all'));
          await view.reload();
        } catch (e) { say(slot, 'error', describe(e)); }
      }, { id: 'read-all' })
      : null,
  );
}

/** My volunteer profile: skills (add, remove), teams, service time. */
export async function profileScreen(view: View): Promise<void> {
  view.loading('志愿者资料');
  const profile = await ok(api.GET('/api/v1/me/volunteer-profile'));
  const slot = h('div', { class: 'slot', id: 'profile-message' }, view.flash);
  const input = h('input', { id: 'skill', maxlength: 32, placeholder: '例如 理发、急救、电工' });
  const save = async (skills: string[], done: string) => {
    try {
      await ok(api.PUT('/api/v1/me/volunteer-profile', { body: { skills } }));
      await view.reload(notice('ok', done));
    } catch (e) {
      say(slot, 'error', describe(e));
    }
  };
  view.mount('志愿者资料',
    slot,
    h('h2', {}, '我的技能'),
    profile.skills.length
      ? h('ul', { class: 'list', id: 'skills' }, profile.skills.map((s) => h('li', { class: 'row' }, h('strong', {}, s),
        action('删除', () => save(profile.skills.filter((x) => x !== s), `已删除技能“${s}”`), { class: 'btn small', 'aria-label': `删除技能${s}` }))))
      : notice('info', '还没有登记技能。有些活动需要技能才能报名。'),
    h('label', { for: 'skill' }, '添加技能'), input,
    action('添加', async () => {
      const skill = input.value.trim();
      if (!skill) return say(slot, 'error', SKILL_TEXT.ask);
      if (profile.skills.includes(skill)) return say(slot, 'info', SKILL_TEXT.known(skill));
      await save([...profile.skills, skill], SKILL_TEXT.added(skill));
    }, { class: 'btn primary', id: 'add-skill' }),
    h('h2', {}, '我的服务队'),
    profile.teams.length
      ? h('ul', { class: 'list' }, profile.teams.map((t) => h('li', { class: 'row' }, t.name, h('span', { class: 'badge' }, t.role === 'leader' ? '队长' : '队员'))))
      : notice('info', '还没有加入服务队。'),
    h('a', { class: 'btn', href: '#/teams' }, '查看和加入服务队'),
    h('p', { class: 'muted' }, serviceHours(profile.service_minutes)));
}

/** The private calendar feed of my activities: make, show, replace, stop. */
export async function calendarScreen(view: View): Promise<void> {
  view.loading('日历订阅');
  const feed = await ok(api.GET('/api/v1/me/calendar'));
  const slot = h('div', { class: 'slot' });
  const url = feed.url ?? (feed.path ? `${location.origin}${feed.path}` : '');
  view.mount('日历订阅',
    h('p', { class: 'lead' }, '把我报名的志愿活动加到手机日历里，活动前日历会提醒您。'),
    feed.active && url
      ? [h('div', { class: 'card' }, h('div', { class: 'muted' }, '订阅地址（请勿转发给别人）'), h('div', { id: 'feed-url' }, url)),
        h('a', { class: 'btn primary', href: url.replace(/^https?:/, 'webcal:') }, '添加到手机日历'),
        action('换一个地址（旧地址作废）', async () => {
          try { await ok(api.POST('/api/v1/me/calendar/rotate')); await view.reload(); } catch (e) { say(slot, 'error', describe(e)); }
        }),
        action('停止订阅', async () => {
          try { await ok(api.DELETE('/api/v1/me/calendar')); await view.reload(); } catch (e) { say(slot, 'error', describe(e)); }
        }, { class: 'btn danger' })]
      : action('生成订阅地址', async () => {
        try { await ok(api.POST('/api/v1/me/calendar/rotate')); await view.reload(); } catch (e) { say(slot, 'error', describe(e)); }
      }, { class: 'btn primary', id: 'make-feed' }),
    slot);
}

/** Leave my household (moved out): asks once more, then the home screen offers binding again. */
export async function leaveScreen(view: View): Promise<void> {
  view.loading(LEAVE_HOUSEHOLD);
  const user = await me();
  const slot = h('div', { class: 'slot' });
  if (!user.household) {
    view.mount(LEAVE_HOUSEHOLD, notice('info', '您还没有绑定任何一户。'), h('a', { class: 'btn primary', href: '#/bind' }, '去绑定'));
    return;
  }
  view.mount(LEAVE_HOUSEHOLD,
    h('p', { class: 'lead' }, `退出后，您将不能再为“${address(user.household.address)}”预约充电，家里其他人不受影响。`),
    slot,
    action('确定退出这户', async () => {
      try {
        await ok(api.DELETE('/api/v1/me/household'));
        location.hash = '#/';
      } catch (e) {
        say(slot, 'error', describe(e));
      }
    }, { class: 'btn danger', id: 'leave' }),
    h('a', { class: 'btn', href: '#/' }, '不退出，回到首页'));
}
