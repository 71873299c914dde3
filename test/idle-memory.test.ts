/**
 * What an idle server does not hold (docs/benchmarks.md, "Cold start and idle memory"):
 * search worker threads start on the first search and stop after `search.idleMs`; the SQLite
 * store's worker thread stops after `sqlite.workerIdleMs` without a call and the next call
 * starts a new one, losing nothing (docs/benchmarks.md, "Idle RSS"); sharp
 * (libvips) is loaded on the first image, not at start; nothing else that waits for its first
 * use (mathjs in the calculator workers, the S3 client, pino-pretty, PostgreSQL and Redis
 * clients) nor undici (which an ESM import of node:http would load) is loaded by a start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { systemClock } from '../src/core/ports.ts';
import { loadConfig } from '../src/server/config.ts';
import { createStorage } from '../src/server/storage.ts';
import type { RemoteSqliteStore } from '../src/storage/sqlite/remote-store.ts';
import { SqliteHandle } from '../src/storage/sqlite/open.ts';
import { SqliteStore } from '../src/storage/sqlite/store.ts';
import { runProbe } from './helpers/probe.ts';
import { startTestServer, TestClient } from './helpers/server.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const threads = (): number => readdirSync('/proc/self/task').length;

/** Polls `f` until it holds (no fixed sleep; generous deadline for a loaded machine). */
async function eventually(f: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('starts a search worker thread on the first search and stops it after search idleMs', async () => {
  // Start libuv's thread pool first, so that only worker threads change the count.
  await Promise.all(Array.from({ length: 8 }, () => stat(tmpdir())));
  const dir = mkdtempSync(join(tmpdir(), 'banter-idle-'));
  dirs.push(dir);
  const before = threads();
  const store = new SqliteStore(new SqliteHandle({ dataDir: dir, synchronous: 'normal' }), {
    clock: systemClock, idempotencyWindowMs: 60_000, search: { workers: 1, timeoutMs: 30_000, maxQueue: 4, idleMs: 300 },
  });
  try {
    assert.equal(threads(), before, 'no worker thread before any search');
    await store.append({ conv: '#dev', to: '#dev', from: 'alice', text: 'the deploy failed' });
    const hits = await store.search({ words: ['deploy'], convs: ['#dev'], limit: 10 });
    assert.equal(hits.length, 1);
    assert.ok(threads() > before, 'a worker thread runs the search');
    await eventually(() => threads() === before, 'the idle worker thread has stopped');
    // And it comes back for the next search.
    assert.equal((await store.search({ words: ['deploy'], convs: ['#dev'], limit: 10 })).length, 1);
  } finally {
    await store.close();
  }
});

it('starts the SQLite store worker on the first call and stops it after sqlite.workerIdleMs without one; the next call starts a new one and nothing is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-idle-'));
  dirs.push(dir);
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const { store, accounts, moderation } = await createStorage(loadConfig({ overrides: { dataDir: dir, 'sqlite.workerIdleMs': 200 } }), systemClock, quiet);
  const remote = store as unknown as RemoteSqliteStore;
  try {
    assert.equal(remote.running, false, 'no worker thread before the first call');
    await remote.ping();
    assert.equal(remote.running, false, 'a readiness probe does not start one');
    const first = await store.append({ conv: '#idle', to: '#idle', from: 'alice', text: 'before the stop', clientKey: 'k1' });
    await eventually(() => !remote.running, 'the idle store worker has stopped');
    assert.equal(remote.workersStarted, 1);
    // /readyz while stopped: answered by the main thread's connection, no worker started.
    await remote.ping();
    assert.equal(remote.running, false, 'a readiness probe does not start a worker');
    // A resend of the acknowledged message (same client key) after the restart is recognised:
    // the idempotency keys are in the database, not in the stopped worker's memory.
    const again = await store.append({ conv: '#idle', to: '#idle', from: 'alice', text: 'before the stop', clientKey: 'k1' });
    assert.equal(remote.workersStarted, 2, 'the call started a new worker');
    assert.equal(again.id, first.id);
    const second = await store.append({ conv: '#idle', to: '#idle', from: 'alice', text: 'after the restart' });
    // Calls made the moment a worker stops (while it closes its store) wait for the next one.
    for (let i = 0; i < 3; i++) {
      await eventually(() => !remote.running, 'the idle store worker has stopped again');
      await store.append({ conv: '#idle', to: '#idle', from: 'alice', text: `round ${i}` });
    }
    const page = await store.history('#idle', { limit: 10 });
    assert.deepEqual(page.map((m) => m.text), ['before the stop', 'after the restart', 'round 0', 'round 1', 'round 2']);
    assert.ok(page[1]!.seq > first.seq && second.seq === page[1]!.seq);
    await eventually(() => !remote.running, 'stopped before close');
  } finally {
    await store.close(); // closing a store whose worker is stopped
    await moderation.close?.();
    await accounts.close();
  }
  await assert.rejects(store.history('#idle', { limit: 1 }), /closed/);
});

