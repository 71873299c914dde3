/**
 * SQLite search specifics: migration 2 backfills the scoped full-text index of a database
 * written by the previous schema, the index holds each message under its conversation,
 * sender and DM participants, a searcher in more conversations than the match names still
 * gets exactly the visible messages, and search runs in a worker within its deadline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, it } from 'node:test';
import { ChatError } from '../../src/core/errors.ts';
import { systemClock } from '../../src/core/ports.ts';
import { migrate, MIGRATIONS } from '../../src/storage/sqlite/migrations.ts';
import { DB_FILE, SqliteHandle } from '../../src/storage/sqlite/open.ts';
import { SqliteStore } from '../../src/storage/sqlite/store.ts';
import { ReplyError, startTestServer, TestClient } from '../helpers/server.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'banter-search-'));
  dirs.push(d);
  return d;
}
const open = (dir: string): SqliteStore => new SqliteStore(new SqliteHandle({ dataDir: dir, synchronous: 'normal' }), { clock: systemClock, idempotencyWindowMs: 60_000 });
const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

it('migration 2 indexes the messages of a version-1 database under their conversation, sender and DM members', async () => {
  const dir = tempDir();
  const v1 = new DatabaseSync(join(dir, DB_FILE));
  migrate(v1, MIGRATIONS.slice(0, 1));
  // Rows as the version-1 store wrote them (its triggers filled the old index).
  const put = v1.prepare('INSERT INTO messages (id, conv, seq, to_name, from_name, from_folded, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?, 1)');
  put.run('m1', '#dev', 1, '#dev', 'Alice', 'alice', 'the deploy failed');
  put.run('m2', '@alice@bob', 1, 'bob', 'Alice', 'alice', 'deploy tonight?');
  put.run('m3', '#ops', 1, '#ops', 'Bob', 'bob', 'deploy is green');
  v1.exec("INSERT INTO dm_members VALUES ('alice', '@alice@bob'), ('bob', '@alice@bob')");
  v1.exec("INSERT INTO conversations VALUES ('#dev', 1), ('@alice@bob', 1), ('#ops', 1)");
  v1.close();

  const store = open(dir);
  try {
    const texts = async (q: Partial<Parameters<SqliteStore['search']>[0]>): Promise<string[]> =>
      (await store.search({ words: ['deploy'], convs: [], limit: 10, ...q })).map((m) => m.text);
    assert.deepEqual(await texts({ convs: ['#dev'] }), ['the deploy failed']);
    assert.deepEqual(await texts({ dmsOf: 'bob' }), ['deploy tonight?']);
    assert.deepEqual(await texts({ convs: ['#dev', '#ops'], from: 'bob' }), ['deploy is green']);
    assert.deepEqual(await texts({ words: ['dep*'], convs: ['#dev', '#ops'], dmsOf: 'alice' }), ['deploy is green', 'deploy tonight?', 'the deploy failed']);
    // A new message after the migration is indexed by the new trigger.
    await store.append({ conv: '#dev', to: '#dev', from: 'Carol', text: 'deploy again' });
    assert.deepEqual(await texts({ convs: ['#dev'], from: 'carol' }), ['deploy again']);
  } finally {
    await store.close();
  }
  const db = new DatabaseSync(join(dir, DB_FILE), { readOnly: true });
  try {
    assert.equal((db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number }).v, MIGRATIONS.at(-1)!.version);
    const ids = (scope: string): string[] => (db.prepare('SELECT m.id AS id FROM messages_fts f JOIN messages m ON m.rid = f.rowid WHERE messages_fts MATCH ? ORDER BY m.id').all(scope) as { id: string }[]).map((r) => r.id);
    assert.deepEqual(ids(`scope : "c${hex('@alice@bob')}"`), ['m2']);
    assert.deepEqual(ids(`scope : "u${hex('bob')}"`), ['m2']);
    assert.equal(ids(`scope : "u${hex('alice')}"`).length, 1, 'room messages are not under a user token');
    assert.deepEqual(ids(`scope : "f${hex('bob')}"`), ['m3']);
    // Words of a message are only in the text column: a message saying a scope token is not in that scope.
    assert.deepEqual(ids(`text : "c${hex('#dev')}"`), []);
  } finally {
    db.close();
  }
});

it('a searcher in more conversations than the match names gets exactly the visible messages', async () => {
  const store = open(tempDir());
  try {
    const rooms = Array.from({ length: 260 }, (_, i) => `#r${i}`);
    await Promise.all(rooms.map((r) => store.append({ conv: r, to: r, from: 'u', text: `needle in ${r}` })));
    await store.append({ conv: '#hidden', to: '#hidden', from: 'u', text: 'needle hidden' });
    const hits = await store.search({ words: ['needle'], convs: rooms.slice(0, 250), limit: 100 });
    assert.equal(hits.length, 100);
    assert.ok(hits.every((m) => rooms.slice(0, 250).includes(m.to)), 'only the 250 visible rooms');
    assert.deepEqual(hits.slice(0, 2).map((m) => m.to), ['#r249', '#r248'], 'newest first');
  } finally {
    await store.close();
  }
});

/** A store whose 12,000 messages in #big are made of 6-letter words over a, b, c, d (after `prefix`): a one-letter prefix matches a quarter of all words. */
async function bigStore(dir: string, search?: ConstructorParameters<typeof SqliteStore>[1]['search'], prefix = ''): Promise<SqliteStore> {
  const store = new SqliteStore(new SqliteHandle({ dataDir: dir, synchronous: 'normal' }), { clock: systemClock, idempotencyWindowMs: 60_000, ...(search ? { search } : {}) });
  let seed = 7;
  const letter = (): string => 'abcd'[((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 16) % 4]!;
  const word = (): string => prefix + Array.from({ length: 6 }, letter).join('');
  for (let i = 0; i < 12_000; i += 1000) {
    await Promise.all(Array.from({ length: 1000 }, () => store.append({ conv: '#big', to: '#big', from: 'u', text: Array.from({ length: 12 }, word).join(' ') })));
  }
  return store;
}
/** Words no search command would send (one-letter prefixes), so the store's own bound is what is tested. */
const HEAVY = ['a*', 'b*', 'c*', 'd*'];

/** Calls search and reports whether a setImmediate queued right after it ran before the search settled. */
async function searchYields(store: SqliteStore): Promise<{ yielded: boolean; outcome: PromiseSettledResult<unknown> }> {
  let settled = false;
  const p = store.search({ words: HEAVY, convs: ['#big'], limit: 100 }).finally(() => { settled = true; });
  const yielded = await new Promise<boolean>((resolve) => setImmediate(() => resolve(!settled)));
  const [outcome] = await Promise.allSettled([p]);
  return { yielded, outcome: outcome! };
}

it('search runs off the event loop: other work proceeds while an expensive search is running', async () => {
  const store = await bigStore(tempDir());
  try {
    await store.search({ words: ['warm'], convs: ['#big'], limit: 1 }); // the worker has started
    const { yielded, outcome } = await searchYields(store);
    assert.equal(outcome.status, 'fulfilled');
    assert.equal((outcome as PromiseFulfilledResult<unknown[]>).value.length, 100);
    assert.ok(yielded, 'the event loop ran a callback while the search was in progress');
  } finally {
    await store.close();
  }
});

it('a search past search.timeoutMs is answered SEARCH_TIMEOUT, and later searches are answered again', async () => {
  const dir = tempDir();
  const store = await bigStore(dir, { workers: 1, timeoutMs: 1, maxQueue: 4 });
  try {
    await assert.rejects(store.search({ words: ['warm'], convs: ['#big'], limit: 1 }).catch(() => undefined).then(async () => {
      const { yielded, outcome } = await searchYields(store);
      assert.ok(yielded, 'the event loop was not blocked');
      if (outcome.status === 'rejected') throw outcome.reason;
    }), (err: unknown) => err instanceof ChatError && err.code === 'SEARCH_TIMEOUT');
    // More searches than workers + queue at once: the surplus is refused at once, not queued without bound.
    const burst = await Promise.allSettled(Array.from({ length: 8 }, () => store.search({ words: HEAVY, convs: ['#big'], limit: 1 })));
    const codes = burst.map((r) => (r.status === 'rejected' && r.reason instanceof ChatError ? r.reason.code : r.status));
    assert.ok(codes.includes('SEARCH_BUSY'), `some were refused as busy: ${codes.join(', ')}`);
    assert.ok(codes.every((c) => c === 'SEARCH_BUSY' || c === 'SEARCH_TIMEOUT' || c === 'fulfilled'), codes.join(', '));
  } finally {
    await store.close();
  }
  // The data is untouched: a store with the default limit answers the same search.
  const again = new SqliteStore(new SqliteHandle({ dataDir: dir, synchronous: 'normal' }), { clock: systemClock, idempotencyWindowMs: 60_000 });
  try {
    assert.equal((await again.search({ words: HEAVY, convs: ['#big'], limit: 10 })).length, 10);
  } finally {
    await again.close();
  }
});

it('over a WebSocket: an over-long search is answered SEARCH_TIMEOUT and chat goes on', async () => {
  // Every word of #big starts with "zzz": the prefix the command allows, matching all of them.
  const dir = tempDir();
  await (await bigStore(dir, undefined, 'zzz')).close();
  const app = await startTestServer({ store: 'sqlite', dataDir: dir, 'search.timeoutMs': 1, 'history.onJoin': 0 });
  try {
    const a = await TestClient.login(app, 'Digger');
    const b = await TestClient.login(app, 'Watcher');
    await a.request('join', { room: '#big' });
    await b.request('join', { room: '#big' });
    await assert.rejects(a.request('search', { query: 'zzz* zzza* zzzb* zzzc* zzzd*' }), (err: unknown) => err instanceof ReplyError && err.code === 'SEARCH_TIMEOUT');
    await a.request('send', { to: '#big', text: 'still here' });
    await b.waitFor((e) => e.type === 'message' && e.msg.text === 'still here');
    a.close(); b.close();
  } finally {
    await app.close();
  }
});

it('a group commit leaves the search index alone; the pass after it indexes the batch, and a search never misses a committed message', async () => {
  const dir = tempDir();
  const store = open(dir);
  const raw = new DatabaseSync(join(dir, DB_FILE), { readOnly: true });
  try {
    const indexed = (): number => (raw.prepare('SELECT count(*) AS n FROM messages_fts').get() as { n: number }).n;
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.append({ conv: '#pass', to: '#pass', from: 'Alice', text: `batch word${i}` })));
    // Committed (another connection sees the rows), not yet in the index: no FTS5 segment per commit.
    assert.equal((raw.prepare("SELECT count(*) AS n FROM messages WHERE conv = '#pass'").get() as { n: number }).n, 20);
    assert.equal(indexed(), 0);
    // A search first brings the index up to date, so it sees all of them.
    assert.equal((await store.search({ words: ['batch'], convs: ['#pass'], limit: 50 })).length, 20);
    assert.equal(indexed(), 20);
    // Without a search, the pass follows the commit shortly (INDEX_DELAY_MS).
    await store.append({ conv: '#pass', to: '#pass', from: 'Bob', text: 'later word' });
    const deadline = Date.now() + 10_000;
    while (indexed() < 21 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(indexed(), 21);
  } finally {
    raw.close();
    await store.close();
  }
});

