// The resident-visible Chinese words both clients show besides the error texts (errors.ts) and the
// slot grid's (grid.ts): status names, the lines built from an answer (seats, a service's hours,
// a wish's byline, a redemption), and the messages of each step. The web app (web/) and the
// mini-program (miniprogram/) import them from here; neither writes one of its own. No DOM here.
import type { Schemas } from './client';
import { addDays, addMonths, at, distance, localDay, longDate } from './format';

// ---- status names -------------------------------------------------------------------------

export const BOOKING_STATUS: Record<Schemas['BookingStatus'], string> = {
  confirmed: '已预约', checked_in: '充电中', completed: '已完成', cancelled: '已取消', no_show: '未到场',
};
export const WAIT_STATUS: Record<Schemas['WaitlistStatus'], string> = {
  waiting: '候补中', offered: '有空位待确认', accepted: '已接受', declined: '已放弃', expired: '已过期', cancelled: '已取消',
};
export const SIGNUP_STATUS: Record<Schemas['SignupStatus'], string> = {
  confirmed: '已报名', waitlisted: '候补中', cancelled: '已取消',
};
export const WISH_STATUS: Record<Schemas['WishStatus'], string> = {
  open: '待认领', claimed: '已认领', fulfilled: '已完成待确认', disputed: '有异议', confirmed: '已确认', rejected: '未通过', withdrawn: '已撤回',
};
export const REDEMPTION_STATUS: Record<Schemas['RedemptionStatus'], string> = { pending: '待领取', collected: '已领取' };
/** The reasons of the points ledger. */
export const POINTS_REASON: Record<Schemas['PointsReason'], string> = {
  activity_hours: '志愿服务', wish_fulfilled: '完成微心愿', redemption: '积分兑换', adjustment: '积分调整',
};

// ---- words of several screens -------------------------------------------------------------

/** "No" on a confirmation: the resident keeps things as they are. */
export const NOT_NOW = '不了';
export const ARE_YOU_SURE = '确定吗？';
export const SCAN_CANCELLED = '已取消扫码，也可以直接输入';
export const NOT_A_CARD_QR = '这不是便民服务卡的二维码，请对准服务卡上的二维码，或手动输入';
export const LEAVE_HOUSEHOLD = '退出这户';

// ---- the service card and the directory -----------------------------------------------------

/** A building role nobody holds. */
export const VACANT = '暂缺';
export const NO_PHONE = '暂无电话';

/** What may be wrong with a directory entry, in the order offered. */
export const REPORT_KIND: [Schemas['ReportKind'], string][] = [['wrong_phone', '电话打不通/不对'], ['closed', '已关门/不在了'], ['wrong_hours', '营业时间不对'], ['other', '其他']];
/** The message sent with a report of kind `other` (the resident chose no detail). */
export const REPORT_OTHER_MESSAGE = '居民反馈信息有误';
export const REPORT_THANKS = '谢谢您！社区会尽快核实更正。';

const EMERGENCY: Record<string, string> = { '110': '报警电话', '119': '火警电话', '120': '急救电话', '12345': '政务服务热线', '122': '交通事故报警' };

/** Emergency numbers by their Chinese name, whatever the server calls them. */
export function emergencyName(n: Schemas['EmergencyNumber']): string {
  return /[\u4e00-\u9fff]/.test(n.name) ? n.name : EMERGENCY[n.number] ?? `紧急电话 ${n.number}`;
}

/** "✓ 正在营业" / "✕ 现在休息" */
export function openNow(s: Schemas['ServiceSummary']): string {
  return s.open_now ? '✓ 正在营业' : '✕ 现在休息';
}

/** "今天 08:00–12:00、14:00–18:00", or "今天休息". */
export function hoursToday(s: Schemas['ServiceSummary']): string {
  return s.hours_today.length ? `今天 ${s.hours_today.map((x) => `${x.opens_at}–${x.closes_at}`).join('、')}` : '今天休息';
}

/** " · 距离 350米", or nothing when the distance is unknown. */
export function distanceNote(s: Schemas['ServiceSummary']): string {
  return s.distance_m !== null && s.distance_m !== undefined ? ` · 距离 ${distance(s.distance_m)}` : '';
}

/** A service's line under its name: open now, hours today, distance. */
export function serviceNote(s: Schemas['ServiceSummary']): string {
  return `${openNow(s)} · ${hoursToday(s)}${distanceNote(s)}`;
}

