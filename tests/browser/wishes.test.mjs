// Micro-wishes between two residents, each on a phone of their own (two browser profiles), in
// headless Chromium at 390×844 against the real `linli` binary (SQLite, demo data; MySQL with
// LINLI_BROWSER_DB=mysql): one posts a wish, the other finds it, claims it and marks it done, the
// first confirms it, or disputes it with a reason; the refusals a resident meets say in Chinese
// what to do. Every screen on the way passes axe (no serious or critical violation), loses
// nothing at 200% text and has no target under 44×44 px.
// Filter: `node --test tests/browser/wishes.test.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { anotherPhone, base, call, login, page, screenProblems, shot, signIn, startApp, stopApp, title } from './support.mjs';

let neighbour; // the second resident's phone
let poster, helper; // the two residents' tokens (other households)

before(async () => {
  await startApp();
  neighbour = await anotherPhone();
  poster = await login('wish-poster', 'JC00006');
  helper = await login('wish-helper', 'JC00007');
  // Claiming takes a volunteer or a registered party member: the community registers the helper.
  const staff = (await call('POST', '/api/v1/auth/dev', null, { openid: 'wish-staff', role: 'staff' })).body.access_token;
  const helperId = (await call('GET', '/api/v1/me', helper.access_token)).body.id;
  const party = await call('PUT', `/api/v1/users/${helperId}/party-member`, staff, { is_party_member: true, party_unit: '县卫健委' });
  assert.equal(party.status, 200, JSON.stringify(party.body));
  await signIn(page, poster);
  await signIn(neighbour, helper);
});
after(stopApp);

/** The screen as drawn now passes axe, 200% text and the target size (named for the message). */
async function accessible(p, name) {
  assert.deepEqual(await screenProblems(p), [], name);
}

/** Open wish `id` on phone `p` (afresh: reloaded when it is on show already) and wait for its
 * status badge to say `status`. */
async function openWish(p, id, status) {
  const url = `${base}/app/#/wish/${id}`;
  if (p.url() === url) await p.reload();
  else await p.goto(url);
  await title('心愿详情', p);
  await p.locator('#wish-status', { hasText: status }).waitFor();
}

