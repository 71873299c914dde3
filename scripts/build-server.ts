/**
 * `npm run build:server`: the server, CLI and terminal client as JavaScript in dist/ (tsc
 * with rewriteRelativeImportExtensions, so `./x.ts` imports become `./x.js`; --noCheck because
 * `npm run typecheck` is the type check, and emitting alone takes a few seconds). dist/ mirrors
 * src/ (dist/web is Vite's), so paths relative to a module (package.json, dist/web) hold in both.
 * The old output is removed first (a deleted source leaves no module behind), and
 * dist/BUILD.json records the digest of the inputs, taken before compiling: bin/banter.js
 * runs dist/ only while that digest matches the sources (bin/build-stamp.js).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceDigest, STAMP } from '../bin/build-stamp.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
for (const e of readdirSync(dist)) if (e !== 'web') rmSync(join(dist, e), { recursive: true, force: true });
const digest = sourceDigest(root);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck'], { cwd: root, stdio: 'inherit' });
writeFileSync(join(root, STAMP), `${JSON.stringify({ digest, builtAt: new Date().toISOString() })}\n`);
