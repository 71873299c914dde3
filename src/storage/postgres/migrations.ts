/**
 * PostgreSQL schema migrations: the same ordered, add-only, versioned list as SQLite's
 * (src/storage/sqlite/migrations.ts). `migrate` takes a session-level advisory lock first,
 * so of several nodes starting at once exactly one applies the pending migrations and the
 * others wait, then find nothing to do. All pending migrations and the version bump run in
 * ONE transaction (PostgreSQL DDL is transactional): a crash leaves the schema fully old or
 * fully new. Never edit a released migration; append a new one.
 *
 * Queries elsewhere build their WHERE clauses from lists of conditions, so a new filter
 * (e.g. "only messages with ts >= T") is one more condition, not a new query.
 */
import type { PoolClient } from 'pg';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'messages with word index, idempotency keys, read marks, DM members, accounts, sessions',
    sql: `
      CREATE TABLE conversations (
        conv TEXT PRIMARY KEY,
        last_seq BIGINT NOT NULL
      );
      CREATE TABLE messages (
        rid BIGSERIAL PRIMARY KEY,          -- insertion order across conversations
        id TEXT NOT NULL UNIQUE,
        conv TEXT NOT NULL,
        seq BIGINT NOT NULL,
        to_name TEXT NOT NULL,
        from_name TEXT NOT NULL,
        from_folded TEXT NOT NULL,
        text TEXT NOT NULL,
        kind TEXT,
        ts BIGINT NOT NULL,
        words TEXT[] NOT NULL,              -- src/storage/words.ts wordsOf(text)
        UNIQUE (conv, seq)
      );
      CREATE INDEX messages_words ON messages USING GIN (words);
      CREATE INDEX messages_conv_rid ON messages (conv, rid);
      CREATE TABLE client_keys (
        key TEXT PRIMARY KEY,
        msg_id TEXT NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE INDEX client_keys_at ON client_keys (at);
      CREATE TABLE dm_members (
        member TEXT NOT NULL,
        conv TEXT NOT NULL,
        PRIMARY KEY (member, conv)
      );
      CREATE TABLE read_marks (
        member TEXT NOT NULL,
        conv TEXT NOT NULL,
        seq BIGINT NOT NULL,
        PRIMARY KEY (member, conv)
      );
      CREATE TABLE accounts (
        folded TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        folded TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX sessions_folded ON sessions (folded);
    `,
  },
  {
    version: 2,
    description: 'moderation (rooms an account owns, server bans and admins, append-only audit log), file metadata, files attached to messages: what SQLite has in its migrations 3 and 4',
    sql: `
      CREATE TABLE mod_rooms (
        folded TEXT PRIMARY KEY,
        record JSONB NOT NULL              -- RoomRecord (src/core/moderation.ts)
      );
      CREATE TABLE mod_server (
        key TEXT PRIMARY KEY,
        value JSONB NOT NULL
      );
      CREATE TABLE audit_log (
        id BIGSERIAL PRIMARY KEY,          -- append order
        ts BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        room TEXT,
        target TEXT,
        reason TEXT
      );
      CREATE INDEX audit_log_room ON audit_log (room, id);
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
      CREATE TABLE files (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        size BIGINT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        owner TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        conv TEXT,
        attached_at BIGINT,
        attach_key TEXT,
        width INTEGER,
        height INTEGER,
        thumb TEXT
      );
      CREATE INDEX files_owner ON files (owner);
      CREATE INDEX files_hash ON files (hash);
      CREATE INDEX files_thumb ON files (thumb);
      CREATE INDEX files_pending ON files (created_at) WHERE conv IS NULL;
      ALTER TABLE messages ADD COLUMN files JSONB;
    `,
  },
  {
    version: 3,
    description: 'message features: authors (principals), replies and threads, mentions, edits (earlier versions kept), tombstones, reactions; read marks keyed by principal',
    // As SQLite's migration 6: every change takes the conversation's next seq; change_* record
    // a message's latest one. A deletion clears text and words (so no search finds it) and
    // deletes its earlier versions and reactions. Read marks of accounts move to the
    // account's principal (owner.ts); guests' are dropped.
    sql: `
      ALTER TABLE messages ADD COLUMN author TEXT;
      ALTER TABLE messages ADD COLUMN reply_to TEXT;
      ALTER TABLE messages ADD COLUMN thread TEXT;
      ALTER TABLE messages ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE messages ADD COLUMN mentions TEXT[];
      ALTER TABLE messages ADD COLUMN edited_at BIGINT;
      ALTER TABLE messages ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT false;
      ALTER TABLE messages ADD COLUMN change_seq BIGINT;
      ALTER TABLE messages ADD COLUMN change_action TEXT;
      ALTER TABLE messages ADD COLUMN change_by TEXT;
      ALTER TABLE messages ADD COLUMN change_emoji TEXT;
      CREATE INDEX messages_thread ON messages (thread, seq) WHERE thread IS NOT NULL;
      CREATE INDEX messages_change ON messages (conv, change_seq) WHERE change_seq IS NOT NULL;
      CREATE INDEX messages_mentions ON messages USING GIN (mentions);
      CREATE TABLE reactions (
        ord BIGSERIAL PRIMARY KEY,
        msg_id TEXT NOT NULL,
        emoji TEXT NOT NULL,
        principal TEXT NOT NULL,
        name TEXT NOT NULL,
        at BIGINT NOT NULL,
        UNIQUE (msg_id, emoji, principal)
      );
      CREATE TABLE message_edits (
        ord BIGSERIAL PRIMARY KEY,
        msg_id TEXT NOT NULL,
        text TEXT NOT NULL,
        ts BIGINT NOT NULL,
        replaced_at BIGINT NOT NULL,
        retain_until BIGINT NOT NULL
      );
      CREATE INDEX message_edits_msg ON message_edits (msg_id);
      CREATE INDEX message_edits_retain ON message_edits (retain_until);
      DELETE FROM read_marks WHERE member NOT IN (SELECT folded FROM accounts);
      UPDATE read_marks SET member = 'account:' || member;
    `,
  },
  {
    version: 4,
    description: 'files: per-file link revocation (links issued at or before revoked_at no longer work), as SQLite migration 7',
    sql: `
      ALTER TABLE files ADD COLUMN revoked_at BIGINT;
    `,
  },
];

/** Advisory lock key for migrations (any constant; "banter" in ASCII). */
export const MIGRATION_LOCK = 0x62616e746572;

export class PgMigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PgMigrationError';
  }
}

/** Brings the schema up to date under the advisory lock; returns the version before and after. */
export async function migratePg(client: PoolClient, migrations: readonly Migration[] = PG_MIGRATIONS): Promise<{ from: number; to: number }> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
    const from = rows[0]?.v ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (from > latest) throw new PgMigrationError(`the database has schema version ${from}, newer than this server knows (${latest}); refusing to run an older server on it`);
    const pending = migrations.filter((m) => m.version > from);
    if (pending.length === 0) return { from, to: from };
    await client.query('BEGIN');
    try {
      for (const m of pending) await client.query(m.sql);
      await client.query('DELETE FROM schema_version');
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [latest]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
    return { from, to: latest };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
