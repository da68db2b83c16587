// End-to-end tests of the resident web app (/app/) in headless Chromium at a phone's size
// (390×844), against the real `linli` binary on a fresh SQLite file with the demo data: the
// resident's journey, screen by screen (support.mjs says how to run them).
//
// Screenshots of every screen land in test-output/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appToken, approve, base, call, checkCode, page, resident, shot, startApp, stopApp, title } from './support.mjs';

before(startApp);
after(stopApp);

test('log in (dev login) and bind the household with card JC00001', async () => {
  await page.goto(`${base}/app`);
  await title('登录');
  assert.equal(page.url(), `${base}/app/#/login`);
  await page.fill('#openid', 'zhang-ayi');
  await shot('01-login');
  await page.click('#login');
  await title('绑定我家');

  // A wrong check code: a clear message, and nothing bound.
  await page.fill('#card_number', 'JC00001');
  await page.fill('#check_code', 'WRONG1');
  await page.click('#bind');
  await page.getByRole('alert').filter({ hasText: '卡号或校验码不正确，请核对卡片' }).waitFor();
  await shot('02-bind-wrong-code');

  await page.fill('#check_code', checkCode('JC00001').toLowerCase());
  await page.click('#bind');
  // Binding asks to join; community staff approve it, and the home screen shows the household.
  await page.getByText('申请已提交，等待户主或社区审核').waitFor();
  await approve((await call('GET', '/api/v1/me', await appToken())).body.membership);
  await page.goto(`${base}/app/#/`);
  await title('邻里');
  await page.getByText('东街社区 › 东街第1网格 › 天和人家 › 1号楼 › 1单元 › 101').waitFor();
  await shot('03-home');
});

test('my card: the address, the building\'s contacts and the emergency numbers to call', async () => {
  await page.goto(`${base}/app/#/card`);
  await title('我的服务卡');
  await page.getByText('卡号 JC00001').waitFor();
  // The building's role contacts and the emergency numbers, each tap-to-call.
  await page.getByRole('heading', { name: '紧急电话' }).waitFor();
  await page.locator('a[href="tel:110"]').waitFor();
  const calls = await page.locator('a[href^="tel:"]').count();
  assert.ok(calls >= 3, 'at least the emergency numbers are tap-to-call');
  await shot('04-card');
});

/** Open the charging grid on tomorrow and the given half-hour row; returns the row's cell index. */
async function openTomorrowRow(hhmm) {
  await page.goto(`${base}/app/#/charging`);
  await title('充电预约');
  await page.getByRole('button', { name: /^明天/ }).click();
  const row = page.locator('button.slotrow').filter({ has: page.locator('.t', { hasText: hhmm }) });
  await row.click();
  return Number((await row.getAttribute('id')).replace('slot-', ''));
}

async function cellTimes(cell, minutes = 60) {
  const grid = await call('GET', '/api/v1/compounds/1/availability');
  const starts = new Date(Date.parse(grid.body.starts_at) + cell * grid.body.slot_minutes * 60_000);
  return { starts_at: starts.toISOString(), ends_at: new Date(starts.getTime() + minutes * 60_000).toISOString() };
}

/** HH:MM in Asia/Shanghai, as the app shows times. */
const hhmm = (iso) => new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));

test('the check-in rule on the charging screen is the compound\'s setting, not a fixed number', async () => {
  const staff = (await call('POST', '/api/v1/auth/dev', null, { openid: 'staff-zhao', role: 'staff' })).body.access_token;
  const { settings } = (await call('GET', '/api/v1/compounds/1/charging', staff)).body;
  const changed = await call('PUT', '/api/v1/compounds/1/charging-settings', staff, { ...settings, grace_minutes: 20 });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  try {
    await page.goto(`${base}/app/#/charging`);
    await title('充电预约');
    await page.locator('#check-in-rule', { hasText: '预约开始后 20 分钟内须到充电口扫码签到' }).waitFor();
  } finally {
    const restored = await call('PUT', '/api/v1/compounds/1/charging-settings', staff, settings);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
  }
  await page.goto(`${base}/app/#/`);
  await title('邻里');
  await page.goto(`${base}/app/#/charging`);
  await title('充电预约');
  await page.locator('#check-in-rule', { hasText: `预约开始后 ${settings.grace_minutes} 分钟内` }).waitFor();
});

