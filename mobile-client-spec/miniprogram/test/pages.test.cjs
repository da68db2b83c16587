// Page tests of the mini-program (miniprogram-simulate): each page renders the API's answers,
// takes the resident's taps, and shows core's Chinese error texts; wx.* are recording fakes.
// Run: npm run test:mp (builds the package first).
const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness.cjs');

const err = (code, message = 'server text') => ({ code, field: null, message });
const household = {
  id: 7, card_number: 'A0001',
  address: { text: '幸福里小区 3栋', community: { id: 1, name: '幸福社区' }, grid: { id: 1, name: '一网格' }, compound: { id: 5, name: '幸福里小区' }, building: { id: 9, name: '3栋' } },
};
const meBound = [200, { id: 1, nickname: '张阿姨', role: 'resident', household }];
const meUnbound = [200, { id: 1, nickname: '张阿姨', role: 'resident', household: null }];
const tomorrow = (hh, mm = 0) => {
  // Tomorrow in China (UTC+8): its date fields are the UTC fields of now + 8 h + one day.
  const d = new Date(Date.now() + 86_400_000 + 8 * 3_600_000);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hh - 8, mm)).toISOString();
};

test('mp_page_login: silent wx.login sends the code to /auth/wechat, keeps the tokens, goes to bind', async () => {
  h.reset({
    'POST /api/v1/auth/wechat': (req) => [200, { access_token: 'at1', refresh_token: 'rt1', token_type: 'Bearer', expires_in: 900, refresh_expires_at: tomorrow(12), user: { id: 1, nickname: 'n', role: 'resident', household_id: null }, code: req.body.code }],
    'GET /api/v1/me': meUnbound,
  });
  h.loginCodeWill('code-from-wx');
  await h.open('login');
  assert.equal(h.seen.logins, 1);
  const login = h.seen.requests.find((r) => r.path === '/api/v1/auth/wechat');
  assert.deepEqual(login.body, { code: 'code-from-wx' });
  const me = h.seen.requests.find((r) => r.path === '/api/v1/me');
  assert.equal(me.header.authorization, 'Bearer at1');
  assert.deepEqual(h.seen.navigations, ['redirectTo /pages/bind/index']);
});

test('mp_page_login: a refused code shows the Chinese text and the dev login of a dev build', async () => {
  h.reset({ 'POST /api/v1/auth/wechat': [401, err('wechat_code_invalid', 'invalid code')] });
  const page = await h.open('login');
  assert.equal(h.text(page, '#login-error'), '微信登录失败，请重新打开小程序再试');
  assert.ok(page.querySelector('#dev-login'), 'the test build offers the development login');
  assert.deepEqual(h.seen.navigations, []);
});

test('mp_page_login: the development login signs in with the typed name', async () => {
  h.reset({
    'POST /api/v1/auth/dev': (req) => [200, { access_token: 'dev-at', refresh_token: 'dev-rt', token_type: 'Bearer', expires_in: 900, refresh_expires_at: tomorrow(12), user: { id: 2, nickname: req.body.openid, role: 'resident', household_id: 7 } }],
    'GET /api/v1/me': meBound,
  });
  const page = await h.open('login', { ended: '1' });
  assert.equal(h.text(page, '.info'), '登录已失效，请重新登录');
  page.querySelector('#openid').dispatchEvent('input', { detail: { value: 'lao-zhang' } });
  await h.tap(page, '#dev-login-button');
  assert.deepEqual(h.seen.requests.find((r) => r.path === '/api/v1/auth/dev').body, { openid: 'lao-zhang', role: 'resident' });
  assert.deepEqual(h.seen.navigations, ['switchTab /pages/charging/index']);
});

test('mp_page_bind: a scanned card binds with its number and check code', async () => {
  h.reset({ 'POST /api/v1/me/household': meBound });
  h.signedIn();
  h.scanWill('https://linli.example/app/#/lookup/A0001/K7QX');
  const page = await h.open('bind');
  await h.tap(page, '#scan');
  const bind = h.seen.requests.find((r) => r.path === '/api/v1/me/household');
  assert.deepEqual(bind.body, { card_number: 'A0001', check_code: 'K7QX' });
  assert.ok(bind.header['idempotency-key'], 'binding carries an idempotency key');
  assert.deepEqual(h.seen.navigations, ['switchTab /pages/charging/index']);
});

test('mp_page_bind: opened from a card page it is filled in, binds on the tap; a wrong code shows the card text', async () => {
  h.reset({ 'POST /api/v1/me/household': [404, err('card_not_found')] });
  h.signedIn();
  const page = await h.open('bind', { card: 'A0002', check_code: 'WRONG' });
  assert.equal(h.seen.requests.length, 0, 'never bound without the tap');
  await h.tap(page, '#bind');
  assert.deepEqual(h.seen.requests.find((r) => r.path === '/api/v1/me/household').body, { card_number: 'A0002', check_code: 'WRONG' });
  assert.equal(h.text(page, '#bind-error'), '卡号或校验码不正确，请核对卡片');
});

test('mp_page_bind: a closed scanner and a foreign QR say what to do', async () => {
  h.reset({});
  h.signedIn();
  const page = await h.open('bind');
  await h.tap(page, '#scan');
  assert.equal(h.text(page, '#bind-error'), '已取消扫码，也可以直接输入');
  h.scanWill('hello');
  await h.tap(page, '#scan');
  assert.match(h.text(page, '#bind-error'), /不是便民服务卡的二维码/);
  assert.equal(h.seen.requests.length, 0);
});

/** A grid of two sockets from tomorrow 00:00 (Shanghai), 60-minute cells, two days. */
function chargingRoutes(extra = {}) {
  // Today 00:00 in Shanghai: cell 43 is tomorrow 19:00, taken on socket B only.
  const starts = new Date(Date.parse(tomorrow(0)) - 86_400_000).toISOString();
  const cells1 = '.'.repeat(48);
  const cells2 = '.'.repeat(43) + 'x' + '.'.repeat(4);
  return {
    'GET /api/v1/me': meBound,
    'GET /api/v1/compounds/5/charging': [200, { compound_id: 5, compound_name: '幸福里小区', settings: { max_booking_minutes: 240, grace_minutes: 15 }, piles: [{ id: 1 }] }],
    'GET /api/v1/compounds/5/availability': [200, { compound_id: 5, starts_at: starts, slot_minutes: 60, slots: 48, legend: {}, sockets: [
      { socket_id: 11, label: '1号桩A口', state: 'active', cells: cells1 },
      { socket_id: 12, label: '1号桩B口', state: 'active', cells: cells2 },
    ] }],
    'GET /api/v1/me/notifications': [200, { items: [], page: 1, per_page: 1, total: 0 }],
    ...extra,
  };
}

