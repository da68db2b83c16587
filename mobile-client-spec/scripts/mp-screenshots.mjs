// Render the mini-program page tests' snapshots (test-output/mp-pages/*.html, written by
// `npm run test:mp`) to PNG at a 390×844 phone in headless Chromium:
//   node scripts/mp-screenshots.mjs [out-dir]   (default test-output/mp-pages/)
// They show the simulated DOM with app.wxss, not WeChat's own rendering (that is DevTools only).
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'test-output/mp-pages');
const out = resolve(process.argv[2] ?? src);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
for (const f of readdirSync(src).filter((f) => f.endsWith('.html'))) {
  await page.goto(`file://${join(src, f)}`);
  // The part a test was about: its message, error or confirmation, in the middle of the screen.
  await page.locator('.main--error, .main--ok, .main--offer').first().scrollIntoViewIfNeeded({ timeout: 1000 }).catch(() => undefined);
  await page.screenshot({ path: join(out, f.replace(/\.html$/, '.png')) });
  console.log(join(out, f.replace(/\.html$/, '.png')));
}
await browser.close();
