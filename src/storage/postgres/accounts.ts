/** PostgreSQL AccountStore: accounts and session-token hashes, in the same database as messages. */
import type { AccountRecord, AccountStore } from '../../core/ports.ts';
import { storeError, type PgHandle } from './open.ts';

export class PgAccounts implements AccountStore {
  private readonly h: PgHandle;
  private closed = false;

  constructor(handle: PgHandle) {
    this.h = handle.acquire();
  }

  private async run<T extends object>(sql: string, params: unknown[]): Promise<{ rows: T[]; rowCount: number }> {
    try {
      const r = await this.h.pool.query<T>(sql, params);
      return { rows: r.rows, rowCount: r.rowCount ?? 0 };
    } catch (err) {
      throw storeError(err);
    }
  }

  async get(folded: string): Promise<AccountRecord | undefined> {
    const { rows } = await this.run<{ name: string; folded: string; hash: string; created_at: number }>('SELECT name, folded, hash, created_at FROM accounts WHERE folded = $1', [folded]);
    const r = rows[0];
    return r && { name: r.name, folded: r.folded, hash: r.hash, createdAt: r.created_at };
  }

  async create(rec: AccountRecord): Promise<boolean> {
    const r = await this.run('INSERT INTO accounts (folded, name, hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (folded) DO NOTHING', [rec.folded, rec.name, rec.hash, rec.createdAt]);
    return r.rowCount === 1;
  }

  async setHash(folded: string, hash: string): Promise<void> {
    await this.run('UPDATE accounts SET hash = $1 WHERE folded = $2', [hash, folded]);
  }

  async addSession(tokenHash: string, folded: string, now: number): Promise<void> {
    await this.run('INSERT INTO sessions (token_hash, folded, created_at) VALUES ($1, $2, $3)', [tokenHash, folded, now]);
  }

  async sessionUser(tokenHash: string): Promise<string | undefined> {
    return (await this.run<{ folded: string }>('SELECT folded FROM sessions WHERE token_hash = $1', [tokenHash])).rows[0]?.folded;
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return (await this.run('DELETE FROM sessions WHERE token_hash = $1', [tokenHash])).rowCount > 0;
  }

  async deleteSessions(folded: string): Promise<number> {
    return (await this.run('DELETE FROM sessions WHERE folded = $1', [folded])).rowCount;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.h.release();
  }
}
