// The framework-free core (mobile-client-spec/core/) the web app and the mini-program share:
// times with their day, money in fen, the Chinese text of every error code, the slot grid's
// cell labels. Plain node, no browser: `node --test tests/browser/core.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const require = createRequire(join(root, 'mobile-client-spec/package.json'));
const esbuild = require('esbuild');
const dir = mkdtempSync(join(tmpdir(), 'linli-core-test-'));
const out = join(dir, 'core.mjs');
esbuild.buildSync({ entryPoints: [join(root, 'mobile-client-spec/core/index.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error' });
const core = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true, force: true });

// 2026-12-02 12:00 in Shanghai (04:00 UTC).
const now = new Date('2026-12-02T04:00:00Z');

test('core: every time says its day, in Shanghai time whatever the phone\'s zone', () => {
  assert.equal(core.at('2026-12-02T11:00:00Z', now), '今天 19:00');
  assert.equal(core.at('2026-12-03T11:00:00Z', now), '明天 19:00');
  assert.equal(core.at('2026-12-04T01:30:00Z', now), '后天 09:30');
  assert.equal(core.at('2026-12-01T11:00:00Z', now), '昨天 19:00');
  assert.match(core.at('2026-12-09T11:00:00Z', now), /^12\/9周三 19:00$/);
  // 23:30 UTC on the 2nd is 07:30 on the 3rd in Shanghai: 明天.
  assert.equal(core.at('2026-12-02T23:30:00Z', now), '明天 07:30');
  assert.equal(core.span('2026-12-03T11:00:00Z', '2026-12-03T12:00:00Z', now), '明天 19:00–20:00');
  assert.equal(core.span('2026-12-02T15:00:00Z', '2026-12-02T17:00:00Z', now), '今天 23:00–明天 01:00');
});

test('core: countdowns, money in fen, distances', () => {
  assert.equal(core.countdown('2026-12-02T04:09:48Z', now), '9分48秒');
  assert.equal(core.countdown('2026-12-02T05:05:00Z', now), '1小时05分');
  assert.equal(core.countdown('2026-12-02T03:00:00Z', now), '0秒');
  assert.equal(core.money(150), '¥1.50');
  assert.equal(core.money(-5), '-¥0.05');
  assert.equal(core.money(100000), '¥1000.00');
  assert.equal(core.distance(350), '350米');
  assert.equal(core.distance(1234), '1.2公里');
});

test('core: every error code of the API has a Chinese text, and validation errors name the field in Chinese', () => {
  const spec = JSON.parse(readFileSync(join(root, 'openapi/openapi.json'), 'utf8'));
  const codes = spec.components.schemas.ErrorCode.enum;
  for (const code of codes) {
    assert.match(core.ERROR_TEXT[code] ?? '', /[\u4e00-\u9fff]/, code);
    assert.doesNotMatch(core.ERROR_TEXT[code], /[A-Za-z]{3,}/, code);
  }
  const e = new core.ApiError(422, 'validation_failed', 'must be 1 to 124 characters', 'openid');
  assert.equal(core.describeError(e), '请检查“账号名”：填写的内容不符合要求');
  assert.equal(core.describeError(new core.NetworkError()), '网络连接失败，请检查网络后重试');
  const proxy = new core.ApiError(502, null, 'Bad Gateway');
  assert.match(core.describeError(proxy), /^服务暂时不可用（502），请稍后再试/);
});

test('core: the slot grid labels each cell for a screen reader, and knows free runs', () => {
  const grid = new core.SlotGrid({
    starts_at: '2026-12-02T16:00:00Z', slot_minutes: 30, slots: 96,
    sockets: [{ socket_id: 3, label: '3号插座', cells: '.'.repeat(38) + '.x' + '.'.repeat(56) }],
  });
  assert.equal(grid.cellsPerDay, 48);
  assert.equal(grid.days, 2);
  const s = grid.grid.sockets[0];
  // Cell 38 is 19:00 Shanghai on the 3rd.
  assert.equal(grid.cellLabel(s, 38, 30), '3号插座 19:00–19:30 可预约');
  assert.equal(grid.cellLabel(s, 38, 60), '3号插座 19:00–20:00 时长不够');
  assert.equal(grid.cellLabel(s, 39, 60), '3号插座 19:30–20:30 已约满');
  assert.equal(grid.freeRun(s, 36, 60), true);
  assert.deepEqual(grid.summary(39), { free: 0, mine: false, full: true });
});

