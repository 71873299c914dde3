/**
 * SQLite MessageStore (node:sqlite, WAL).
 *
 * Group commit: appends requested in the same event-loop turn are written in ONE
 * transaction (one fsync with `synchronous = full`), and each append's promise resolves only
 * after that COMMIT has returned. So "committed" means: in the WAL and, with `full`, fsynced.
 * A failed transaction rolls back and rejects every append of the batch; nothing of it is
 * visible. Batches are capped at `maxBatch` appends.
 *
 * Every call but `search` is synchronous underneath and runs on the calling thread's event
 * loop; a commit blocks it for the fsync. The server therefore runs this store in a worker
 * thread of its own (remote-store.ts, store-worker.ts), where appends that arrive while a
 * transaction is in flight queue up and share the next one. `search` runs in a
 * worker thread on its own read-only connection (search-worker.ts), within a deadline: a
 * search that takes longer than `search.timeoutMs` is answered SEARCH_TIMEOUT and its worker
 * replaced, so no query, however expensive, stalls chat traffic. (A throwaway `:memory:`
 * database cannot be opened from another thread; there, search runs in-process.)
 */
import { newMessageId } from '../message-id.ts';
import type { StatementSync } from 'node:sqlite';
import type { ChatMessage, EditVersion, Reaction, UpdateAction } from '../../protocol/index.ts';
// Not the protocol's index: the store worker thread loads this module, and the index loads zod.
import { foldName, ROOM_MENTION } from '../../protocol/names.ts';
import { ChatError } from '../../core/errors.ts';
import type {
  ChangedMessage, Clock, DmSummary, HistoryQuery, Logger, MentionCount, MentionQuery, MessageChange, MessageDraft, MessageStore,
  SearchQuery, StoredMessage, ThreadCount, UpdateResult,
} from '../../core/ports.ts';
import { WorkerPool } from '../../core/services/worker-pool.ts';
import { reactionSummary, withState } from '../message-state.ts';
import type { SqliteHandle } from './open.ts';
import { scopeSql } from './migrations.ts';
import { searchStatement } from './search-sql.ts';
import { siblingModule } from '../../core/module-url.ts';

export interface SqliteStoreOptions {
  clock: Clock;
  idempotencyWindowMs: number;
  /** Most appends in one transaction. */
  maxBatch?: number;
  /** Most messages (by rid) one search-index transaction takes after commits (default INDEX_CHUNK). */
  indexChunk?: number;
  /** Search workers and their bounds (config `search.*`). */
  search?: SearchLimits;
  /** For worker failures. */
  log?: Logger;
}

export interface SearchLimits {
  /** Worker threads running searches. */
  workers: number;
  /** Wall-clock bound per search, in ms; then SEARCH_TIMEOUT. */
  timeoutMs: number;
  /** Searches waiting for a worker; more are refused with SEARCH_BUSY. */
  maxQueue: number;
  /** Workers start on the first search and stop after this long without one (ms); absent: started with the store and kept. */
  idleMs?: number;
  /** V8 old-generation bound per search worker, in MiB (config `search.maxHeapMb`; default SEARCH_HEAP_MB). */
  maxHeapMb?: number;
}

/**
 * A search worker holds one read-only connection and the rows of one search (at most 100
 * messages): its heap stays small, so it is bounded well below V8's defaults (an old
 * generation of a few GiB, a young generation that grows to 48 MiB under allocation).
 */
export const SEARCH_HEAP_MB = 64;
const SEARCH_YOUNG_MB = 4;

export const DEFAULT_SEARCH_LIMITS: SearchLimits = { workers: 1, timeoutMs: 1000, maxQueue: 16 };
const SEARCH_WORKER = siblingModule(import.meta.url, 'search-worker');
/** How soon after a commit the search index is brought up to date (see indexPending); a search does it at once. */
const INDEX_DELAY_MS = 250;
/**
 * Messages per search-index transaction in the pass after commits: the pass goes on in steps
 * of this many, one per turn of the store's thread, so appends that arrive meanwhile commit in
 * between instead of waiting for the whole backlog (at 4,800 messages/s one pass of ~1,300
 * rows held the store worker 5–22 ms; docs/benchmarks.md, "The search index in steps").
 */
