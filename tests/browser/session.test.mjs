// The web app's two rules about time, in headless Chromium against the real server
// (support.mjs says how to run them):
// - a failed refresh ends the session only when the server refused the refresh token
//   (`invalid_refresh_token`, `refresh_token_reused`); a busy server (503, 429) or a lost network
//   keeps the resident logged in, says what happened and offers to try again;
// - a screen shows only its own answers: one that arrives after the resident moved on (data, an
//   error, or the reload after an action) is dropped, never drawn over the newer screen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appTokens, base, call, login, page, shot, startApp, stopApp, title } from './support.mjs';

before(startApp);
after(stopApp);

/** Put a fresh login into the app's storage and show `hash`. */
async function signedIn(openid, hash, card) {
  const answer = await login(openid, card);
  await page.goto(`${base}/app/#/login`);
  await title('登录');
  await page.evaluate((t) => localStorage.setItem('linli.tokens', JSON.stringify(t)),
    { access_token: answer.access_token, refresh_token: answer.refresh_token });
  await page.goto(`${base}/app/${hash}`);
  return answer;
}

/** Answer 401 `token_expired` to `path` while it carries this access token (as if it had expired). */
async function expireAccessTokenOn(path, accessToken) {
  await page.route(`**${path}`, (route) => (route.request().headers().authorization === `Bearer ${accessToken}`
    ? route.fulfill({ status: 401, json: { code: 'token_expired', message: '登录已过期' } })
    : route.continue()));
}

/**
 * Hold the next request to `path` until released: `arrived` resolves when the page sent it,
 * `release()` lets it through to the server, `fail()` drops the connection.
 */
async function hold(path) {
  let arrived, release, fail;
  const seen = new Promise((r) => { arrived = r; });
  const gate = new Promise((r) => { release = () => r('continue'); fail = () => r('abort'); });
  await page.route(`**${path}`, async (route) => {
    arrived();
    if ((await gate) === 'continue') await route.continue();
    else await route.abort('connectionreset');
  }, { times: 1 });
  return { arrived: seen, release, fail };
}

/** Let whatever the page was about to do with a late answer happen (it runs in milliseconds). */
async function settle() {
  await page.waitForTimeout(500);
}

async function screenTitle() {
  return page.locator('#title').textContent();
}

const busyRefreshes = [
  ['503 service_unavailable', (route) => route.fulfill({ status: 503, headers: { 'Retry-After': '1' }, json: { code: 'service_unavailable', message: '服务暂时不可用，请稍后再试' } }), '服务繁忙，请稍后再试'],
  ['429 rate_limited', (route) => route.fulfill({ status: 429, headers: { 'Retry-After': '1' }, json: { code: 'rate_limited', message: '请求过于频繁' } }), '操作太频繁了，请稍后再试'],
  ['no answer', (route) => route.abort('internetdisconnected'), '网络连接失败，请检查网络后重试'],
];

for (const [what, answer, told] of busyRefreshes) {
  test(`a refresh that meets ${what} keeps the resident logged in; 重试 works once the server answers`, async () => {
    const openid = `refresh-${what.split(' ')[0]}`;
    const first = await signedIn(openid, '#/');
    await title('邻里');
    await expireAccessTokenOn('/api/v1/me/points', first.access_token);
    await page.route('**/api/v1/auth/refresh', answer);

    await page.goto(`${base}/app/#/points`);
    await title('出错了');
    await page.getByRole('alert').filter({ hasText: told }).waitFor();
    assert.equal(page.url(), `${base}/app/#/points`, 'still on the screen, not sent to log in');
    assert.deepEqual(await appTokens(), { access_token: first.access_token, refresh_token: first.refresh_token }, 'both tokens kept');
    if (what === '503 service_unavailable') await shot('15-refresh-busy');

    // The server is back: 重试 refreshes with the kept token and shows the screen.
    await page.unroute('**/api/v1/auth/refresh');
    await page.getByRole('button', { name: '重试' }).click();
    await title('我的积分');
    const renewed = await appTokens();
    assert.notEqual(renewed.refresh_token, first.refresh_token, 'the kept refresh token was rotated');
    const points = await call('GET', '/api/v1/me/points', renewed.access_token);
    assert.equal(points.status, 200);
    await page.unroute('**/api/v1/me/points');
  });
}

