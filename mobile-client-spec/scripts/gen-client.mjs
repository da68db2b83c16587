// Generate the typed client's types from the committed OpenAPI document:
//   node scripts/gen-client.mjs <out-dir>     (npm run gen:client writes client/)
// Writes <out-dir>/schema.d.ts (openapi-typescript) and <out-dir>/openapi.sha256 (the hash of
// the document it was generated from; a Rust test compares it, so `cargo test` fails too when
// the API changed and the client was not regenerated).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const spec = resolve(root, '../openapi/openapi.json');
const out = resolve(root, process.argv[2] ?? 'client');
mkdirSync(out, { recursive: true });

execFileSync(
  process.execPath,
  [join(root, 'node_modules/openapi-typescript/bin/cli.js'), spec, '-o', join(out, 'schema.d.ts'), '--root-types', '--alphabetize'],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const digest = createHash('sha256').update(readFileSync(spec)).digest('hex');
writeFileSync(join(out, 'openapi.sha256'), `${digest}  openapi/openapi.json\n`);
