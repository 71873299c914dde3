/** In-memory ModerationStore: the core's default, for tests and `store = memory` (in core, as storage may not be imported here). A restart forgets everything. */
import type { ModerationStore, ServerBan } from './ports.ts';
import type { RoomRecord } from './moderation.ts';
import type { AuditEntry } from '../protocol/index.ts';

export class MemoryModeration implements ModerationStore {
  private readonly roomMap = new Map<string, string>();
  private bans: ServerBan[] = [];
  private adminList: string[] = [];
  private readonly log: AuditEntry[] = [];
  /** Entries kept; the oldest are forgotten beyond it (memory stays bounded; SQLite keeps all). */
  private readonly maxAudit: number;

  constructor(maxAudit = 10_000) {
    this.maxAudit = maxAudit;
  }

  async putRoom(folded: string, rec: RoomRecord): Promise<void> {
    this.roomMap.set(folded, JSON.stringify(rec));
  }

  async rooms(): Promise<RoomRecord[]> {
    return [...this.roomMap.values()].map((s) => JSON.parse(s) as RoomRecord);
  }

  async updateServerBans(change: (bans: ServerBan[]) => ServerBan[]): Promise<ServerBan[]> {
    this.bans = change(this.bans.map((b) => ({ ...b }))).map((b) => ({ ...b }));
    return this.bans.map((b) => ({ ...b }));
  }

  async serverBans(): Promise<ServerBan[]> {
    return this.bans.map((b) => ({ ...b }));
  }

  async updateAdmins(change: (accounts: string[]) => string[]): Promise<string[]> {
    this.adminList = [...change([...this.adminList])];
    return [...this.adminList];
  }

  async admins(): Promise<string[]> {
    return [...this.adminList];
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.log.push({ ...entry });
    if (this.log.length > this.maxAudit) this.log.splice(0, this.log.length - this.maxAudit);
  }

  async audit(query: { room?: string; limit: number }): Promise<AuditEntry[]> {
    const all = query.room === undefined ? this.log : this.log.filter((e) => e.room === query.room);
    return all.slice(-query.limit).map((e) => ({ ...e }));
  }

  async close(): Promise<void> {}
}
