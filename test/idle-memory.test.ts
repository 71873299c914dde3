/**
 * What an idle server does not hold (docs/benchmarks.md, "Cold start and idle memory"):
 * search worker threads start on the first search and stop after `search.idleMs`; sharp
 * (libvips) is loaded on the first image, not at start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { systemClock } from '../src/core/ports.ts';
import { SqliteHandle } from '../src/storage/sqlite/open.ts';
import { SqliteStore } from '../src/storage/sqlite/store.ts';
import { startTestServer } from './helpers/server.ts';

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

it('does not load sharp until an image needs it', async () => {
  const app = await startTestServer({ store: 'sqlite', dataDir: mkdtempSync(join(tmpdir(), 'banter-idle-')) });
  try {
    const cache = createRequire(import.meta.url).cache;
    assert.deepEqual(Object.keys(cache).filter((k) => /[\\/]sharp[\\/]/.test(k)), []);
  } finally {
    await app.close();
  }
});
