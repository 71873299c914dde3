/**
 * Opens (creating when needed) the SQLite database in the data directory, sets the
 * durability pragmas and migrates the schema. One connection serves both the message store
 * and the account store: node:sqlite is synchronous, so statements of one never interleave
 * with a transaction of the other.
 *
 * The data is private to the server's user whatever the umask: the directory is made 0700
 * and banter.db, -wal and -shm 0600 (SQLite gives the -wal and -shm files the mode of the
 * database file, which is created here first). Looser modes found on an existing directory
 * or file are tightened on start (or, when another user owns it, left alone) and listed in
 * `looseModes` for the caller to log.
 */
import { chmodSync, closeSync, constants, existsSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrate } from './migrations.ts';

export type Synchronous = 'full' | 'normal';

export interface SqliteOptions {
  /** Directory holding banter.db (created if missing). ':memory:' for a throwaway database. */
  dataDir: string;
  /** `full`: every commit is fsynced (survives power loss); `normal`: survives a process crash only. */
  synchronous: Synchronous;
}

export const DB_FILE = 'banter.db';
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Paths whose mode let group or others in: tightened, or (not ours to chmod) left as they were. */
export interface LooseModes {
  tightened: string[];
  unfixable: string[];
}

/** Sets `mode` on path when it differs, noting a path whose old mode let group or others in. */
function restrict(path: string, mode: number, found: LooseModes): void {
  const old = statSync(path).mode & 0o777;
  if (old === mode) return;
  const loose = (old & 0o077) !== 0;
  try {
    chmodSync(path, mode);
  } catch (err) {
    // Owned by another user (a shared mount, say): say so instead of refusing to start.
    if (!loose || (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    found.unfixable.push(path);
    return;
  }
  if (loose) found.tightened.push(path);
}

/** Creates dataDir (0700) and banter.db (0600) if missing; tightens looser modes. */
function privateFiles(dataDir: string, dbPath: string, found: LooseModes): void {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  restrict(dataDir, DIR_MODE, found);
  if (!existsSync(dbPath)) {
    // An empty file is an empty database to SQLite; creating it here fixes its mode before any data is written.
    const fd = openSync(dbPath, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, FILE_MODE);
    try { fchmodSync(fd, FILE_MODE); } finally { closeSync(fd); }
  }
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) if (existsSync(f)) restrict(f, FILE_MODE, found);
}

export class SqliteHandle {
  readonly db: DatabaseSync;
  readonly path: string;
  /** Paths whose mode let group or others in, found on open: tightened to 0700 / 0600, or not ours to change. */
  readonly looseModes: Readonly<LooseModes> = { tightened: [], unfixable: [] };
  private users = 0;

  constructor(opts: SqliteOptions) {
    if (opts.dataDir === ':memory:') {
      this.path = ':memory:';
    } else {
      this.path = join(opts.dataDir, DB_FILE);
      privateFiles(opts.dataDir, this.path, this.looseModes);
    }
    this.db = new DatabaseSync(this.path);
    try {
      this.db.exec('PRAGMA journal_mode = WAL');
      this.db.exec(`PRAGMA synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      this.db.exec('PRAGMA busy_timeout = 5000');
      this.db.exec('PRAGMA foreign_keys = ON');
      migrate(this.db);
      // SQLite created -wal and -shm with banter.db's mode; make sure, as nothing else here depends on it.
      if (this.path !== ':memory:') for (const f of [`${this.path}-wal`, `${this.path}-shm`]) if (existsSync(f)) restrict(f, FILE_MODE, this.looseModes);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  /** Each store that shares the handle takes a reference; the last release closes it. */
  acquire(): this {
    this.users++;
    return this;
  }

  release(): void {
    if (--this.users === 0 && this.db.isOpen) {
      // Fold the WAL back into the main file so a stopped server leaves one tidy file.
      try { this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)'); } catch { /* best effort */ }
      this.db.close();
    }
  }
}