it('the pass after commits indexes in steps, one per turn: an append made meanwhile commits before the pass has caught up, and nothing is missed', async () => {
  const dir = tempDir();
  const store = new SqliteStore(new SqliteHandle({ dataDir: dir, synchronous: 'normal' }), { clock: systemClock, idempotencyWindowMs: 60_000, indexChunk: 10 });
  const raw = new DatabaseSync(join(dir, DB_FILE), { readOnly: true });
  try {
    const mark = (): number => (raw.prepare('SELECT indexed_rid AS rid FROM search_index_state').get() as { rid: number }).rid;
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.append({ conv: '#steps', to: '#steps', from: 'Alice', text: `step word${i}` })));
    assert.equal(mark(), 0, 'committed, not yet indexed');
    // The pass starts INDEX_DELAY_MS after the commit; watch the high-water mark turn by turn.
    const seen = new Set<number>();
    let during: number | undefined;
    const deadline = Date.now() + 10_000;
    while (mark() < 100 && Date.now() < deadline) {
      const m = mark();
      seen.add(m);
      if (m > 0 && during === undefined) {
        // The pass has begun and not ended: this append commits in between its steps.
        await store.append({ conv: '#steps', to: '#steps', from: 'Bob', text: 'step meanwhile' });
        during = mark();
      }
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(during !== undefined && during < 100, `an append committed while the pass was at ${during} of 100`);
    assert.ok([...seen].filter((m) => m > 0 && m < 100).length >= 2, `the mark moved in steps: ${[...seen].sort((x, y) => x - y).join(', ')}`);
    assert.equal((await store.search({ words: ['step'], convs: ['#steps'], limit: 200 })).length, 101, 'every message is found');
  } finally {
    raw.close();
    await store.close();
  }
});