test('core: the texts both clients show (statuses, seats, the card, points, wishes) are Chinese and built from the answer', () => {
  for (const map of [core.BOOKING_STATUS, core.WAIT_STATUS, core.SIGNUP_STATUS, core.WISH_STATUS, core.REDEMPTION_STATUS, core.POINTS_REASON]) {
    for (const [key, text] of Object.entries(map)) assert.match(text, /^[\u4e00-\u9fff]+$/, key);
  }
  const spec = JSON.parse(readFileSync(join(root, 'openapi/openapi.json'), 'utf8')).components.schemas;
  // Every status the API can answer has its name (a new one fails here, not on a phone).
  assert.deepEqual(Object.keys(core.WISH_STATUS).sort(), [...spec.WishStatus.enum].sort());
  assert.deepEqual(Object.keys(core.WAIT_STATUS).sort(), [...spec.WaitlistStatus.enum].sort());
  assert.deepEqual(core.REPORT_KIND.map(([k]) => k).sort(), [...spec.ReportKind.enum].sort());

  const a = { status: 'open', signup_deadline: '2026-12-03T00:00:00Z', seats_left: 3, capacity: 10, waitlist_count: 0 };
  const t = now.getTime();
  assert.equal(core.seats(a, t), '剩余 3 / 10 个名额');
  assert.equal(core.seats({ ...a, seats_left: 0, waitlist_count: 2 }, t), '名额已满，候补 2 人');
  assert.equal(core.seats({ ...a, signup_deadline: '2026-12-02T01:00:00Z' }, t), '报名已截止（今天 09:00）');
  assert.equal(core.signupBadge({ status: 'waitlisted', position: 3 }), '候补第 3 位');
  assert.equal(core.signupBadge({ status: 'confirmed' }), '已报名');
  assert.equal(core.signedUp({ status: 'waitlisted', position: null }), '已进入候补，第 ? 位');

  assert.equal(core.emergencyName({ number: '120', name: 'Ambulance' }), '急救电话');
  assert.equal(core.emergencyName({ number: '119', name: '消防' }), '消防');
  assert.equal(core.emergencyName({ number: '999', name: 'Other' }), '紧急电话 999');
  const s = { open_now: true, hours_today: [{ opens_at: '08:00', closes_at: '12:00' }, { opens_at: '14:00', closes_at: '18:00' }], distance_m: 350 };
  assert.equal(core.serviceNote(s), '✓ 正在营业 · 今天 08:00–12:00、14:00–18:00 · 距离 350米');
  assert.equal(core.serviceNote({ ...s, open_now: false, hours_today: [], distance_m: null }), '✕ 现在休息 · 今天休息');

  assert.deepEqual(core.DURATIONS.map(core.durationLabel), ['30分钟', '1小时', '2小时', '3小时', '4小时']);
  const item = { name: '毛巾', price_points: 30, stock: 2 };
  assert.equal(core.cannotRedeem(item, 100), '');
  assert.equal(core.cannotRedeem(item, 10), '还差 20 积分，参加志愿活动可以获得积分');
  assert.equal(core.cannotRedeem({ ...item, stock: 0 }, 100), '已兑完');
  assert.equal(core.ledgerMore(20, 20), '');
  assert.equal(core.ledgerMore(20, 35), '仅显示最近 20 条，共 35 条');
  assert.equal(core.serviceHours(75), '累计服务 1.3 小时');
  const wish = { poster: { nickname: '李大爷' }, claimer: null, created_at: '2026-12-02T01:30:00Z', points: 5 };
  assert.equal(core.wishClaimer(wish), '');
  assert.equal(core.wishClaimer({ ...wish, claimer: { nickname: '小王' } }), '认领人 小王');
});