// ---- charging -------------------------------------------------------------------------------

/** The charging durations offered, in minutes. */
export const DURATIONS = [30, 60, 120, 180, 240];
/** The grid's day chips: today, tomorrow, the day after. */
export const DAY_NAMES = ['今天', '明天', '后天'];

/** A charging duration in minutes: "30分钟", "2小时". */
export function durationLabel(m: number): string {
  return m < 60 ? `${m}分钟` : `${m / 60}小时`;
}

export const BOOKING_TEXT = {
  cancel: '取消预约',
  askCancel: '确定取消这个预约吗？',
  cancelled: '预约已取消。',
  askSocketCode: '请扫码或输入充电口上的编码',
  mine: '这是您的预约，可到“我的预约”查看或取消',
  tooShort: '时长不够',
  leaveWaitlist: '退出候补',
  declineOffer: '放弃',
} as const;

/** "城南小区还没有可预约的充电桩。" */
export function noPiles(compound: string): string {
  return `${compound}还没有可预约的充电桩。`;
}

/** A waitlist place: "排第 2 位". */
export function queuePlace(position: number | null | undefined): string {
  return `排第 ${position ?? '?'} 位`;
}

/** An offer's deadline with its day: "请在 明天 09:48 前确认". */
export function confirmBefore(expires: string): string {
  return `请在 ${at(expires)} 前确认`;
}

/** After joining a slot's waitlist from the grid ("3号插座 明天 19:00–20:00"). */
export function joinedWaitlist(what: string, position: number | null | undefined): string {
  return `已加入候补（${what}），排第 ${position ?? 1} 位。有空位时会通知您，请在通知所说的时间前确认。`;
}

/** "城南小区 · 6 个充电口" */
export function socketCount(compound: string, sockets: number): string {
  return `${compound} · ${sockets} 个充电口`;
}

// ---- charging sessions (the pile's live readings and the result) ----------------------------

/** A session's state as the resident reads it. */
export const SESSION_STATE: Record<Schemas['SessionState'], string> = {
  requested: '正在启动', starting: '正在启动', charging: '充电中', settled: '充电已结束',
  start_failed: '启动失败', settled_unconfirmed: '充电已结束（待核对）',
};

export const SESSION_TEXT = {
  title: '我的充电',
  live: '本次充电',
  result: '充电结果',
  history: '充电记录',
  power: '实时功率',
  energy: '已充电量',
  duration: '已充时长',
  peak: '最高功率',
  reason: '结束原因',
  started: '开始时间',
  none: '还没有充电记录。预约充电口、到场签到后，在“我的预约”点“开始充电”。',
  start: '开始充电',
  started_ok: '已发送开始指令，正在启动充电…',
  polling: '每 3 秒自动刷新',
  stale: '网络不稳定，显示的是上次的数据，正在重试…',
  toBookings: '去我的预约',
  view: '查看充电',
} as const;

/** How often an open session is asked for again, in ms. */
export const SESSION_POLL_MS = 3000;

/** Whether the session is still open (its numbers may change). */
export function sessionOpen(state: Schemas['SessionState']): boolean {
  return state === 'requested' || state === 'starting' || state === 'charging';
}

/** Energy in Wh as 度 (kWh): 1234 → "1.23 度". */
export function energyText(wh: number): string {
  return `${(Math.max(0, wh) / 1000).toFixed(2)} 度`;
}

/** Power in W: "312 瓦"; "—" when not charging. */
export function powerText(w: number | null | undefined): string {
  return w === null || w === undefined ? '—' : `${Math.round(w)} 瓦`;
}

/** A duration in seconds: "45秒", "12分05秒", "1小时05分". */
export function elapsedText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return `${h}小时${String(m).padStart(2, '0')}分`;
  return m ? `${m}分${String(s % 60).padStart(2, '0')}秒` : `${s % 60}秒`;
}

/** What a session screen shows, for the web app and the mini-program alike. */
export interface SessionModel {
  id: number;
  open: boolean;
  /** The one line a screen reader is told when it changes: the state, and the result's reason. */
  status: string;
  facts: { label: string; value: string; key: 'power' | 'energy' | 'duration' | 'peak' }[];
  /** The server's Chinese explanation (stop reason's message, the failure's). */
  message: string;
  when: string;
}

