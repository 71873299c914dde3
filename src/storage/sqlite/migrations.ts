/**
 * Schema migrations: an ordered, add-only list. `migrate` applies every migration newer than
 * the database's version in ONE transaction together with the version bump, so a crash
 * leaves the schema either fully old or fully new. Never edit a released migration; append
 * a new one. Values stored are strings and plain numbers (no enum ordinals).
 */
import type { DatabaseSync } from 'node:sqlite';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/**
 * The search index's scope tokens of the messages row `m` (conversation, sender, DM members;
 * search-sql.ts matches them): the SQL expression the index pass (store.ts) and migration 8's
 * update trigger share. Earlier migrations keep their own copies, as they ran.
 */
export function scopeSql(m: string): string {
  return `'c' || hex(${m}.conv) || ' f' || hex(${m}.from_folded)
          || coalesce((SELECT ' ' || group_concat('u' || hex(d.user), ' ') FROM dm_members d WHERE d.conv = ${m}.conv), '')`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'messages, full-text index, idempotency keys, read marks, DM members, accounts, sessions',
    sql: `
      CREATE TABLE conversations (
        conv TEXT PRIMARY KEY,
        last_seq INTEGER NOT NULL
      );
      CREATE TABLE messages (
        rid INTEGER PRIMARY KEY,          -- commit order across conversations
        id TEXT NOT NULL UNIQUE,
        conv TEXT NOT NULL,
        seq INTEGER NOT NULL,
        to_name TEXT NOT NULL,
        from_name TEXT NOT NULL,
        from_folded TEXT NOT NULL,
        text TEXT NOT NULL,
        ts INTEGER NOT NULL,
        UNIQUE (conv, seq)
      );
      CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='rid');
      CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, text) VALUES (new.rid, new.text);
      END;
      CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rid, old.text);
      END;
      CREATE TABLE client_keys (
        key TEXT PRIMARY KEY,
        msg_id TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX client_keys_at ON client_keys (at);
      CREATE TABLE dm_members (
        user TEXT NOT NULL,
        conv TEXT NOT NULL,
        PRIMARY KEY (user, conv)
      );
      CREATE TABLE read_marks (
        user TEXT NOT NULL,
        conv TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (user, conv)
      );
      CREATE TABLE accounts (
        folded TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        folded TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_folded ON sessions (folded);
    `,
  },
  {
    version: 2,
    description: 'full-text index also holds each message\'s scope (conversation, sender, DM participants), so search filters inside the index',
    // The scope column holds one token per conversation (`c` + hex of its key), one for the
    // sender (`f` + hex of the folded name) and, for a DM, one per participant (`u` + hex of
    // the folded name): hex keeps every key a single unicode61 token that no word of a
    // message can equal (message words are matched in the `text` column only). Contentless
    // (the text lives in `messages`); contentless_delete lets the trigger delete by rowid.
    // DM members must be in dm_members before the conversation's first message is inserted.
    sql: `
      DROP TRIGGER messages_ai;
      DROP TRIGGER messages_ad;
      DROP TABLE messages_fts;
      CREATE VIRTUAL TABLE messages_fts USING fts5(text, scope, content='', contentless_delete=1);
      INSERT INTO messages_fts (rowid, text, scope)
        SELECT m.rid, m.text, 'c' || hex(m.conv) || ' f' || hex(m.from_folded)
          || coalesce((SELECT ' ' || group_concat('u' || hex(d.user), ' ') FROM dm_members d WHERE d.conv = m.conv), '')
        FROM messages m;
      CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, text, scope) VALUES (new.rid, new.text, 'c' || hex(new.conv) || ' f' || hex(new.from_folded)
          || coalesce((SELECT ' ' || group_concat('u' || hex(d.user), ' ') FROM dm_members d WHERE d.conv = new.conv), ''));
      END;
      CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.rid;
      END;
    `,
  },
  {
    version: 3,
    description: 'moderation: rooms an account owns, server bans, append-only audit log',
    sql: `
      CREATE TABLE mod_rooms (
        folded TEXT PRIMARY KEY,
        record TEXT NOT NULL              -- JSON RoomRecord (src/core/moderation.ts)
      );
      CREATE TABLE mod_server (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,           -- append order
        ts INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        room TEXT,
        target TEXT,
        reason TEXT
      );
      CREATE INDEX audit_log_room ON audit_log (room, id);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
  {
    version: 4,
    description: 'files: metadata of uploads (bytes live in <dataDir>/files), files attached to messages',
    sql: `
      CREATE TABLE files (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        owner TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        conv TEXT,
        attached_at INTEGER,
        attach_key TEXT,
        width INTEGER,
        height INTEGER,
        thumb TEXT
      );
      CREATE INDEX files_owner ON files (owner);
      CREATE INDEX files_hash ON files (hash);
      CREATE INDEX files_thumb ON files (thumb);
      CREATE INDEX files_pending ON files (created_at) WHERE conv IS NULL;
      ALTER TABLE messages ADD COLUMN files TEXT;
    `,
  },
  {
    version: 5,
    description: 'messages keep their kind (notice, action), as the memory and PostgreSQL stores do',
    sql: `
      ALTER TABLE messages ADD COLUMN kind TEXT;
    `,
  },
  {
    version: 6,
    description: 'message features: authors (principals), replies and threads, mentions, edits (earlier versions kept), tombstones, reactions; read marks keyed by principal',
    // Every edit, deletion and reaction change takes the conversation's next seq (the
    // conversations counter); change_seq/_action/_by/_emoji record a message's latest one, for
    // resume and the cluster sequencer. A root's reply count and a message's reaction summary
    // are kept on its row when they change, so reading history costs no extra query. A
    // deletion clears `text` (the update trigger then
    // removes the message from the search index and does not put it back) and deletes its
    // earlier versions and reactions. Read marks were keyed by folded name: those of accounts
    // become the account's principal (owner.ts), the rest (guests) are dropped.
    sql: `
      ALTER TABLE messages ADD COLUMN author TEXT;
      ALTER TABLE messages ADD COLUMN reply_to TEXT;
      ALTER TABLE messages ADD COLUMN thread TEXT;
      ALTER TABLE messages ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE messages ADD COLUMN mentions TEXT;         -- JSON array of folded names and "@room"
      ALTER TABLE messages ADD COLUMN edited_at INTEGER;
      ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE messages ADD COLUMN change_seq INTEGER;
      ALTER TABLE messages ADD COLUMN change_action TEXT;
      ALTER TABLE messages ADD COLUMN change_by TEXT;
      ALTER TABLE messages ADD COLUMN change_emoji TEXT;
      ALTER TABLE messages ADD COLUMN replies INTEGER NOT NULL DEFAULT 0;   -- on a thread root
      ALTER TABLE messages ADD COLUMN reaction_summary TEXT;                -- JSON Reaction[], kept with each reaction change
      CREATE INDEX messages_thread ON messages (thread, seq) WHERE thread IS NOT NULL;
      CREATE INDEX messages_change ON messages (conv, change_seq) WHERE change_seq IS NOT NULL;
      CREATE TABLE message_mentions (
        name TEXT NOT NULL,                -- folded name, or "@room"
        conv TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (name, conv, seq)
      );
      CREATE INDEX message_mentions_conv ON message_mentions (conv, seq);
      CREATE TABLE reactions (
        ord INTEGER PRIMARY KEY,           -- order of reacting
        msg_id TEXT NOT NULL,
        emoji TEXT NOT NULL,
        principal TEXT NOT NULL,
        name TEXT NOT NULL,
        at INTEGER NOT NULL,
        UNIQUE (msg_id, emoji, principal)
      );
      CREATE TABLE message_edits (
        msg_id TEXT NOT NULL,
        text TEXT NOT NULL,
        ts INTEGER NOT NULL,
        replaced_at INTEGER NOT NULL,
        retain_until INTEGER NOT NULL
      );
      CREATE INDEX message_edits_msg ON message_edits (msg_id);
      CREATE INDEX message_edits_retain ON message_edits (retain_until);
      CREATE TRIGGER messages_au AFTER UPDATE OF text ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.rid;
        INSERT INTO messages_fts (rowid, text, scope) SELECT new.rid, new.text, 'c' || hex(new.conv) || ' f' || hex(new.from_folded)
          || coalesce((SELECT ' ' || group_concat('u' || hex(d.user), ' ') FROM dm_members d WHERE d.conv = new.conv), '')
          WHERE new.deleted = 0;
      END;
      DELETE FROM read_marks WHERE user NOT IN (SELECT folded FROM accounts);
      UPDATE read_marks SET user = 'account:' || user;
    `,
  },
  {
    version: 7,
    description: 'files: per-file link revocation (links issued at or before revoked_at no longer work)',
    sql: `
      ALTER TABLE files ADD COLUMN revoked_at INTEGER;
    `,
  },
  {
    version: 8,
    // Indexing each message in its own group commit made a new FTS5 segment per commit (and
    // the merges after them): about a third of an append's CPU. The store now indexes what
    // came after search_index_state.indexed_rid in one pass, shortly after the commits and
    // before every search (store.ts, indexPending), so a search still sees every committed
    // message. The update and delete triggers touch only rows already indexed; the pass
    // reads the rows as they are then (edited text, deletions skipped).
    description: 'search index: brought up to date in passes (after commits, before searches) instead of per message',
    sql: `
      CREATE TABLE search_index_state (indexed_rid INTEGER NOT NULL);
      INSERT INTO search_index_state (indexed_rid) SELECT coalesce(max(rid), 0) FROM messages;
      DROP TRIGGER messages_ai;
      DROP TRIGGER messages_ad;
      CREATE TRIGGER messages_ad AFTER DELETE ON messages WHEN old.rid <= (SELECT indexed_rid FROM search_index_state) BEGIN
        DELETE FROM messages_fts WHERE rowid = old.rid;
      END;
      DROP TRIGGER messages_au;
      CREATE TRIGGER messages_au AFTER UPDATE OF text ON messages WHEN old.rid <= (SELECT indexed_rid FROM search_index_state) BEGIN
        DELETE FROM messages_fts WHERE rowid = old.rid;
        INSERT INTO messages_fts (rowid, text, scope) SELECT new.rid, new.text, ${scopeSql('new')}
          WHERE new.deleted = 0;
      END;
    `,
  },
];

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Brings the schema up to date; returns the version before and after. */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null } | undefined;
  const from = row?.v ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (from > latest) throw new MigrationError(`the database has schema version ${from}, newer than this server knows (${latest}); refusing to run an older server on it`);
  const pending = migrations.filter((m) => m.version > from);
  if (pending.length === 0) return { from, to: from };
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const m of pending) db.exec(m.sql);
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(latest);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
  return { from, to: latest };
}