test('mp_page_charging: renders the grid from the answer and books with a confirmation in view', async () => {
  const booking = { id: 99, socket_id: 11, socket_label: '1号桩A口', compound_id: 5, compound_name: '幸福里小区', starts_at: tomorrow(19), ends_at: tomorrow(20), status: 'confirmed', check_in_opens_at: tomorrow(18, 45), check_in_closes_at: tomorrow(19, 15) };
  h.reset(chargingRoutes({ 'POST /api/v1/bookings': [201, booking] }));
  h.signedIn();
  const page = await h.open('charging');
  assert.equal(h.text(page, '#lead'), '幸福里小区 · 2 个充电口');
  assert.match(h.text(page, '#check-in-rule'), /15 分钟内/);
  const days = h.texts(page, '.chip');
  assert.ok(days[0].startsWith('今天') && days[1].startsWith('明天'), days.join('|'));
  // Tomorrow, 19:00: socket A free, socket B taken.
  await h.tap(page, '#day-1');
  await h.tap(page, '#slot-43');
  const cells = h.texts(page, '.cell');
  assert.deepEqual(cells.map((c) => c.replace(/\s+/g, '')), ['1号桩A口○可预约', '1号桩B口✕已约满']);
  await h.tap(page, '#cell-11');
  assert.match(h.text(page, '#confirm'), /明天 19:00–20:00/);
  await h.tap(page, '#confirm-booking');
  const post = h.seen.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/bookings');
  assert.equal(post.body.socket_id, 11);
  assert.equal(post.body.starts_at, tomorrow(19));
  assert.ok(post.header['idempotency-key']);
  assert.match(h.text(page, '#booked'), /预约成功/);
  assert.equal(h.text(page, '#check-in-window'), '请在 明天 18:45–19:15 到充电口扫码签到，逾时未签到预约将被释放。');
  h.snapshot(page, 'mp-booked');
});

test('mp_page_charging: a slot taken meanwhile offers the waitlist, which tells the position', async () => {
  h.reset(chargingRoutes({
    'POST /api/v1/bookings': [409, err('booking_conflict', 'slot taken')],
    'POST /api/v1/compounds/5/waitlist': [201, { id: 3, compound_id: 5, socket_id: 11, starts_at: tomorrow(19), ends_at: tomorrow(20), status: 'waiting', position: 2 }],
  }));
  h.signedIn();
  const page = await h.open('charging');
  await h.tap(page, '#day-1');
  await h.tap(page, '#slot-43');
  await h.tap(page, '#cell-11');
  await h.tap(page, '#confirm-booking');
  assert.equal(h.text(page, '#confirm-error'), '这个时段刚刚被别人预约了，请换一个时段，或加入候补');
  assert.equal(page.querySelector('#confirm-booking'), undefined, 'the same key would only replay the conflict');
  h.snapshot(page, 'mp-slot-taken');
  await h.tap(page, '#join-waitlist');
  const w = h.seen.requests.find((r) => r.path === '/api/v1/compounds/5/waitlist');
  assert.deepEqual(w.body, { socket_id: 11, starts_at: tomorrow(19), ends_at: tomorrow(20) });
  assert.match(h.text(page, '#waitlisted'), /排第 2 位/);
});

test('mp_page_charging: a taken cell goes straight to the waitlist; unbound residents are sent to bind', async () => {
  h.reset(chargingRoutes({ 'POST /api/v1/compounds/5/waitlist': [409, err('already_waitlisted')] }));
  h.signedIn();
  const page = await h.open('charging');
  await h.tap(page, '#day-1');
  await h.tap(page, '#slot-43');
  await h.tap(page, '#cell-12');
  assert.match(h.text(page, '#cell-note'), /已约满。可以加入候补/);
  await h.tap(page, '#join-waitlist');
  assert.equal(h.text(page, '#confirm-error'), '您已经在这个时段的候补名单里，请到“我的预约”查看');

  h.reset({ 'GET /api/v1/me': meUnbound });
  h.signedIn();
  const unbound = await h.open('charging');
  assert.match(h.text(unbound, '#need-bind'), /请先绑定/);
  await h.tap(unbound, '#go-bind');
  assert.deepEqual(h.seen.navigations, ['navigateTo /pages/bind/index']);
});

const confirmed = { id: 41, socket_id: 11, socket_label: '1号桩A口', compound_id: 5, compound_name: '幸福里小区', starts_at: tomorrow(19), ends_at: tomorrow(20), status: 'confirmed', check_in_opens_at: tomorrow(18, 45), check_in_closes_at: tomorrow(19, 15) };
function bookingRoutes(extra = {}) {
  return {
    'GET /api/v1/me': meBound,
    'GET /api/v1/me/bookings': [200, { items: [confirmed], page: 1, per_page: 20, total: 1 }],
    'GET /api/v1/me/waitlist': [200, [{ id: 8, compound_id: 5, socket_id: 12, starts_at: tomorrow(21), ends_at: tomorrow(22), status: 'offered', position: null, offer_expires_at: new Date(Date.now() + 600_000).toISOString() }]],
    ...extra,
  };
}

test('mp_page_bookings: check in by scanning the pile QR; too early says the day and time', async () => {
  h.reset(bookingRoutes({ 'POST /api/v1/bookings/41/check-in': [409, { code: 'check_in_too_early', field: null, message: 'early', details: { opens_at: tomorrow(18, 45) } }] }));
  h.signedIn();
  const page = await h.open('bookings');
  assert.match(h.text(page, '.booking'), /已预约/);
  h.scanWill('https://linli.example/s?code=P1-A');
  await h.tap(page, '.scan-check-in');
  assert.deepEqual(h.seen.requests.find((r) => r.path === '/api/v1/bookings/41/check-in').body, { socket_code: 'P1-A' });
  assert.equal(h.text(page, '#bookings-error'), '还没到签到时间，明天 18:45 起可签到');
});

test('mp_page_bookings: cancel asks first; an offer shows its deadline and is accepted with a key', async () => {
  h.reset(bookingRoutes({
    'POST /api/v1/bookings/41/cancel': [200, { ...confirmed, status: 'cancelled' }],
    'POST /api/v1/waitlist/8/accept': [200, { ...confirmed, id: 42, socket_label: '1号桩B口', starts_at: tomorrow(21), ends_at: tomorrow(22) }],
  }));
  h.signedIn();
  const page = await h.open('bookings');
  h.snapshot(page, 'mp-bookings');
  assert.match(h.text(page, '.offer'), /^请在 (今天|明天) \d\d:\d\d 前确认（还剩 (9分5\d秒|10分00秒)）$/);
  await h.tap(page, '.cancel');
  assert.deepEqual(h.seen.modals, ['确定取消这个预约吗？']);
  assert.ok(h.seen.requests.some((r) => r.path === '/api/v1/bookings/41/cancel'));
  await h.tap(page, '.accept');
  const accept = h.seen.requests.find((r) => r.path === '/api/v1/waitlist/8/accept');
  assert.ok(accept.header['idempotency-key']);
  assert.equal(h.text(page, '#bookings-message'), '已接受空位：1号桩B口，明天 21:00–22:00');
});

test('mp_page_bookings: opened from a pile sticker it checks in the waiting booking', async () => {
  h.reset(bookingRoutes({ 'POST /api/v1/bookings/41/check-in': [200, { ...confirmed, status: 'checked_in' }] }));
  h.signedIn();
  const page = await h.open('bookings', { socket: 'P1-A' });
  assert.deepEqual(h.seen.requests.find((r) => r.path === '/api/v1/bookings/41/check-in').body, { socket_code: 'P1-A' });
  assert.equal(h.text(page, '#bookings-message'), '签到成功：1号桩A口');
});

