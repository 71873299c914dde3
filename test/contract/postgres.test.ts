/**
 * The PostgreSQL store and account store against the same contract suites as SQLite, on a
 * real PostgreSQL server (test/helpers/services.ts), plus what only a shared database has:
 * migrations under an advisory lock and seq allocation across several writers (nodes).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { systemClock, type Clock } from '../../src/core/ports.ts';
import { ChatError } from '../../src/core/errors.ts';
import { PgAccounts } from '../../src/storage/postgres/accounts.ts';
import { PgHandle, PgOpenError } from '../../src/storage/postgres/open.ts';
import { PgStore } from '../../src/storage/postgres/store.ts';
import { PG_MIGRATIONS } from '../../src/storage/postgres/migrations.ts';
import { freePort, postgresDatabase, postgresSkip, startPostgres } from '../helpers/services.ts';
import { runAccountContract } from './account-contract.ts';
import { runStoreContract } from './store-contract.ts';
import { runModerationContract, type ModerationUnderTest } from './moderation-contract.ts';
import { runFileContract } from './file-contract.ts';
import { PgModeration } from '../../src/storage/postgres/moderation.ts';
import { PgFileRecords } from '../../src/storage/postgres/files.ts';
import { DiskBlobs } from '../../src/storage/files/disk.ts';

const WINDOW = 60_000;
const skip = postgresSkip();

const open = async (url: string, clock: Clock): Promise<PgStore> =>
  new PgStore(await PgHandle.open({ url, poolMax: 4, timeoutMs: 5000 }), { clock, idempotencyWindowMs: WINDOW });

if (skip) {
  it('PostgreSQL store and account contracts', { skip }, () => undefined);
} else {
  runStoreContract('postgres', async (clock) => {
    const db = await postgresDatabase();
    const s = { store: await open(db.url, clock) };
    return {
      ...s,
      windowMs: WINDOW,
      reopen: async () => {
        await s.store.close();
        return open(db.url, clock);
      },
      cleanup: () => db.drop(),
    };
  });

  runAccountContract('postgres', async () => {
    const db = await postgresDatabase();
    return {
      accounts: new PgAccounts(await PgHandle.open({ url: db.url, poolMax: 4, timeoutMs: 5000 })),
      cleanup: () => db.drop(),
    };
  });

  runModerationContract('postgres', async () => {
    const db = await postgresDatabase();
    const openMod = async (): Promise<PgModeration> => new PgModeration(await PgHandle.open({ url: db.url, poolMax: 4, timeoutMs: 5000 }));
    const s: ModerationUnderTest = { store: await openMod() };
    s.reopen = async () => {
      await s.store.close();
      return openMod();
    };
    s.another = openMod;
    s.cleanup = () => db.drop();
    return s;
  });

  runFileContract('disk + postgres', async () => {
    const db = await postgresDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'banter-pgfiles-'));
    const openFiles = async (): Promise<{ records: PgFileRecords; blobs: DiskBlobs }> => ({
      records: new PgFileRecords(await PgHandle.open({ url: db.url, poolMax: 4, timeoutMs: 5000 })), blobs: new DiskBlobs(join(dir, 'files')),
    });
    let cur = await openFiles();
    return {
      get records() { return cur.records; },
      get blobs() { return cur.blobs; },
      reopen: async () => {
        await cur.records.close();
        await cur.blobs.close();
        cur = await openFiles();
        return cur;
      },
      cleanup: async () => {
        await cur.records.close();
        rmSync(dir, { recursive: true, force: true });
        await db.drop();
      },
    };
  });
}

it('postgres: the audit log refuses UPDATE, DELETE and TRUNCATE', { skip }, async () => {
  const db = await postgresDatabase();
  const mod = new PgModeration(await PgHandle.open({ url: db.url, poolMax: 2, timeoutMs: 5000 }));
  const h = await PgHandle.open({ url: db.url, poolMax: 2, timeoutMs: 5000 });
  try {
    await mod.appendAudit({ ts: 1, actor: 'root', action: 'kill', target: 'x', reason: 'spam' });
    for (const sql of ['UPDATE audit_log SET reason = NULL', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
      await assert.rejects(h.pool.query(sql), /append-only/, sql);
    }
    assert.deepEqual(await mod.audit({ limit: 10 }), [{ ts: 1, actor: 'root', action: 'kill', target: 'x', reason: 'spam' }]);
  } finally {
    await mod.close();
    h.acquire();
    await h.release();
    await db.drop();
  }
});

it('postgres: concurrent file creates from several nodes stay within the quota and the total', { skip }, async () => {
  const db = await postgresDatabase();
  const nodes = await Promise.all([1, 2, 3].map(async () => new PgFileRecords(await PgHandle.open({ url: db.url, poolMax: 4, timeoutMs: 5000 }))));
  try {
    const rec = (i: number, owner: string) => ({ id: `f${i}`, hash: 'h'.repeat(64), size: 10, name: 'x', type: 'text/plain', owner, createdAt: 1 });
    const mine = await Promise.all(Array.from({ length: 30 }, (_, i) => nodes[i % 3]!.create(rec(i, 'account:a'), { quotaBytes: 100, totalBytes: 1000 })));
    assert.equal(mine.filter((r) => r === 'ok').length, 10, 'exactly the quota fits');
    const all = await Promise.all(Array.from({ length: 30 }, (_, i) => nodes[i % 3]!.create(rec(100 + i, `account:u${i}`), { quotaBytes: 100, totalBytes: 250 })));
    assert.equal(all.filter((r) => r === 'ok').length, 15, 'exactly the total fits (100 bytes were already used)');
    assert.equal(await nodes[0]!.total(), 250);
  } finally {
    for (const n of nodes) await n.close();
    await db.drop();
  }
});

it('postgres: two nodes starting at once migrate once, under the advisory lock', { skip }, async () => {
  const db = await postgresDatabase();
  try {
    const handles = await Promise.all([1, 2, 3].map(() => PgHandle.open({ url: db.url, poolMax: 2, timeoutMs: 5000 })));
    const { rows } = await handles[0]!.pool.query<{ version: number }>('SELECT version FROM schema_version');
    assert.deepEqual(rows, [{ version: PG_MIGRATIONS.at(-1)!.version }], 'one version row: nobody migrated twice');
    for (const h of handles) { h.acquire(); await h.release(); }
  } finally {
    await db.drop();
  }
});

it('postgres: appends from several nodes to one conversation get distinct, gapless seqs', { skip }, async () => {
  const db = await postgresDatabase();
  const nodes = await Promise.all([1, 2, 3].map(() => open(db.url, systemClock)));
  try {
    const all = (await Promise.all(nodes.flatMap((s, n) => Array.from({ length: 40 }, (_, i) => s.append({ conv: '#c', to: '#c', from: `n${n}`, text: `m${i}` }))))).map((m) => m.seq);
    assert.deepEqual([...all].sort((a, b) => a - b), Array.from({ length: 120 }, (_, i) => i + 1));
    const hist = await nodes[0]!.history('#c', { limit: 200 });
    assert.deepEqual(hist.map((m) => m.seq), Array.from({ length: 120 }, (_, i) => i + 1));
    assert.equal(new Set(hist.map((m) => m.id)).size, 120);
  } finally {
    for (const s of nodes) await s.close();
    await db.drop();
  }
});

it('postgres: an unreachable server is a startup error naming postgresUrl, without the password', { skip }, async () => {
  const port = await freePort();
  await assert.rejects(PgHandle.open({ url: `postgres://banter:s3cret@127.0.0.1:${port}/banter`, poolMax: 2, timeoutMs: 2000 }), (err: unknown) => {
    assert.ok(err instanceof PgOpenError);
    assert.match(err.message, /^postgresUrl: cannot use PostgreSQL at postgres:\/\/banter@127\.0\.0\.1:\d+\/banter: /);
    assert.doesNotMatch(err.message, /s3cret/);
    return true;
  });
});

it('postgres: while the server is down, appends are refused with STORE_UNAVAILABLE; they work again when it is back', { skip }, async () => {
  // A server of its own, to stop and start (the shared test server stays up for the others).
  const dir = mkdtempSync(join(tmpdir(), 'banter-pg-down-'));
  const server = await startPostgres(dir);
  const store = await open(server.url, systemClock);
  try {
    await store.append({ conv: '#p', to: '#p', from: 'u', text: 'before' });
    server.stop();
    await assert.rejects(store.append({ conv: '#p', to: '#p', from: 'u', text: 'during', clientKey: 'k' }), (e: unknown) => e instanceof ChatError && e.code === 'STORE_UNAVAILABLE');
    await assert.rejects(store.ping());
    server.start();
    const again = await store.append({ conv: '#p', to: '#p', from: 'u', text: 'during', clientKey: 'k' });
    assert.equal(again.seq, 2, 'the refused append stored nothing');
    assert.deepEqual((await store.history('#p', { limit: 10 })).map((m) => m.text), ['before', 'during']);
  } finally {
    await store.close();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
