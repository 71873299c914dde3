/**
 * PostgreSQL ModerationStore: rooms an account owns, server bans and admins, and the
 * append-only audit log (migration 2; triggers refuse UPDATE, DELETE and TRUNCATE of it).
 * Shared by every node of a cluster: a node that starts (or restarts) restores what the
 * others stored.
 */
import type { ModerationStore, ServerBan } from '../../core/ports.ts';
import type { RoomRecord } from '../../core/moderation.ts';
import type { AuditEntry } from '../../protocol/index.ts';
import type { PgHandle } from './open.ts';
import { inTransaction, pgQuery } from './tx.ts';
import { auditFromRow, type AuditRow } from '../rows.ts';

export class PgModeration implements ModerationStore {
  private readonly h: PgHandle;
  private closed = false;

  constructor(handle: PgHandle) {
    this.h = handle.acquire();
  }

  async putRoom(folded: string, rec: RoomRecord): Promise<void> {
    await pgQuery(this.h, 'INSERT INTO mod_rooms (folded, record) VALUES ($1, $2::jsonb) ON CONFLICT (folded) DO UPDATE SET record = EXCLUDED.record', [folded, JSON.stringify(rec)]);
  }

  async rooms(): Promise<RoomRecord[]> {
    return (await pgQuery<{ record: RoomRecord }>(this.h, 'SELECT record FROM mod_rooms ORDER BY folded')).map((r) => r.record);
  }

  /**
   * Read-change-write of one `mod_server` value in a transaction that holds its row lock
   * (created first if missing), so concurrent updates from several nodes queue up and none
   * is lost.
   */
  private async updateServer<T>(key: string, empty: T, change: (v: T) => T): Promise<T> {
    return inTransaction(this.h, async (c) => {
      await c.query('INSERT INTO mod_server (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING', [key, JSON.stringify(empty)]);
      const { rows } = await c.query<{ value: T }>('SELECT value FROM mod_server WHERE key = $1 FOR UPDATE', [key]);
      const next = change(rows[0]!.value);
      await c.query('UPDATE mod_server SET value = $2::jsonb WHERE key = $1', [key, JSON.stringify(next)]);
      return next;
    });
  }

  private async server<T>(key: string): Promise<T | undefined> {
    return (await pgQuery<{ value: T }>(this.h, 'SELECT value FROM mod_server WHERE key = $1', [key]))[0]?.value;
  }

  async updateServerBans(change: (bans: ServerBan[]) => ServerBan[]): Promise<ServerBan[]> {
    return this.updateServer<ServerBan[]>('bans', [], change);
  }

  async serverBans(): Promise<ServerBan[]> {
    return (await this.server<ServerBan[]>('bans')) ?? [];
  }

  async updateAdmins(change: (accounts: string[]) => string[]): Promise<string[]> {
    return this.updateServer<string[]>('admins', [], change);
  }

  async admins(): Promise<string[]> {
    return (await this.server<string[]>('admins')) ?? [];
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    await pgQuery(this.h, 'INSERT INTO audit_log (ts, actor, action, room, target, reason) VALUES ($1, $2, $3, $4, $5, $6)',
      [e.ts, e.actor, e.action, e.room ?? null, e.target ?? null, e.reason ?? null]);
  }

  async audit(query: { room?: string; limit: number }): Promise<AuditEntry[]> {
    const limit = Math.max(0, Math.floor(query.limit));
    const rows = query.room === undefined
      ? await pgQuery<AuditRow>(this.h, 'SELECT ts, actor, action, room, target, reason FROM (SELECT * FROM audit_log ORDER BY id DESC LIMIT $1) t ORDER BY id', [limit])
      : await pgQuery<AuditRow>(this.h, 'SELECT ts, actor, action, room, target, reason FROM (SELECT * FROM audit_log WHERE room = $1 ORDER BY id DESC LIMIT $2) t ORDER BY id', [query.room, limit]);
    return rows.map(auditFromRow);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.h.release();
  }
}
