/**
 * SQLite search specifics: migration 2 backfills the scoped full-text index of a database
 * written by the previous schema, the index holds each message under its conversation,
 * sender and DM participants, and a searcher in more conversations than the match names
 * still gets exactly the visible messages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, it } from 'node:test';
import { systemClock } from '../../src/core/ports.ts';
import { migrate, MIGRATIONS } from '../../src/storage/sqlite/migrations.ts';
import { DB_FILE, SqliteHandle } from '../../src/storage/sqlite/open.ts';
import { SqliteStore } from '../../src/storage/sqlite/store.ts';

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
    assert.equal((db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number }).v, 2);
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