const activity = { id: 3, team_id: 1, team_name: '红马甲服务队', community_id: 1, community_name: '幸福社区', title: '敬老院陪伴', category: 'elderly', category_label: '助老', place: '敬老院', starts_at: tomorrow(9), ends_at: tomorrow(11), signup_deadline: tomorrow(8), capacity: 10, seats_taken: 10, seats_left: 0, waitlist_count: 2, required_skills: [], points_per_hour: 10, status: 'open' };

test('mp_page_activities: the list renders seats; a tap opens the activity', async () => {
  h.reset({
    'GET /api/v1/activities': [200, { items: [activity], page: 1, per_page: 50, total: 1 }],
    'GET /api/v1/me/signups': [200, { items: [], page: 1, per_page: 20, total: 0 }],
    'GET /api/v1/me/notifications': [200, { items: [], page: 1, per_page: 1, total: 0 }],
  });
  h.signedIn();
  const page = await h.open('activities');
  assert.equal(h.text(page, '.seats'), '名额已满，候补 2 人');
  await h.tap(page, '.activity');
  assert.deepEqual(h.seen.navigations, ['navigateTo /pages/activity/index?id=3']);
});

test('mp_page_activity: signing up to a full activity puts me on its waitlist with my position', async () => {
  let signed = false;
  h.reset({
    'GET /api/v1/activities/3': () => [200, { ...activity, description: '陪老人聊天', can_manage: false, my_signup: signed ? { id: 5, activity_id: 3, status: 'waitlisted', position: 3, created_at: tomorrow(1), no_show: false } : null }],
    'POST /api/v1/activities/3/signups': () => {
      signed = true;
      return [201, { id: 5, activity_id: 3, status: 'waitlisted', position: 3, created_at: tomorrow(1), no_show: false }];
    },
  });
  h.signedIn();
  const page = await h.open('activity', { id: '3' });
  assert.equal(h.text(page, '#signup'), '报名候补');
  await h.tap(page, '#signup');
  assert.equal(h.text(page, '#activity-message'), '已进入候补，第 3 位');
  assert.match(h.text(page, '#signup-state'), /候补第 3 位/);
  assert.ok(h.seen.requests.find((r) => r.method === 'POST').header['idempotency-key']);
});

test('mp_page_activity: check-in by scanning the on-site code; a wrong code shows its text', async () => {
  h.reset({
    'GET /api/v1/activities/3': [200, { ...activity, seats_left: 3, description: '', can_manage: false, my_signup: { id: 5, activity_id: 3, status: 'confirmed', position: null, created_at: tomorrow(1), no_show: false } }],
    'POST /api/v1/activities/3/check-in': [422, err('checkin_code_wrong')],
  });
  h.signedIn();
  const page = await h.open('activity', { id: '3' });
  h.scanWill('https://linli.example/checkin?code=7788');
  await h.tap(page, '#scan-check-in');
  assert.deepEqual(h.seen.requests.find((r) => r.path === '/api/v1/activities/3/check-in').body, { code: '7788' });
  assert.equal(h.text(page, '#activity-error'), '签到码不对，请核对现场的签到码');
});

test('mp_page_points: balance, items, redeem gives a pickup code; too few points says how many', async () => {
  h.reset({
    'GET /api/v1/me/points': [200, { balance: 120, service_minutes: 90 }],
    'GET /api/v1/points-shop/items': [200, { items: [
      { id: 1, name: '洗衣液', description: '一瓶', price_points: 100, stock: 3, active: true },
      { id: 2, name: '电饭煲', description: '', price_points: 500, stock: 1, active: true },
    ], page: 1, per_page: 50, total: 2 }],
    'GET /api/v1/me/redemptions': [200, { items: [], page: 1, per_page: 50, total: 0 }],
    'GET /api/v1/me/points/ledger': [200, { items: [{ id: 1, amount: 20, reason: 'activity_hours', note: null, created_at: tomorrow(1) }], page: 1, per_page: 20, total: 1 }],
    'POST /api/v1/points-shop/items/1/redeem': [201, { id: 9, item_id: 1, item_name: '洗衣液', quantity: 1, points: 100, pickup_code: 'PK8842', status: 'pending', created_at: tomorrow(1) }],
  });
  h.signedIn();
  const page = await h.open('points');
  assert.equal(h.text(page, '#balance'), '120');
  assert.deepEqual(h.texts(page, '.item').map((t) => /还差 (\d+) 积分/.exec(t)?.[1] ?? 'ok'), ['ok', '380']);
  await h.tap(page, '.redeem');
  assert.deepEqual(h.seen.requests.find((r) => r.method === 'POST').body, { quantity: 1 });
  assert.match(h.text(page, '#redeemed'), /PK8842/);
  assert.deepEqual(h.texts(page, '.entry').map((t) => t.replace(/\s+/g, '')), [`志愿服务${h.lib().date(tomorrow(1))}+20`]);
});

test('mp_page_wishes: post asks for a title first, then posts; claim shows the error text', async () => {
  const wish = { id: 4, title: '修收音机', description: '', community_id: 1, points: 5, status: 'open', poster: { user_id: 9, nickname: '李大爷' }, created_at: tomorrow(1), auto_confirmed: false };
  h.reset({
    'GET /api/v1/wishes': [200, { items: [wish], page: 1, per_page: 50, total: 1 }],
    'GET /api/v1/me/wishes': [200, { items: [], page: 1, per_page: 50, total: 0 }],
    'POST /api/v1/wishes': [201, { ...wish, id: 5 }],
    'POST /api/v1/wishes/4/claim': [403, err('volunteer_required')],
  });
  h.signedIn();
  const page = await h.open('wishes');
  await h.tap(page, '#post-wish');
  assert.match(h.text(page, '#wish-error'), /请写下需要什么帮助/);
  page.querySelector('#wish-title').dispatchEvent('input', { detail: { value: '买菜' } });
  await h.tap(page, '#post-wish');
  assert.deepEqual(h.seen.requests.find((r) => r.method === 'POST').body, { title: '买菜', description: '' });
  await h.tap(page, '.claim');
  assert.equal(h.text(page, '#wish-error'), '只有注册志愿者才能认领心愿，请先加入一个志愿服务队');
});

