// 我的家庭 (issue 14) between two phones, in headless Chromium at 390×844 against the real `linli`
// binary (SQLite, demo data; MySQL with LINLI_BROWSER_DB=mysql): a resident binds the family's
// card on their phone and reads that the request waits; the household's owner (made an owner by
// community staff, as only staff may) sees the request on theirs and approves it; the resident's
// screen turns to a member. The owner approves a tenant until a day, moves the tenant's last day
// (a day too far is refused with the server's field error in Chinese), and removes a member after
// being asked once more. Every new screen passes axe (no serious or critical violation) at normal
// and at 200% text, loses nothing at 200% and has no target under 44×44 px.
// Filter: `node --test tests/browser/household.test.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { anotherPhone, axe, base, call, checkCode, login, page, screenProblems, shot, signIn, startApp, stopApp, title } from './support.mjs';

const CARD = 'JC00012';
let neighbour; // the joining resident's phone
let owner; // the owner's tokens
let staff; // community staff's access token

/** A day `n` days from today in Shanghai, as a date input takes it ("2027-01-02"). */
function dayFromToday(n) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** "2027年1月2日" */
const longDate = (ymd) => {
  const [y, m, d] = ymd.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

/** axe at normal and at 200% text, the layout at 200%, the target sizes. */
async function accessible(p, name) {
  const problems = await screenProblems(p);
  await p.evaluate(() => { document.documentElement.style.fontSize = '40px'; });
  problems.push(...(await axe(p)).map((v) => `200%: ${v}`));
  await p.evaluate(() => { document.documentElement.style.fontSize = ''; });
  assert.deepEqual(problems, [], name);
}

async function nickname(token) {
  return (await call('GET', '/api/v1/me', token)).body.nickname;
}

/** A resident who asked to join CARD (through the API): their tokens and their membership. */
async function applicant(openid) {
  const t = await login(openid);
  const r = await call('POST', '/api/v1/me/household', t.access_token, { card_number: CARD, check_code: checkCode(CARD) });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.membership.status, 'pending');
  return { tokens: t, membership: r.body.membership };
}

async function openHousehold(p) {
  const url = `${base}/app/#/household`;
  if (p.url() === url) await p.reload();
  else await p.goto(url);
  await title('我的家庭', p);
}

before(async () => {
  await startApp();
  neighbour = await anotherPhone();
  staff = (await call('POST', '/api/v1/auth/dev', null, { openid: 'household-staff', role: 'staff' })).body.access_token;
  // The owner: asks to join like anyone, then the community office makes them the owner.
  const first = await applicant('household-owner');
  owner = first.tokens;
  const made = await call('POST', `/api/v1/households/${first.membership.household_id}/members/${first.membership.id}/approve`, staff, { role: 'owner' });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  await signIn(page, owner);
});
after(stopApp);

test('a resident binds on their phone, the owner approves on theirs, the resident\'s screen turns to a member', async () => {
  const joiner = await login('household-joiner');
  const joinerName = await nickname(joiner.access_token);
  await signIn(neighbour, joiner);
  await neighbour.goto(`${base}/app/#/bind`);
  await title('绑定我家', neighbour);
  await neighbour.fill('#card_number', CARD);
  await neighbour.fill('#check_code', checkCode(CARD));
  await neighbour.click('#bind');
  // Binding ends on 我的家庭, saying the request waits for the owner or the community.
  await title('我的家庭', neighbour);
  await neighbour.locator('#my-membership', { hasText: '申请已提交，等待户主或社区审核' }).waitFor();
  await accessible(neighbour, 'my household: waiting');
  await shot('household-pending', neighbour);
  // The home screen says so too, instead of offering to bind.
  await neighbour.goto(`${base}/app/#/`);
  await title('邻里', neighbour);
  await neighbour.getByText('申请已提交，等待户主或社区审核').waitFor();

  // The owner's phone: the request, approved as family.
  await openHousehold(page);
  await page.locator('#my-membership', { hasText: '我的身份：户主 · 已加入' }).waitFor();
  const request = page.locator('#requests li', { hasText: joinerName });
  await request.waitFor();
  await accessible(page, 'my household: owner with a request');
  await shot('household-owner-request');
  await request.getByRole('button', { name: '同意，是家人' }).click();
  await page.getByText(`已同意 ${joinerName} 加入，身份：家庭成员`).waitFor();
  await page.locator('#members li', { hasText: joinerName }).getByText('家庭成员 · 已加入').waitFor();
  assert.equal(await page.locator('#requests').count(), 0);
  await accessible(page, 'my household: approved');

  // The resident's phone: a member now, with the address; booking is open to them.
  await openHousehold(neighbour);
  await neighbour.locator('#my-membership', { hasText: '我的身份：家庭成员 · 已加入' }).waitFor();
  const address = (await call('GET', '/api/v1/me', joiner.access_token)).body.household.address;
  await neighbour.locator('#screen .card .big', { hasText: `${address.compound.name} › ${address.building.name}` }).waitFor();
  await accessible(neighbour, 'my household: member');
  const me = (await call('GET', '/api/v1/me', joiner.access_token)).body;
  assert.equal(me.membership.status, 'active');
  assert.ok(me.household, 'the household is theirs now');
  assert.equal(await neighbour.locator('#members, #requests').count(), 0, 'a member does not manage the household');
});

