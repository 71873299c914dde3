/** One transaction on one pooled connection, for the PostgreSQL adapters that need several statements to be atomic. */
import type { PoolClient } from 'pg';
import { storeError, type PgHandle } from './open.ts';

/**
 * Runs `fn` between BEGIN and COMMIT on one connection; rolls back and rethrows (as
 * STORE_UNAVAILABLE when the database could not be reached) if anything fails. A connection
 * that cannot even roll back is discarded rather than returned to the pool.
 */
export async function inTransaction<T>(h: PgHandle, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient | undefined;
  try {
    client = await h.pool.connect();
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    client.release();
    return out;
  } catch (err) {
    if (client) {
      let broken = true;
      try { await client.query('ROLLBACK'); broken = false; } catch { /* the connection is gone */ }
      client.release(broken);
    }
    throw storeError(err);
  }
}

/** One statement on the pool; unreachable-database failures become STORE_UNAVAILABLE. */
export async function pgQuery<T extends object>(h: PgHandle, sql: string, params: unknown[] = []): Promise<T[]> {
  try {
    return (await h.pool.query<T>(sql, params)).rows;
  } catch (err) {
    throw storeError(err);
  }
}
