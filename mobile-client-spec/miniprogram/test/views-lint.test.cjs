// mp_views_lint: the lint rule that keeps views on the shared core (eslint.config.mjs) fails a
// view, web or mini-program, that calls the API any other way, and passes one that uses core.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');

async function lint(file, code) {
  const { ESLint } = await import('eslint');
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.filter((m) => /no-restricted/.test(m.ruleId ?? '')).map((m) => m.message);
}

test('mp_views_lint: raw calls in a view fail the lint, core calls pass', { timeout: 120_000 }, async () => {
  const bad = [
    "wx.request({ url: 'https://x/api/v1/me', success: () => undefined });",
    "void fetch('/api/v1/me');",
    'void window.fetch(`/api/v1/me/${1}`);',
    "import createClient from 'openapi-fetch';\nexport const c = createClient;",
  ];
  for (const file of ['miniprogram/src/pages/charging/index.ts', 'web/src/charging.ts']) {
    for (const code of bad) {
      const found = await lint(file, code);
      assert.ok(found.length > 0, `${file}: not caught: ${code}`);
      assert.ok(found.some((m) => /shared core/.test(m)), found.join('; '));
    }
  }
  const good = "import { api, ok } from '../../lib/index';\nexport const me = () => ok(api.GET('/api/v1/me'));\n";
  assert.deepEqual(await lint('miniprogram/src/pages/charging/index.ts', good), []);
  // The adapter itself may use wx.request.
  assert.deepEqual(await lint('miniprogram/src/lib/wx-fetch.ts', "wx.request({ url: '/api/v1/me' });"), []);
});
