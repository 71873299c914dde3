/**
 * The SQLite message store in its worker thread (src/storage/sqlite/remote-store.ts), as the
 * server builds it (`createStorage`): commits leave the event loop free, appends that arrive
 * while a transaction is in flight share the next one, an append resolves only once its
 * transaction committed, and methods and errors cross the thread boundary intact.
 *
 * A second connection holding SQLite's write lock (`BEGIN IMMEDIATE`) stands in for a slow
 * disk: it stalls the store's transaction for as long as the test wants, with no timing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { it } from 'node:test';
import { ChatError } from '../../src/core/errors.ts';
import { systemClock, type MessageStore } from '../../src/core/ports.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createStorage } from '../../src/server/storage.ts';
import { DB_FILE } from '../../src/storage/sqlite/open.ts';
import { openRemoteSqliteStore, type RemoteSqliteStore } from '../../src/storage/sqlite/remote-store.ts';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const draft = (text: string): { conv: string; to: string; from: string; text: string } => ({ conv: '#w', to: '#w', from: 'alice', text });

/** The server's stores on a fresh data directory. */
async function serverStorage(): Promise<{ dir: string; store: MessageStore; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'banter-wstore-'));
  const { store, accounts, moderation } = await createStorage(loadConfig({ overrides: { dataDir: dir } }), systemClock, quiet);
  return {
    dir, store,
    close: async () => {
      await store.close();
      await moderation.close?.();
      await accounts.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Another connection to the same database that holds the write lock until released. */
function writeLock(dir: string): { release: () => void } {
  const db = new DatabaseSync(join(dir, DB_FILE));
  db.exec('BEGIN IMMEDIATE');
  return { release: () => { db.exec('COMMIT'); db.close(); } };
}

it('the server\'s SQLite store commits off the event loop: the loop keeps turning while a commit waits for the disk', async () => {
  const s = await serverStorage();
  try {
    const lock = writeLock(s.dir);
    let settled: string | undefined;
    const p = s.store.append(draft('waits for the lock')).then(() => { settled = 'resolved'; }, (e: Error) => { settled = `rejected: ${e.message}`; });
    // In-process, the commit would block this thread in SQLite's busy handler until it gave up
    // ("database is locked"): these turns would only come after that, with the append rejected.
    for (let i = 0; i < 20; i++) await turn();
    assert.equal(settled, undefined, 'the append is not acknowledged before its transaction committed');
    lock.release();
    await p;
    assert.equal(settled, 'resolved');
    assert.deepEqual((await s.store.history('#w', { limit: 5 })).map((m) => m.text), ['waits for the lock']);
  } finally {
    await s.close();
  }
});

it('appends that arrive while a transaction is in flight are committed together in the next one, each acknowledged after its commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-wstore-'));
  const store: RemoteSqliteStore = openRemoteSqliteStore({ dataDir: dir, synchronous: 'full', clock: systemClock, idempotencyWindowMs: 60_000, log: quiet });
  const reader = (): DatabaseSync => new DatabaseSync(join(dir, DB_FILE), { readOnly: true });
  try {
    await store.ready;
    await store.append(draft('warm-up')); // the database and its tables exist before the lock is taken
    const before = await store.writeStats();
    const lock = writeLock(dir);
    const acked: number[] = [];
    const first = store.append(draft('first')).then((m) => { acked.push(m.seq); return m; });
    // The first append's transaction is now (or soon) waiting for the lock in the worker; the
    // next ones are sent in turns of their own while it waits.
    const rest: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      await turn();
      rest.push(store.append(draft(`later ${i}`)).then((m) => { acked.push(m.seq); return m; }));
    }
    for (let i = 0; i < 10; i++) await turn();
    assert.deepEqual(acked, [], 'nothing is acknowledged while the transaction cannot commit');
    lock.release();
    const firstMsg = await first;
    // Acknowledged means committed: another connection sees it at once.
    const db = reader();
    assert.equal((db.prepare('SELECT count(*) AS n FROM messages WHERE id = ?').get(firstMsg.id) as { n: number }).n, 1);
    db.close();
    await Promise.all(rest);
    assert.deepEqual(acked, [2, 3, 4, 5, 6, 7], 'seq strictly increasing, in request order');
    const after = await store.writeStats();
    assert.equal(after.appends - before.appends, 6);
    // The first append may have had a transaction to itself (it was sent alone); the five sent
    // while it waited arrived during that transaction and share one: two in all, at most.
    assert.ok(after.commits - before.commits <= 2, `6 appends in ${after.commits - before.commits} transactions`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the worker store answers every SqliteStore method by name, keeps ChatError codes, and fails cleanly once closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-wstore-'));
  const store = openRemoteSqliteStore({
    dataDir: dir, synchronous: 'normal', clock: systemClock, idempotencyWindowMs: 60_000, log: quiet,
    // No room in the search queue: every search is refused at once with SEARCH_BUSY.
    search: { workers: 1, timeoutMs: 1000, maxQueue: 0 },
  });
  try {
    await store.ping();
    const m = await store.append(draft('hello'));
    assert.equal((await store.writeStats()).appends, 1);
    await store.markRead('alice', '#w', m.seq);
    assert.equal(await store.lastSeq('#w'), 1);
    const err = await store.search({ words: ['hello'], convs: ['#w'], limit: 5 }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ChatError, `a ChatError, got ${String(err)}`);
    assert.equal(err.code, 'SEARCH_BUSY');
    // An argument that cannot cross the thread boundary fails that call only.
    await assert.rejects(store.history('#w', { limit: 5, beforeSeq: (() => 1) as unknown as number }));
    assert.equal((await store.history('#w', { limit: 5 })).length, 1);
  } finally {
    await store.close();
  }
  await assert.rejects(store.append(draft('too late')), /closed/);
  await assert.rejects(store.ping(), /closed/);
  rmSync(dir, { recursive: true, force: true });
});

