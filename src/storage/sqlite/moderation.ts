/** SQLite ModerationStore: rooms an account owns, server bans and admins, and the append-only audit log (migration 3). */
import type { StatementSync } from 'node:sqlite';
import type { ModerationStore, ServerBan } from '../../core/ports.ts';
import type { RoomRecord } from '../../core/moderation.ts';
import type { AuditEntry } from '../../protocol/index.ts';
import type { SqliteHandle } from './open.ts';

interface AuditRow { ts: number; actor: string; action: string; room: string | null; target: string | null; reason: string | null }

export class SqliteModeration implements ModerationStore {
  private readonly h: SqliteHandle;
  private closed = false;
  private readonly st: Record<'putRoom' | 'rooms' | 'getBans' | 'putBans' | 'getAdmins' | 'putAdmins' | 'append' | 'audit' | 'auditRoom', StatementSync>;

  constructor(handle: SqliteHandle) {
    this.h = handle.acquire();
    const p = (sql: string): StatementSync => this.h.db.prepare(sql);
    this.st = {
      putRoom: p('INSERT INTO mod_rooms (folded, record) VALUES (?, ?) ON CONFLICT (folded) DO UPDATE SET record = excluded.record'),
      rooms: p('SELECT record FROM mod_rooms ORDER BY folded'),
      getBans: p("SELECT value FROM mod_server WHERE key = 'bans'"),
      putBans: p("INSERT INTO mod_server (key, value) VALUES ('bans', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      getAdmins: p("SELECT value FROM mod_server WHERE key = 'admins'"),
      putAdmins: p("INSERT INTO mod_server (key, value) VALUES ('admins', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
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

  async putServerBans(bans: ServerBan[]): Promise<void> {
    this.st.putBans.run(JSON.stringify(bans));
  }

  async serverBans(): Promise<ServerBan[]> {
    const row = this.st.getBans.get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as ServerBan[]) : [];
  }

  async putAdmins(accounts: string[]): Promise<void> {
    this.st.putAdmins.run(JSON.stringify(accounts));
  }

  async admins(): Promise<string[]> {
    const row = this.st.getAdmins.get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as string[]) : [];
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    this.st.append.run(e.ts, e.actor, e.action, e.room ?? null, e.target ?? null, e.reason ?? null);
  }

  async audit(query: { room?: string; limit: number }): Promise<AuditEntry[]> {
    const rows = (query.room === undefined ? this.st.audit.all(query.limit) : this.st.auditRoom.all(query.room, query.limit)) as unknown as AuditRow[];
    return rows.map((r) => ({
      ts: r.ts, actor: r.actor, action: r.action,
      ...(r.room !== null ? { room: r.room } : {}), ...(r.target !== null ? { target: r.target } : {}), ...(r.reason !== null ? { reason: r.reason } : {}),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.h.release();
  }
}