test('core: neither client keeps its own copy of a text core has (web/src, miniprogram/src)', async () => {
  const { readdirSync } = await import('node:fs');
  // Every string core/texts.ts exports (maps, lists, constants), at least two characters long.
  const texts = new Set();
  const collect = (v) => {
    if (typeof v === 'string') { if (v.length > 1 && /[\u4e00-\u9fff]/.test(v)) texts.add(v); } else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  const source = readFileSync(join(root, 'mobile-client-spec/core/texts.ts'), 'utf8');
  for (const [, name] of source.matchAll(/^export const (\w+)/gm)) collect(core[name]);
  assert.ok(texts.size > 40, `${texts.size} texts`);
  const files = (dir) => readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((f) => f.isFile() && f.name.endsWith('.ts')).map((f) => join(f.parentPath ?? f.path, f.name));
  // Not a text: wx.request's `dataType` value that turns off its JSON parsing.
  const notText = (file, lit) => file.endsWith('lib/wx-fetch.ts') && lit === '其他';
  const copies = [];
  for (const file of [...files(join(root, 'mobile-client-spec/web/src')), ...files(join(root, 'mobile-client-spec/miniprogram/src'))]) {
    for (const [, quoted, template] of readFileSync(file, 'utf8').matchAll(/'([^'\n]*)'|`([^`$\n]*)`/g)) {
      const lit = quoted ?? template;
      if (texts.has(lit) && !notText(file, lit)) copies.push(`${file.slice(root.length + 1)}: '${lit}'`);
    }
  }
  assert.deepEqual(copies, []);
});

test('core: a tenancy\'s last day is the day before valid_until; owners pick it from today to a year ahead', () => {
  assert.equal(core.tenancyLastDay('2027-06-01'), '2027-05-31');
  assert.equal(core.tenancyLastDay('2027-03-01'), '2027-02-28');
  assert.equal(core.validUntilFor('2027-05-31'), '2027-06-01');
  assert.equal(core.validUntilFor('2028-02-28'), '2028-02-29');
  // 2026-12-02 in Shanghai: the last day may be today, up to the day before 2027-12-02 (the
  // server takes valid_until after today and at most twelve months ahead).
  assert.deepEqual(core.lastDayRange(now), { min: '2026-12-02', max: '2027-12-01' });
  // 23:30 UTC on the 2nd is already the 3rd in Shanghai.
  assert.equal(core.lastDayRange(new Date('2026-12-02T23:30:00Z')).min, '2026-12-03');
  assert.equal(core.addMonths('2027-01-31', 1), '2027-02-28');
  assert.equal(core.longDate('2027-05-31'), '2027年5月31日');
  const m = { nickname: '小赵', role: 'tenant', status: 'active', valid_until: '2027-06-01', created_at: '2026-12-01T01:00:00Z' };
  assert.equal(core.memberLine(m), '租户 · 已加入 · 住到 2027年5月31日');
  assert.equal(core.memberLine({ ...m, role: 'member', valid_until: null }), '家庭成员 · 已加入');
  assert.equal(core.myMembershipText({ ...m, status: 'pending' }), '申请已提交，等待户主或社区审核');
  assert.equal(core.myMembershipText(m), '我的身份：租户 · 已加入 · 住到 2027年5月31日');
  assert.match(core.myMembershipText(null), /还没有加入任何一户/);
  // The server's field error in Chinese, with what the field needs.
  const e = new core.ApiError(422, 'validation_failed', 'must be after 2026-12-02 and no later than 2027-12-02', 'valid_until');
  assert.equal(core.describeError(e), '请检查“租户住到哪一天”：最早今天，最晚一年以内');
});