export function sessionModel(s: Schemas['SessionView'], now: Date = new Date()): SessionModel {
  const open = sessionOpen(s.state);
  // The server's message already says the rest for a failed start (启动失败：未插充电器) and an
  // unconfirmed settlement; a settlement's is its stop reason, after the state.
  const status = open ? SESSION_STATE[s.state] : s.state === 'settled' ? `${SESSION_STATE.settled}：${s.message}` : s.message;
  const facts: SessionModel['facts'] = open
    ? [
      { key: 'power', label: SESSION_TEXT.power, value: powerText(s.power_w) },
      { key: 'energy', label: SESSION_TEXT.energy, value: energyText(s.energy_wh) },
      { key: 'duration', label: SESSION_TEXT.duration, value: elapsedText(s.duration_s) },
    ]
    : s.state === 'start_failed'
      ? []
      : [
        { key: 'energy', label: SESSION_TEXT.energy, value: energyText(s.energy_wh) },
        { key: 'duration', label: SESSION_TEXT.duration, value: elapsedText(s.duration_s) },
        { key: 'peak', label: SESSION_TEXT.peak, value: powerText(s.peak_power_w) },
      ];
  return { id: s.id, open, status, facts, message: s.message, when: at(s.started_at ?? s.requested_at, now) };
}

/** The session to show live: the newest open one, else the newest. */
export function currentSession<T extends { state: Schemas['SessionState'] }>(items: T[]): T | undefined {
  return items.find((s) => sessionOpen(s.state)) ?? items[0];
}

// ---- volunteer activities and teams ---------------------------------------------------------

/** Sign-ups still taken: open and before the deadline. */
export function signupOpen(a: Schemas['ActivitySummary'], now: number = Date.now()): boolean {
  return a.status === 'open' && Date.parse(a.signup_deadline) > now;
}

/** An activity's seats: left of capacity, full with its waitlist, or closed with its deadline. */
export function seats(a: Schemas['ActivitySummary'], now: number = Date.now()): string {
  if (!signupOpen(a, now)) return `报名已截止（${at(a.signup_deadline, new Date(now))}）`;
  return a.seats_left > 0 ? `剩余 ${a.seats_left} / ${a.capacity} 个名额` : `名额已满，候补 ${a.waitlist_count} 人`;
}

/** A sign-up's badge: "已报名" or "候补第 3 位". */
export function signupBadge(s: { status: Schemas['SignupStatus']; position?: number | null }): string {
  return s.status === 'waitlisted' ? `候补第 ${s.position ?? '?'} 位` : SIGNUP_STATUS[s.status];
}

/** "敬老服务队 · 助老 · 每小时 10 积分" */
export function activityMeta(a: Schemas['ActivitySummary']): string {
  return `${a.team_name} · ${a.category_label} · 每小时 ${a.points_per_hour} 积分`;
}

/** "需要技能：急救、理发" (empty when none). */
export function requiredSkills(skills: string[]): string {
  return skills.length ? `需要技能：${skills.join('、')}` : '';
}

export function activityPlace(a: { place: string }): string {
  return `地点：${a.place}`;
}

export const ACTIVITY_TEXT = {
  signUp: '我要报名',
  signUpWaitlist: '报名候补',
  signedUp: '报名成功！',
  confirmed: '您已报名成功，请准时参加。',
  cancelSignup: '取消报名',
  leaveWaitlist: '退出候补',
  askCheckInCode: '请扫码或输入现场公布的签到码',
  checkedIn: '签到成功，谢谢您的参与！',
} as const;

/** What the resident reads after signing up: confirmed, or the waitlist place. */
export function signedUp(s: { status: Schemas['SignupStatus']; position?: number | null }): string {
  return s.status === 'confirmed' ? ACTIVITY_TEXT.signedUp : `已进入候补，第 ${s.position ?? '?'} 位`;
}

/** On the activity: my waitlist place and what happens next. */
export function waitlistPlace(position: number | null | undefined): string {
  return `名额已满，您在候补第 ${position ?? '?'} 位。有人取消时会自动补上并通知您。`;
}

/** "12 名队员 · 队长 王芳、李强" */
export function teamMeta(t: Schemas['TeamView']): string {
  return `${t.member_count} 名队员${t.leaders.length ? ` · 队长 ${t.leaders.map((l) => l.nickname).join('、')}` : ''}`;
}

