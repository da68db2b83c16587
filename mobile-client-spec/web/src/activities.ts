// Volunteer activities: the list, one activity with sign-up / cancel and my waitlist place.
import { api, hasCode, idempotencyKey, ok } from './api';
import { confirmTwice } from './charging';
import { action, describe, detailList, h, notice, say, when } from './ui';
import { scanButton } from './account';
import {
  ACTIVITY_TEXT, activityMeta, activityPlace, ARE_YOU_SURE, requiredSkills, seats, signedUp, signupBadge, signupOpen, teamLeave, teamMeta, teamStanding, waitlistPlace,
} from '../../core/index';
import type { View } from './view';

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
        h('span', { class: `badge ${s.status}` }, signupBadge(s)))))) : null,
    h('h2', {}, '近期活动'),
    list.items.length
      ? h('ul', { class: 'list', id: 'activities' }, list.items.map((a) => h('li', {},
        h('a', { class: 'card activity', href: `#/activity/${a.id}`, 'data-activity': a.id, 'data-skills': a.required_skills.join(','), 'data-open': signupOpen(a) },
          h('div', { class: 'row' }, h('strong', { class: 'big' }, a.title), h('span', { class: 'badge' }, a.category_label)),
          h('div', {}, when(a.starts_at, a.ends_at)),
          h('div', { class: 'muted' }, `${a.place} · ${a.team_name}`),
          requiredSkills(a.required_skills) ? h('div', {}, requiredSkills(a.required_skills)) : null,
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
  if (my?.status === 'confirmed') state = notice('ok', ACTIVITY_TEXT.confirmed);
  else if (my?.status === 'waitlisted') state = notice('info', waitlistPlace(my.position));

  view.mount('活动详情',
    h('div', { class: 'card' },
      h('div', { class: 'big' }, a.title),
      h('div', {}, when(a.starts_at, a.ends_at)),
      h('div', {}, activityPlace(a)),
      h('div', { class: 'muted' }, activityMeta(a)),
      h('div', { class: a.seats_left > 0 ? 'ok-text' : 'warn-text' }, seats(a)),
      requiredSkills(a.required_skills) ? h('div', {}, requiredSkills(a.required_skills)) : null,
      h('p', {}, a.description),
      h('div', { class: 'muted' }, `报名截止：${when(a.signup_deadline)}`)),
    state,
    slot,
    my?.status === 'confirmed' && a.status === 'open' ? checkInBox(activityId, slot) : null,
    my
      ? confirmTwice(my.status === 'confirmed' ? ACTIVITY_TEXT.cancelSignup : ACTIVITY_TEXT.leaveWaitlist, ARE_YOU_SURE, async () => {
        try {
          await ok(api.POST('/api/v1/signups/{id}/cancel', { params: { path: { id: my.id } } }));
          await view.reload();
        } catch (e) {
          say(slot, 'error', describe(e));
        }
      })
      : signupOpen(a)
        ? action(a.seats_left > 0 ? ACTIVITY_TEXT.signUp : ACTIVITY_TEXT.signUpWaitlist, async () => {
          try {
            const s = await ok(api.POST('/api/v1/activities/{id}/signups', {
              params: { path: { id: activityId }, header: { 'Idempotency-Key': key } },
            }));
            await view.reload(notice('ok', signedUp(s)));
          } catch (e) {
            const missing = hasCode(e, 'missing_required_skill') ? detailList(e, 'missing') : [];
            say(slot, 'error', describe(e) + (missing.length ? `（需要：${missing.join('、')}）` : ''));
            if (missing.length) slot.append(h('a', { class: 'btn', href: '#/profile' }, '去登记技能'));
          }
        }, { class: 'btn primary', id: 'signup' })
        : notice('info', '该活动已截止报名，请看看其他活动'),
    h('a', { class: 'btn', href: '#/activities' }, '返回活动列表'));
}

/** On-site check-in with the code shown at the activity (scanned or typed). */
function checkInBox(activityId: number, slot: HTMLElement): HTMLElement {
  const code = h('input', { id: 'activity-code', autocomplete: 'off', autocapitalize: 'characters', maxlength: 16, placeholder: '现场公布的签到码' });
  const scanSlot = h('div', { class: 'scan' });
  const go = action('现场签到', async () => {
    if (!code.value.trim()) return say(slot, 'error', ACTIVITY_TEXT.askCheckInCode);
    try {
      await ok(api.POST('/api/v1/activities/{id}/check-in', { params: { path: { id: activityId } }, body: { code: code.value.trim() } }));
      say(slot, 'ok', ACTIVITY_TEXT.checkedIn);
    } catch (e) {
      say(slot, 'error', describe(e));
    }
  }, { class: 'btn primary', id: 'activity-check-in' });
  return h('div', { class: 'card' },
    h('label', { for: 'activity-code' }, '到了现场？扫码或输入签到码'),
    code,
    scanButton('📷 扫签到码', (text) => { code.value = (/[?&]code=([^&#]+)/.exec(text)?.[1] ?? text).trim(); go.click(); }, scanSlot),
    scanSlot,
    go);
}

/** Volunteer teams: join (pending until a leader approves), leave. */
export async function teamsScreen(view: View): Promise<void> {
  view.loading('志愿服务队');
  const teams = await ok(api.GET('/api/v1/teams', { params: { query: { per_page: 50 } } }));
  const slot = h('div', { class: 'slot', id: 'teams-message' }, view.flash);
  view.mount('志愿服务队',
    slot,
    teams.items.length
      ? h('ul', { class: 'list', id: 'teams' }, teams.items.map((t) => h('li', { class: 'card', 'data-team': t.id },
        h('div', { class: 'big' }, t.name),
        h('div', {}, t.description),
        h('div', { class: 'muted' }, teamMeta(t)),
        t.my_role
          ? [h('div', { class: 'ok-text' }, teamStanding(t)),
            confirmTwice(teamLeave(t), `确定退出“${t.name}”吗？`, async () => {
              try {
                await ok(api.POST('/api/v1/teams/{id}/leave', { params: { path: { id: t.id } } }));
                await view.reload(notice('ok', `已退出“${t.name}”`));
              } catch (e) { say(slot, 'error', describe(e)); }
            })]
          : action('申请加入', async () => {
            try {
              await ok(api.POST('/api/v1/teams/{id}/join', { params: { path: { id: t.id } } }));
              await view.reload(notice('ok', `已申请加入“${t.name}”，队长审核后即可参加活动`));
            } catch (e) { say(slot, 'error', describe(e)); }
          }, { class: 'btn primary' }))))
      : notice('info', '还没有服务队'),
    h('a', { class: 'btn', href: '#/profile' }, '我的志愿者资料'));
}