it('messages committed before a crash and not yet indexed are indexed when the store opens again', async () => {
  const dir = tempDir();
  const first = open(dir);
  await first.append({ conv: '#crash', to: '#crash', from: 'Alice', text: 'indexed before' });
  await first.close();
  // What a crash between a commit and its index pass leaves: rows past search_index_state.
  const db = new DatabaseSync(join(dir, DB_FILE));
  db.prepare("INSERT INTO messages (id, conv, seq, to_name, from_name, from_folded, text, ts) VALUES ('lost1', '#crash', 2, '#crash', 'Bob', 'bob', 'committed then crashed', 1)").run();
  db.prepare("UPDATE conversations SET last_seq = 2 WHERE conv = '#crash'").run();
  assert.equal((db.prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'crashed'").get() as { n: number }).n, 0);
  db.close();
  const again = open(dir);
  try {
    const fts = new DatabaseSync(join(dir, DB_FILE), { readOnly: true });
    try {
      // Indexed at open, before any search.
      assert.equal((fts.prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'crashed'").get() as { n: number }).n, 1);
    } finally {
      fts.close();
    }
    assert.deepEqual((await again.search({ words: ['crashed'], convs: ['#crash'], limit: 5 })).map((m) => m.id), ['lost1']);
    assert.deepEqual((await again.search({ words: ['before'], convs: ['#crash'], limit: 5 })).map((m) => m.text), ['indexed before']);
  } finally {
    await again.close();
  }
});
