// mp_live_polyfilled: the same scenario with the web globals removed first, so the client runs
// on the mini-program's own polyfills (lib/polyfill.ts) as it does in WeChat's JS engine.
const test = require('node:test');
const assert = require('node:assert/strict');

const fetchImpl = globalThis.fetch;
for (const k of ['Request', 'Response', 'Headers', 'FormData']) delete globalThis[k];
globalThis.fetch = fetchImpl; // only the fake wx.request uses it, as WeChat's runtime does its own networking
const { run } = require('./scenario.cjs');

test('mp_live_polyfilled: the same scenario on the mini-program polyfills', { timeout: 180_000 }, async (t) => {
  await run(t);
  const { POLYFILLED } = require('../../dist/lib/index.js');
  assert.deepEqual(POLYFILLED.filter((k) => ['Request', 'Response', 'Headers'].includes(k)), ['Headers', 'Request', 'Response'], 'the polyfills were in use');
});