const INDEX_CHUNK = 256;

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Row {
  id: string;
  seq: number;
  to_name: string;
  from_name: string;
  text: string;
  ts: number;
  files: string | null;
  kind: string | null;
  reply_to: string | null;
  thread: string | null;
  mentions: string | null;
  edited_at: number | null;
  deleted: number;
  replies: number;
  reaction_summary: string | null;
}

/** A row with what only the server knows (get, changes). */
interface FullRow extends Row {
  author: string | null;
  depth: number;
  conv: string;
  rid: number;
  change_seq: number | null;
  change_action: string | null;
  change_by: string | null;
  change_emoji: string | null;
}

interface Pending {
  draft: MessageDraft;
  resolve: (m: ChatMessage) => void;
  reject: (e: unknown) => void;
}

const COLS = 'id, seq, to_name, from_name, text, ts, files, kind, reply_to, thread, mentions, edited_at, deleted, replies, reaction_summary';
const FULL_COLS = `${COLS}, author, depth, conv, rid, change_seq, change_action, change_by, change_emoji`;
const MCOLS = COLS.split(', ').map((c) => `m.${c}`).join(', ');
const ACTIONS: readonly string[] = ['edit', 'delete', 'react', 'unreact'];
const PRUNE_EVERY_MS = 60_000;

/**
 * The message of a row in its current state (the row keeps its reply count and reaction
 * summary). Built field by field, without copies: it runs for every message of every page
 * (the same shape as withState in message-state.ts gives the other stores).
 */
function toMsg(r: Row): ChatMessage {
  const msg: ChatMessage = { id: r.id, seq: r.seq, to: r.to_name, from: r.from_name, text: r.text, ts: r.ts };
  if (r.deleted === 1) {
    msg.text = '';
    msg.deleted = true;
  } else {
    if (r.files !== null && r.files !== undefined) msg.files = JSON.parse(r.files) as ChatMessage['files'];
    if (r.kind === 'notice' || r.kind === 'action') msg.kind = r.kind;
    if (r.edited_at !== null && r.edited_at !== undefined) msg.editedAt = r.edited_at;
    if (r.reaction_summary) msg.reactions = JSON.parse(r.reaction_summary) as Reaction[];
    if (r.mentions) msg.mentions = JSON.parse(r.mentions) as string[];
  }
  if (r.reply_to) msg.replyTo = r.reply_to;
  if (r.thread) msg.thread = r.thread;
  if (r.replies) msg.replies = r.replies;
  return msg;
}

export class SqliteStore implements MessageStore {
  private readonly h: SqliteHandle;
  private readonly opts: SqliteStoreOptions & { maxBatch: number; indexChunk: number };
  /** Runs searches off the event loop; absent for `:memory:` databases. */
  private readonly searches: WorkerPool<SearchQuery, Row[]> | undefined;
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private lastPrune = 0;
  /** The index pass after recent commits is scheduled (see indexPending). */
  private indexTimer: NodeJS.Timeout | undefined;
  /** The pass after commits is going on in steps (see indexStep), and appends committed since its last step. */
  private indexing = false;
  private sinceStep = 0;
  /** Transactions committed and appends in them, since open (see `writeStats`). */
  private readonly writes = { commits: 0, appends: 0 };
  private readonly st: Record<'keyGet' | 'byId' | 'bump' | 'insert' | 'keyPut' | 'member' | 'prune' | 'before' | 'after' | 'between' | 'latest' | 'last' | 'mark' | 'dms' | 'unread'
    | 'get' | 'mention' | 'reactionsOf' | 'summarize' | 'replied' | 'edit' | 'keepEdit' | 'trimEdits' | 'unmention' | 'erase' | 'dropEdits' | 'dropReactions' | 'hasReaction'
    | 'emojiCount' | 'addReaction' | 'delReaction' | 'changed' | 'changes' | 'thread' | 'edits' | 'pruneEdits' | 'marks' | 'mentionCounts' | 'threadCounts'
    | 'indexed' | 'maxRid' | 'indexRows' | 'setIndexed', StatementSync>;