test('mp_page_card: roles in order with vacancies, emergency numbers in Chinese, a tap dials', async () => {
  h.reset({
    'GET /api/v1/me': meBound,
    'GET /api/v1/me/card': [200, {
      address: household.address,
      role_contacts: [
        { role: 'grid_head', title: '网格长', contact_id: 1, name: '王芳', phone: '138-0000-0001' },
        { role: 'building_head', title: '楼栋长', contact_id: null, name: null, phone: null },
      ],
      service_centre: null, nearby: [], emergency_numbers: [{ name: 'Police', number: '110' }],
    }],
    'POST /api/v1/directory-reports': [409, err('report_already_open')],
  });
  h.signedIn();
  const page = await h.open('card');
  h.snapshot(page, 'mp-card');
  const roles = h.texts(page, '.role').map((t) => t.replace(/\s+/g, ''));
  assert.deepEqual(roles, ['网格长王芳📞138-0000-0001', '楼栋长暂缺']);
  assert.match(h.text(page, '.emergency'), /报警电话/);
  await h.tap(page, '#role-grid_head');
  await h.tap(page, '.emergency');
  assert.deepEqual(h.seen.calls, ['13800000001', '110']);
  // 报错 on a role's number: what is wrong from WeChat's action sheet, sent as a directory report.
  assert.equal(page.querySelector('#report-building_head'), undefined, 'a vacant role has nothing to report');
  h.sheetWill(0);
  await h.tap(page, '#report-grid_head');
  assert.deepEqual(h.seen.sheets, [['电话打不通/不对', '已关门/不在了', '营业时间不对', '其他']]);
  assert.deepEqual(h.seen.requests.find((r) => r.path === '/api/v1/directory-reports').body, { role_contact_id: 1, kind: 'wrong_phone' });
  assert.equal(h.text(page, '#card-error'), '这条信息已经有人反馈过了，社区正在核实，谢谢您');
});

test('mp_page_notifications: the unread count is the tab badge, and goes when all are read', async () => {
  let unread = 2;
  h.reset({
    'GET /api/v1/me/notifications': (req) => {
      const items = [{ id: 1, kind: 'waitlist.offer', title: '候补有空位', body: '请尽快确认', data: {}, created_at: tomorrow(1), read_at: unread ? null : tomorrow(2) }];
      return [200, { items: req.query.unread === 'true' && !unread ? [] : items, page: 1, per_page: 30, total: req.query.unread === 'true' ? unread : 1 }];
    },
    'POST /api/v1/me/notifications/read-all': () => {
      unread = 0;
      return [204];
    },
  });
  h.signedIn();
  const page = await h.open('notifications');
  assert.equal(h.text(page, '#unread'), '2 条未读');
  assert.deepEqual(h.seen.badges, [{ index: 2, text: '2' }]);
  const tabs = require('../src/app.json').tabBar.list.map((t) => t.pagePath);
  assert.equal(tabs[h.lib().NOTIFICATIONS_TAB], 'pages/notifications/index', 'the badge goes on the notifications tab');
  await h.tap(page, '#read-all');
  assert.deepEqual(h.seen.badges.at(-1), { index: 2, text: null });
  assert.equal(h.text(page, '#unread'), '没有未读通知');
  // A read offer still leads to 我的预约, where it is accepted.
  await h.tap(page, '.notification');
  assert.deepEqual(h.seen.navigations, ['navigateTo /pages/bookings/index']);
});

test('mp_page_entry: scanned card and pile paths land on their pages', async () => {
  h.reset({});
  await h.open('entry', { q: encodeURIComponent('https://linli.example/app/#/lookup/A0009/ZZ12') });
  await h.open('entry', { socket: 'P2-B' });
  await h.open('entry', { q: encodeURIComponent('https://linli.example/app/#/socket/12?code=K7M2Q9PX') });
  await h.open('entry', { card: 'A0003', check_code: 'C0DE' });
  await h.open('entry', { activity: '12', checkin: 'C0DE9' });
  await h.open('entry', { q: encodeURIComponent('https://linli.example/api/v1/cards/JC00001?check_code=7QX4M2') });
  await h.open('entry', {});
  assert.deepEqual(h.seen.navigations, [
    'redirectTo /pages/card/index?card=A0009&check_code=ZZ12',
    'redirectTo /pages/bookings/index?socket=P2-B',
    'redirectTo /pages/bookings/index?socket=K7M2Q9PX',
    'redirectTo /pages/card/index?card=A0003&check_code=C0DE',
    'redirectTo /pages/activity/index?id=12&checkin=C0DE9',
    'redirectTo /pages/card/index?card=JC00001&check_code=7QX4M2',
    'switchTab /pages/charging/index',
  ]);
});

test('mp_page_privacy: WeChat asking for the privacy agreement shows the panel; agreeing answers with the button', async () => {
  h.reset({});
  h.signedIn();
  const page = await h.open('bind');
  const panel = page.querySelector('#privacy-panel');
  assert.equal(panel.dom.textContent.trim(), '', 'no panel until WeChat asks');
  const answers = [];
  h.lib().privacyNeeded((r) => answers.push(r));
  await h.settle();
  assert.ok(panel.dom.textContent.includes('隐私保护指引'));
  // What WeChat fires when the open-type="agreePrivacyAuthorization" button is tapped.
  panel.querySelector('#agree-privacy').dispatchEvent('agreeprivacyauthorization');
  await h.settle();
  assert.equal(panel.dom.textContent.trim(), '');
  assert.deepEqual(answers, [{ event: 'exposureAuthorization' }, { event: 'agree', buttonId: 'agree-privacy' }]);
});

test('mp_page_expired: a refused token ends the session and opens the login page', async () => {
  h.reset({ 'GET /api/v1/me': [401, err('invalid_token')] });
  h.signedIn();
  const page = await h.open('card');
  assert.equal(h.text(page, '#card-error'), '登录已失效，请重新登录');
  assert.deepEqual(h.seen.navigations, ['reLaunch /pages/login/index?ended=1']);
});

test('mp_page_wish: the claimer marks it done; the poster confirms or disputes with a reason', async () => {
  let state = { status: 'claimed', claimer: { user_id: 1, nickname: '张阿姨' } };
  const wish = () => ({ id: 4, title: '修收音机', description: '没声音了', community_id: 1, points: 5, poster: { user_id: 9, nickname: '李大爷' }, created_at: tomorrow(1), auto_confirmed: false, ...state });
  h.reset({
    'GET /api/v1/me': meBound,
    'GET /api/v1/wishes/4': () => [200, wish()],
    'POST /api/v1/wishes/4/fulfil': () => {
      state = { ...state, status: 'fulfilled', auto_confirm_at: tomorrow(20) };
      return [200, wish()];
    },
  });
  h.signedIn();
  const page = await h.open('wish', { id: '4' });
  assert.equal(h.text(page, '#wish-status'), '已认领');
  assert.equal(page.querySelector('#claim'), undefined);
  await h.tap(page, '#fulfil');
  assert.equal(h.text(page, '#wish-message'), '已标记完成，等发布人确认');
  assert.equal(h.text(page, '#wish-status'), '已完成待确认');

  // The poster's view of the fulfilled wish: confirm, or dispute with a reason.
  state = { status: 'fulfilled', claimer: { user_id: 3, nickname: '小王' }, auto_confirm_at: tomorrow(20), poster: { user_id: 1, nickname: '张阿姨' } };
  h.reset({ 'GET /api/v1/me': meBound, 'GET /api/v1/wishes/4': () => [200, wish()], 'POST /api/v1/wishes/4/dispute': [409, err('wish_not_fulfilled')] });
  h.signedIn();
  const poster = await h.open('wish', { id: '4' });
  assert.ok(poster.querySelector('#confirm-wish'));
  await h.tap(poster, '#dispute');
  assert.equal(h.text(poster, '#wish-error'), '请写下哪里不对，社区工作人员会来处理');
  poster.querySelector('#dispute-reason').dispatchEvent('input', { detail: { value: '还是没声音' } });
  await h.tap(poster, '#dispute');
  assert.deepEqual(h.seen.requests.find((r) => r.method === 'POST').body, { reason: '还是没声音' });
  assert.equal(h.text(poster, '#wish-error'), '对方还没有标记完成，请稍后再确认');
});

