/**
 * File metadata in PostgreSQL (the `files` table, migrations 2 and 4), for cluster mode: every node
 * sees every upload's record, so a link made on one node is served by any node that can read
 * the bytes (the BlobStore; a shared one for several machines).
 *
 * Atomicity as the FileRecords contract asks: `create` takes a transaction-scoped advisory
 * lock, so the quota and total checks and the insert of one create cannot interleave with
 * another's, on any node; `attach` locks the rows it changes (`FOR UPDATE`).
 */
import type { FileLimits, FileRecord, FileRecords } from '../../core/files/ports.ts';
import type { PgHandle } from './open.ts';
import { inTransaction, pgQuery } from './tx.ts';
import { fileFromRow as toRec, type FileRow as Row } from '../rows.ts';


/** Advisory lock key of file creation ("files" in ASCII). */
const CREATE_LOCK = 0x66696c6573;


export class PgFileRecords implements FileRecords {
  private readonly h: PgHandle;
  private closed = false;

  constructor(handle: PgHandle) {
    this.h = handle.acquire();
  }

  async create(rec: FileRecord, limits: FileLimits): Promise<'ok' | 'quota' | 'full'> {
    return inTransaction(this.h, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [CREATE_LOCK]);
      const { rows } = await c.query<{ mine: number; total: number }>(
        'SELECT coalesce(sum(size) FILTER (WHERE owner = $1), 0)::bigint AS mine, coalesce(sum(size), 0)::bigint AS total FROM files', [rec.owner]);
      const { mine, total } = rows[0]!;
      if (mine + rec.size > limits.quotaBytes) return 'quota';
      if (total + rec.size > limits.totalBytes) return 'full';
      await c.query('INSERT INTO files (id, hash, size, name, type, owner, created_at, width, height, thumb) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [rec.id, rec.hash, rec.size, rec.name, rec.type, rec.owner, rec.createdAt, rec.width ?? null, rec.height ?? null, rec.thumb ?? null]);
      return 'ok';
    });
  }

  async get(id: string): Promise<FileRecord | undefined> {
    const r = (await pgQuery<Row>(this.h, 'SELECT * FROM files WHERE id = $1', [id]))[0];
    return r && toRec(r);
  }

  async attach(ids: readonly string[], owner: string, conv: string, at: number, key: string): Promise<'attached' | 'again' | 'refused'> {
    return inTransaction(this.h, async (c) => {
      const { rows } = await c.query<Row>('SELECT * FROM files WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [[...ids]]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const recs = ids.map((id) => byId.get(id));
      if (recs.every((r) => r?.owner === owner && r.conv === conv && r.attach_key === key)) return 'again';
      if (!recs.every((r) => r?.owner === owner && r.conv === null)) return 'refused';
      await c.query('UPDATE files SET conv = $1, attached_at = $2, attach_key = $3 WHERE id = ANY($4::text[]) AND owner = $5 AND conv IS NULL', [conv, at, key, [...ids], owner]);
      return 'attached';
    });
  }

  async detach(ids: readonly string[]): Promise<void> {
    await pgQuery(this.h, 'UPDATE files SET conv = NULL, attached_at = NULL, attach_key = NULL WHERE id = ANY($1::text[])', [[...ids]]);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const rows = await pgQuery<{ id: string }>(this.h, 'UPDATE files SET revoked_at = GREATEST(coalesce(revoked_at, 0), $1) WHERE id = $2 RETURNING id', [at, id]);
    return rows.length > 0;
  }

  async usage(owner: string): Promise<number> {
    return (await pgQuery<{ n: number }>(this.h, 'SELECT coalesce(sum(size), 0)::bigint AS n FROM files WHERE owner = $1', [owner]))[0]!.n;
  }

  async total(): Promise<number> {
    return (await pgQuery<{ n: number }>(this.h, 'SELECT coalesce(sum(size), 0)::bigint AS n FROM files'))[0]!.n;
  }

  async removeUnattached(before: number): Promise<FileRecord[]> {
    const rows = await pgQuery<Row>(this.h, 'DELETE FROM files WHERE conv IS NULL AND created_at < $1 RETURNING *', [before]);
    return rows.map(toRec);
  }

  async blobInUse(hash: string): Promise<boolean> {
    return (await pgQuery(this.h, 'SELECT 1 FROM files WHERE hash = $1 OR thumb = $1 LIMIT 1', [hash])).length > 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.h.release();
  }
}
