// Volunteer activities: the list, one activity with sign-up / cancel and my waitlist place.
import { api, hasCode, idempotencyKey, ok, type Schemas } from './api';
import { confirmTwice } from './charging';
import { action, describe, detailList, h, notice, say, when } from './ui';
import type { View } from './view';

function seats(a: Schemas['ActivitySummary']): string {
  return a.seats_left > 0 ? `剩余 ${a.seats_left} / ${a.capacity} 个名额` : `名额已满，候补 ${a.waitlist_count} 人`;
}

export async function activitiesScreen(view: View): Promise<void> {
  view.loading('志愿活动');
  const [list, mine] = await Promise.all([
    ok(api.GET('/api/v1/activities', { params: { query: { per_page: 50 } } })),
    ok(api.GET('/api/v1/me/signups', { params: { query: { per_page: 20 } } })),
  ]);
  const live = mine.items.filter((s) => s.status !== 'cancelled' && s.activity_status === 'open');
  view.mount('志愿活动',
    live.length ? h('h2', {}, '我的报名') : null,
    live.length ? h('ul', { class: 'list' }, live.map((s) => h('li', {},
      h('a', { class: 'row', href: `#/activity/${s.activity_id}` },
        h('span', {}, h('strong', {}, s.activity_title), h('br'), h('span', { class: 'muted' }, when(s.activity_starts_at, s.activity_ends_at))),
        h('span', { class: `badge ${s.status}` }, s.status === 'confirmed' ? '已报名' : `候补第 ${s.position ?? '?'} 位`))))) : null,
    h('h2', {}, '近期活动'),
    list.items.length
      ? h('ul', { class: 'list', id: 'activities' }, list.items.map((a) => h('li', {},
        h('a', { class: 'card activity', href: `#/activity/${a.id}`, 'data-activity': a.id },
          h('div', { class: 'row' }, h('strong', { class: 'big' }, a.title), h('span', { class: 'badge' }, a.category_label)),
          h('div', {}, when(a.starts_at, a.ends_at)),
          h('div', { class: 'muted' }, `${a.place} · ${a.team_name}`),
          h('div', { class: a.seats_left > 0 ? 'ok-text' : 'warn-text' }, seats(a))))))
      : notice('info', '近期没有活动'),
  );
}

export async function activityScreen(view: View, id?: string): Promise<void> {
  const activityId = Number(id);
  if (!Number.isInteger(activityId)) {
    location.hash = '#/activities';
    return;
  }
  view.loading('活动详情');
  const a = await ok(api.GET('/api/v1/activities/{id}', { params: { path: { id: activityId } } }));
  const slot = h('div', { class: 'slot', id: 'signup-message' }, view.flash);
  const key = idempotencyKey();
  const my = a.my_signup;
  let state: HTMLElement | null = null;
  if (my?.status === 'confirmed') state = notice('ok', '您已报名成功，请准时参加。');
  else if (my?.status === 'waitlisted') state = notice('info', `名额已满，您在候补第 ${my.position ?? '?'} 位。有人取消时会自动补上并通知您。`);

  view.mount('活动详情',
    h('div', { class: 'card' },
      h('div', { class: 'big' }, a.title),
      h('div', {}, when(a.starts_at, a.ends_at)),
      h('div', {}, `地点：${a.place}`),
      h('div', { class: 'muted' }, `${a.team_name} · ${a.category_label} · 每小时 ${a.points_per_hour} 积分`),
      h('div', { class: a.seats_left > 0 ? 'ok-text' : 'warn-text' }, seats(a)),
      a.required_skills.length ? h('div', {}, `需要技能：${a.required_skills.join('、')}`) : null,
      h('p', {}, a.description),
      h('div', { class: 'muted' }, `报名截止：${when(a.signup_deadline)}`)),
    state,
    slot,
    my
      ? confirmTwice(my.status === 'confirmed' ? '取消报名' : '退出候补', '确定吗？', async () => {
        try {
          await ok(api.POST('/api/v1/signups/{id}/cancel', { params: { path: { id: my.id } } }));
          await view.reload();
        } catch (e) {
          say(slot, 'error', describe(e));
        }
      })
      : a.status === 'open'
        ? action(a.seats_left > 0 ? '我要报名' : '报名候补', async () => {
          try {
            const s = await ok(api.POST('/api/v1/activities/{id}/signups', {
              params: { path: { id: activityId }, header: { 'Idempotency-Key': key } },
            }));
            await view.reload(notice('ok', s.status === 'confirmed' ? '报名成功！' : `已进入候补，第 ${s.position ?? '?'} 位`));
          } catch (e) {
            const missing = hasCode(e, 'missing_required_skill') ? detailList(e, 'missing') : [];
            say(slot, 'error', describe(e) + (missing.length ? `：${missing.join('、')}` : ''));
          }
        }, { class: 'btn primary', id: 'signup' })
        : notice('info', '该活动已不接受报名'),
    h('a', { class: 'btn', href: '#/activities' }, '返回活动列表'));
}