  constructor(handle: SqliteHandle, opts: SqliteStoreOptions) {
    this.h = handle.acquire();
    this.opts = { maxBatch: 512, indexChunk: INDEX_CHUNK, ...opts };
    if (this.h.path !== ':memory:') {
      const limits = opts.search ?? DEFAULT_SEARCH_LIMITS;
      this.searches = new WorkerPool({
        url: SEARCH_WORKER,
        label: 'search',
        workerData: { path: this.h.path },
        workers: limits.workers, timeoutMs: limits.timeoutMs, maxQueue: limits.maxQueue,
        ...(limits.idleMs !== undefined ? { idleMs: limits.idleMs } : {}),
        resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb ?? SEARCH_HEAP_MB, maxYoungGenerationSizeMb: SEARCH_YOUNG_MB },
        errors: {
          busy: (reason) => new ChatError('SEARCH_BUSY', reason === 'full' ? undefined : 'search is unavailable right now'),
          timeout: () => new ChatError('SEARCH_TIMEOUT', `the search took longer than ${limits.timeoutMs} ms; use longer or more words, from: or in:`),
          died: () => new ChatError('SEARCH_TIMEOUT', 'the search was stopped'),
        },
      }, opts.log ?? quiet);
    }
    const p = (sql: string): StatementSync => this.h.db.prepare(sql);
    this.st = {
      indexed: p('SELECT indexed_rid AS rid FROM search_index_state'),
      maxRid: p('SELECT coalesce(max(rid), 0) AS rid FROM messages'),
      indexRows: p(`INSERT INTO messages_fts (rowid, text, scope)
                    SELECT m.rid, m.text, ${scopeSql('m')}
                    FROM messages m WHERE m.rid > ?1 AND m.rid <= ?2 AND m.deleted = 0`),
      setIndexed: p('UPDATE search_index_state SET indexed_rid = ?'),
      keyGet: p('SELECT msg_id FROM client_keys WHERE key = ? AND at >= ?'),
      byId: p(`SELECT ${COLS} FROM messages WHERE id = ?`),
      bump: p('INSERT INTO conversations (conv, last_seq) VALUES (?, 1) ON CONFLICT (conv) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq'),
      insert: p(`INSERT INTO messages (id, conv, seq, to_name, from_name, from_folded, text, ts, files, kind, author, reply_to, thread, depth, mentions)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      keyPut: p('INSERT OR REPLACE INTO client_keys (key, msg_id, at) VALUES (?, ?, ?)'),
      member: p('INSERT OR IGNORE INTO dm_members (user, conv) VALUES (?, ?)'),
      prune: p('DELETE FROM client_keys WHERE at < ?'),
      before: p(`SELECT * FROM (SELECT ${COLS} FROM messages WHERE conv = ? AND seq < ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`),
      after: p(`SELECT ${COLS} FROM messages WHERE conv = ? AND seq > ? ORDER BY seq LIMIT ?`),
      between: p(`SELECT * FROM (SELECT ${COLS} FROM messages WHERE conv = ? AND seq > ? AND seq < ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`),
      latest: p(`SELECT * FROM (SELECT ${COLS} FROM messages WHERE conv = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`),
      last: p('SELECT last_seq FROM conversations WHERE conv = ?'),
      mark: p(`INSERT INTO read_marks (user, conv, seq) VALUES (?1, ?2, min(?3, coalesce((SELECT last_seq FROM conversations WHERE conv = ?2), 0)))
               ON CONFLICT (user, conv) DO UPDATE SET seq = max(seq, excluded.seq)`),
      dms: p(`SELECT c.conv AS conv, c.last_seq AS last_seq, coalesce(r.seq, 0) AS read_seq, ${MCOLS}
              FROM dm_members d JOIN conversations c ON c.conv = d.conv
              JOIN messages m ON m.conv = c.conv AND m.seq = (SELECT max(seq) FROM messages WHERE conv = c.conv)
              LEFT JOIN read_marks r ON r.user = ? AND r.conv = d.conv
              WHERE d.user = ? AND m.ts >= ? ORDER BY m.rid DESC LIMIT ?`),
      unread: p('SELECT count(*) AS n FROM messages WHERE conv = ? AND seq > ? AND from_folded <> ? AND ts >= ? AND deleted = 0'),
      get: p(`SELECT ${FULL_COLS} FROM messages WHERE conv = ? AND id = ?`),
      mention: p('INSERT OR IGNORE INTO message_mentions (name, conv, seq) VALUES (?, ?, ?)'),
      reactionsOf: p('SELECT emoji, name FROM reactions WHERE msg_id = ? ORDER BY ord'),
      summarize: p('UPDATE messages SET reaction_summary = ? WHERE rid = ?'),
      replied: p('UPDATE messages SET replies = replies + 1 WHERE id = ?'),
      edit: p('UPDATE messages SET text = ?, mentions = ?, edited_at = ? WHERE rid = ?'),
      keepEdit: p('INSERT INTO message_edits (msg_id, text, ts, replaced_at, retain_until) VALUES (?, ?, ?, ?, ?)'),
      trimEdits: p('DELETE FROM message_edits WHERE msg_id = ?1 AND rowid NOT IN (SELECT rowid FROM message_edits WHERE msg_id = ?1 ORDER BY rowid DESC LIMIT ?2)'),
      unmention: p('DELETE FROM message_mentions WHERE conv = ? AND seq = ?'),
      // The update trigger (migration 6) takes the message out of the search index.
      erase: p("UPDATE messages SET text = '', deleted = 1, files = NULL, mentions = NULL, edited_at = NULL, reaction_summary = NULL WHERE rid = ?"),
      dropEdits: p('DELETE FROM message_edits WHERE msg_id = ?'),
      dropReactions: p('DELETE FROM reactions WHERE msg_id = ?'),
      hasReaction: p('SELECT 1 AS x FROM reactions WHERE msg_id = ? AND emoji = ? AND principal = ?'),
      emojiCount: p('SELECT count(DISTINCT emoji) AS n, max(emoji = ?) AS has FROM reactions WHERE msg_id = ?'),
      addReaction: p('INSERT INTO reactions (msg_id, emoji, principal, name, at) VALUES (?, ?, ?, ?, ?)'),
      delReaction: p('DELETE FROM reactions WHERE msg_id = ? AND emoji = ? AND principal = ?'),
      changed: p('UPDATE messages SET change_seq = ?, change_action = ?, change_by = ?, change_emoji = ? WHERE rid = ?'),
      changes: p(`SELECT ${FULL_COLS} FROM messages WHERE conv = ? AND change_seq > ? AND change_seq < ? AND ts >= ? ORDER BY change_seq LIMIT ?`),
      thread: p(`SELECT ${COLS} FROM messages WHERE thread = ? AND conv = ? AND seq > ? AND ts >= ? ORDER BY seq LIMIT ?`),
      edits: p('SELECT text, ts, replaced_at FROM message_edits WHERE msg_id = ? AND retain_until >= ? ORDER BY rowid'),
      pruneEdits: p('DELETE FROM message_edits WHERE retain_until < ?'),
      marks: p('SELECT conv, seq FROM read_marks WHERE user = ? AND conv IN (SELECT value FROM json_each(?))'),
      // Mentions of ?3 in the rooms named in ?2 and in the DMs of ?3 (DM messages only from ?4
      // on), and "@room" in those rooms, after ?1's marks. "@room" rows are sought per room
      // (the primary key starts with name, conv), never all of them.
      mentionCounts: p(`SELECT m.conv AS conv, count(*) AS n, max(m.seq) AS last FROM message_mentions x JOIN messages m ON m.conv = x.conv AND m.seq = x.seq
                        LEFT JOIN read_marks r ON r.user = ?1 AND r.conv = m.conv
                        WHERE ((x.name = ?3 AND (x.conv IN (SELECT value FROM json_each(?2)) OR (x.conv IN (SELECT conv FROM dm_members WHERE user = ?3) AND m.ts >= ?4)))
                               OR (x.name = '${ROOM_MENTION}' AND x.conv IN (SELECT value FROM json_each(?2))))
                          AND m.seq > coalesce(r.seq, 0) AND m.from_folded <> ?3 AND m.deleted = 0
                        GROUP BY m.conv`),
      threadCounts: p(`SELECT m.conv AS conv, m.thread AS root, count(*) AS n, max(m.seq) AS last FROM messages m
                       LEFT JOIN read_marks r ON r.user = ?1 AND r.conv = m.conv
                       WHERE m.thread IS NOT NULL AND m.seq > coalesce(r.seq, 0) AND m.from_folded <> ?3 AND m.deleted = 0
                         AND (m.conv IN (SELECT value FROM json_each(?2)) OR (m.conv IN (SELECT conv FROM dm_members WHERE user = ?3) AND m.ts >= ?4))
                         AND (EXISTS (SELECT 1 FROM messages t WHERE t.id = m.thread AND t.from_folded = ?3)
                              OR EXISTS (SELECT 1 FROM messages t WHERE t.thread = m.thread AND t.from_folded = ?3))
                       GROUP BY m.conv, m.thread`),
    };
    // What a crash left unindexed (committed after the last pass).
    this.indexPending();
  }

  append(draft: MessageDraft): Promise<ChatMessage> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ draft, resolve, reject });
      if (this.queue.length >= this.opts.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes every queued append in one transaction, then settles their promises. */
  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const now = this.opts.clock.now();
    const out: ChatMessage[] = [];
    const { db } = this.h;
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const p of batch) out.push(this.insert(p.draft, now));
      if (now - this.lastPrune > PRUNE_EVERY_MS) {
        this.st.prune.run(now - this.opts.idempotencyWindowMs);
        this.st.pruneEdits.run(now);
        this.lastPrune = now;
      }
      db.exec('COMMIT');
      this.writes.commits++;
      this.writes.appends += batch.length;
      this.sinceStep += batch.length;
      if (!this.indexing) this.indexTimer ??= setTimeout(this.indexSoon, INDEX_DELAY_MS).unref();
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(out[i]!));
  }

  private insert(d: MessageDraft, now: number): ChatMessage {
    if (d.clientKey !== undefined) {
      const k = this.st.keyGet.get(d.clientKey, now - this.opts.idempotencyWindowMs) as { msg_id: string } | undefined;
      const prior = k && (this.st.byId.get(k.msg_id) as Row | undefined);
      if (prior) return toMsg(prior);
    }
    const { last_seq: seq } = this.st.bump.get(d.conv) as { last_seq: number };
    const base: ChatMessage = { id: newMessageId(), seq, to: d.to, from: d.from, text: d.text, ts: now, ...(d.kind ? { kind: d.kind } : {}), ...(d.files ? { files: [...d.files] } : {}) };
    // Members first: the insert trigger indexes the message under its DM participants.
    if (seq === 1 && d.participants) for (const u of d.participants) this.st.member.run(u, d.conv);
    const mentions = d.mentions && d.mentions.length > 0 ? d.mentions : undefined;
    this.st.insert.run(base.id, d.conv, seq, d.to, d.from, foldName(d.from), d.text, now, d.files ? JSON.stringify(d.files) : null, d.kind ?? null,
      d.author ?? null, d.replyTo ?? null, d.thread ?? null, d.depth ?? 0, mentions ? JSON.stringify(mentions) : null);
    for (const name of mentions ?? []) this.st.mention.run(name, d.conv, seq);
    if (d.thread !== undefined) this.st.replied.run(d.thread);
    if (d.clientKey !== undefined) this.st.keyPut.run(d.clientKey, base.id, now);
    return withState(base, { replyTo: d.replyTo ?? null, thread: d.thread ?? null, mentions: mentions ?? null });
  }

  private rowsToMsgs(rows: unknown[]): ChatMessage[] {
    return (rows as Row[]).map(toMsg);
  }

  async get(conv: string, id: string): Promise<StoredMessage | undefined> {
    const r = this.st.get.get(conv, id) as FullRow | undefined;
    if (!r) return undefined;
    return { msg: toMsg(r), ...(r.author !== null ? { author: r.author } : {}), depth: r.depth };
  }

  /**
   * One change in one transaction with its seq (the conversation counter, as appends take
   * it). Appends queued for the next group commit come after it; no await in between, so
   * nothing else writes meanwhile.
   */
  async update(conv: string, ch: MessageChange): Promise<UpdateResult | undefined> {
    if (this.closed) throw new Error('store is closed');
    const { db } = this.h;
    db.exec('BEGIN IMMEDIATE');
    try {
      const r = this.st.get.get(conv, ch.id) as FullRow | undefined;
      if (!r) { db.exec('ROLLBACK'); return undefined; }
      const now = this.opts.clock.now();
      const action = this.applyChange(r, ch, now);
      if (action === undefined) {
        db.exec('ROLLBACK');
        return { seq: 0, msg: toMsg(r) };
      }
      const { last_seq: seq } = this.st.bump.get(conv) as { last_seq: number };
      this.st.changed.run(seq, action, ch.by, ch.kind === 'react' ? ch.emoji : null, r.rid);
      db.exec('COMMIT');
      return { seq, msg: toMsg(this.st.get.get(conv, ch.id) as unknown as FullRow) };
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Writes one change to the row; undefined when it changes nothing. */
  private applyChange(r: FullRow, ch: MessageChange, now: number): UpdateAction | undefined {
    if (r.deleted === 1) return undefined;
    switch (ch.kind) {
      case 'edit': {
        if (r.text === ch.text) return undefined;
        this.st.keepEdit.run(r.id, r.text, r.edited_at ?? r.ts, now, ch.retainUntil);
        this.st.trimEdits.run(r.id, ch.keepVersions);
        this.st.edit.run(ch.text, ch.mentions.length > 0 ? JSON.stringify(ch.mentions) : null, now, r.rid);
        this.st.unmention.run(r.conv, r.seq);
        for (const name of ch.mentions) this.st.mention.run(name, r.conv, r.seq);
        return 'edit';
      }
      case 'delete':
        // Gone, not hidden: the text (and its index entry), earlier versions, reactions, mentions.
        this.st.erase.run(r.rid);
        this.st.dropEdits.run(r.id);
        this.st.dropReactions.run(r.id);
        this.st.unmention.run(r.conv, r.seq);
        return 'delete';
      case 'react': {
        const has = this.st.hasReaction.get(r.id, ch.emoji, ch.principal) !== undefined;
        if (ch.on === has) return undefined;
        if (ch.on) {
          const c = this.st.emojiCount.get(ch.emoji, r.id) as { n: number; has: number | null };
          if (!c.has && c.n >= ch.maxEmoji) throw new ChatError('TOO_MANY_REACTIONS', `a message can carry at most ${ch.maxEmoji} different reactions`);
          this.st.addReaction.run(r.id, ch.emoji, ch.principal, ch.by, now);
          this.summarize(r.rid, r.id);
          return 'react';
        }
        this.st.delReaction.run(r.id, ch.emoji, ch.principal);
        this.summarize(r.rid, r.id);
        return 'unreact';
      }
    }
  }

  /** Keeps the row's reaction summary in step with the reactions table (one read per reaction change, none per history read). */
  private summarize(rid: number, id: string): void {
    const summary = reactionSummary(this.st.reactionsOf.all(id) as unknown as { emoji: string; name: string }[]);
    this.st.summarize.run(summary.length > 0 ? JSON.stringify(summary) : null, rid);
  }

  async changes(conv: string, q: { afterSeq: number; beforeSeq?: number; limit: number; sinceTs?: number }): Promise<ChangedMessage[]> {
    const rows = this.st.changes.all(conv, q.afterSeq, q.beforeSeq ?? Number.MAX_SAFE_INTEGER, q.sinceTs ?? Number.MIN_SAFE_INTEGER, Math.max(0, Math.floor(q.limit))) as unknown as FullRow[];
    const msgs = this.rowsToMsgs(rows);
    return rows.map((r, i) => ({
      seq: r.change_seq!, action: (ACTIONS.includes(r.change_action ?? '') ? r.change_action : 'edit') as UpdateAction, by: r.change_by ?? '',
      ...(r.change_emoji !== null ? { emoji: r.change_emoji } : {}), msg: msgs[i]!,
    }));
  }

  async thread(conv: string, root: string, q: { afterSeq?: number; limit: number; sinceTs?: number }): Promise<ChatMessage[]> {
    return this.rowsToMsgs(this.st.thread.all(root, conv, q.afterSeq ?? 0, q.sinceTs ?? Number.MIN_SAFE_INTEGER, Math.max(0, Math.floor(q.limit))));
  }

  async mentions(q: MentionQuery): Promise<ChatMessage[]> {
    // The user's mentions in the rooms and their DMs, and "@room" in the rooms (sought per room).
    const where = ['m.deleted = 0'];
    const rooms = JSON.stringify(q.convs);
    const params: (string | number)[] = [q.user, rooms];
    const scope = ['x.conv IN (SELECT value FROM json_each(?))'];
    if (q.dmsOf !== undefined) {
      scope.push('(x.conv IN (SELECT conv FROM dm_members WHERE user = ?) AND m.ts >= ?)');
      params.push(q.dmsOf, q.dmsSince ?? Number.MIN_SAFE_INTEGER);
    }
    where.push(`((x.name = ? AND (${scope.join(' OR ')})) OR (x.name = ? AND x.conv IN (SELECT value FROM json_each(?))))`);
    params.push(ROOM_MENTION, rooms);
    if (q.beforeTs !== undefined) { where.push('m.ts < ?'); params.push(q.beforeTs); }
    params.push(Math.max(0, Math.floor(q.limit)));
    const rows = this.h.db.prepare(`SELECT ${MCOLS} FROM message_mentions x JOIN messages m ON m.conv = x.conv AND m.seq = x.seq
      WHERE ${where.join(' AND ')} GROUP BY m.rid ORDER BY m.rid DESC LIMIT ?`).all(...params);
    return this.rowsToMsgs(rows);
  }

  async edits(_conv: string, id: string, now: number): Promise<EditVersion[]> {
    return (this.st.edits.all(id, now) as unknown as { text: string; ts: number; replaced_at: number }[]).map((r) => ({ text: r.text, ts: r.ts, replacedAt: r.replaced_at }));
  }

  async readMarks(reader: string, convs: readonly string[]): Promise<Map<string, number>> {
    const rows = this.st.marks.all(reader, JSON.stringify(convs)) as unknown as { conv: string; seq: number }[];
    return new Map(rows.map((r) => [r.conv, r.seq]));
  }

  async mentionCounts(reader: string, user: string, convs: readonly string[], sinceTs?: number): Promise<MentionCount[]> {
    const rows = this.st.mentionCounts.all(reader, JSON.stringify(convs), user, sinceTs ?? Number.MIN_SAFE_INTEGER) as unknown as { conv: string; n: number; last: number }[];
    return rows.map((r) => ({ conv: r.conv, count: r.n, lastSeq: r.last }));
  }

  async threadCounts(reader: string, user: string, convs: readonly string[], sinceTs?: number): Promise<ThreadCount[]> {
    const rows = this.st.threadCounts.all(reader, JSON.stringify(convs), user, sinceTs ?? Number.MIN_SAFE_INTEGER) as unknown as { conv: string; root: string; n: number; last: number }[];
    return rows.map((r) => ({ conv: r.conv, root: r.root, count: r.n, lastSeq: r.last }));
  }

  async history(conv: string, q: HistoryQuery): Promise<ChatMessage[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    if (q.sinceTs !== undefined) return this.historySince(conv, q, limit, q.sinceTs);
    let rows: unknown[];
    if (q.beforeSeq !== undefined && q.afterSeq !== undefined) rows = this.st.between.all(conv, q.afterSeq, q.beforeSeq, limit);
    else if (q.beforeSeq !== undefined) rows = this.st.before.all(conv, q.beforeSeq, limit);
    else if (q.afterSeq !== undefined) rows = this.st.after.all(conv, q.afterSeq, limit);
    else rows = this.st.latest.all(conv, limit);
    return this.rowsToMsgs(rows);
  }

  /** History limited to messages with ts >= since (the DM owner rule); rare enough to prepare on demand. */
  private historySince(conv: string, q: HistoryQuery, limit: number, since: number): ChatMessage[] {
    const where = ['conv = ?', 'ts >= ?'];
    const params: (string | number)[] = [conv, since];
    if (q.afterSeq !== undefined) { where.push('seq > ?'); params.push(q.afterSeq); }
    if (q.beforeSeq !== undefined) { where.push('seq < ?'); params.push(q.beforeSeq); }
    params.push(limit);
    const forwards = q.afterSeq !== undefined && q.beforeSeq === undefined;
    const inner = `SELECT ${COLS} FROM messages WHERE ${where.join(' AND ')} ORDER BY seq ${forwards ? 'ASC' : 'DESC'} LIMIT ?`;
    const rows = this.h.db.prepare(forwards ? inner : `SELECT * FROM (${inner}) ORDER BY seq`).all(...params);
    return this.rowsToMsgs(rows);
  }

  async lastSeq(conv: string): Promise<number> {
    return (this.st.last.get(conv) as { last_seq: number } | undefined)?.last_seq ?? 0;
  }

  async markRead(reader: string, conv: string, seq: number): Promise<void> {
    this.st.mark.run(reader, conv, seq);
  }

  async dmSummaries(user: string, limit: number, sinceTs?: number, reader: string = user): Promise<DmSummary[]> {
    const since = sinceTs ?? Number.MIN_SAFE_INTEGER;
    const rows = this.st.dms.all(reader, user, since, limit) as unknown as (Row & { conv: string; last_seq: number; read_seq: number })[];
    const last = this.rowsToMsgs(rows);
    return rows.map((r, i) => ({
      conv: r.conv, lastSeq: r.last_seq, readSeq: r.read_seq, last: last[i]!,
      unread: (this.st.unread.get(r.conv, r.read_seq, user, since) as { n: number }).n,
    }));
  }

  async search(q: SearchQuery): Promise<ChatMessage[]> {
    if (this.closed) throw new Error('store is closed');
    // Every committed message is searchable: what the last pass has not indexed yet, now.
    this.indexPending();
    let rows: Row[];
    if (this.searches) rows = await this.searches.run(q);
    else {
      const st = searchStatement(q);
      rows = st ? (this.h.db.prepare(st.sql).all(...st.params) as unknown as Row[]) : [];
    }
    return this.rowsToMsgs(rows);
  }

  /** Group commit at work: transactions committed and the appends they carried, since open. */
  async writeStats(): Promise<{ commits: number; appends: number }> {
    return { ...this.writes };
  }

  /** Readiness probe (/readyz): the database answers a query. */
  async ping(): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    this.h.db.prepare('SELECT 1').get();
  }

  /**
   * Brings the search index up to date: the messages committed after the last pass, with the
   * new high-water mark (migration 8), as they are now (edited text; deleted ones skipped).
   * Runs before each search, at open (what a crash left unindexed) and at close, all at once;
   * and INDEX_DELAY_MS after a commit in steps (`indexStep`). Indexing per message, in each
   * group commit, cost a new FTS5 segment per commit: about a third of an append's CPU.
   */
  indexPending(): void {
    if (this.indexTimer !== undefined) {
      clearTimeout(this.indexTimer);
      this.indexTimer = undefined;
    }
    this.indexSome(Infinity);
  }

  /**
   * Indexes the next at most `chunk` messages (by rid) in one transaction with the high-water
   * mark; true when more remain.
   */
  private indexSome(chunk: number): boolean {
    const { db } = this.h;
    const from = (this.st.indexed.get() as { rid: number }).rid;
    const last = (this.st.maxRid.get() as { rid: number }).rid;
    if (last <= from) return false;
    const to = Math.min(last, from + chunk);
    db.exec('BEGIN IMMEDIATE');
    try {
      this.st.indexRows.run(from, to);
      this.st.setIndexed.run(to);
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      // Not lost: the next pass (or the next open) takes the same rows again.
      (this.opts.log ?? quiet).warn({ err }, 'search index pass failed');
      return false;
    }
    return to < last;
  }

  private readonly indexSoon = (): void => {
    this.indexTimer = undefined;
    if (this.indexing) return;
    this.indexing = true;
    this.sinceStep = 0;
    this.indexStep();
  };

  /**
   * One step of the pass after commits, the next on the next turn, so commits come in between,
   * until caught up. A step takes at least as many messages as were committed since the last
   * one, so the backlog never grows while the pass goes on.
   */
  private readonly indexStep = (): void => {
    const chunk = Math.max(this.opts.indexChunk, this.sinceStep);
    this.sinceStep = 0;
    if (!this.closed && this.indexSome(chunk)) setImmediate(this.indexStep);
    else this.indexing = false;
  };

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.indexPending();
    this.closed = true;
    await this.searches?.close();
    this.h.release();
  }
}
