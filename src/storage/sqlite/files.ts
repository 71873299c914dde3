/** File metadata in SQLite (the `files` table, migrations 4 and 7), sharing the message store's connection. */
import type { StatementSync } from 'node:sqlite';
import type { FileLimits, FileRecord, FileRecords } from '../../core/files/ports.ts';
import type { SqliteHandle } from './open.ts';
import { fileFromRow as toRec, type FileRow as Row } from '../rows.ts';



export class SqliteFileRecords implements FileRecords {
  private readonly h: SqliteHandle;
  private readonly st: Record<'insert' | 'get' | 'usage' | 'total' | 'attach' | 'detach' | 'revoke' | 'pending' | 'drop' | 'inUse', StatementSync>;

  constructor(handle: SqliteHandle) {
    this.h = handle.acquire();
    const p = (sql: string): StatementSync => this.h.db.prepare(sql);
    this.st = {
      insert: p('INSERT INTO files (id, hash, size, name, type, owner, created_at, width, height, thumb) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      get: p('SELECT * FROM files WHERE id = ?'),
      usage: p('SELECT coalesce(sum(size), 0) AS n FROM files WHERE owner = ?'),
      total: p('SELECT coalesce(sum(size), 0) AS n FROM files'),
      attach: p('UPDATE files SET conv = ?, attached_at = ?, attach_key = ? WHERE id = ? AND owner = ? AND conv IS NULL'),
      detach: p('UPDATE files SET conv = NULL, attached_at = NULL, attach_key = NULL WHERE id = ?'),
      revoke: p('UPDATE files SET revoked_at = max(coalesce(revoked_at, 0), ?) WHERE id = ?'),
      pending: p('SELECT * FROM files WHERE conv IS NULL AND created_at < ?'),
      drop: p('DELETE FROM files WHERE id = ? AND conv IS NULL'),
      inUse: p('SELECT 1 FROM files WHERE hash = ?1 OR thumb = ?1 LIMIT 1'),
    };
  }

  /** One transaction: the limit checks and the insert cannot interleave with another create. */
  private tx<T>(fn: () => T): T {
    const { db } = this.h;
    db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      db.exec('COMMIT');
      return out;
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  async create(rec: FileRecord, limits: FileLimits): Promise<'ok' | 'quota' | 'full'> {
    return this.tx(() => {
      if ((this.st.usage.get(rec.owner) as { n: number }).n + rec.size > limits.quotaBytes) return 'quota';
      if ((this.st.total.get() as { n: number }).n + rec.size > limits.totalBytes) return 'full';
      this.st.insert.run(rec.id, rec.hash, rec.size, rec.name, rec.type, rec.owner, rec.createdAt, rec.width ?? null, rec.height ?? null, rec.thumb ?? null);
      return 'ok';
    });
  }

  async get(id: string): Promise<FileRecord | undefined> {
    const r = this.st.get.get(id) as Row | undefined;
    return r && toRec(r);
  }

  async attach(ids: readonly string[], owner: string, conv: string, at: number, key: string): Promise<'attached' | 'again' | 'refused'> {
    return this.tx(() => {
      const rows = ids.map((id) => this.st.get.get(id) as Row | undefined);
      if (rows.every((r) => r?.owner === owner && r.conv === conv && r.attach_key === key)) return 'again';
      if (!rows.every((r) => r?.owner === owner && r.conv === null)) return 'refused';
      for (const id of ids) this.st.attach.run(conv, at, key, id, owner);
      return 'attached';
    });
  }

  async detach(ids: readonly string[]): Promise<void> {
    this.tx(() => { for (const id of ids) this.st.detach.run(id); });
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return Number(this.st.revoke.run(at, id).changes) > 0;
  }

  async usage(owner: string): Promise<number> {
    return (this.st.usage.get(owner) as { n: number }).n;
  }

  async total(): Promise<number> {
    return (this.st.total.get() as { n: number }).n;
  }

  async removeUnattached(before: number): Promise<FileRecord[]> {
    return this.tx(() => {
      const rows = (this.st.pending.all(before) as unknown as Row[]).map(toRec);
      for (const r of rows) this.st.drop.run(r.id);
      return rows;
    });
  }

  async blobInUse(hash: string): Promise<boolean> {
    return this.st.inUse.get(hash) !== undefined;
  }

  async close(): Promise<void> {
    this.h.release();
  }
}
