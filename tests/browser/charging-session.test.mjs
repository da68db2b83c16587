// The resident's live charging session (issue 15 point 7), end to end: the real server, the real
// device gateway (`linli gateway`) and a simulated pile (`linli simulate-piles`) speaking DNY to
// it over TCP. The resident starts charging from 我的预约; the session screen shows the pile's
// power, energy and duration updating while it charges, then the result after the pile's
// settlement. axe, 200% text and 44 px targets on both views; the live region is told each
// state once, not every reading.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { base, call, login, page, screenProblems, shot, signIn, startApp, startPiles, stopApp, title } from './support.mjs';

const STATUS = '#session-status';

before(async () => {
  await startApp();
  // One pile of 天和人家 (pile 1: sockets 1 and 2). A charge is full after 15 simulated
  // minutes, at 60 simulated seconds per real second, with a power report every second.
  await startPiles({ compound: 1, piles: 1, simArgs: ['--report-secs', '1', '--speed', '60', '--charge-minutes', '15'] });
});
after(stopApp);

async function staff() {
  return (await call('POST', '/api/v1/auth/dev', null, { openid: 'session-staff', role: 'staff' })).body.access_token;
}

async function until(what, probe, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a session started from my bookings charges live on the screen, then shows its result', async () => {
  const s = await staff();
  // Check-in stays open for the whole half hour, so the booking below can start whenever the
  // test runs within its slot.
  const { settings } = (await call('GET', '/api/v1/compounds/1/charging', s)).body;
  assert.equal((await call('PUT', '/api/v1/compounds/1/charging-settings', s, { ...settings, grace_minutes: 30 })).status, 200);
  await until('the simulated pile online', async () => {
    const r = await call('GET', '/api/v1/devices?pile_id=1', s);
    return r.body?.items?.[0]?.online;
  });

  const tokens = await login('charging-resident', 'JC00001');
  const slot = 30 * 60_000;
  // In a slot's last two minutes, wait for the next one: the check-in window closes with the
  // slot, and the start below must fall inside it.
  const left = slot - (Date.now() % slot);
  if (left < 120_000) await new Promise((r) => setTimeout(r, left + 1_000));
  const startsAt = Math.floor(Date.now() / slot) * slot;
  const booked = await call('POST', '/api/v1/bookings', tokens.access_token, {
    socket_id: 1, starts_at: new Date(startsAt).toISOString(), ends_at: new Date(startsAt + 2 * slot).toISOString(),
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));

  await signIn(page, tokens);
  await page.goto(`${base}/app/#/bookings`);
  await title('我的预约');
  await page.locator(`[data-start="${booked.body.id}"]`).click();
  await title('我的充电');

  // Count what the live region is told and how often the numbers change.
  await page.evaluate((sel) => {
    window.told = [document.querySelector(sel).textContent];
    window.readings = 0;
    new MutationObserver(() => window.told.push(document.querySelector(sel).textContent))
      .observe(document.querySelector(sel), { childList: true, characterData: true, subtree: true });
    new MutationObserver(() => { window.readings += 1; })
      .observe(document.getElementById('screen'), { childList: true, characterData: true, subtree: true });
  }, STATUS);
  assert.equal(await page.locator(STATUS).getAttribute('role'), 'status');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '充电中', STATUS, { timeout: 20_000 });
  const energy = page.locator('[data-fact="energy"] dd');
  const duration = page.locator('[data-fact="duration"] dd');
  const power = page.locator('[data-fact="power"] dd');
  await page.waitForFunction(() => /瓦$/.test(document.querySelector('[data-fact="power"] dd')?.textContent ?? ''));
  const firstDuration = await duration.textContent();
  // The numbers move on while it charges (the screen asks again every few seconds).
  await page.waitForFunction((d) => {
    const now = document.querySelector('[data-fact="duration"] dd')?.textContent;
    return now && now !== d && document.querySelector('#session-status')?.textContent === '充电中';
  }, firstDuration, { timeout: 15_000 });
  const watts = Number((await power.textContent()).replace(' 瓦', ''));
  assert.ok(watts >= 100 && watts <= 450, `a plausible e-bike charger's power: ${watts} W`);
  assert.match(await energy.textContent(), /^\d+\.\d\d 度$/);
  await shot('session-charging');
  assert.deepEqual(await screenProblems(), [], 'the live session screen');

  // The pile settles when the battery is full; the screen shows the result.
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.startsWith('充电已结束'), STATUS, { timeout: 40_000 });
  assert.equal(await page.locator(STATUS).textContent(), '充电已结束：已充满，充电结束');
  await page.getByRole('heading', { name: '充电结果' }).waitFor();
  const kwh = Number((await energy.textContent()).replace(' 度', ''));
  assert.ok(kwh > 0.02 && kwh < 0.2, `15 minutes at 100-400 W: ${kwh} kWh`);
  assert.equal(await duration.textContent(), '15分00秒');
  assert.equal(await power.count(), 0, 'no live power once settled');
  await shot('session-settled');
  assert.deepEqual(await screenProblems(), [], 'the result');

  // The live region was told each state once (and the result), while readings changed often.
  const told = await page.evaluate(() => window.told.filter((t, i, a) => t !== a[i - 1]));
  assert.deepEqual(told.slice(-2), ['充电中', '充电已结束：已充满，充电结束']);
  assert.ok(told.length <= 3, JSON.stringify(told));
  assert.ok(await page.evaluate(() => window.readings) > told.length);

  // What the API stored agrees: settled once, the booking completed.
  const mine = await call('GET', '/api/v1/me/charging-sessions', tokens.access_token);
  assert.equal(mine.body.items[0].state, 'settled');
  assert.equal(mine.body.items[0].stop_reason, 'full');
  const booking = await call('GET', `/api/v1/bookings/${booked.body.id}`, tokens.access_token);
  assert.equal(booking.body.status, 'completed');
});
