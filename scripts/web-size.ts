/**
 * Prints the size of the built web client (dist/web), raw and gzipped (level 9), per file
 * and for all JavaScript together. Run `npm run build:web` first. Used for docs/benchmarks.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dir = fileURLToPath(new URL('../dist/web/assets/', import.meta.url));
let jsRaw = 0;
let jsGz = 0;
for (const f of readdirSync(dir).sort()) {
  const buf = readFileSync(join(dir, f));
  const gz = gzipSync(buf, { level: 9 }).length;
  if (f.endsWith('.js')) { jsRaw += buf.length; jsGz += gz; }
  console.log(`${f.padEnd(36)} ${String(buf.length).padStart(8)} B  gzip ${String(gz).padStart(7)} B`);
}
console.log(`${'all JavaScript'.padEnd(36)} ${String(jsRaw).padStart(8)} B  gzip ${String(jsGz).padStart(7)} B (${(jsGz / 1024).toFixed(1)} KiB)`);