/** My standing in a team: applied, leader or member (empty when not in it). */
export function teamStanding(t: Schemas['TeamView']): string {
  if (!t.my_role) return '';
  return t.my_status === 'pending' ? '已申请，等待队长审核' : t.my_role === 'leader' ? '我是队长' : '我是队员';
}

/** The button that ends my membership (or application). */
export function teamLeave(t: Schemas['TeamView']): string {
  return t.my_status === 'pending' ? '撤回申请' : '退出服务队';
}

export const SKILL_TEXT = {
  ask: '请输入技能名称，例如“理发”',
  known: (skill: string) => `已经登记过“${skill}”了`,
  added: (skill: string) => `已添加技能“${skill}”`,
} as const;

// ---- points and the points supermarket ------------------------------------------------------

/** "累计服务 12.5 小时" */
export function serviceHours(minutes: number): string {
  return `累计服务 ${Math.round(minutes / 6) / 10} 小时`;
}

/** Under a shortened ledger: "仅显示最近 20 条，共 35 条" (empty when all are shown). */
export function ledgerMore(shown: number, total: number): string {
  return total > shown ? `仅显示最近 ${shown} 条，共 ${total} 条` : '';
}

/** "10 积分 · 还剩 3 件" */
export function itemPrice(it: Schemas['ShopItemView']): string {
  return `${it.price_points} 积分 · 还剩 ${it.stock} 件`;
}

/** Why an item cannot be redeemed now (empty when it can). */
export function cannotRedeem(it: Schemas['ShopItemView'], balance: number): string {
  if (it.stock <= 0) return '已兑完';
  return it.price_points > balance ? `还差 ${it.price_points - balance} 积分，参加志愿活动可以获得积分` : '';
}

export const REDEEM = '兑换';

/** The question before redeeming. */
export function askRedeem(it: Schemas['ShopItemView']): string {
  return `用 ${it.price_points} 积分兑换“${it.name}”吗？`;
}

/** After redeeming, before the pickup code. */
export function redeemed(r: Schemas['RedemptionView']): string {
  return `兑换成功：${r.item_name}。到社区服务中心出示取货码领取：`;
}

/** "今天 09:30 兑换 · 30 积分" */
export function redeemedAt(r: Schemas['RedemptionView']): string {
  return `${at(r.created_at)} 兑换 · ${r.points} 积分`;
}

/** "今天 10:00 已领取" */
export function collectedAt(r: Schemas['RedemptionView']): string {
  return `${at(r.collected_at ?? r.created_at)} 已领取`;
}

// ---- micro-wishes ---------------------------------------------------------------------------

/** In a list: "张阿姨 · 今天 09:30 · 10 积分". */
export function wishMeta(w: Schemas['WishView']): string {
  return `${w.poster.nickname} · ${at(w.created_at)} · ${w.points} 积分`;
}

/** On the wish: "发布人 张阿姨 · 今天 09:30". */
export function wishPoster(w: Schemas['WishView']): string {
  return `发布人 ${w.poster.nickname} · ${at(w.created_at)}`;
}

/** "认领人 小李" (empty before a claim). */
export function wishClaimer(w: Schemas['WishView']): string {
  return w.claimer ? `认领人 ${w.claimer.nickname}` : '';
}

export function wishPoints(w: Schemas['WishView']): string {
  return `完成后认领人获得 ${w.points} 积分`;
}

/** When a fulfilled wish confirms itself (empty otherwise). */
export function wishAutoConfirm(w: Schemas['WishView']): string {
  return w.status === 'fulfilled' && w.auto_confirm_at ? `${at(w.auto_confirm_at)} 将自动确认` : '';
}

export const WISH_TEXT = {
  askTitle: '请写下需要什么帮助，例如“帮忙修理收音机”',
  claimed: '认领成功！完成后请点“我已完成”',
  fulfilled: '已标记完成，等发布人确认',
  confirmed: '已确认，谢谢！积分已发给认领人',
  askReason: '请写下哪里不对，社区工作人员会来处理',
  disputed: '已提出异议，社区工作人员会联系您',
  withdraw: '撤回心愿',
  askWithdraw: '确定撤回这个心愿吗？',
  withdrawn: '心愿已撤回',
} as const;

// ---- my household: membership, requests, members, tenants -----------------------------------

