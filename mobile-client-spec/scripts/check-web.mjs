// Fail when the committed build (web/dist/) is not what web/ builds to today.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'linli-web-'));
try {
  execFileSync(process.execPath, [join(root, 'scripts/build-web.mjs'), tmp], { stdio: 'inherit' });
  const committed = join(root, 'web/dist');
  const names = new Set([...readdirSync(tmp), ...safeList(committed)]);
  const stale = [...names].filter((f) => read(join(tmp, f)) !== read(join(committed, f)));
  if (stale.length) {
    console.error(`STALE: mobile-client-spec/web/dist/{${stale.join(',')}} differ from a fresh build of web/.`);
    console.error('Rebuild with:  (cd mobile-client-spec && npm run build:web)   and commit web/dist/');
    process.exit(1);
  }
  console.log('web app build is current');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
function safeList(d) { try { return readdirSync(d); } catch { return []; } }
function read(f) { try { return readFileSync(f, 'utf8'); } catch { return null; } }
