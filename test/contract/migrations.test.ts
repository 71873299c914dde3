/** SQLite migrations: ordered, all pending ones in one transaction, no downgrade. */
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { it } from 'node:test';
import { migrate, MigrationError, MIGRATIONS } from '../../src/storage/sqlite/migrations.ts';

const version = (db: DatabaseSync): number => (db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number }).v;
const tables = (db: DatabaseSync): string[] => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

it('applies the real migrations to an empty database once', () => {
  const db = new DatabaseSync(':memory:');
  assert.deepEqual(migrate(db), { from: 0, to: MIGRATIONS.at(-1)!.version });
  assert.deepEqual(migrate(db), { from: MIGRATIONS.at(-1)!.version, to: MIGRATIONS.at(-1)!.version });
  assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
  db.close();
});

it('applies pending migrations in order and rolls all of them back when one fails', () => {
  const db = new DatabaseSync(':memory:');
  const m1 = { version: 1, description: 'a', sql: 'CREATE TABLE t_a (x)' };
  const m2 = { version: 2, description: 'b', sql: 'CREATE TABLE t_b (x)' };
  const bad = { version: 3, description: 'broken', sql: 'CREATE TABLE t_c (x); INSERT INTO nowhere VALUES (1)' };
  migrate(db, [m1]);
  assert.throws(() => migrate(db, [m1, m2, bad]));
  assert.equal(version(db), 1);
  assert.deepEqual(tables(db), ['t_a'], 'neither t_b nor t_c survived the failed run');
  assert.deepEqual(migrate(db, [m1, m2]), { from: 1, to: 2 });
  assert.deepEqual(tables(db), ['t_a', 't_b']);
  db.close();
});

it('refuses a database written by a newer server', () => {
  const db = new DatabaseSync(':memory:');
  migrate(db, [{ version: 1, description: 'a', sql: 'CREATE TABLE t_a (x)' }, { version: 2, description: 'b', sql: 'CREATE TABLE t_b (x)' }]);
  assert.throws(() => migrate(db, [{ version: 1, description: 'a', sql: 'CREATE TABLE t_a (x)' }]), MigrationError);
  db.close();
});