test('mp_page_mine: leaving the household asks first, then offers binding; log out tells the server', async () => {
  let bound = true;
  h.reset({
    'GET /api/v1/me': () => (bound ? meBound : meUnbound),
    'GET /api/v1/me/notifications': [200, { items: [], page: 1, per_page: 1, total: 0 }],
    'DELETE /api/v1/me/household': () => {
      bound = false;
      return [204];
    },
    'POST /api/v1/auth/logout': [204],
  });
  h.signedIn();
  const page = await h.open('mine');
  assert.equal(h.text(page, '#household'), '幸福里小区 3栋');
  await h.tap(page, '#leave');
  assert.match(h.seen.modals[0], /退出后，您将不能再为“幸福里小区 3栋”预约充电/);
  assert.equal(h.text(page, '#household'), '还没有绑定便民服务卡');
  assert.equal(page.querySelector('#leave'), undefined);
  await h.tap(page, '#logout');
  assert.deepEqual(h.seen.requests.find((r) => r.path === '/api/v1/auth/logout').body, { refresh_token: 'rt' });
  assert.equal(h.lib().tokens.get(), null);
  assert.deepEqual(h.seen.navigations.at(-1), 'reLaunch /pages/login/index?ended=1');
});

test('mp_page_volunteer: add a skill, apply to a team; a skill-bound activity leads here', async () => {
  let skills = ['理发'];
  let applied = false;
  h.reset({
    'GET /api/v1/me/volunteer-profile': () => [200, { skills }],
    'PUT /api/v1/me/volunteer-profile': (req) => {
      skills = req.body.skills;
      return [200, { skills }];
    },
    'GET /api/v1/teams': () => [200, { items: [{ id: 1, name: '红马甲服务队', description: '助老', member_count: 12, leaders: [{ user_id: 5, nickname: '王队长' }], my_role: applied ? 'member' : null, my_status: applied ? 'pending' : null }], page: 1, per_page: 50, total: 1 }],
    'POST /api/v1/teams/1/join': () => {
      applied = true;
      return [200, {}];
    },
  });
  h.signedIn();
  const page = await h.open('volunteer');
  assert.deepEqual(h.texts(page, '.skill').map((t) => t.replace(/\s+/g, '')), ['理发删除']);
  page.querySelector('#skill').dispatchEvent('input', { detail: { value: '急救' } });
  await h.tap(page, '#add-skill');
  assert.deepEqual(h.seen.requests.find((r) => r.method === 'PUT').body, { skills: ['理发', '急救'] });
  assert.equal(h.text(page, '#volunteer-message'), '已添加技能“急救”');
  await h.tap(page, '.join-team');
  assert.equal(h.text(page, '#volunteer-message'), '已申请加入“红马甲服务队”，队长审核后即可参加活动');
  assert.equal(h.text(page, '.mine'), '已申请，等待队长审核');

  h.reset({
    'GET /api/v1/activities/3': [200, { ...activity, seats_left: 3, required_skills: ['急救'], description: '', can_manage: false, my_signup: null }],
    'POST /api/v1/activities/3/signups': [422, { code: 'missing_required_skill', field: null, message: 'x', details: { missing: ['急救'] } }],
  });
  h.signedIn();
  const act = await h.open('activity', { id: '3' });
  await h.tap(act, '#signup');
  assert.equal(h.text(act, '#activity-error'), '这个活动需要特定技能，请先在“我的志愿者资料”里登记技能（需要：急救）');
  await h.tap(act, '#go-skills');
  assert.deepEqual(h.seen.navigations, ['navigateTo /pages/volunteer/index']);
});

test('mp_page_card_lookup: a scanned card shows without login, and binding is one tap away', async () => {
  h.reset({
    'GET /api/v1/cards/JC00009': (req) => (req.query.check_code === 'ZZ12'
      ? [200, { address: { ...household.address, text: '幸福里小区 9栋' }, role_contacts: [], service_centre: null, nearby: [], emergency_numbers: [{ name: '急救', number: '120' }] }]
      : [404, err('card_not_found')]),
  });
  const page = await h.open('card', { card: 'JC00009', check_code: 'ZZ12' });
  assert.equal(h.seen.logins, 0, 'no login for a lookup');
  assert.equal(h.seen.requests[0].header.authorization, undefined);
  assert.equal(h.text(page, '#address'), '幸福里小区 9栋');
  await h.tap(page, '#bind-this');
  assert.deepEqual(h.seen.navigations, ['navigateTo /pages/bind/index?card=JC00009&check_code=ZZ12']);
  h.scanWill('JC00009 WRONG1');
  await h.tap(page, '#scan-card');
  assert.equal(h.text(page, '#card-error'), '卡号或校验码不正确，请核对卡片');
});

test('mp_page_services: searches near my compound, shows hours and distance, dials; nothing found says so', async () => {
  h.reset({
    'GET /api/v1/me': meBound,
    'GET /api/v1/services': (req) => [200, { items: req.query.q === '理发'
      ? [{ id: 3, name: '老王理发', address: '幸福路 1 号', phone: '0571-1234', open_now: true, hours_today: [{ opens_at: '08:00', closes_at: '18:00' }], distance_m: 350 }]
      : [], page: 1, per_page: 20, total: 0 }],
  });
  h.signedIn();
  const page = await h.open('services');
  assert.equal(h.seen.requests.at(-1).query.near_compound_id, '5');
  assert.equal(h.text(page, '#services-empty'), '附近还没有登记的服务');
  page.querySelector('#service-q').dispatchEvent('input', { detail: { value: '理发' } });
  await h.tap(page, '#service-search');
  assert.equal(h.text(page, '.note'), '✓ 正在营业 · 今天 08:00–18:00 · 距离 350米');
  await h.tap(page, '.call');
  assert.deepEqual(h.seen.calls, ['0571-1234'.replace(/[^\d+]/g, '')]);
});

test('mp_page_refresh: four calls with an expired token share one refresh through wx.request, then succeed', async () => {
  const fresh = (req) => req.header.authorization === 'Bearer at2';
  const expired = [401, err('token_expired')];
  h.reset({
    'POST /api/v1/auth/refresh': (req) => [200, { access_token: 'at2', refresh_token: 'rt2', token_type: 'Bearer', expires_in: 900, refresh_expires_at: tomorrow(12), user: { id: 1, nickname: 'n', role: 'resident', household_id: 7 }, got: req.body }],
    'GET /api/v1/me/points': (req) => (fresh(req) ? [200, { balance: 5, service_minutes: 0 }] : expired),
    'GET /api/v1/points-shop/items': (req) => (fresh(req) ? [200, { items: [], page: 1, per_page: 50, total: 0 }] : expired),
    'GET /api/v1/me/redemptions': (req) => (fresh(req) ? [200, { items: [], page: 1, per_page: 50, total: 0 }] : expired),
    'GET /api/v1/me/points/ledger': (req) => (fresh(req) ? [200, { items: [], page: 1, per_page: 20, total: 0 }] : expired),
  });
  h.signedIn();
  const page = await h.open('points');
  const refreshes = h.seen.requests.filter((r) => r.path === '/api/v1/auth/refresh');
  assert.equal(refreshes.length, 1, 'refresh tokens are single use: one refresh for all four');
  assert.deepEqual(refreshes[0].body, { refresh_token: 'rt' });
  assert.equal(h.text(page, '#balance'), '5');
  assert.equal(h.text(page, '#points-error'), null);
  assert.deepEqual(h.lib().tokens.get(), { access_token: 'at2', refresh_token: 'rt2' });
});

