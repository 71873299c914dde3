// @ts-check
/**
 * Whether the built server in dist/ (`npm run build`) is the code of the sources beside it.
 * The build writes dist/BUILD.json with a digest of its inputs (every file under src/ except
 * the web client, which Vite builds on its own, the tsconfig files, and package-lock.json: the
 * build bundles zod into dist/vendor, so another zod is another build); `bin/banter.js` runs
 * dist/cli.js only when that digest equals the sources' digest now, so an edit, a checkout, an
 * added or a deleted file makes it run the TypeScript sources instead: never stale code.
 *
 * Plain JavaScript on purpose: loading any .ts file loads Node's type stripper (≈ 18 MB).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files at the root that change what the build emits. */
const ROOT_INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** Relative paths (with `/`) of the build's inputs under `root`, sorted. */
export function buildInputs(root) {
  const files = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (path !== 'src/web') walk(path);
      } else if (e.isFile()) files.push(path);
    }
  };
  walk('src');
  for (const f of ROOT_INPUTS) {
    try {
      readFileSync(join(root, f));
      files.push(f);
    } catch { /* absent: not an input */ }
  }
  return files.sort();
}

/** sha256 over every input's path and bytes. */
export function sourceDigest(root) {
  const h = createHash('sha256');
  for (const f of buildInputs(root)) {
    const bytes = readFileSync(join(root, f));
    h.update(`${f}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return h.digest('hex');
}

export const STAMP = 'dist/BUILD.json';

/** The digest recorded by the last build, or undefined when there is no (readable) build. */
export function builtDigest(root) {
  try {
    const stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
    return typeof stamp.digest === 'string' ? stamp.digest : undefined;
  } catch {
    return undefined;
  }
}

/** True when dist/ holds a build of exactly the current sources. */
export function buildIsFresh(root) {
  const built = builtDigest(root);
  return built !== undefined && built === sourceDigest(root);
}
