/**
 * Rows as both SQL stores read them (SQLite and PostgreSQL share the column names), and the
 * records they stand for: one mapping per table, so a new column is added once.
 */
import type { FileRecord } from '../core/files/ports.ts';
import type { AuditEntry } from '../protocol/index.ts';

export interface FileRow {
  id: string; hash: string; size: number; name: string; type: string; owner: string; created_at: number;
  conv: string | null; attached_at: number | null; attach_key: string | null; width: number | null; height: number | null; thumb: string | null;
  /** PostgreSQL returns a BIGINT as a string. */
  revoked_at: number | string | null;
}

export function fileFromRow(r: FileRow): FileRecord {
  const rec: FileRecord = { id: r.id, hash: r.hash, size: r.size, name: r.name, type: r.type, owner: r.owner, createdAt: r.created_at };
  if (r.conv !== null) rec.conv = r.conv;
  if (r.attached_at !== null) rec.attachedAt = r.attached_at;
  if (r.attach_key !== null) rec.attachKey = r.attach_key;
  if (r.width !== null) rec.width = r.width;
  if (r.height !== null) rec.height = r.height;
  if (r.thumb !== null) rec.thumb = r.thumb;
  if (r.revoked_at !== null) rec.revokedAt = Number(r.revoked_at);
  return rec;
}

/** A row of `audit_log`. */
export interface AuditRow { ts: number; actor: string; action: string; room: string | null; target: string | null; reason: string | null }

export function auditFromRow(r: AuditRow): AuditEntry {
  return {
    ts: r.ts, actor: r.actor, action: r.action,
    ...(r.room !== null ? { room: r.room } : {}), ...(r.target !== null ? { target: r.target } : {}), ...(r.reason !== null ? { reason: r.reason } : {}),
  };
}