it('closing a store whose worker is not running answers the calls made just before (a worker is started for them)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-idle-'));
  dirs.push(dir);
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const open = (): ReturnType<typeof createStorage> => createStorage(loadConfig({ overrides: { dataDir: dir, 'sqlite.workerIdleMs': 200 } }), systemClock, quiet);
  const first = await open();
  assert.equal((first.store as unknown as RemoteSqliteStore).running, false);
  let outcome = 'pending';
  const append = first.store.append({ conv: '#idle', to: '#idle', from: 'alice', text: 'just before close' }).then(() => { outcome = 'stored'; }, (e: Error) => { outcome = e.message; });
  await first.store.close();
  await first.moderation.close?.();
  await first.accounts.close();
  assert.equal(outcome, 'stored', 'answered before close resolved');
  await append;
  const again = await open();
  try {
    assert.deepEqual((await again.store.history('#idle', { limit: 10 })).map((m) => m.text), ['just before close']);
  } finally {
    await again.store.close();
    await again.moderation.close?.();
    await again.accounts.close();
  }
});

it('a call made while the idle store worker is closing keeps the process alive until it is answered', async () => {
  // In a fresh process with nothing else to keep it alive: the closing worker is unref'd (idle),
  // so unless the waiting call refs it, the process would exit with the call unanswered.
  const dir = mkdtempSync(join(tmpdir(), 'banter-idle-'));
  dirs.push(dir);
  const src = (m: string): string => JSON.stringify(new URL(`../src/${m}`, import.meta.url).href);
  const out = await runProbe(dir, `
    const { systemClock } = await import(${src('core/ports.ts')});
    const { loadConfig } = await import(${src('server/config.ts')});
    const { createStorage } = await import(${src('server/storage.ts')});
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const { store, accounts, moderation } = await createStorage(loadConfig({ overrides: { dataDir: ${JSON.stringify(join(dir, 'data'))}, 'sqlite.workerIdleMs': 200 } }), systemClock, quiet);
    await store.append({ conv: '#idle', to: '#idle', from: 'alice', text: 'one' });
    // Every turn, so the next call comes while the stopping worker is still closing its store.
    while (store.running) await new Promise((r) => setImmediate(r));
    await store.append({ conv: '#idle', to: '#idle', from: 'alice', text: 'two' });
    const texts = (await store.history('#idle', { limit: 10 })).map((m) => m.text);
    await store.close(); await moderation.close?.(); await accounts.close();
    process.stdout.write(JSON.stringify(texts));`);
  assert.equal(out, JSON.stringify(['one', 'two']));
});

