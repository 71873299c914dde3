/**
 * The build step (docs/DEVELOPING.md, "Running"): `npm run build:server` emits the server as
 * JavaScript into dist/, and bin/banter.js runs it only while it is a build of exactly the
 * sources beside it, else the TypeScript sources: never stale code. The test works on a copy
 * of the checkout (src, bin, scripts, the tsconfig files, package.json and its lock; node_modules
 * linked), so its builds and edits never disturb other tests that run this checkout's dist/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildIsFresh, STAMP } from '../bin/build-stamp.js';
import { startChildServer, type ChildServer } from './helpers/child-server.ts';
import { runProbe } from './helpers/probe.ts';
import { TestClient } from './helpers/server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
const children: ChildServer[] = [];
after(() => {
  for (const c of children) c.proc.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A copy of what the build and the bin read. */
function copyCheckout(): string {
  const root = tempDir('banter-build-');
  cpSync(join(ROOT, 'src'), join(root, 'src'), { recursive: true, filter: (p) => !p.startsWith(join(ROOT, 'src/web')) });
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'scripts'));
  cpSync(join(ROOT, 'scripts/build-server.ts'), join(root, 'scripts/build-server.ts'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(root, f));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

function build(root: string): void {
  execFileSync(process.execPath, ['scripts/build-server.ts'], { cwd: root, stdio: 'pipe' });
}

/** Every file under dir, relative. */
function files(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => e.isDirectory() ? files(dir, join(rel, e.name)) : [join(rel, e.name)]);
}

async function serve(root: string): Promise<ChildServer> {
  // Generous wall-clock limits: the first search and calculation start a worker thread, which
  // takes seconds on a loaded machine; this test is about which code runs, not about limits.
  const s = await startChildServer(tempDir('banter-build-data-'), 0, { BANTER_IRC_ENABLED: 'false', BANTER_CALC_TIMEOUT_MS: '60000', BANTER_SEARCH_TIMEOUT_MS: '60000' }, root);
  children.push(s);
  return s;
}

async function stop(s: ChildServer): Promise<void> {
  s.proc.kill('SIGTERM');
  assert.equal(await s.exited, 0, `${s.stderr()}\n${s.logTail().join('\n')}`);
}

/** A request whose answer may take longer than TestClient's 15 s wait. */
async function slowRequest(c: TestClient, type: 'search' | 'calc', args: Record<string, string>): Promise<unknown> {
  const id = `slow-${type}`;
  c.sendRaw({ type, id, ...args });
  const ev = await c.waitFor((e) => (e.type === 'reply' || e.type === 'error') && e.id === id, 120_000);
  assert.equal(ev.type, 'reply', JSON.stringify(ev));
  return (ev as unknown as { data: unknown }).data;
}

function listening(s: ChildServer): { version?: string; code?: string } {
  const line = s.logTail().find((l) => l.includes('"msg":"listening"'));
  assert.ok(line, 'a listening line');
  return JSON.parse(line) as { version?: string; code?: string };
}

/** Builds and server starts take long on a loaded machine: more than the suite's default per test. */
const SLOW = { timeout: 300_000 };

/** One copy for both tests (they run in order): built once here, edited by the second. */
let root = '';
before(() => {
  root = copyCheckout();
  build(root);
}, SLOW);

it('builds JavaScript into dist/ that bin/banter.js runs for real: SQLite store worker, search and calculator workers included', SLOW, async () => {
  const built = files(join(root, 'dist'));
  assert.ok(built.includes('cli.js') && built.includes('storage/sqlite/store-worker.js') && built.includes('core/services/calc/worker.js'), built.join(' '));
  assert.deepEqual(built.filter((f) => f.endsWith('.ts')), [], 'no TypeScript in dist/');
  assert.doesNotMatch(readFileSync(join(root, 'dist/cli.js'), 'utf8'), /from '\.[^']*\.ts'/, 'relative imports are rewritten to .js');
  assert.equal(buildIsFresh(root), true);

  const s = await serve(root);
  assert.equal(s.code, 'built');
  const c = await TestClient.open(`ws://127.0.0.1:${s.port}/ws`);
  try {
    await c.request('login', { name: 'Builder' });
    const sent = await c.request('send', { to: '#lobby', text: 'compiled ahead of time' });
    const page = await c.request('history', { to: '#lobby', limit: 10 });
    assert.deepEqual(page.messages.map((m) => m.id), [sent.msg.id]);
    // Validation runs on the bundled zod (dist/vendor/zod.js), English messages included.
    c.sendRaw({ type: 'send', id: 'bad', to: '#lobby' });
    const bad = await c.waitFor((e) => e.type === 'error' && e.id === 'bad') as unknown as { code: string; message: string };
    assert.equal(bad.code, 'BAD_REQUEST');
    assert.match(bad.message, /^invalid "send" request: text: Invalid input: expected string, received undefined$/);
    // Search and calculation start a worker thread first: seconds on a loaded machine.
    const found = await slowRequest(c, 'search', { query: 'compiled' });
    assert.deepEqual((found as { results: { id: string }[] }).results.map((m) => m.id), [sent.msg.id]);
    assert.equal((await slowRequest(c, 'calc', { expr: '6*7' }) as { result: string }).result, '42');
  } finally {
    c.close();
  }
  await stop(s);
});

