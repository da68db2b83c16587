// mp_live: the mini-program's client on Node's own fetch globals (Request, Response, Headers).
const test = require('node:test');
const { run } = require('./scenario.cjs');

test('mp_live: dev login, bind, book (retried with the same key), cancel, sign up, log out against the real server', { timeout: 180_000 }, run);