test('book a socket on a slow network (one tap, one booking), see it in my bookings, cancel it', async () => {
  const cell = await openTomorrowRow('10:00');
  await page.locator('button.cell.free').first().click();
  await page.locator('#confirm').waitFor();
  await shot('05-charging-grid');

  // A slow network: the booking call takes 1.5 s. Tapping again meanwhile must do nothing.
  await page.route('**/api/v1/bookings', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.locator('#confirm-booking').click();
  await page.locator('#confirm-booking[disabled]', { hasText: '处理中…' }).waitFor();
  await page.locator('#confirm-booking').dispatchEvent('click');
  await page.locator('#confirm-booking').dispatchEvent('click');
  await page.locator('#booked', { hasText: '预约成功' }).waitFor();
  // The confirmation is in view (not off-screen below the grid) and offers to cancel.
  const box = await page.locator('#booked').boundingBox();
  assert.ok(box.y >= 0 && box.y < 844, `confirmation in view: ${JSON.stringify(box)}`);
  await page.locator('#booked').getByRole('button', { name: '取消预约' }).waitFor();
  await page.unroute('**/api/v1/bookings');
  // The grid shows the booked cells as mine.
  await page.locator(`#slot-${cell} .n`, { hasText: '我的' }).waitFor();
  await shot('06-booked');

  const mine = await call('GET', '/api/v1/me/bookings', await appToken());
  assert.equal(mine.body.total, 1, 'exactly one booking after three taps');
  const booking = mine.body.items[0];
  assert.equal(booking.status, 'confirmed');
  assert.equal(booking.starts_at, (await cellTimes(cell)).starts_at.replace('.000Z', 'Z'));
  // When to check in is the booking's own window, as the server computed it.
  // When to check in is the booking's own window, as the server computed it, with its day.
  const told = await page.locator('#charging-message').textContent();
  assert.ok(told.includes(`请在 明天 ${hhmm(booking.check_in_opens_at)}–${hhmm(booking.check_in_closes_at)} 到充电口扫码签到`), told);
  assert.ok(told.includes(`${booking.socket_label}，明天 ${hhmm(booking.starts_at)}–${hhmm(booking.ends_at)}`), told);

  await page.goto(`${base}/app/#/bookings`);
  await title('我的预约');
  const card = page.locator(`li[data-booking="${booking.id}"]`);
  await card.getByText('已预约').waitFor();
  await card.getByText(booking.socket_label).waitFor();
  // Check-in opens 5 minutes before the start: too early tomorrow, and the app says so.
  await card.locator('input').fill('ANYCODE1');
  await card.getByRole('button', { name: '签到' }).click();
  await card.getByRole('alert').filter({ hasText: `还没到签到时间，明天 ${hhmm(booking.check_in_opens_at)} 起可签到` }).waitFor();
  await card.getByText(`签到（明天 ${hhmm(booking.check_in_opens_at)}–`).waitFor();
  await shot('07-my-bookings');

  await card.getByRole('button', { name: '取消预约' }).click();
  await card.getByRole('button', { name: '确定取消预约' }).click();
  await page.locator(`li[data-booking="${booking.id}"]`).getByText('已取消').waitFor();
  const after = await call('GET', `/api/v1/bookings/${booking.id}`, await appToken());
  assert.equal(after.body.status, 'cancelled');
  await shot('08-cancelled');
});

test('a slot taken meanwhile by a neighbour: a clear message, then the waitlist', async () => {
  const cell = await openTomorrowRow('11:00');
  const button = page.locator('button.cell.free').first();
  const socket = Number(await button.getAttribute('data-socket'));
  await button.click();
  await page.locator('#confirm').waitFor();

  // Between page load and the tap, another household books the same socket and time.
  const neighbour = await resident('li-shushu', 'JC00002');
  const taken = await call('POST', '/api/v1/bookings', neighbour, { socket_id: socket, ...(await cellTimes(cell)) });
  assert.equal(taken.status, 201, JSON.stringify(taken.body));

  await page.locator('#confirm-booking').click();
  await page.getByRole('alert').filter({ hasText: '这个时段刚刚被别人预约了，请换一个时段，或加入候补' }).waitFor();
  await shot('09-slot-taken');
  await page.getByRole('button', { name: '加入候补（有空位时通知我）' }).click();
  await page.getByText(/已加入候补（.*），排第 1 位/).waitFor();

  const mine = await call('GET', '/api/v1/me/bookings', await appToken());
  assert.equal(mine.body.items.filter((b) => b.status === 'confirmed').length, 0, 'no booking was made');
  const queue = await call('GET', '/api/v1/me/waitlist', await appToken());
  assert.equal(queue.body[0].status, 'waiting');
  assert.equal(queue.body[0].position, 1);

  // The neighbour cancels: the first in line gets an offer and accepts it in the app.
  const cancelled = await call('POST', `/api/v1/bookings/${taken.body.id}/cancel`, neighbour, {});
  assert.equal(cancelled.status, 200);
  await page.goto(`${base}/app/#/bookings`);
  await title('我的预约');
  await page.getByRole('button', { name: '接受这个空位' }).click();
  await page.locator('li[data-booking]').first().getByText('已预约').waitFor();
  const booked = await call('GET', '/api/v1/me/bookings?status=confirmed', await appToken());
  assert.equal(booked.body.total, 1);
  assert.equal(booked.body.items[0].socket_id, socket);
});

test('activities: sign up, and a full activity puts me on the waitlist with my position', async () => {
  await page.goto(`${base}/app/#/activities`);
  await title('志愿活动');
  await shot('10-activities');
  // An activity that needs a skill I have not registered: the reason, and the way to register it.
  await page.locator('a.card.activity[data-open]:not([data-skills=""])').first().click();
  await title('活动详情');
  await page.click('#signup');
  await page.getByRole('alert').filter({ hasText: '请先在“我的志愿者资料”里登记技能' }).waitFor();
  await page.getByRole('link', { name: '去登记技能' }).waitFor();
  await page.goto(`${base}/app/#/activities`);
  await title('志愿活动');
  await page.locator('a.card.activity[data-skills=""][data-open]').first().click();
  await title('活动详情');
  await page.click('#signup');
  await page.getByText('报名成功！').waitFor();
  await page.getByText('您已报名成功，请准时参加。').waitFor();
  await shot('11-activity-signed-up');

  // Staff create an activity with one seat; a neighbour takes it; I join the waitlist.
  const staff = (await call('POST', '/api/v1/auth/dev', null, { openid: 'staff-wang', role: 'staff' })).body.access_token;
  const start = new Date(Date.now() + 3 * 86_400_000);
  start.setUTCHours(1, 0, 0, 0);
  const created = await call('POST', '/api/v1/activities', staff, {
    team_id: 1, community_id: 1, title: '天和人家读报陪聊', category: 'talk', place: '天和人家活动室',
    starts_at: start.toISOString(), ends_at: new Date(start.getTime() + 2 * 3_600_000).toISOString(), capacity: 1, points_per_hour: 10,
    description: '陪老人读报聊天',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const neighbour = await resident('li-shushu', null);
  const first = await call('POST', `/api/v1/activities/${created.body.id}/signups`, neighbour);
  assert.equal(first.body.status, 'confirmed');

  await page.goto(`${base}/app/#/activity/${created.body.id}`);
  await title('活动详情');
  await page.getByText('名额已满，候补 0 人').waitFor();
  await page.click('#signup');
  await page.getByText('已进入候补，第 1 位').waitFor();
  await page.getByText('名额已满，您在候补第 1 位。').waitFor();
  await shot('12-activity-waitlisted');
  await page.goto(`${base}/app/#/activities`);
  await title('志愿活动');
  await page.getByText('候补第 1 位').waitFor();
});

test('points and notifications', async () => {
  await page.goto(`${base}/app/#/points`);
  await title('我的积分');
  assert.equal(await page.locator('#balance').textContent(), '0');
  await shot('13-points');
  await page.goto(`${base}/app/#/notifications`);
  await title('消息通知');
  // The waitlist offer and the booking made from it were notified.
  const offer = page.locator('a.note[data-kind="waitlist.offer"]');
  await offer.getByText('候补到了').waitFor();
  await shot('14-notifications');
  // Tapping one opens where it points and marks it read.
  await offer.click();
  await title('我的预约');
  const unread = await call('GET', '/api/v1/me/notifications?unread=true', await appToken());
  assert.ok(unread.body.items.every((n) => n.kind !== 'waitlist.offer'), JSON.stringify(unread.body));
});
