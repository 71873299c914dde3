import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/ports.ts';
import { SqliteAccounts } from '../../src/storage/sqlite/accounts.ts';
import { SqliteHandle } from '../../src/storage/sqlite/open.ts';
import { SqliteStore } from '../../src/storage/sqlite/store.ts';
import { runAccountContract } from './account-contract.ts';
import { runStoreContract } from './store-contract.ts';

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

runAccountContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-acct-'));
  return {
    accounts: new SqliteAccounts(new SqliteHandle({ dataDir: dir, synchronous: 'full' })),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