export const MEMBER_ROLE: Record<Schemas['MemberRole'], string> = { owner: '户主', member: '家庭成员', tenant: '租户' };
export const MEMBER_STATUS: Record<Schemas['MemberStatus'], string> = {
  pending: '等待审核', active: '已加入', rejected: '未通过', revoked: '已移除', expired: '租期已满',
};

export const HOUSEHOLD_TEXT = {
  title: '我的家庭',
  submitted: '申请已提交，等待户主或社区审核',
  pending: '户主或社区工作人员同意后，您就能为这户预约充电。',
  none: '您还没有加入任何一户。请用家里的便民服务卡申请加入。',
  goBind: '用服务卡申请加入',
  members: '家里的成员',
  requests: '等待您同意的申请',
  noRequests: '现在没有等待同意的申请。',
  lastDayLabel: '租户住到哪一天（这一天也算）',
  approveMember: '同意，是家人',
  approveTenant: '同意，是租户',
  reject: '拒绝',
  remove: '移除',
  confirmRemove: '确定移除',
  setLastDay: '保存租期',
  needLastDay: '请先选好租户住到哪一天，再点“同意，是租户”',
  ownerHint: '您是户主：可以同意或拒绝入户申请，移除成员，修改租户的租期。',
  me: '（我）',
} as const;

/** After approving: "已同意 小王 加入，身份：租户". */
export function approvedText(m: Schemas['MembershipView']): string {
  return `已同意 ${m.nickname} 加入，身份：${MEMBER_ROLE[m.role]}`;
}
export function rejectedText(m: Schemas['MembershipView']): string {
  return `已拒绝 ${m.nickname} 的申请`;
}
export function removedText(m: Schemas['MembershipView']): string {
  return `已移除 ${m.nickname}`;
}
/** The question before removing a member. */
export function askRemove(m: Schemas['MembershipView']): string {
  return `确定移除 ${m.nickname} 吗？移除后对方不能再为这户预约充电，还没开始的充电预约会被取消。`;
}

/** A tenancy's last day ("2027-05-31"): the day before `valid_until`, when it ends at 00:00. */
export function tenancyLastDay(validUntil: string): string {
  return addDays(validUntil, -1);
}

/** What the server takes for a tenancy whose last day is `lastDay`: the next day. */
export function validUntilFor(lastDay: string): string {
  return addDays(lastDay, 1);
}

/** The last days a tenancy may have now: today to a year ahead (the server's rule for `valid_until`). */
export function lastDayRange(now: Date = new Date()): { min: string; max: string } {
  const today = localDay(now);
  return { min: today, max: addDays(addMonths(today, 12), -1) };
}

/** "住到 2027年5月31日" (empty for owners and family members). */
export function tenancyText(m: { valid_until?: string | null }): string {
  return m.valid_until ? `住到 ${longDate(tenancyLastDay(m.valid_until))}` : '';
}

/** After changing a tenancy: "已把 小王 的租期改为住到 2027年5月31日". */
export function tenancySaved(m: Schemas['MembershipView']): string {
  return `已把 ${m.nickname} 的租期改为${tenancyText(m)}`;
}

/** One member in a list: "租户 · 已加入 · 住到 2027年5月31日". */
export function memberLine(m: Schemas['MembershipView']): string {
  if (m.status === 'pending') return `申请加入 · ${at(m.created_at)}`;
  return [MEMBER_ROLE[m.role], MEMBER_STATUS[m.status], tenancyText(m)].filter(Boolean).join(' · ');
}

/** My own membership in one sentence: waiting, or my role (and a tenant's last day). */
export function myMembershipText(m: Schemas['MembershipView'] | null | undefined): string {
  if (!m) return HOUSEHOLD_TEXT.none;
  if (m.status === 'pending') return HOUSEHOLD_TEXT.submitted;
  return `我的身份：${memberLine(m)}`;
}

// ---- WeChat subscription messages (the mini-program only) -----------------------------------

/** What the resident reads before the tap that asks WeChat for permission to send messages. */
export const SUBSCRIBE_TEXT = {
  booking: '点“确认预约”后，微信会问您要不要接收充电提醒。点“允许”，充电开始前会在微信里提醒您；不允许也能照常预约。',
  waitlist: '加入候补后，微信会问您要不要接收空位通知。点“允许”，有空位时会在微信里通知您；不允许也能照常候补。',
  signup: '报名后，微信会问您要不要接收活动通知。点“允许”，候补补上或活动取消时会在微信里通知您；不允许也能照常报名。',
} as const;