test('core: the subscription prompt asks for the moment\'s configured templates with at most one grant, and sends back what WeChat said', () => {
  const list = [
    { template_id: 'a', kinds: ['booking.reminder', 'booking.cancelled'], remaining: 0 },
    { template_id: 'b', kinds: ['booking.cancelled'], remaining: 2 },
    { template_id: 'c', kinds: ['waitlist.offer'], remaining: 1 },
    { template_id: 'd', kinds: ['signup.promoted'], remaining: 0 },
    { template_id: 'e', kinds: ['activity.cancelled'], remaining: 0 },
  ];
  assert.deepEqual(core.templatesToAsk(list, 'booking'), ['a']);
  assert.deepEqual(core.templatesToAsk(list, 'waitlist'), ['c']);
  assert.deepEqual(core.templatesToAsk(list, 'signup'), ['d', 'e']);
  assert.deepEqual(core.templatesToAsk([], 'booking'), []);
  const many = ['p', 'q', 'r', 's'].map((id) => ({ template_id: id, kinds: ['booking.reminder'], remaining: 0 }));
  assert.deepEqual(core.templatesToAsk(many, 'booking'), ['p', 'q', 'r'], 'WeChat takes three ids at most');
  assert.deepEqual(core.subscribeResults({ errMsg: 'requestSubscribeMessage:ok', a: 'accept', c: 'reject', x: 'accept' }, ['a', 'c']), { results: { a: 'accept', c: 'reject' } });
  assert.equal(core.subscribeResults({ errMsg: 'requestSubscribeMessage:ok', a: 'weird' }, ['a']), null);
  for (const t of Object.values(core.SUBSCRIBE_TEXT)) assert.match(t, /微信会问您/);
});

test('core: a charging session reads the same on both clients: 度, durations, the state, the result', () => {
  assert.equal(core.energyText(1234), '1.23 度');
  assert.equal(core.energyText(0), '0.00 度');
  assert.equal(core.powerText(312.4), '312 瓦');
  assert.equal(core.powerText(null), '—');
  assert.equal(core.elapsedText(45), '45秒');
  assert.equal(core.elapsedText(725), '12分05秒');
  assert.equal(core.elapsedText(3900), '1小时05分');
  const base = {
    id: 7, booking_id: 1, socket_id: 1, requested_at: '2026-12-02T03:00:00Z', started_at: '2026-12-02T03:00:05Z', ended_at: null,
    power_w: 300, energy_wh: 150, duration_s: 600, peak_power_w: 320, stop_reason: null, stop_reason_code: null, failure: null, stop_requested_at: null,
  };
  const live = core.sessionModel({ ...base, state: 'charging', message: '充电中' }, now);
  assert.equal(live.open, true);
  assert.equal(live.status, '充电中');
  assert.deepEqual(live.facts.map((f) => [f.label, f.value]), [['实时功率', '300 瓦'], ['已充电量', '0.15 度'], ['已充时长', '10分00秒']]);
  assert.equal(live.when, '今天 11:00');
  const done = core.sessionModel({ ...base, state: 'settled', power_w: null, stop_reason: 'unplugged', message: '充电器已拔出，充电结束' }, now);
  assert.equal(done.open, false);
  assert.equal(done.status, '充电已结束：充电器已拔出，充电结束');
  assert.deepEqual(done.facts.map((f) => f.key), ['energy', 'duration', 'peak']);
  const failed = core.sessionModel({ ...base, state: 'start_failed', failure: 'no_charger', message: '启动失败：未插充电器' }, now);
  assert.equal(failed.status, '启动失败：未插充电器');
  assert.deepEqual(failed.facts, []);
  // The open session is the one shown live, even behind a newer ended one.
  assert.equal(core.currentSession([{ id: 2, state: 'settled' }, { id: 1, state: 'charging' }]).id, 1);
  assert.equal(core.currentSession([{ id: 2, state: 'settled' }]).id, 2);
  assert.equal(core.currentSession([]), undefined);
});