test('mp_page_offline: no answer at all says so in Chinese; a keyed booking is retried with its same key', async () => {
  let tries = 0;
  h.reset(chargingRoutes({
    'POST /api/v1/bookings': () => (++tries < 3 ? ['offline'] : [409, err('booking_conflict')]),
  }));
  h.signedIn();
  const page = await h.open('charging');
  await h.tap(page, '#day-1');
  await h.tap(page, '#slot-43');
  await h.tap(page, '#cell-11');
  await h.tap(page, '#confirm-booking');
  await new Promise((r) => setTimeout(r, 1700)); // core waits 0.5 s, then 1 s between tries
  await h.settle();
  const posts = h.seen.requests.filter((r) => r.path === '/api/v1/bookings');
  assert.equal(posts.length, 3);
  assert.equal(new Set(posts.map((p) => p.header['idempotency-key'])).size, 1, 'the same key every time');
  assert.equal(h.text(page, '#confirm-error'), '这个时段刚刚被别人预约了，请换一个时段，或加入候补');

  h.reset({ 'GET /api/v1/me': ['offline'] });
  h.signedIn();
  const offline = await h.open('card');
  assert.equal(h.text(offline, '#card-error'), '网络连接失败，请检查网络后重试');
});

test('mp_page_calendar: make a feed, copy its address for the phone calendar, stop it', async () => {
  let active = false;
  h.reset({
    'GET /api/v1/me/calendar': () => [200, active ? { active: true, path: '/calendar/abc123.ics', url: null } : { active: false, path: null, url: null }],
    'POST /api/v1/me/calendar/rotate': () => {
      active = true;
      return [200, { active: true, path: '/calendar/abc123.ics', url: null }];
    },
    'DELETE /api/v1/me/calendar': () => {
      active = false;
      return [204];
    },
  });
  h.signedIn();
  const page = await h.open('calendar');
  await h.tap(page, '#make-feed');
  assert.equal(h.text(page, '#feed-url'), `${h.lib().apiBase}/calendar/abc123.ics`);
  await h.tap(page, '#copy-feed');
  assert.deepEqual(h.seen.clipboard, [`${h.lib().apiBase}/calendar/abc123.ics`]);
  assert.match(h.text(page, '#calendar-message'), /已复制订阅地址/);
  await h.tap(page, '#stop-feed');
  assert.equal(h.text(page, '#calendar-message'), '已停止订阅');
  assert.ok(page.querySelector('#make-feed'));
});

// ---- 我的家庭 (issue 14) --------------------------------------------------------------------

const membership = (over) => ({ id: 1, household_id: 7, user_id: 1, nickname: '张阿姨', role: 'owner', status: 'active', valid_from: '2026-11-01T00:00:00Z', valid_until: null, ends_at: null, created_at: '2026-11-01T00:00:00Z', decided_at: '2026-11-01T01:00:00Z', ...over });

test('mp_page_household: a request waiting for approval says so; without one the page offers binding', async () => {
  let mine = membership({ id: 30, role: 'member', status: 'pending', decided_at: null });
  h.reset({
    'GET /api/v1/me': () => [200, { id: 1, nickname: '张阿姨', role: 'resident', household: null, membership: mine }],
    'GET /api/v1/me/notifications': [200, { items: [], page: 1, per_page: 1, total: 0 }],
  });
  h.signedIn();
  let page = await h.open('household');
  assert.equal(h.text(page, '#my-membership'), '申请已提交，等待户主或社区审核');
  assert.match(h.text(page, '.card'), /户主或社区工作人员同意后/);
  assert.equal(page.querySelector('#members'), undefined);
  assert.ok(!h.seen.requests.some((r) => r.path.startsWith('/api/v1/households/')), 'only owners list members');
  h.snapshot(page, 'mp-household-pending');
  mine = null;
  page = await h.open('household');
  assert.match(h.text(page, '#no-household'), /还没有加入任何一户/);
  await h.tap(page, '#go-bind');
  assert.equal(h.seen.navigations.at(-1), 'navigateTo /pages/bind/index');
});

test('mp_page_household: a tenant reads their last day (the day before valid_until)', async () => {
  h.reset({
    'GET /api/v1/me': [200, { id: 1, nickname: '小赵', role: 'resident', household, membership: membership({ role: 'tenant', valid_until: '2027-06-01' }) }],
    'GET /api/v1/me/notifications': [200, { items: [], page: 1, per_page: 1, total: 0 }],
  });
  h.signedIn();
  const page = await h.open('household');
  assert.equal(h.text(page, '#my-membership'), '我的身份：租户 · 已加入 · 住到 2027年5月31日');
  assert.equal(h.text(page, '#address'), '幸福里小区 3栋');
});

