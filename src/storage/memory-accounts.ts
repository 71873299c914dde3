/** In-memory AccountStore: for tests and `store = memory`. A restart forgets every account. */
import type { AccountRecord, AccountStore } from '../core/ports.ts';

export class MemoryAccounts implements AccountStore {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly sessions = new Map<string, string>();

  async get(folded: string): Promise<AccountRecord | undefined> {
    const a = this.accounts.get(folded);
    return a && { ...a };
  }

  async create(rec: AccountRecord): Promise<boolean> {
    if (this.accounts.has(rec.folded)) return false;
    this.accounts.set(rec.folded, { ...rec });
    return true;
  }

  async setHash(folded: string, hash: string): Promise<void> {
    const a = this.accounts.get(folded);
    if (a) a.hash = hash;
  }

  async addSession(tokenHash: string, folded: string): Promise<void> {
    this.sessions.set(tokenHash, folded);
  }

  async sessionUser(tokenHash: string): Promise<string | undefined> {
    return this.sessions.get(tokenHash);
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return this.sessions.delete(tokenHash);
  }

  async deleteSessions(folded: string): Promise<number> {
    let n = 0;
    for (const [t, u] of this.sessions) if (u === folded) { this.sessions.delete(t); n++; }
    return n;
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }
}
