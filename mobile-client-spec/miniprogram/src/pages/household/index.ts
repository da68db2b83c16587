// 我的家庭: my membership (waiting for approval, or my role and a tenant's last day), and for an
// active owner the household's requests and members: approve as family or as a tenant until a
// day (WeChat's date picker), reject, remove (asked once more in WeChat's modal), change a
// tenant's last day. Texts and dates from core (HOUSEHOLD_TEXT, memberLine, validUntilFor).
import {
  api, approvedText, askRemove, errorText, HOUSEHOLD_TEXT, lastDayRange, longDate, me, memberLine, myMembershipText, NOT_NOW, ok,
  ready, refreshBadge, rejectedText, removedText, tenancyLastDay, tenancySaved, validUntilFor, type Schemas,
} from '../../lib/index';

type Member = Schemas['MembershipView'];
interface RequestRow { id: number; household: number; nickname: string; line: string; tenantOpen: boolean; lastDay: string; lastDayText: string }
interface MemberRow { id: number; household: number; nickname: string; line: string; isMe: boolean; tenant: boolean; canRemove: boolean; lastDay: string; lastDayText: string }

let members: Member[] = [];

/** The rows with the day WeChat's date picker gave to the row it belongs to. */
function picked<R extends { id: number; lastDay: string; lastDayText: string }>(rows: R[], e: WechatMiniprogram.PickerChange): R[] {
  const id = Number(e.currentTarget.dataset.id);
  const day = String(e.detail.value);
  return rows.map((r) => (r.id === id ? { ...r, lastDay: day, lastDayText: longDate(day) } : r));
}

Component({
  data: {
    loading: true, error: '', message: '', address: '', mine: '', pending: false, none: false, owner: false,
    requests: [] as RequestRow[], members: [] as MemberRow[], min: '', max: '', text: HOUSEHOLD_TEXT, notNow: NOT_NOW,
  },
  methods: {
    async onLoad() {
      if (!(await ready())) return;
      await this.load();
    },
    onShow() {
      void refreshBadge().catch(() => undefined);
    },
    async load(message = '') {
      try {
        const user = await me();
        const mine = user.membership ?? null;
        const owner = mine?.status === 'active' && mine.role === 'owner';
        members = owner && mine ? await ok(api.GET('/api/v1/households/{id}/members', { params: { path: { id: mine.household_id } } })) : [];
        const a = user.household?.address;
        const { min, max } = lastDayRange();
        this.setData({
          loading: false, error: '', message, owner, min, max,
          none: !mine, pending: mine?.status === 'pending', mine: myMembershipText(mine),
          address: a ? `${a.compound.name} ${a.building.name}${a.unit ? ` ${a.unit}单元` : ''}${a.room ? ` ${a.room}` : ''}` : '',
          requests: members.filter((m) => m.status === 'pending').map((m) => ({
            id: m.id, household: m.household_id, nickname: m.nickname, line: memberLine(m), tenantOpen: false, lastDay: '', lastDayText: '',
          })),
          members: members.filter((m) => m.status === 'active').map((m) => {
            const lastDay = m.valid_until ? tenancyLastDay(m.valid_until) : '';
            return {
              id: m.id, household: m.household_id, nickname: m.user_id === user.id ? `${m.nickname}${HOUSEHOLD_TEXT.me}` : m.nickname,
              line: memberLine(m), isMe: m.user_id === user.id, tenant: m.role === 'tenant', canRemove: m.role !== 'owner' && m.user_id !== user.id,
              lastDay, lastDayText: lastDay ? longDate(lastDay) : '',
            };
          }),
        });
      } catch (e) {
        this.setData({ loading: false, error: errorText(e) });
      }
    },
    member(e: WechatMiniprogram.BaseEvent): Member {
      const id = Number(e.currentTarget.dataset.id);
      const m = members.find((x) => x.id === id);
      if (!m) throw new Error(`no member ${id}`);
      return m;
    },
    path(m: Member) {
      return { params: { path: { id: m.household_id, member_id: m.id } } };
    },
    /** One change of a membership: reload and say what happened, or say why not. */
    async change(call: () => Promise<Member>, said: (m: Member) => string) {
      try {
        const done = await call();
        await this.load(said(done));
      } catch (err) {
        this.setData({ error: errorText(err), message: '' });
      }
    },
    async approve(m: Member, body: Schemas['ApproveRequest']) {
      await this.change(() => ok(api.POST('/api/v1/households/{id}/members/{member_id}/approve', { ...this.path(m), body })), approvedText);
    },
    async onApprove(e: WechatMiniprogram.TouchEvent) {
      await this.approve(this.member(e), { role: 'member' });
    },
    /** 同意，是租户: first the last day of the tenancy. */
    onTenant(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      this.setData({ requests: this.data.requests.map((r) => (r.id === id ? { ...r, tenantOpen: true } : r)), error: '' });
    },
    onTenantCancel(e: WechatMiniprogram.TouchEvent) {
      const id = Number(e.currentTarget.dataset.id);
      this.setData({ requests: this.data.requests.map((r) => (r.id === id ? { ...r, tenantOpen: false, lastDay: '', lastDayText: '' } : r)) });
    },
    onRequestDay(e: WechatMiniprogram.PickerChange) {
      this.setData({ requests: picked(this.data.requests, e) });
    },
    async onApproveTenant(e: WechatMiniprogram.TouchEvent) {
      const m = this.member(e);
      const day = this.data.requests.find((r) => r.id === m.id)?.lastDay;
      if (!day) return this.setData({ error: HOUSEHOLD_TEXT.needLastDay, message: '' });
      await this.approve(m, { role: 'tenant', valid_until: validUntilFor(day) });
    },
    async onReject(e: WechatMiniprogram.TouchEvent) {
      const m = this.member(e);
      await this.change(() => ok(api.POST('/api/v1/households/{id}/members/{member_id}/reject', this.path(m))), rejectedText);
    },
    onTenancyDay(e: WechatMiniprogram.PickerChange) {
      this.setData({ members: picked(this.data.members, e) });
    },
    async onSaveTenancy(e: WechatMiniprogram.TouchEvent) {
      const m = this.member(e);
      const day = this.data.members.find((r) => r.id === m.id)?.lastDay;
      if (!day) return this.setData({ error: HOUSEHOLD_TEXT.needLastDay, message: '' });
      await this.change(() => ok(api.PATCH('/api/v1/households/{id}/members/{member_id}', { ...this.path(m), body: { valid_until: validUntilFor(day) } })), tenancySaved);
    },
    /** Remove a member: WeChat's modal asks once more. */
    async onRemove(e: WechatMiniprogram.TouchEvent) {
      const m = this.member(e);
      const sure = await wx.showModal({ title: `${HOUSEHOLD_TEXT.remove}${m.nickname}`, content: askRemove(m), confirmText: HOUSEHOLD_TEXT.confirmRemove, cancelText: NOT_NOW });
      if (!sure.confirm) return;
      await this.change(() => ok(api.POST('/api/v1/households/{id}/members/{member_id}/revoke', this.path(m))), removedText);
    },
    goBind() {
      void wx.navigateTo({ url: '/pages/bind/index' });
    },
  },
});