test('mp_page_household: the owner approves as a tenant until a picked day, rejects, changes a tenancy, removes after asking', async () => {
  const lib = h.lib();
  let list = [
    membership({}),
    membership({ id: 21, user_id: 21, nickname: '小王', role: 'member', status: 'pending', decided_at: null }),
    membership({ id: 22, user_id: 22, nickname: '小李', role: 'member', status: 'pending', decided_at: null }),
    membership({ id: 23, user_id: 23, nickname: '小赵', role: 'tenant', valid_until: '2027-06-01' }),
    membership({ id: 24, user_id: 24, nickname: '小孙', role: 'member' }),
  ];
  const set = (id, over) => {
    list = list.map((m) => (m.id === id ? { ...m, ...over } : m));
    return [200, list.find((m) => m.id === id)];
  };
  let patches = 0;
  h.reset({
    'GET /api/v1/me': [200, { id: 1, nickname: '张阿姨', role: 'resident', household, membership: list[0] }],
    'GET /api/v1/me/notifications': [200, { items: [], page: 1, per_page: 1, total: 0 }],
    'GET /api/v1/households/7/members': () => [200, list.filter((m) => m.status === 'pending' || m.status === 'active')],
    'POST /api/v1/households/7/members/21/approve': (req) => set(21, { status: 'active', role: req.body.role, valid_until: req.body.valid_until }),
    'POST /api/v1/households/7/members/22/reject': () => set(22, { status: 'rejected' }),
    'PATCH /api/v1/households/7/members/23': (req) => (++patches === 1
      ? [422, { code: 'validation_failed', field: 'valid_until', message: 'must be after 2026-12-03 and no later than 2027-12-03' }]
      : set(23, { valid_until: req.body.valid_until })),
    'POST /api/v1/households/7/members/24/revoke': () => set(24, { status: 'revoked' }),
  });
  h.signedIn();
  const page = await h.open('household');
  assert.equal(h.text(page, '#member-23 .member-line'), '租户 · 已加入 · 住到 2027年5月31日');
  assert.equal(page.querySelector('#remove-1'), undefined, 'no removing myself (or another owner)');
  assert.deepEqual(h.texts(page, '.request .big'), ['小王', '小李']);
  h.snapshot(page, 'mp-household-owner');

  // As a tenant: the day first (asked for when missing), then the approval with the next day.
  await h.tap(page, '#tenant-21');
  await h.tap(page, '#approve-tenant-21');
  assert.equal(h.text(page, '#household-error'), '请先选好租户住到哪一天，再点“同意，是租户”');
  assert.ok(!h.seen.requests.some((r) => r.path.endsWith('/approve')), 'nothing sent without the day');
  const day = lib.addDays(lib.localDay(), 30);
  page.querySelector('#request-day-21').dispatchEvent('change', { detail: { value: day } });
  await h.settle();
  await h.tap(page, '#approve-tenant-21');
  const approve = h.seen.requests.find((r) => r.path.endsWith('/21/approve'));
  assert.deepEqual(approve.body, { role: 'tenant', valid_until: lib.addDays(day, 1) });
  assert.equal(h.text(page, '#household-message'), '已同意 小王 加入，身份：租户');
  assert.match(h.text(page, '#member-21 .member-line'), new RegExp(`住到 ${lib.longDate(day)}`));

  await h.tap(page, '#reject-22');
  assert.equal(h.text(page, '#household-message'), '已拒绝 小李 的申请');
  assert.equal(page.querySelector('#request-22'), undefined);
  assert.equal(h.text(page, '#no-requests'), '现在没有等待同意的申请。');

  // A tenancy moved: the server's field error in Chinese, then saved.
  const later = lib.addDays(lib.localDay(), 60);
  page.querySelector('#tenancy-day-23').dispatchEvent('change', { detail: { value: later } });
  await h.settle();
  await h.tap(page, '#save-tenancy-23');
  assert.equal(h.text(page, '#household-error'), '请检查“租户住到哪一天”：最早今天，最晚一年以内');
  await h.tap(page, '#save-tenancy-23');
  assert.deepEqual(h.seen.requests.filter((r) => r.method === 'PATCH').map((r) => r.body), [{ valid_until: lib.addDays(later, 1) }, { valid_until: lib.addDays(later, 1) }]);
  assert.equal(h.text(page, '#household-message'), `已把 小赵 的租期改为住到 ${lib.longDate(later)}`);

  await h.tap(page, '#remove-24');
  assert.match(h.seen.modals.at(-1), /^确定移除 小孙 吗？移除后对方不能再为这户预约充电/);
  assert.ok(h.seen.requests.some((r) => r.path === '/api/v1/households/7/members/24/revoke'));
  assert.equal(h.text(page, '#household-message'), '已移除 小孙');
  assert.equal(page.querySelector('#member-24'), undefined);
});

test('mp_page_bind: a request waiting for approval ends on 我的家庭', async () => {
  h.reset({ 'POST /api/v1/me/household': [202, { id: 1, nickname: '张阿姨', role: 'resident', household: null, membership: membership({ id: 30, role: 'member', status: 'pending' }) }] });
  h.signedIn();
  const page = await h.open('bind', { card: 'A0001', check_code: 'K7QX' });
  await h.tap(page, '#bind');
  assert.deepEqual(h.seen.navigations, ['redirectTo /pages/household/index']);
});

// ---- the subscription prompt (issue 14) ----------------------------------------------------

const templates = [
  { template_id: 'tmpl-remind', kinds: ['booking.reminder'], remaining: 0 },
  { template_id: 'tmpl-offer', kinds: ['waitlist.offer'], remaining: 1 },
  { template_id: 'tmpl-maint', kinds: ['booking.cancelled'], remaining: 3 },
];

/** Open the charging page and the confirmation of socket A, tomorrow 19:00. */
async function toConfirmation() {
  const page = await h.open('charging');
  await h.tap(page, '#day-1');
  await h.tap(page, '#slot-43');
  await h.tap(page, '#cell-11');
  return page;
}

test('mp_subscribe: the booking tap asks for the listed booking templates (explained first) and posts the answer with a key', async () => {
  const booking = { id: 99, socket_id: 11, socket_label: '1号桩A口', compound_id: 5, compound_name: '幸福里小区', starts_at: tomorrow(19), ends_at: tomorrow(20), status: 'confirmed', check_in_opens_at: tomorrow(18, 45), check_in_closes_at: tomorrow(19, 15) };
  let askedBeforeBooking = null;
  h.reset(chargingRoutes({
    'GET /api/v1/me/subscriptions': [200, templates],
    'POST /api/v1/me/subscriptions': (req) => [200, templates.map((t) => (req.body.results[t.template_id] === 'accept' ? { ...t, remaining: t.remaining + 1 } : t))],
    'POST /api/v1/bookings': () => {
      askedBeforeBooking = h.seen.subscribes.length;
      return [201, booking];
    },
  }));
  h.signedIn();
  h.subscribeWill({ 'tmpl-remind': 'accept' });
  const page = await toConfirmation();
  assert.equal(h.text(page, '#subscribe-note'), '点“确认预约”后，微信会问您要不要接收充电提醒。点“允许”，充电开始前会在微信里提醒您；不允许也能照常预约。');
  assert.deepEqual(h.seen.subscribes, [], 'never asked on load');
  h.snapshot(page, 'mp-subscribe-note');
  await h.tap(page, '#confirm-booking');
  // Only the booking kinds, only templates with at most one grant left.
  assert.deepEqual(h.seen.subscribes, [['tmpl-remind']]);
  assert.equal(askedBeforeBooking, 1, 'asked inside the tap, before the booking went out');
  const report = h.seen.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/me/subscriptions');
  assert.deepEqual(report.body, { results: { 'tmpl-remind': 'accept' } });
  assert.match(report.header['idempotency-key'], /^[0-9a-f-]{36}$/);
  assert.notEqual(report.header['idempotency-key'], h.seen.requests.find((r) => r.path === '/api/v1/bookings').header['idempotency-key']);
  assert.match(h.text(page, '#booked'), /预约成功/);
});

