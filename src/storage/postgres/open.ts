/**
 * Opens a bounded connection pool to PostgreSQL (the `pg` package, loaded only when this
 * store is selected), checks that the server answers, and migrates the schema under an
 * advisory lock. The message store and the account store share one pool.
 *
 * Failures are classified once here: an error that means "the database is unreachable or did
 * not answer" (network errors, timeouts, SQLSTATE classes 08, 53 and 57) becomes
 * ChatError STORE_UNAVAILABLE, which clients see; anything else (a bug, a constraint) stays
 * as it is and clients see INTERNAL.
 */
import type { Pool, PoolClient } from 'pg';
import { ChatError } from '../../core/errors.ts';
import type { Logger } from '../../core/ports.ts';
import { migratePg } from './migrations.ts';

export interface PgOptions {
  url: string;
  /** Most connections in the pool. */
  poolMax: number;
  /** Bound on connecting and on one statement, in ms. */
  timeoutMs: number;
  log?: Logger;
}

/** A startup failure that names the setting to fix. */
export class PgOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PgOpenError';
  }
}

const UNAVAILABLE_CLASSES = ['08', '53', '57'];

export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_CLASSES.includes(code.slice(0, 2));
  return true; // no SQLSTATE: the socket, DNS or a client-side timeout failed
}

/** Rethrows `err` as STORE_UNAVAILABLE when it means the database could not be reached. */
export function storeError(err: unknown): unknown {
  if (err instanceof ChatError) return err;
  return isUnavailable(err) ? new ChatError('STORE_UNAVAILABLE') : err;
}

/** Where the URL points, without the password (for messages). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

export class PgHandle {
  readonly pool: Pool;
  private users = 0;

  private constructor(pool: Pool) {
    this.pool = pool;
  }

  static async open(opts: PgOptions): Promise<PgHandle> {
    const { default: pg } = await import('pg');
    const int8 = 20;
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolMax,
      connectionTimeoutMillis: opts.timeoutMs,
      query_timeout: opts.timeoutMs,
      statement_timeout: opts.timeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'banter',
      // BIGINT columns (seq, ts) as numbers: they stay far below 2^53.
      types: { getTypeParser: ((oid: number, format?: string) => oid === int8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser },
    });
    // An idle connection that breaks (server restart) emits here; without a listener it would crash the process.
    pool.on('error', (err) => opts.log?.warn({ err: { message: err.message } }, 'postgres connection lost'));
    // A connection that breaks while checked out emits on the client itself (the query also fails and is handled there).
    pool.on('connect', (c) => c.on('error', (err) => opts.log?.warn({ err: { message: err.message } }, 'postgres connection lost')));
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      await migratePg(client);
    } catch (err) {
      client?.release(true);
      await pool.end().catch(() => undefined);
      const detail = err instanceof Error ? err.message : String(err);
      throw new PgOpenError(`postgresUrl: cannot use PostgreSQL at ${describeUrl(opts.url)}: ${detail}`);
    }
    client.release();
    return new PgHandle(pool);
  }

  /** Each store that shares the handle takes a reference; the last release ends the pool. */
  acquire(): this {
    this.users++;
    return this;
  }

  async release(): Promise<void> {
    if (--this.users === 0) await this.pool.end();
  }
}
