// Build the resident web app into static files: node scripts/build-web.mjs <out-dir>
// (npm run build:web writes web/dist/, which is committed and embedded in the linli binary).
// index.html names app.js and app.css with ?v=<content hash> so phones may cache them forever.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, process.argv[2] ?? 'web/dist');
mkdirSync(out, { recursive: true });

const common = { bundle: true, format: 'esm', target: 'es2020', minify: true, legalComments: 'none', charset: 'utf8', logLevel: 'warning' };
const hash = (f) => createHash('sha256').update(readFileSync(join(out, f))).digest('hex').slice(0, 12);
// The QR scanner (with its decoder) is its own file, loaded only when a "扫码" button is tapped,
// so the first load stays small; app.js names it by its content hash.
await build({ ...common, entryPoints: [join(root, 'web/src/scan.ts')], outfile: join(out, 'scan.js') });
await build({
  ...common,
  entryPoints: [join(root, 'web/src/main.ts')],
  outfile: join(out, 'app.js'),
  define: { __SCAN_URL__: JSON.stringify(`/app/scan.js?v=${hash('scan.js')}`) },
});
copyFileSync(join(root, 'web/app.css'), join(out, 'app.css'));
copyFileSync(join(root, 'web/icon.svg'), join(out, 'icon.svg'));
const html = readFileSync(join(root, 'web/index.html'), 'utf8')
  .replace('__JS_HASH__', hash('app.js'))
  .replace('__CSS_HASH__', hash('app.css'));
writeFileSync(join(out, 'index.html'), html);