test('mp_subscribe: a refusal, a failed prompt or an open popup never blocks booking; the waitlist asks for its offer template', async () => {
  const booking = { id: 99, socket_id: 11, socket_label: '1号桩A口', compound_id: 5, compound_name: '幸福里小区', starts_at: tomorrow(19), ends_at: tomorrow(20), status: 'confirmed', check_in_opens_at: tomorrow(18, 45), check_in_closes_at: tomorrow(19, 15) };
  for (const answer of [{ 'tmpl-remind': 'reject' }, null, 'never']) {
    h.reset(chargingRoutes({
      'GET /api/v1/me/subscriptions': [200, templates],
      // Even the report failing changes nothing for the resident.
      'POST /api/v1/me/subscriptions': [503, err('service_unavailable')],
      'POST /api/v1/bookings': [201, booking],
    }));
    h.signedIn();
    h.subscribeWill(answer);
    const page = await toConfirmation();
    await h.tap(page, '#confirm-booking');
    assert.deepEqual(h.seen.subscribes, [['tmpl-remind']], JSON.stringify(answer));
    assert.match(h.text(page, '#booked'), /预约成功/, JSON.stringify(answer));
    assert.equal(h.text(page, '#confirm-error'), null);
    const reports = h.seen.requests.filter((r) => r.path === '/api/v1/me/subscriptions' && r.method === 'POST');
    if (answer && answer !== 'never') assert.deepEqual(reports[0].body, { results: { 'tmpl-remind': 'reject' } });
    else assert.equal(reports.length, 0, 'nothing to send when WeChat gave no answer');
  }

  // Joining the waitlist of a taken time asks for the offer template only.
  h.reset(chargingRoutes({
    'GET /api/v1/me/subscriptions': [200, templates],
    'POST /api/v1/me/subscriptions': [200, templates],
    'POST /api/v1/compounds/5/waitlist': [201, { id: 3, compound_id: 5, socket_id: 12, starts_at: tomorrow(19), ends_at: tomorrow(20), status: 'waiting', position: 1 }],
  }));
  h.signedIn();
  h.subscribeWill({ 'tmpl-offer': 'accept' });
  const page = await h.open('charging');
  await h.tap(page, '#day-1');
  await h.tap(page, '#slot-43');
  await h.tap(page, '#cell-12');
  assert.match(h.text(page, '#waitlist-subscribe-note'), /有空位时会在微信里通知您/);
  await h.tap(page, '#join-waitlist');
  assert.deepEqual(h.seen.subscribes, [['tmpl-offer']]);
  assert.match(h.text(page, '#waitlisted'), /排第 1 位/);
  assert.deepEqual(h.seen.requests.find((r) => r.path === '/api/v1/me/subscriptions' && r.method === 'POST').body, { results: { 'tmpl-offer': 'accept' } });
});

test('mp_subscribe: no configured template (or no list) asks nothing and explains nothing', async () => {
  const booking = { id: 99, socket_id: 11, socket_label: '1号桩A口', compound_id: 5, compound_name: '幸福里小区', starts_at: tomorrow(19), ends_at: tomorrow(20), status: 'confirmed', check_in_opens_at: tomorrow(18, 45), check_in_closes_at: tomorrow(19, 15) };
  for (const list of [[200, []], [500, err('internal_error')]]) {
    h.reset(chargingRoutes({ 'GET /api/v1/me/subscriptions': list, 'POST /api/v1/bookings': [201, booking] }));
    h.signedIn();
    const page = await toConfirmation();
    assert.equal(page.querySelector('#subscribe-note'), undefined);
    await h.tap(page, '#confirm-booking');
    assert.deepEqual(h.seen.subscribes, []);
    assert.match(h.text(page, '#booked'), /预约成功/);
  }
});

test('mp_subscribe: signing up to an activity asks for its templates (explained first); a ban is reported and the sign-up goes on', async () => {
  h.reset({
    'GET /api/v1/activities/3': [200, { ...activity, description: '陪老人聊天', can_manage: false, my_signup: null }],
    'GET /api/v1/me/subscriptions': [200, [...templates, { template_id: 'tmpl-promoted', kinds: ['signup.promoted', 'activity.cancelled'], remaining: 0 }]],
    'POST /api/v1/me/subscriptions': [200, []],
    'POST /api/v1/activities/3/signups': [201, { id: 5, activity_id: 3, status: 'waitlisted', position: 3, created_at: tomorrow(1), no_show: false }],
  });
  h.signedIn();
  h.subscribeWill({ 'tmpl-promoted': 'ban' });
  const page = await h.open('activity', { id: '3' });
  assert.match(h.text(page, '#subscribe-note'), /^报名后，微信会问您要不要接收活动通知/);
  await h.tap(page, '#signup');
  assert.deepEqual(h.seen.subscribes, [['tmpl-promoted']]);
  assert.equal(h.text(page, '#activity-message'), '已进入候补，第 3 位');
  const report = h.seen.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/me/subscriptions');
  assert.deepEqual(report.body, { results: { 'tmpl-promoted': 'ban' } });
  assert.ok(report.header['idempotency-key']);
});

test('mp_page_session: the open session is shown live and asked for again, then its result in Chinese', { timeout: 20_000 }, async () => {
  const session = (over) => ({
    id: 7, booking_id: 3, socket_id: 1, state: 'charging', requested_at: tomorrow(9), started_at: tomorrow(9), ended_at: null,
    power_w: 312, energy_wh: 40, duration_s: 300, peak_power_w: 320, stop_reason: null, stop_reason_code: null, failure: null,
    stop_requested_at: null, message: '充电中', ...over,
  });
  const answers = [
    session({}),
    session({ power_w: 305, energy_wh: 120, duration_s: 900 }),
    session({ state: 'settled', power_w: null, energy_wh: 150, duration_s: 1200, ended_at: tomorrow(10), stop_reason: 'full', stop_reason_code: 1, message: '已充满，充电结束' }),
  ];
  const past = session({ id: 5, state: 'start_failed', failure: 'no_charger', power_w: null, energy_wh: 0, duration_s: 0, message: '启动失败：未插充电器' });
  let calls = 0;
  h.reset({
    'GET /api/v1/me/charging-sessions': () => [200, { items: [answers[Math.min(calls++, 2)], past], page: 1, per_page: 10, total: 2 }],
  });
  h.signedIn();
  const page = await h.open('session');
  assert.equal(h.text(page, '#session-status'), '充电中');
  assert.equal(h.text(page, '#fact-power .big'), '312 瓦');
  assert.equal(h.text(page, '#fact-energy .big'), '0.04 度');
  assert.equal(h.text(page, '#fact-duration .big'), '5分00秒');
  assert.deepEqual(h.texts(page, '.past'), [`${h.lib().at(tomorrow(9))}启动失败启动失败：未插充电器`]);
  // Polled: the numbers move on, then the result replaces the live readings.
  await new Promise((r) => setTimeout(r, h.lib().SESSION_POLL_MS + 200));
  await h.settle();
  assert.equal(h.text(page, '#fact-energy .big'), '0.12 度');
  assert.equal(h.text(page, '#fact-duration .big'), '15分00秒');
  await new Promise((r) => setTimeout(r, h.lib().SESSION_POLL_MS + 200));
  await h.settle();
  assert.equal(h.text(page, '#session-status'), '充电已结束：已充满，充电结束');
  assert.equal(h.text(page, '#fact-energy .big'), '0.15 度');
  assert.equal(h.text(page, '#fact-duration .big'), '20分00秒');
  assert.equal(page.querySelector('#fact-power'), undefined, 'no live power after the settlement');
  h.snapshot(page, 'session-settled');
  // Settled: no more asking.
  const asked = calls;
  await new Promise((r) => setTimeout(r, h.lib().SESSION_POLL_MS + 200));
  assert.equal(calls, asked);
});
