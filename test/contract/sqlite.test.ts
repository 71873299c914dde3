import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { it } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../src/core/ports.ts';
import { SqliteAccounts } from '../../src/storage/sqlite/accounts.ts';
import { SqliteHandle } from '../../src/storage/sqlite/open.ts';
import { SqliteStore } from '../../src/storage/sqlite/store.ts';
import { openRemoteSqliteStore, type RemoteSqliteStore } from '../../src/storage/sqlite/remote-store.ts';
import { runAccountContract } from './account-contract.ts';
import { runStoreContract } from './store-contract.ts';
import { runModerationContract, type ModerationUnderTest } from './moderation-contract.ts';
import { SqliteModeration } from '../../src/storage/sqlite/moderation.ts';

const WINDOW = 60_000;

function open(dir: string, clock: Clock): SqliteStore {
  return new SqliteStore(new SqliteHandle({ dataDir: dir, synchronous: 'full' }), { clock, idempotencyWindowMs: WINDOW });
}

runStoreContract('sqlite', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-store-'));
  const s = { store: open(dir, clock) };
  return {
    ...s,
    windowMs: WINDOW,
    reopen: async () => {
      await s.store.close();
      return open(dir, clock);
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The store as the server runs it: in a worker thread, behind the main-thread proxy. */
function openRemote(dir: string, clock: Clock): RemoteSqliteStore {
  return openRemoteSqliteStore({ dataDir: dir, synchronous: 'full', clock, idempotencyWindowMs: WINDOW, log: quiet });
}

runStoreContract('sqlite (worker thread)', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-store-'));
  // The schema is made by the main thread's handle first, as the server does.
  new SqliteHandle({ dataDir: dir, synchronous: 'full' }).acquire().release();
  const s = { store: openRemote(dir, clock) };
  return {
    ...s,
    windowMs: WINDOW,
    reopen: async () => {
      await s.store.close();
      return openRemote(dir, clock);
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

runAccountContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-acct-'));
  return {
    accounts: new SqliteAccounts(new SqliteHandle({ dataDir: dir, synchronous: 'full' })),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

for (const [label, make] of [['sqlite', open], ['sqlite (worker thread)', openRemote]] as const) it(`${label}: a failing group commit rejects every append of the batch and stores none of them`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-batch-'));
  const store = make(dir, systemClock);
  try {
    const good = { conv: '#b', to: '#b', from: 'u', text: 'fine' };
    // A NOT NULL violation in the middle of the batch (only possible by bypassing the types).
    const bad = { ...good, text: null as unknown as string };
    const results = await Promise.allSettled([store.append(good), store.append(bad), store.append({ ...good, clientKey: 'k' })]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.deepEqual(await store.history('#b', { limit: 10 }), []);
    assert.equal(await store.lastSeq('#b'), 0);
    const after = await store.append({ ...good, clientKey: 'k' });
    assert.equal(after.seq, 1, 'no seq was used up and the client key was not remembered');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

runModerationContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-mod-'));
  const s: ModerationUnderTest = { store: new SqliteModeration(new SqliteHandle({ dataDir: dir, synchronous: 'full' })) };
  s.reopen = async () => {
    await s.store.close();
    return new SqliteModeration(new SqliteHandle({ dataDir: dir, synchronous: 'full' }));
  };
  s.cleanup = async () => rmSync(dir, { recursive: true, force: true });
  return s;
});
