// Fail when the committed client (client/schema.d.ts, client/openapi.sha256) is not what the
// generator makes from openapi/openapi.json today.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'linli-client-'));
try {
  execFileSync(process.execPath, [join(root, 'scripts/gen-client.mjs'), tmp], { stdio: 'inherit' });
  const stale = ['schema.d.ts', 'openapi.sha256'].filter((f) => {
    let committed = '';
    try { committed = readFileSync(join(root, 'client', f), 'utf8'); } catch { /* missing */ }
    return committed !== readFileSync(join(tmp, f), 'utf8');
  });
  if (stale.length) {
    console.error(`STALE: mobile-client-spec/client/{${stale.join(',')}} differ from what openapi/openapi.json generates.`);
    console.error('Regenerate with:  (cd mobile-client-spec && npm run gen:client)   then rebuild the app: npm run build:web');
    process.exit(1);
  }
  console.log('client is current with openapi/openapi.json');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
