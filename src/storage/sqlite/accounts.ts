/** SQLite AccountStore: accounts and session-token hashes, in the same database as messages. */
import type { StatementSync } from 'node:sqlite';
import type { AccountRecord, AccountStore } from '../../core/ports.ts';
import type { SqliteHandle } from './open.ts';

export class SqliteAccounts implements AccountStore {
  private readonly h: SqliteHandle;
  private closed = false;
  private readonly st: Record<'get' | 'create' | 'setHash' | 'addSession' | 'session' | 'delSession' | 'delSessions', StatementSync>;

  constructor(handle: SqliteHandle) {
    this.h = handle.acquire();
    const p = (sql: string): StatementSync => this.h.db.prepare(sql);
    this.st = {
      get: p('SELECT name, folded, hash, created_at FROM accounts WHERE folded = ?'),
      create: p('INSERT OR IGNORE INTO accounts (folded, name, hash, created_at) VALUES (?, ?, ?, ?)'),
      setHash: p('UPDATE accounts SET hash = ? WHERE folded = ?'),
      addSession: p('INSERT INTO sessions (token_hash, folded, created_at) VALUES (?, ?, ?)'),
      session: p('SELECT folded FROM sessions WHERE token_hash = ?'),
      delSession: p('DELETE FROM sessions WHERE token_hash = ?'),
      delSessions: p('DELETE FROM sessions WHERE folded = ?'),
    };
  }

  async get(folded: string): Promise<AccountRecord | undefined> {
    const r = this.st.get.get(folded) as { name: string; folded: string; hash: string; created_at: number } | undefined;
    return r && { name: r.name, folded: r.folded, hash: r.hash, createdAt: r.created_at };
  }

  async create(rec: AccountRecord): Promise<boolean> {
    return Number(this.st.create.run(rec.folded, rec.name, rec.hash, rec.createdAt).changes) === 1;
  }

  async setHash(folded: string, hash: string): Promise<void> {
    this.st.setHash.run(hash, folded);
  }

  async addSession(tokenHash: string, folded: string, now: number): Promise<void> {
    this.st.addSession.run(tokenHash, folded, now);
  }

  async sessionUser(tokenHash: string): Promise<string | undefined> {
    return (this.st.session.get(tokenHash) as { folded: string } | undefined)?.folded;
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return Number(this.st.delSession.run(tokenHash).changes) > 0;
  }

  async deleteSessions(folded: string): Promise<number> {
    return Number(this.st.delSessions.run(folded).changes);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.h.release();
  }
}
