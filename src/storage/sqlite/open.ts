/**
 * Opens (creating when needed) the SQLite database in the data directory, sets the
 * durability pragmas and migrates the schema. One connection serves both the message store
 * and the account store: node:sqlite is synchronous, so statements of one never interleave
 * with a transaction of the other.
 */
import { mkdirSync } from 'node:fs';
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

export class SqliteHandle {
  readonly db: DatabaseSync;
  readonly path: string;
  private users = 0;

  constructor(opts: SqliteOptions) {
    if (opts.dataDir === ':memory:') {
      this.path = ':memory:';
    } else {
      mkdirSync(opts.dataDir, { recursive: true });
      this.path = join(opts.dataDir, DB_FILE);
    }
    this.db = new DatabaseSync(this.path);
    try {
      this.db.exec('PRAGMA journal_mode = WAL');
      this.db.exec(`PRAGMA synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      this.db.exec('PRAGMA busy_timeout = 5000');
      this.db.exec('PRAGMA foreign_keys = ON');
      migrate(this.db);
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