/** A wish posted through the API (the posting screen itself is walked in the first test). */
async function postWish(text) {
  const r = await call('POST', '/api/v1/wishes', poster.access_token, { title: text, description: '' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

test('a wish from post to confirm: I post it, my neighbour finds, claims and fulfils it on their phone, I confirm', async () => {
  await page.goto(`${base}/app/#/wishes`);
  await title('微心愿');
  await accessible(page, 'wishes (poster)');
  await page.fill('#wish-title', '帮忙换灯泡');
  await page.fill('#wish-description', '厨房的灯泡坏了，够不着');
  await page.click('#post-wish');
  await title('心愿详情');
  const id = Number(page.url().split('/').pop());
  await page.locator('#wish-status', { hasText: '待认领' }).waitFor();
  // My own wish: no claim button, but I may withdraw it.
  assert.equal(await page.locator('#claim').count(), 0);
  await page.getByRole('button', { name: '撤回心愿' }).waitFor();
  await accessible(page, 'my open wish');

  // The neighbour finds it among the open wishes and opens it.
  await neighbour.goto(`${base}/app/#/wishes`);
  await title('微心愿', neighbour);
  const item = neighbour.locator(`#open-wishes [data-wish="${id}"]`);
  await item.getByText('帮忙换灯泡').waitFor();
  await accessible(neighbour, 'wishes (neighbour)');
  await item.click();
  await title('心愿详情', neighbour);
  await neighbour.getByText('完成后认领人获得').waitFor();
  await accessible(neighbour, 'an open wish of another household');
  await shot('wish-claim', neighbour);
  await neighbour.click('#claim');
  await neighbour.getByText('认领成功！完成后请点“我已完成”').waitFor();
  await neighbour.locator('#wish-status', { hasText: '已认领' }).waitFor();
  await neighbour.getByText(`认领人 ${(await call('GET', '/api/v1/me', helper.access_token)).body.nickname}`).waitFor();
  await accessible(neighbour, 'my claimed wish');
  await neighbour.click('#fulfil');
  await neighbour.getByText('已标记完成，等发布人确认').waitFor();
  await neighbour.locator('#wish-status', { hasText: '已完成待确认' }).waitFor();
  // Only the poster confirms.
  assert.equal(await neighbour.locator('#confirm-wish').count(), 0);
  assert.equal(await neighbour.locator('#dispute').count(), 0);
  await accessible(neighbour, 'my fulfilled wish (claimer)');

  // Back on my phone: fulfilled, with the day it confirms itself; I confirm.
  const pointsBefore = (await call('GET', '/api/v1/me/points', helper.access_token)).body.balance;
  await openWish(page, id, '已完成待确认');
  await page.getByText(/将自动确认$/).waitFor();
  await page.locator('label[for="dispute-reason"]').waitFor();
  await accessible(page, 'a fulfilled wish (poster)');
  await shot('wish-confirm');
  await page.click('#confirm-wish');
  await page.getByText('已确认，谢谢！积分已发给认领人').waitFor();
  await page.locator('#wish-status', { hasText: '已确认' }).waitFor();
  assert.equal(await page.locator('#confirm-wish').count(), 0);
  await accessible(page, 'a confirmed wish');
  const wish = (await call('GET', `/api/v1/wishes/${id}`, poster.access_token)).body;
  assert.equal(wish.status, 'confirmed');
  const pointsAfter = (await call('GET', '/api/v1/me/points', helper.access_token)).body.balance;
  assert.equal(pointsAfter - pointsBefore, wish.points);

  // The neighbour's phone shows it settled, and the points arrived on their points screen.
  await openWish(neighbour, id, '已确认');
  await neighbour.goto(`${base}/app/#/points`);
  await title('我的积分', neighbour);
  assert.equal(Number(await neighbour.locator('#balance').textContent()), pointsAfter);
});

test('not done after all: I dispute the fulfilled wish with a reason (asked for when missing)', async () => {
  const id = await postWish('帮忙修自行车');
  await openWish(neighbour, id, '待认领');
  await neighbour.click('#claim');
  await neighbour.locator('#wish-status', { hasText: '已认领' }).waitFor();
  await neighbour.click('#fulfil');
  await neighbour.locator('#wish-status', { hasText: '已完成待确认' }).waitFor();

  await openWish(page, id, '已完成待确认');
  // No reason yet: the app asks for one and sends nothing.
  await page.click('#dispute');
  await page.locator('#wish-message [role="alert"]', { hasText: '请写下哪里不对，社区工作人员会来处理' }).waitFor();
  assert.equal((await call('GET', `/api/v1/wishes/${id}`, poster.access_token)).body.status, 'fulfilled');
  await accessible(page, 'dispute without a reason');
  await page.fill('#dispute-reason', '车胎还是漏气');
  await page.click('#dispute');
  await page.getByText('已提出异议，社区工作人员会联系您').waitFor();
  await page.locator('#wish-status', { hasText: '有异议' }).waitFor();
  assert.equal(await page.locator('#confirm-wish').count(), 0);
  await accessible(page, 'a disputed wish (poster)');
  await shot('wish-disputed');
  const wish = (await call('GET', `/api/v1/wishes/${id}`, poster.access_token)).body;
  assert.equal(wish.status, 'disputed');

  // The neighbour sees the dispute and has nothing left to tap on it.
  await openWish(neighbour, id, '有异议');
  assert.equal(await neighbour.locator('#fulfil, #claim, #confirm-wish, #dispute').count(), 0);
  await accessible(neighbour, 'a disputed wish (claimer)');
});

test('what a resident meets when a wish is not theirs to take: taken meanwhile, not a volunteer; and withdrawing my own', async () => {
  // A stale screen: the neighbour looks at an open wish while a third resident claims it first.
  const id = await postWish('帮忙取快递');
  await openWish(neighbour, id, '待认领');
  const third = await login('wish-third', 'JC00008');
  const staff = (await call('POST', '/api/v1/auth/dev', null, { openid: 'wish-staff', role: 'staff' })).body.access_token;
  const thirdId = (await call('GET', '/api/v1/me', third.access_token)).body.id;
  assert.equal((await call('PUT', `/api/v1/users/${thirdId}/party-member`, staff, { is_party_member: true, party_unit: '县教育局' })).status, 200);
  assert.equal((await call('POST', `/api/v1/wishes/${id}/claim`, third.access_token)).status, 200);
  await neighbour.click('#claim');
  await neighbour.locator('#wish-message [role="alert"]', { hasText: '这个心愿刚刚被别人认领了，请看看其他心愿' }).waitFor();
  await accessible(neighbour, 'claim refused: taken meanwhile');

  // A resident who is neither a volunteer nor a party member is told how to become one.
  const other = await postWish('帮忙搬花盆');
  const plain = await login('wish-plain', 'JC00009');
  await signIn(neighbour, plain);
  await openWish(neighbour, other, '待认领');
  await neighbour.click('#claim');
  await neighbour.locator('#wish-message [role="alert"]', { hasText: '只有注册志愿者才能认领心愿，请先加入一个志愿服务队' }).waitFor();
  assert.equal((await call('GET', `/api/v1/wishes/${other}`, poster.access_token)).body.status, 'open');
  await signIn(neighbour, helper);

  // My own open wish: withdraw asks once more, then it is withdrawn.
  await openWish(page, other, '待认领');
  await page.getByRole('button', { name: '撤回心愿' }).click();
  await page.getByText('确定撤回这个心愿吗？').waitFor();
  await accessible(page, 'withdraw: asked once more');
  await page.getByRole('button', { name: '确定撤回心愿' }).click();
  await page.getByText('心愿已撤回').waitFor();
  await page.locator('#wish-status', { hasText: '已撤回' }).waitFor();
  assert.equal((await call('GET', `/api/v1/wishes/${other}`, poster.access_token)).body.status, 'withdrawn');
});