it('with sqlite.resumeSliceMs, the answers of one group commit are resumed in order over several turns when resuming them takes long, none lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-wstore-'));
  const store: RemoteSqliteStore = openRemoteSqliteStore({ dataDir: dir, synchronous: 'full', clock: systemClock, idempotencyWindowMs: 60_000, log: quiet, resumeSliceMs: 4 });
  try {
    await store.ready;
    await store.append(draft('warm-up'));
    // Held while the appends are sent: they all go into one transaction, answered in one message.
    const lock = writeLock(dir);
    let turnNo = 0;
    let ticking = true;
    const tick = (): void => { turnNo++; if (ticking) setImmediate(tick); };
    tick();
    const resumed: { text: string; turn: number }[] = [];
    const N = 200;
    const all = Array.from({ length: N }, (_, i) => store.append(draft(`g${i}`)).then((m) => {
      resumed.push({ text: m.text, turn: turnNo });
      // Each caller's continuation costs 1 ms, as a fan-out to a few hundred members can.
      const t = performance.now();
      while (performance.now() - t < 1) { /* fan-out */ }
    }));
    for (let i = 0; i < 5; i++) await turn();
    lock.release();
    await Promise.all(all);
    ticking = false;
    assert.deepEqual(resumed.map((r) => r.text), Array.from({ length: N }, (_, i) => `g${i}`), 'every append resumed, in order');
    const perTurn = new Map<number, number>();
    for (const r of resumed) perTurn.set(r.turn, (perTurn.get(r.turn) ?? 0) + 1);
    // In one turn, 200 continuations would hold the loop for 200 ms.
    assert.ok(perTurn.size > 1, `resumed over ${perTurn.size} turn(s)`);
    assert.ok(Math.max(...perTurn.values()) <= 64, `at most one slice per turn: ${JSON.stringify([...perTurn.values()])}`);
    assert.deepEqual((await store.history('#w', { limit: N })).map((m) => m.text), Array.from({ length: N }, (_, i) => `g${i}`));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the worker\'s heap is bounded (sqlite.workerHeapMb): calls beyond it stop the worker and fail, instead of growing the process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-wstore-'));
  const store = openRemoteSqliteStore({ dataDir: dir, synchronous: 'normal', clock: systemClock, idempotencyWindowMs: 60_000, log: quiet, maxHeapMb: 32 });
  try {
    await store.ready;
    assert.equal((await store.append(draft('small'))).seq, 1, 'a normal call fits');
    // 96 appends of 1 MiB each in one turn: one message of ≈ 96 MiB for a 32 MiB heap.
    const big = 'x'.repeat(1 << 20);
    const results = await Promise.allSettled(Array.from({ length: 96 }, (_, i) => store.append(draft(`${i}${big}`))));
    assert.deepEqual([...new Set(results.map((r) => r.status))], ['rejected'], 'none is claimed stored');
    await assert.rejects(store.ping(), /SQLite store worker/);
    await assert.rejects(store.append(draft('after')), /SQLite store worker/);
  } finally {
    await store.close();
  }
  // What was acknowledged is there; nothing else is.
  const db = new DatabaseSync(join(dir, DB_FILE));
  try {
    assert.deepEqual(db.prepare('SELECT seq FROM messages').all().map((r) => r.seq), [1]);
  } finally {
    db.close();
  }
  rmSync(dir, { recursive: true, force: true });
});