it('the build bundles zod into one ASCII module that the built server loads instead of node_modules/zod, and emits ASCII modules without comments (idle memory)', SLOW, async () => {
  const bundle = readFileSync(join(root, 'dist/vendor/zod.js'), 'utf8');
  assert.doesNotMatch(bundle, /[\u0080-\uffff]/, 'ASCII only: V8 keeps an ASCII source in one byte a character');
  assert.doesNotMatch(bundle, /from ['"]zod/, 'self-contained');
  // And dist/'s own modules: no comments, non-ASCII escaped (one byte a character in V8's heap).
  const emitted = files(join(root, 'dist')).filter((f) => f.endsWith('.js') && !f.startsWith('web/'));
  assert.deepEqual(emitted.filter((f) => /[\u0080-\uffff]/.test(readFileSync(join(root, 'dist', f), 'utf8'))), [], 'ASCII modules');
  assert.doesNotMatch(readFileSync(join(root, 'dist/core/chat.js'), 'utf8'), /^\s*(\/\*\*|\/\/ )/m, 'no comments');
  // A fresh process that starts the built app and traces every module it loads.
  const dir = tempDir('banter-build-probe-');
  const out = await runProbe(dir, `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const dist = ${JSON.stringify(pathToFileURL(join(root, 'dist')).href)};
    const { startApp } = await import(dist + '/server/app.js');
    const { loadConfig } = await import(dist + '/server/config.js');
    const { silentLogger } = await import(dist + '/server/logger.js');
    const app = await startApp(loadConfig({ overrides: { dataDir: ${JSON.stringify(join(dir, 'data'))}, host: '127.0.0.1', port: 0, 'irc.port': 0, 'irc.tlsPort': 0 } }), { log: silentLogger() });
    await app.close();
    process.stdout.write(JSON.stringify(loaded));
    process.exit(0);`);
  const loaded = JSON.parse(out) as string[];
  assert.ok(loaded.some((u) => u.endsWith('/dist/vendor/zod.js')), 'the bundle is loaded');
  assert.deepEqual(loaded.filter((u) => /[\\/]node_modules[\\/]zod[\\/]/.test(u)), [], 'node_modules/zod (95 modules, 40 locales) is not');
});

it('runs the sources, never a stale build, once a source changes; a rebuild brings the build back', SLOW, async () => {
  assert.equal(buildIsFresh(root), true);
  const version = join(root, 'src/server/version.ts');
  writeFileSync(version, readFileSync(version, 'utf8').replace(').version;', ").version + '-edited';"));
  assert.equal(buildIsFresh(root), false);
  const s1 = await serve(root);
  assert.deepEqual([s1.code, listening(s1).version], ['sources', '0.1.0-edited'], 'the edited source runs, not the build');
  await stop(s1);

  build(root);
  const s2 = await serve(root);
  assert.deepEqual([s2.code, listening(s2).version], ['built', '0.1.0-edited'], 'the rebuilt code runs');
  await stop(s2);

  // Any change of the inputs makes the build stale: an added file, a deleted one, a tsconfig.
  const extra = join(root, 'src/extra.ts');
  writeFileSync(extra, 'export const x = 1;\n');
  assert.equal(buildIsFresh(root), false, 'a file added');
  unlinkSync(extra);
  assert.equal(buildIsFresh(root), true, 'back to the built sources');
  const moved = readFileSync(join(root, 'src/core/page.ts'));
  unlinkSync(join(root, 'src/core/page.ts'));
  assert.equal(buildIsFresh(root), false, 'a file deleted');
  writeFileSync(join(root, 'src/core/page.ts'), moved);
  assert.equal(buildIsFresh(root), true, 'the same bytes again');
  const config = readFileSync(join(root, 'tsconfig.build.json'));
  appendFileSync(join(root, 'tsconfig.build.json'), '\n');
  assert.equal(buildIsFresh(root), false, 'the build configuration changed');
  writeFileSync(join(root, 'tsconfig.build.json'), config);
  assert.equal(buildIsFresh(root), true);
  // The build bundles zod (dist/vendor/zod.js): another lockfile may mean another zod.
  const lock = readFileSync(join(root, 'package-lock.json'));
  appendFileSync(join(root, 'package-lock.json'), '\n');
  assert.equal(buildIsFresh(root), false, 'the lockfile changed');
  writeFileSync(join(root, 'package-lock.json'), lock);
  assert.equal(buildIsFresh(root), true);
  // The web client is not an input of the server build.
  mkdirSync(join(root, 'src/web'));
  writeFileSync(join(root, 'src/web/main.tsx'), 'export {};\n');
  assert.equal(buildIsFresh(root), true, 'src/web is Vite\'s');
  // No stamp, no build.
  unlinkSync(join(root, STAMP));
  assert.equal(existsSync(join(root, 'dist/cli.js')), true);
  assert.equal(buildIsFresh(root), false, 'no BUILD.json');
});