test('a refresh token already used (refresh_token_reused) logs the resident out', async () => {
  const first = await signedIn('refresh-reused', '#/');
  await title('邻里');
  // A copy of the refresh token is used elsewhere first: the app's copy is now a reused one.
  const elsewhere = await call('POST', '/api/v1/auth/refresh', null, { refresh_token: first.refresh_token });
  assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
  // ...and goes on with its successor, so the app's copy is no longer a retry within the grace
  // window (which would get the same pair again) but a reuse.
  const onward = await call('POST', '/api/v1/auth/refresh', null, { refresh_token: elsewhere.body.refresh_token });
  assert.equal(onward.status, 200, JSON.stringify(onward.body));
  await expireAccessTokenOn('/api/v1/me/points', first.access_token);
  const refreshed = page.waitForResponse('**/api/v1/auth/refresh');

  await page.goto(`${base}/app/#/points`);
  const refusal = await refreshed;
  assert.equal(refusal.status(), 401);
  assert.equal((await refusal.json()).code, 'refresh_token_reused');
  await title('登录');
  assert.equal(page.url(), `${base}/app/#/login`);
  assert.equal(await page.evaluate(() => localStorage.getItem('linli.tokens')), null, 'both tokens dropped');
  await page.unroute('**/api/v1/me/points');
});

test('an unknown refresh token (invalid_refresh_token) logs the resident out', async () => {
  const first = await signedIn('refresh-invalid', '#/');
  await title('邻里');
  await page.evaluate((access) => localStorage.setItem('linli.tokens', JSON.stringify({ access_token: access, refresh_token: 'not-a-refresh-token' })), first.access_token);
  await expireAccessTokenOn('/api/v1/me/points', first.access_token);
  const refreshed = page.waitForResponse('**/api/v1/auth/refresh');

  await page.goto(`${base}/app/#/points`);
  assert.equal((await (await refreshed).json()).code, 'invalid_refresh_token');
  await title('登录');
  assert.equal(await page.evaluate(() => localStorage.getItem('linli.tokens')), null);
  await page.unroute('**/api/v1/me/points');
});

test('a slow screen\'s late answer is dropped once the resident moved on', async () => {
  await signedIn('late-answers', '#/');
  await title('邻里');
  const points = await hold('/api/v1/me/points');
  await page.goto(`${base}/app/#/points`);
  await points.arrived;
  await page.goto(`${base}/app/#/notifications`);
  await title('消息通知');

  const answered = page.waitForResponse('**/api/v1/me/points');
  points.release();
  assert.equal((await answered).status(), 200);
  await settle();
  assert.equal(await screenTitle(), '消息通知');
  assert.equal(await page.locator('#balance').count(), 0, 'the points screen did not draw');
});

test('a slow screen\'s late failure is dropped too (no error page over the newer screen)', async () => {
  await signedIn('late-failure', '#/');
  await title('邻里');
  const points = await hold('/api/v1/me/points');
  await page.goto(`${base}/app/#/points`);
  await points.arrived;
  await page.goto(`${base}/app/#/activities`);
  await title('志愿活动');

  const failed = page.waitForEvent('requestfailed', (r) => r.url().includes('/api/v1/me/points'));
  points.fail();
  await failed;
  await settle();
  assert.equal(await screenTitle(), '志愿活动');
  assert.equal(await page.getByRole('alert').count(), 0);
});

test('an action finishing after the resident moved on does not pull them back', async () => {
  await signedIn('late-action', '#/activities', 'JC00005');
  await title('志愿活动');
  await page.locator('a.card.activity[data-skills=""][data-open]').first().click();
  await title('活动详情');
  const activity = Number(page.url().split('/').pop());

  const signup = await hold(`/api/v1/activities/${activity}/signups`);
  await page.click('#signup');
  await signup.arrived;
  await page.goto(`${base}/app/#/points`);
  await title('我的积分');

  const answered = page.waitForResponse(`**/api/v1/activities/${activity}/signups`);
  signup.release();
  assert.equal((await answered).status(), 201, 'the sign-up itself went through');
  await settle();
  assert.equal(await screenTitle(), '我的积分', 'still where the resident went');

  // Back on the activity, the sign-up is there.
  await page.goto(`${base}/app/#/activity/${activity}`);
  await title('活动详情');
  await page.getByText('您已报名成功，请准时参加。').waitFor();
});