it('a server whose store worker stopped for idleness answers the next message and its history over a real socket', async () => {
  await Promise.all(Array.from({ length: 8 }, () => stat(tmpdir())));
  const dir = mkdtempSync(join(tmpdir(), 'banter-idle-'));
  dirs.push(dir);
  const app = await startTestServer({ store: 'sqlite', dataDir: dir, 'sqlite.workerIdleMs': 200 });
  try {
    const idle = threads();
    const alice = await TestClient.login(app, 'alice');
    await alice.request('join', { room: '#quiet' });
    await alice.request('send', { to: '#quiet', text: 'one' });
    const running = threads();
    assert.ok(running > idle, 'the first message started the store worker thread');
    await eventually(() => threads() < running, 'the store worker thread has stopped');
    const ready = await fetch(`http://127.0.0.1:${app.port}/readyz`);
    assert.equal(ready.status, 200, 'ready while the worker is stopped');
    assert.ok(threads() < running, '/readyz did not start a worker');
    await alice.request('send', { to: '#quiet', text: 'two' });
    const page = await alice.request('history', { to: '#quiet', limit: 10 });
    assert.deepEqual(page.messages.map((m) => m.text), ['one', 'two']);
    alice.ws.close();
  } finally {
    await app.close();
  }
});

it('does not load sharp until an image needs it', async () => {
  const app = await startTestServer({ store: 'sqlite', dataDir: mkdtempSync(join(tmpdir(), 'banter-idle-')) });
  try {
    const cache = createRequire(import.meta.url).cache;
    assert.deepEqual(Object.keys(cache).filter((k) => /[\\/]sharp[\\/]/.test(k)), []);
  } finally {
    await app.close();
  }
});

it('a started server has loaded no module it does not need yet: no undici, sharp, mathjs, S3 client, pino-pretty, pg, ioredis, nor smol-toml without a config file', async () => {
  // A fresh process (this one has loaded its own test tools), tracing every module it loads.
  const dir = mkdtempSync(join(tmpdir(), 'banter-idle-'));
  dirs.push(dir);
  const probe = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { startApp } = await import(${JSON.stringify(new URL('../src/server/app.ts', import.meta.url).href)});
    await import(${JSON.stringify(new URL('../src/server/serve.ts', import.meta.url).href)}); // and what banter serve imports besides (the config file reader)
    const { loadConfig } = await import(${JSON.stringify(new URL('../src/server/config.ts', import.meta.url).href)});
    const { silentLogger } = await import(${JSON.stringify(new URL('../src/server/logger.ts', import.meta.url).href)});
    const app = await startApp(loadConfig({ overrides: { dataDir: ${JSON.stringify(dir)}, host: '127.0.0.1', port: 0, 'irc.port': 0, 'irc.tlsPort': 0 } }), { log: silentLogger() });
    const builtins = process.moduleLoadList.filter((m) => /undici|websocket/i.test(m));
    await app.close();
    process.stdout.write(JSON.stringify({ loaded, builtins }));
    process.exit(0);`;
  const out = await runProbe(dir, probe);
  const { loaded, builtins } = JSON.parse(out) as { loaded: string[]; builtins: string[] };
  assert.ok(loaded.some((u) => u.endsWith('/src/server/app.ts')), 'the trace works');
  assert.deepEqual(builtins, [], 'undici (Node\'s fetch and WebSocket client) is not loaded');
  const lazy = /[\\/]node_modules[\\/](sharp|@img|mathjs|@aws-sdk|pino-pretty|pg|ioredis|smol-toml)[\\/]/;
  assert.deepEqual(loaded.filter((u) => lazy.test(u)), []);
});

it('the SQLite store worker thread does not load zod (it needs the store, not the protocol\'s schemas)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-idle-'));
  dirs.push(dir);
  // The modules store-worker.ts imports, in a fresh process that traces what they load.
  const out = await runProbe(dir, `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    for (const m of ['open.ts', 'store.ts', 'remote-protocol.ts']) await import(${JSON.stringify(new URL('../src/storage/sqlite/', import.meta.url).href)} + m);
    process.stdout.write(JSON.stringify(loaded));`);
  const loaded = JSON.parse(out) as string[];
  assert.ok(loaded.some((u) => u.endsWith('/src/storage/sqlite/store.ts')), 'the trace works');
  assert.deepEqual(loaded.filter((u) => /[\\/]node_modules[\\/]zod[\\/]/.test(u) || u.endsWith('/src/protocol/messages.ts')), []);
});
