/** SQLite ModerationStore: rooms an account owns, server bans and admins, and the append-only audit log (migration 3). */
import type { StatementSync } from 'node:sqlite';
import type { ModerationStore, ServerBan } from '../../core/ports.ts';
import type { RoomRecord } from '../../core/moderation.ts';
import type { AuditEntry } from '../../protocol/index.ts';
import type { SqliteHandle } from './open.ts';
import { auditFromRow, type AuditRow } from '../rows.ts';

export class SqliteModeration implements ModerationStore {
  private readonly h: SqliteHandle;
  private closed = false;
  private readonly st: Record<'putRoom' | 'rooms' | 'getServer' | 'putServer' | 'append' | 'audit' | 'auditRoom', StatementSync>;

  constructor(handle: SqliteHandle) {
    this.h = handle.acquire();
    const p = (sql: string): StatementSync => this.h.db.prepare(sql);
    this.st = {
      putRoom: p('INSERT INTO mod_rooms (folded, record) VALUES (?, ?) ON CONFLICT (folded) DO UPDATE SET record = excluded.record'),
      rooms: p('SELECT record FROM mod_rooms ORDER BY folded'),
      getServer: p('SELECT value FROM mod_server WHERE key = ?'),
      putServer: p('INSERT INTO mod_server (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      append: p('INSERT INTO audit_log (ts, actor, action, room, target, reason) VALUES (?, ?, ?, ?, ?, ?)'),
      audit: p('SELECT ts, actor, action, room, target, reason FROM (SELECT * FROM audit_log ORDER BY id DESC LIMIT ?) ORDER BY id'),
      auditRoom: p('SELECT ts, actor, action, room, target, reason FROM (SELECT * FROM audit_log WHERE room = ? ORDER BY id DESC LIMIT ?) ORDER BY id'),
    };
  }

  async putRoom(folded: string, rec: RoomRecord): Promise<void> {
    this.st.putRoom.run(folded, JSON.stringify(rec));
  }

  async rooms(): Promise<RoomRecord[]> {
    return (this.st.rooms.all() as { record: string }[]).map((r) => JSON.parse(r.record) as RoomRecord);
  }

  private server<T>(key: string): T | undefined {
    const row = this.st.getServer.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /** Synchronous read-change-write: nothing else runs on this connection in between (one process owns the file). */
  private updateServer<T>(key: string, empty: T, change: (v: T) => T): T {
    const next = change(this.server<T>(key) ?? empty);
    this.st.putServer.run(key, JSON.stringify(next));
    return next;
  }

  async updateServerBans(change: (bans: ServerBan[]) => ServerBan[]): Promise<ServerBan[]> {
    return this.updateServer<ServerBan[]>('bans', [], change);
  }

  async serverBans(): Promise<ServerBan[]> {
    return this.server<ServerBan[]>('bans') ?? [];
  }

  async updateAdmins(change: (accounts: string[]) => string[]): Promise<string[]> {
    return this.updateServer<string[]>('admins', [], change);
  }

  async admins(): Promise<string[]> {
    return this.server<string[]>('admins') ?? [];
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    this.st.append.run(e.ts, e.actor, e.action, e.room ?? null, e.target ?? null, e.reason ?? null);
  }

  async audit(query: { room?: string; limit: number }): Promise<AuditEntry[]> {
    const rows = (query.room === undefined ? this.st.audit.all(query.limit) : this.st.auditRoom.all(query.room, query.limit)) as unknown as AuditRow[];
    return rows.map(auditFromRow);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.h.release();
  }
}