test('the owner approves a tenant until a day, moves the last day (a day too far says why), the tenant reads it; removing asks first', async () => {
  const tenant = await applicant('household-tenant');
  const tenantName = await nickname(tenant.tokens.access_token);
  const id = tenant.membership.id;
  await openHousehold(page);
  const request = page.locator(`#requests li[data-member="${id}"]`);
  await request.waitFor();
  // As a tenant: the last day is asked for first.
  await request.getByRole('button', { name: '同意，是租户' }).click();
  await request.getByRole('button', { name: '确定同意，是租户' }).click();
  await request.getByRole('alert').filter({ hasText: '请先选好租户住到哪一天' }).waitFor();
  assert.equal((await call('GET', '/api/v1/me', tenant.tokens.access_token)).body.membership.status, 'pending');
  await accessible(page, 'approve as tenant: the day first');
  const lastDay = dayFromToday(90);
  await page.fill(`#last-day-${id}`, lastDay);
  await request.getByRole('button', { name: '确定同意，是租户' }).click();
  await page.getByText(`已同意 ${tenantName} 加入，身份：租户`).waitFor();
  const row = page.locator(`#members li[data-member="${id}"]`);
  await row.getByText(`租户 · 已加入 · 住到 ${longDate(lastDay)}`).waitFor();
  let m = (await call('GET', '/api/v1/me', tenant.tokens.access_token)).body.membership;
  assert.equal(m.role, 'tenant');
  assert.equal(m.valid_until, dayFromToday(91), 'valid_until is the day after the last day');

  // A last day two years ahead: the server refuses the field, the app says it in Chinese.
  await page.fill(`#tenancy-${id}`, dayFromToday(800));
  await row.getByRole('button', { name: '保存租期' }).click();
  await row.getByRole('alert').filter({ hasText: '请检查“租户住到哪一天”：最早今天，最晚一年以内' }).waitFor();
  assert.equal(await page.locator(`#tenancy-${id}`).getAttribute('aria-invalid'), 'true');
  await accessible(page, 'tenancy refused');
  // A good one: saved and shown.
  const moved = dayFromToday(200);
  await page.fill(`#tenancy-${id}`, moved);
  await row.getByRole('button', { name: '保存租期' }).click();
  await page.getByText(`已把 ${tenantName} 的租期改为住到 ${longDate(moved)}`).waitFor();
  await row.getByText(`租户 · 已加入 · 住到 ${longDate(moved)}`).waitFor();
  assert.equal(await page.inputValue(`#tenancy-${id}`), moved);
  await shot('household-tenant');
  m = (await call('GET', '/api/v1/me', tenant.tokens.access_token)).body.membership;
  assert.equal(m.valid_until, dayFromToday(201));

  // The tenant's own phone shows the last day.
  await signIn(neighbour, tenant.tokens);
  await openHousehold(neighbour);
  await neighbour.locator('#my-membership', { hasText: `我的身份：租户 · 已加入 · 住到 ${longDate(moved)}` }).waitFor();
  await accessible(neighbour, 'my household: tenant');

  // Removing asks once more; "不了" keeps them, then removing for real.
  await openHousehold(page);
  const again = page.locator(`#members li[data-member="${id}"]`);
  await again.getByRole('button', { name: `移除${tenantName}` }).click();
  await again.getByText(`确定移除 ${tenantName} 吗？`).waitFor();
  await accessible(page, 'remove: asked once more');
  await again.getByRole('button', { name: '不了' }).click();
  assert.equal((await call('GET', '/api/v1/me', tenant.tokens.access_token)).body.membership.status, 'active');
  await again.getByRole('button', { name: `移除${tenantName}` }).click();
  await again.getByRole('button', { name: `确定移除${tenantName}` }).click();
  await page.getByText(`已移除 ${tenantName}`).waitFor();
  assert.equal(await page.locator(`#members li[data-member="${id}"]`).count(), 0);
  assert.equal((await call('GET', '/api/v1/me', tenant.tokens.access_token)).body.membership, null);
  // The owner cannot remove themselves here (nor another owner: only staff).
  const mine = (await call('GET', '/api/v1/me', owner.access_token)).body.membership.id;
  assert.equal(await page.locator(`#members li[data-member="${mine}"] button`).count(), 0);
});

test('a request the owner rejects is gone from the list; the resident is told', async () => {
  const other = await applicant('household-stranger');
  const name = await nickname(other.tokens.access_token);
  await openHousehold(page);
  const request = page.locator(`#requests li[data-member="${other.membership.id}"]`);
  await request.getByRole('button', { name: '拒绝' }).click();
  await page.getByText(`已拒绝 ${name} 的申请`).waitFor();
  assert.equal(await page.locator(`#requests li[data-member="${other.membership.id}"]`).count(), 0);
  const notes = (await call('GET', '/api/v1/me/notifications', other.tokens.access_token)).body.items;
  assert.ok(notes.some((n) => n.kind === 'membership.rejected'), JSON.stringify(notes.map((n) => n.kind)));
  // With no membership left, 我的家庭 offers to ask again with the card.
  await signIn(neighbour, other.tokens);
  await openHousehold(neighbour);
  await neighbour.getByText('您还没有加入任何一户').waitFor();
  await accessible(neighbour, 'my household: none');
});
