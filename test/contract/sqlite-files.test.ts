/**
 * The SQLite data directory and files are private whatever the umask (here 022, the usual
 * default): directory 0700, banter.db / -wal / -shm 0600; looser modes on an existing
 * directory are tightened on open and reported (by `banter serve` as a warning in its log).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { systemClock } from '../../src/core/ports.ts';
import { DB_FILE, SqliteHandle } from '../../src/storage/sqlite/open.ts';
import { SqliteStore } from '../../src/storage/sqlite/store.ts';
import { spawnServer } from '../ops/helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'banter-modes-'));
let umask: number;
before(() => { umask = process.umask(0o022); });
after(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});
const mode = (p: string): number => statSync(p).mode & 0o777;

function open(dir: string): { handle: SqliteHandle; store: SqliteStore } {
  const handle = new SqliteHandle({ dataDir: dir, synchronous: 'normal' });
  return { handle, store: new SqliteStore(handle, { clock: systemClock, idempotencyWindowMs: 1000 }) };
}

it('creates the data directory 0700 and banter.db, -wal and -shm 0600 under umask 022', async () => {
  const dir = join(root, 'new', 'data');
  const { handle, store } = open(dir);
  await store.append({ conv: '#a', to: '#a', from: 'u', text: 'hello' });
  const db = join(dir, DB_FILE);
  assert.ok(existsSync(`${db}-wal`) && existsSync(`${db}-shm`), 'WAL files exist while open');
  assert.deepEqual([mode(dir), mode(db), mode(`${db}-wal`), mode(`${db}-shm`)], [0o700, 0o600, 0o600, 0o600]);
  assert.deepEqual(handle.looseModes, { tightened: [], unfixable: [] });
  await store.close();
});

it('tightens a loose existing directory and database files on open, and says which', async () => {
  const dir = join(root, 'old');
  const db = join(dir, DB_FILE);
  const first = open(dir);
  await first.store.append({ conv: '#a', to: '#a', from: 'u', text: 'hello' });
  // Leave -wal and -shm behind as a crash would (no checkpoint on close), then loosen everything.
  const files = [db, `${db}-wal`, `${db}-shm`];
  for (const f of files) chmodSync(f, 0o644);
  chmodSync(dir, 0o755);
  const again = open(dir);
  try {
    assert.deepEqual([mode(dir), ...files.map(mode)], [0o700, 0o600, 0o600, 0o600]);
    assert.deepEqual([...again.handle.looseModes.tightened].sort(), [dir, ...files].sort());
    assert.equal((await again.store.history('#a', { limit: 5 })).length, 1);
  } finally {
    await again.store.close();
    await first.store.close();
  }
});

it('banter serve tightens a world-readable data directory and logs a warning naming it', async () => {
  const dir = join(root, 'served');
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const child = await spawnServer(['serve'], { BANTER_STORE: 'sqlite', BANTER_DATA_DIR: dir, BANTER_IRC_ENABLED: 'false' });
  try {
    const warning = await child.waitLog((l) => typeof l.msg === 'string' && l.msg.startsWith('data files were readable by other users'), 'the warning');
    assert.deepEqual(warning.paths, [dir]);
    assert.equal(warning.level, 40, 'logged as a warning');
    assert.deepEqual([mode(dir), mode(join(dir, DB_FILE))], [0o700, 0o600]);
  } finally {
    child.kill();
    await child.exited;
  }
});
