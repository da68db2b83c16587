// 我的家庭: my membership (waiting for approval, or my role and a tenant's last day), and for an
// active owner the household's members and requests: approve (as family or as a tenant until a
// day), reject, remove (asked once more), change a tenant's last day.
import { api, hasCode, me, ok, type Schemas } from './api';
import { address } from './account';
import { confirmTwice } from './charging';
import { action, describe, h, notice, say } from './ui';
import {
  approvedText, askRemove, HOUSEHOLD_TEXT, lastDayRange, memberLine, myMembershipText, NOT_NOW, rejectedText, removedText,
  tenancyLastDay, tenancySaved, validUntilFor,
} from '../../core/index';
import type { View } from './view';

type Member = Schemas['MembershipView'];

/** A date picker for a tenant's last day (today to a year ahead). */
function lastDayInput(id: string, value = ''): HTMLInputElement {
  const { min, max } = lastDayRange();
  return h('input', { type: 'date', id, name: id, min, max, value });
}

/** A failed call: the Chinese text, and the date outlined when the server named it. */
function failed(slot: HTMLElement, e: unknown, input?: HTMLInputElement): void {
  if (input && hasCode(e, 'validation_failed') && e.field === 'valid_until') input.setAttribute('aria-invalid', 'true');
  say(slot, 'error', describe(e));
}

/** A pending request: approve as family, approve as a tenant (asks for the last day first), reject. */
function requestCard(m: Member, view: View): HTMLElement {
  const slot = h('div', { class: 'slot' });
  const path = { params: { path: { id: m.household_id, member_id: m.id } } };
  const approve = async (body: Schemas['ApproveRequest'], input?: HTMLInputElement) => {
    try {
      const done = await ok(api.POST('/api/v1/households/{id}/members/{member_id}/approve', { ...path, body }));
      await view.reload(notice('ok', approvedText(done)));
    } catch (e) { failed(slot, e, input); }
  };
  const tenant = h('div', {});
  const askTenant = h('button', { type: 'button', class: 'btn', id: `tenant-${m.id}` }, HOUSEHOLD_TEXT.approveTenant);
  askTenant.addEventListener('click', () => {
    const input = lastDayInput(`last-day-${m.id}`);
    tenant.replaceChildren(
      h('label', { for: input.id }, HOUSEHOLD_TEXT.lastDayLabel), input,
      action(`确定${HOUSEHOLD_TEXT.approveTenant}`, async () => {
        input.removeAttribute('aria-invalid');
        if (!input.value) {
          input.setAttribute('aria-invalid', 'true');
          return say(slot, 'error', HOUSEHOLD_TEXT.needLastDay);
        }
        await approve({ role: 'tenant', valid_until: validUntilFor(input.value) }, input);
      }, { class: 'btn primary', id: `approve-tenant-${m.id}` }),
      h('button', { type: 'button', class: 'btn link', onclick: () => tenant.replaceChildren(askTenant) }, NOT_NOW));
    input.focus();
  });
  tenant.append(askTenant);
  return h('li', { class: 'card', 'data-member': m.id },
    h('div', { class: 'big' }, m.nickname),
    h('div', { class: 'muted' }, memberLine(m)),
    slot,
    action(HOUSEHOLD_TEXT.approveMember, () => approve({ role: 'member' }), { class: 'btn primary', id: `approve-${m.id}` }),
    tenant,
    action(HOUSEHOLD_TEXT.reject, async () => {
      try {
        const done = await ok(api.POST('/api/v1/households/{id}/members/{member_id}/reject', path));
        await view.reload(notice('ok', rejectedText(done)));
      } catch (e) { failed(slot, e); }
    }, { class: 'btn danger', id: `reject-${m.id}` }));
}

/** An active member as the owner sees them: a tenant's last day to change, remove (not owners). */
function memberCard(m: Member, myId: number, view: View): HTMLElement {
  const slot = h('div', { class: 'slot' });
  const path = { params: { path: { id: m.household_id, member_id: m.id } } };
  const input = m.role === 'tenant' && m.valid_until ? lastDayInput(`tenancy-${m.id}`, tenancyLastDay(m.valid_until)) : null;
  return h('li', { class: 'card', 'data-member': m.id },
    h('div', { class: 'big' }, m.nickname, m.user_id === myId ? HOUSEHOLD_TEXT.me : ''),
    h('div', { class: 'member-line' }, memberLine(m)),
    slot,
    input
      ? [h('label', { for: input.id }, HOUSEHOLD_TEXT.lastDayLabel), input,
        action(HOUSEHOLD_TEXT.setLastDay, async () => {
          input.removeAttribute('aria-invalid');
          if (!input.value) {
            input.setAttribute('aria-invalid', 'true');
            return say(slot, 'error', HOUSEHOLD_TEXT.needLastDay);
          }
          try {
            const done = await ok(api.PATCH('/api/v1/households/{id}/members/{member_id}', { ...path, body: { valid_until: validUntilFor(input.value) } }));
            await view.reload(notice('ok', tenancySaved(done)));
          } catch (e) { failed(slot, e, input); }
        }, { class: 'btn', id: `save-tenancy-${m.id}` })]
      : null,
    m.role !== 'owner' && m.user_id !== myId
      ? confirmTwice(`${HOUSEHOLD_TEXT.remove}${m.nickname}`, askRemove(m), async () => {
        try {
          const done = await ok(api.POST('/api/v1/households/{id}/members/{member_id}/revoke', path));
          await view.reload(notice('ok', removedText(done)));
        } catch (e) { failed(slot, e); }
      })
      : null);
}

export async function householdScreen(view: View): Promise<void> {
  view.loading(HOUSEHOLD_TEXT.title);
  const user = await me();
  const mine = user.membership;
  const slot = h('div', { class: 'slot', id: 'household-message' }, view.flash);
  if (!mine) {
    view.mount(HOUSEHOLD_TEXT.title, slot, notice('info', HOUSEHOLD_TEXT.none),
      h('a', { class: 'btn primary', href: '#/bind' }, HOUSEHOLD_TEXT.goBind));
    return;
  }
  const owner = mine.status === 'active' && mine.role === 'owner';
  const members = owner
    ? await ok(api.GET('/api/v1/households/{id}/members', { params: { path: { id: mine.household_id } } }))
    : [];
  const requests = members.filter((m) => m.status === 'pending');
  const active = members.filter((m) => m.status === 'active');
  view.mount(HOUSEHOLD_TEXT.title,
    slot,
    h('div', { class: 'card' },
      user.household ? h('div', { class: 'big' }, address(user.household.address)) : null,
      h('div', { id: 'my-membership', class: mine.status === 'pending' ? 'warn-text' : 'ok-text' }, myMembershipText(mine)),
      mine.status === 'pending' ? h('p', { class: 'muted' }, HOUSEHOLD_TEXT.pending) : null),
    owner
      ? [h('p', { class: 'muted' }, HOUSEHOLD_TEXT.ownerHint),
        h('h2', {}, HOUSEHOLD_TEXT.requests),
        requests.length ? h('ul', { class: 'list', id: 'requests' }, requests.map((m) => requestCard(m, view))) : h('p', {}, HOUSEHOLD_TEXT.noRequests),
        h('h2', {}, HOUSEHOLD_TEXT.members),
        h('ul', { class: 'list', id: 'members' }, active.map((m) => memberCard(m, user.id, view)))]
      : null,
    h('a', { class: 'btn', href: '#/' }, '回到首页'));
}
