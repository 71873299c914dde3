/**
 * `npm run build:server`: the server, CLI and terminal client as JavaScript in dist/ (tsc
 * with rewriteRelativeImportExtensions, so `./x.ts` imports become `./x.js`; --noCheck because
 * `npm run typecheck` is the type check, and emitting alone takes a few seconds). dist/ mirrors
 * src/ (dist/web is Vite's), so paths relative to a module (package.json, dist/web) hold in both.
 * The old output is removed first (a deleted source leaves no module behind), and
 * dist/BUILD.json records the digest of the inputs, taken before compiling: bin/banter.js
 * runs dist/ only while that digest matches the sources (bin/build-stamp.js).
 *
 * zod is then bundled into dist/vendor/zod.js (`vendorZod`): one module with only the part of
 * zod that dist/ uses, in ASCII, instead of node_modules/zod's 95 modules (its 40 locales and
 * JSON-schema converters among them), whose sources V8 keeps in the heap, most of them as
 * two-byte strings: ≈ 3 MB less idle RSS. And every emitted module is rewritten without its
 * comments, in ASCII (`compactSources`): ≈ 0.7 MB (docs/benchmarks.md, "Idle RSS with SQLite,
 * 2026-12-02"). The sources (tests, BANTER_SOURCES=1) import zod itself: the same code.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';
import { minifySync, parseSync } from 'rolldown/utils';
import { sourceDigest, STAMP } from '../bin/build-stamp.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
for (const e of readdirSync(dist)) if (e !== 'web') rmSync(join(dist, e), { recursive: true, force: true });
const digest = sourceDigest(root);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck'], { cwd: root, stdio: 'inherit' });
await vendorZod();
compactSources();
writeFileSync(join(root, STAMP), `${JSON.stringify({ digest, builtAt: new Date().toISOString() })}\n`);

/** Every .js file that tsc emitted into dist/ (not Vite's dist/web, not dist/vendor). */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !/^(web|vendor)\//.test(relative(dir, f).split(sep).join('/')));
}

/**
 * Rewrites every emitted module without its comments and with non-ASCII characters escaped
 * (oxc's code generator: nothing renamed, nothing compressed, one statement a line, so the
 * code stays readable). V8 keeps each module's source in the heap for as long as the process
 * runs, and a source with one character past U+00FF (an em dash in a comment) is stored in two
 * bytes a character: dist/'s modules took ≈ 1.0 MB of heap at idle, ≈ 0.4 MB after.
 */
function compactSources(): void {
  for (const file of jsFiles(dist)) {
    const r = minifySync(file, readFileSync(file, 'utf8'), { module: true, compress: false, mangle: false, codegen: { removeWhitespace: false, asciiOnly: true, legalComments: 'none' } });
    if (r.errors.length > 0) throw new Error(`${relative(root, file)}: ${r.errors.map((e) => e.message).join('; ')}`);
    writeFileSync(file, r.code);
  }
}

type Node = { type?: string; [key: string]: unknown };

/**
 * The names a module uses of zod's namespace `z` (`z.object` → object), from its syntax tree;
 * throws if `z` is used in any other way (passed around, indexed, shadowed), which would need
 * names this cannot see.
 */
function zodNames(file: string, code: string): Set<string> {
  const { program, errors } = parseSync(file, code);
  if (errors.length > 0) throw new Error(`${relative(root, file)}: ${errors.map((e) => e.message).join('; ')}`);
  const names = new Set<string>();
  const isZ = (n: unknown): boolean => (n as Node | null)?.type === 'Identifier' && (n as Node).name === 'z';
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) { for (const v of value) walk(v); return; }
    if (value === null || typeof value !== 'object') return;
    const n = value as Node;
    if (n.type === 'MemberExpression' && !n.computed && isZ(n.object)) {
      names.add((n.property as Node).name as string);
      return;
    }
    if (isZ(n)) throw new Error(`${relative(root, file)}: zod's namespace \`z\` is used other than as \`z.name\` (scripts/build-server.ts bundles only the names it sees)`);
    for (const [k, v] of Object.entries(n)) {
      // Names that are not references: `o.z`, `{ z: 1 }`, a method or class field named z.
      if (k === 'property' && n.type === 'MemberExpression' && !n.computed) continue;
      if (k === 'key' && !n.computed && (n.type === 'Property' || n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') && !n.shorthand) continue;
      walk(v);
    }
  };
  walk(program);
  return names;
}

/**
 * Bundles the zod that dist/ uses into dist/vendor/zod.js and points dist/'s imports of 'zod'
 * at it. The modules must import it as `import * as z from 'zod'` and use it as `z.name`
 * (what src/ does; the build fails on anything else rather than bundle too little): the bundle
 * exports exactly those names, so tree-shaking drops the rest of zod. Whitespace and comments
 * are removed and non-ASCII characters escaped (V8 stores an ASCII source in one byte a
 * character), names are kept (readable stack traces), nothing else is rewritten.
 */
async function vendorZod(): Promise<void> {
  const importLine = /^import \* as z from 'zod';$/m;
  const users = new Map<string, string>();
  const names = new Set<string>();
  for (const file of jsFiles(dist)) {
    const code = readFileSync(file, 'utf8');
    if (!/from 'zod'|import\('zod'\)|require\('zod'\)/.test(code)) continue;
    if (!importLine.test(code) || code.match(/from 'zod'/g)!.length !== 1) {
      throw new Error(`${relative(root, file)}: import zod as \`import * as z from 'zod'\` only (scripts/build-server.ts bundles it)`);
    }
    for (const name of zodNames(file, code.replace(importLine, ''))) names.add(name);
    users.set(file, code);
  }
  if (users.size === 0) return;
  const vendor = join(dist, 'vendor');
  mkdirSync(vendor, { recursive: true });
  const entry = join(vendor, 'zod-entry.js');
  writeFileSync(entry, `export { ${[...names].sort().join(', ')} } from 'zod';\n`);
  const bundle = await rolldown({ input: entry, cwd: root, treeshake: true, logLevel: 'warn', external: [] });
  try {
    await bundle.write({
      file: join(vendor, 'zod.js'), format: 'esm', charset: 'ascii',
      minify: { compress: false, mangle: false, codegen: { removeWhitespace: true, asciiOnly: true, legalComments: 'inline' } },
    });
  } finally {
    await bundle.close();
  }
  rmSync(entry);
  const out = readFileSync(join(vendor, 'zod.js'), 'utf8');
  if (/[\u0080-\uffff]/.test(out) || /from ['"]zod/.test(out)) throw new Error('dist/vendor/zod.js is not a self-contained ASCII bundle');
  for (const [file, code] of users) {
    let rel = relative(dirname(file), join(vendor, 'zod.js'));
    if (!rel.startsWith('.')) rel = `./${rel}`;
    writeFileSync(file, code.replace(importLine, `import * as z from '${rel}';`));
  }
}
