/**
 * PostgreSQL MessageStore, for cluster mode (several nodes, one database).
 *
 * Sequence numbers come from PostgreSQL, never from a node: each append bumps the
 * conversation's row in `conversations` (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), whose
 * row lock serialises appends to one conversation across every node until the transaction
 * ends, so seq order is commit order cluster-wide and no two nodes can take the same seq.
 *
 * Group commit, as in the SQLite store: appends requested in the same event-loop turn are
 * written in ONE transaction on one pooled connection, and batches of one node run one after
 * another, so this node's appends commit in call order. Each append's promise resolves only
 * after COMMIT returned; a failed batch rolls back and rejects every append in it (with
 * STORE_UNAVAILABLE when the database could not be reached). When a connection breaks during
 * COMMIT the outcome is unknown to us: the append is rejected, and a resend with the same
 * client key returns the stored message if it did commit (never stored twice).
 *
 * Word search uses a `words` text[] column (src/storage/words.ts, the same word rules as
 * the other stores) with a GIN index for whole words.
 */
import { newMessageId } from '../message-id.ts';
import type { PoolClient } from 'pg';
import { foldName, ROOM_MENTION, type ChatMessage, type EditVersion, type UpdateAction } from '../../protocol/index.ts';
import { ChatError } from '../../core/errors.ts';
import type {
  ChangedMessage, Clock, DmSummary, Logger, HistoryQuery, MentionCount, MentionQuery, MessageChange, MessageDraft, MessageStore,
  SearchQuery, StoredMessage, ThreadCount, UpdateResult,
} from '../../core/ports.ts';
import { reactionSummary, withState } from '../message-state.ts';
import { foldWord, wordsOf } from '../words.ts';
import { storeError, type PgHandle } from './open.ts';

export interface PgStoreOptions {
  clock: Clock;
  idempotencyWindowMs: number;
  /** Most appends in one transaction. */
  maxBatch?: number;
  /** Where failed batches are reported (the cause; clients only see STORE_UNAVAILABLE). */
  log?: Logger;
}

interface Row {
  id: string;
  seq: number;
  to_name: string;
  from_name: string;
  text: string;
  kind: string | null;
  ts: number;
  files: ChatMessage['files'] | null;
  reply_to: string | null;
  thread: string | null;
  mentions: string[] | null;
  edited_at: number | null;
  deleted: boolean;
}

interface FullRow extends Row {
  author: string | null;
  depth: number;
  conv: string;
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

const COLS = 'id, seq, to_name, from_name, text, kind, ts, files, reply_to, thread, mentions, edited_at, deleted';
const MCOLS = COLS.split(', ').map((c) => `m.${c}`).join(', ');
const FULL_COLS = `${COLS}, author, depth, conv, change_seq, change_action, change_by, change_emoji`;
const ACTIONS: readonly string[] = ['edit', 'delete', 'react', 'unreact'];
const PRUNE_EVERY_MS = 60_000;
const WORD = /^[\p{L}\p{N}]+$/u;

/** The message of a row, without its reactions and reply count (`decorate` adds those). */
function toMsg(r: Row): ChatMessage {
  const m: ChatMessage = { id: r.id, seq: r.seq, to: r.to_name, from: r.from_name, text: r.text, ts: r.ts };
  if (r.kind === 'notice' || r.kind === 'action') m.kind = r.kind;
  if (r.files !== null && r.files !== undefined) m.files = r.files;
  return withState(m, { replyTo: r.reply_to ?? null, thread: r.thread ?? null, editedAt: r.edited_at ?? null, deleted: r.deleted === true, mentions: r.mentions ?? null });
}

/** WHERE-clause builder: conditions and their positional parameters, in order. */
class Where {
  readonly conds: string[] = [];
  readonly params: unknown[] = [];
  /** Adds a parameter and returns its placeholder ($n). */
  p(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }
  and(cond: string): this {
    this.conds.push(cond);
    return this;
  }
  sql(): string {
    return this.conds.length ? `WHERE ${this.conds.join(' AND ')}` : '';
  }
}

export class PgStore implements MessageStore {
  private readonly h: PgHandle;
  private readonly opts: Required<Omit<PgStoreOptions, 'log'>> & Pick<PgStoreOptions, 'log'>;
  private queue: Pending[] = [];
  private scheduled = false;
  private writing: Promise<void> | undefined;
  private closed = false;
  private lastPrune = 0;

  constructor(handle: PgHandle, opts: PgStoreOptions) {
    this.h = handle.acquire();
    this.opts = { maxBatch: 256, ...opts };
  }

  append(draft: MessageDraft): Promise<ChatMessage> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ draft, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => { this.scheduled = false; this.drain(); });
      }
    });
  }

  /** Writes queued batches one after another until the queue is empty. */
  private drain(): void {
    if (this.writing) return;
    this.writing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.opts.maxBatch);
        await this.writeBatch(batch);
      }
    })().finally(() => {
      this.writing = undefined;
      // An append that arrived between the loop's last check and here.
      if (this.queue.length > 0) this.drain();
    });
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const now = this.opts.clock.now();
    let client: PoolClient | undefined;
    const out: ChatMessage[] = [];
    try {
      client = await this.h.pool.connect();
      await client.query('BEGIN');
      for (const p of batch) out.push(await this.insert(client, p.draft, now));
      if (now - this.lastPrune > PRUNE_EVERY_MS) {
        await client.query('DELETE FROM client_keys WHERE at < $1', [now - this.opts.idempotencyWindowMs]);
        this.lastPrune = now;
      }
      await client.query('COMMIT');
    } catch (err) {
      let broken = true;
      if (client) {
        try { await client.query('ROLLBACK'); broken = false; } catch { /* the connection is gone */ }
        client.release(broken);
      }
      const e = storeError(err);
      this.opts.log?.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, appends: batch.length }, 'postgres append batch failed');
      for (const p of batch) p.reject(e);
      return;
    }
    client.release();
    batch.forEach((p, i) => p.resolve(out[i]!));
  }

  private async insert(c: PoolClient, d: MessageDraft, now: number): Promise<ChatMessage> {
    const id = newMessageId();
    if (d.clientKey !== undefined) {
      // Claim the key (new, or expired): waits for a concurrent claimer's transaction.
      const claimed = await c.query(
        `INSERT INTO client_keys (key, msg_id, at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET msg_id = EXCLUDED.msg_id, at = EXCLUDED.at WHERE client_keys.at < $4 RETURNING msg_id`,
        [d.clientKey, id, now, now - this.opts.idempotencyWindowMs]);
      if (claimed.rowCount === 0) {
        const prior = await c.query<Row>(`SELECT ${MCOLS} FROM client_keys k JOIN messages m ON m.id = k.msg_id WHERE k.key = $1`, [d.clientKey]);
        if (prior.rows[0]) return toMsg(prior.rows[0]);
      }
    }
    const { rows } = await c.query<{ seq: number }>(
      `WITH s AS (INSERT INTO conversations (conv, last_seq) VALUES ($1, 1)
                  ON CONFLICT (conv) DO UPDATE SET last_seq = conversations.last_seq + 1 RETURNING last_seq)
       INSERT INTO messages (id, conv, seq, to_name, from_name, from_folded, text, kind, ts, words, files, author, reply_to, thread, depth, mentions)
       SELECT $2, $1, s.last_seq, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15 FROM s RETURNING seq`,
      [d.conv, id, d.to, d.from, foldName(d.from), d.text, d.kind ?? null, now, [...new Set(wordsOf(d.text))], d.files ? JSON.stringify(d.files) : null,
        d.author ?? null, d.replyTo ?? null, d.thread ?? null, d.depth ?? 0, d.mentions && d.mentions.length > 0 ? [...d.mentions] : null]);
    const seq = rows[0]!.seq;
    if (seq === 1 && d.participants?.length) {
      await c.query('INSERT INTO dm_members (member, conv) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING', [d.participants, d.conv]);
    }
    const msg: ChatMessage = { id, seq, to: d.to, from: d.from, text: d.text, ts: now };
    if (d.kind) msg.kind = d.kind;
    if (d.files) msg.files = [...d.files];
    return withState(msg, { replyTo: d.replyTo ?? null, thread: d.thread ?? null, mentions: d.mentions ?? null });
  }

  /** Adds reactions and thread reply counts to messages read from rows (two queries for a whole page). */
  private async decorate(msgs: ChatMessage[]): Promise<ChatMessage[]> {
    if (msgs.length === 0) return msgs;
    const ids = msgs.map((m) => m.id);
    const [reactions, replies] = await Promise.all([
      this.query<{ msg_id: string; emoji: string; name: string }>('SELECT msg_id, emoji, name FROM reactions WHERE msg_id = ANY($1::text[]) ORDER BY ord', [ids]),
      this.query<{ root: string; n: number }>('SELECT thread AS root, count(*)::int AS n FROM messages WHERE thread = ANY($1::text[]) GROUP BY thread', [ids]),
    ]);
    const per = new Map<string, { emoji: string; name: string }[]>();
    for (const r of reactions) (per.get(r.msg_id) ?? per.set(r.msg_id, []).get(r.msg_id)!).push(r);
    const counts = new Map(replies.map((r) => [r.root, r.n]));
    return msgs.map((m) => {
      const reacted = per.get(m.id);
      const n = counts.get(m.id);
      if (!reacted && !n) return m;
      return withState(m, { ...(n ? { replies: n } : {}), ...(reacted && !m.deleted ? { reactions: reactionSummary(reacted) } : {}) });
    });
  }

  private async rowsToMsgs(rows: Row[]): Promise<ChatMessage[]> {
    return this.decorate(rows.map(toMsg));
  }

  async get(conv: string, id: string): Promise<StoredMessage | undefined> {
    const rows = await this.query<FullRow>(`SELECT ${FULL_COLS} FROM messages WHERE conv = $1 AND id = $2`, [conv, id]);
    const r = rows[0];
    if (!r) return undefined;
    return { msg: (await this.decorate([toMsg(r)]))[0]!, ...(r.author !== null ? { author: r.author } : {}), depth: r.depth };
  }

  /**
   * One change in one transaction: the message row is locked first (changes to one message
   * run one at a time, so the reaction limit holds across nodes), then the conversation's
   * counter gives the change its seq under the same row lock appends take.
   */
  async update(conv: string, ch: MessageChange): Promise<UpdateResult | undefined> {
    if (this.closed) throw new Error('store is closed');
    let client: PoolClient | undefined;
    let row: FullRow | undefined;
    let seq = 0;
    try {
      client = await this.h.pool.connect();
      await client.query('BEGIN');
      const { rows } = await client.query<FullRow>(`SELECT ${FULL_COLS} FROM messages WHERE conv = $1 AND id = $2 FOR UPDATE`, [conv, ch.id]);
      row = rows[0];
      const action = row ? await this.applyChange(client, row, ch, this.opts.clock.now()) : undefined;
      if (row && action !== undefined) {
        const bumped = await client.query<{ last_seq: number }>('UPDATE conversations SET last_seq = last_seq + 1 WHERE conv = $1 RETURNING last_seq', [conv]);
        seq = bumped.rows[0]!.last_seq;
        const after = await client.query<FullRow>(
          `UPDATE messages SET change_seq = $1, change_action = $2, change_by = $3, change_emoji = $4 WHERE conv = $5 AND id = $6 RETURNING ${FULL_COLS}`,
          [seq, action, ch.by, ch.kind === 'react' ? ch.emoji : null, conv, ch.id]);
        row = after.rows[0]!;
        await client.query('COMMIT');
      } else {
        await client.query('ROLLBACK');
      }
      client.release();
      client = undefined;
    } catch (err) {
      if (client) {
        let broken = true;
        try { await client.query('ROLLBACK'); broken = false; } catch { /* the connection is gone */ }
        client.release(broken);
      }
      if (err instanceof ChatError) throw err;
      throw storeError(err);
    }
    // Read after the connection went back to the pool (decorate uses the pool).
    if (!row) return undefined;
    return { seq, msg: (await this.decorate([toMsg(row)]))[0]! };
  }

  /** Writes one change to the locked row; undefined when it changes nothing. */
  private async applyChange(c: PoolClient, r: FullRow, ch: MessageChange, now: number): Promise<UpdateAction | undefined> {
    if (r.deleted) return undefined;
    switch (ch.kind) {
      case 'edit':
        if (r.text === ch.text) return undefined;
        await c.query('INSERT INTO message_edits (msg_id, text, ts, replaced_at, retain_until) VALUES ($1, $2, $3, $4, $5)', [r.id, r.text, r.edited_at ?? r.ts, now, ch.retainUntil]);
        await c.query('DELETE FROM message_edits WHERE msg_id = $1 AND ord NOT IN (SELECT ord FROM message_edits WHERE msg_id = $1 ORDER BY ord DESC LIMIT $2)', [r.id, ch.keepVersions]);
        await c.query('UPDATE messages SET text = $1, words = $2, mentions = $3, edited_at = $4 WHERE conv = $5 AND id = $6',
          [ch.text, [...new Set(wordsOf(ch.text))], ch.mentions.length > 0 ? [...ch.mentions] : null, now, r.conv, r.id]);
        return 'edit';
      case 'delete':
        // Gone, not hidden: the text and its words, earlier versions, reactions, mentions.
        await c.query("UPDATE messages SET text = '', words = '{}', mentions = NULL, edited_at = NULL, deleted = true WHERE conv = $1 AND id = $2", [r.conv, r.id]);
        await c.query('DELETE FROM message_edits WHERE msg_id = $1', [r.id]);
        await c.query('DELETE FROM reactions WHERE msg_id = $1', [r.id]);
        return 'delete';
      case 'react': {
        const has = (await c.query('SELECT 1 FROM reactions WHERE msg_id = $1 AND emoji = $2 AND principal = $3', [r.id, ch.emoji, ch.principal])).rowCount! > 0;
        if (ch.on === has) return undefined;
        if (ch.on) {
          const { rows } = await c.query<{ n: number; has: boolean | null }>('SELECT count(DISTINCT emoji)::int AS n, bool_or(emoji = $1) AS has FROM reactions WHERE msg_id = $2', [ch.emoji, r.id]);
          if (!rows[0]!.has && rows[0]!.n >= ch.maxEmoji) throw new ChatError('TOO_MANY_REACTIONS', `a message can carry at most ${ch.maxEmoji} different reactions`);
          await c.query('INSERT INTO reactions (msg_id, emoji, principal, name, at) VALUES ($1, $2, $3, $4, $5)', [r.id, ch.emoji, ch.principal, ch.by, now]);
          return 'react';
        }
        await c.query('DELETE FROM reactions WHERE msg_id = $1 AND emoji = $2 AND principal = $3', [r.id, ch.emoji, ch.principal]);
        return 'unreact';
      }
    }
  }

  async changes(conv: string, q: { afterSeq: number; beforeSeq?: number; limit: number; sinceTs?: number }): Promise<ChangedMessage[]> {
    const w = new Where();
    w.and(`conv = ${w.p(conv)}`).and(`change_seq > ${w.p(q.afterSeq)}`);
    if (q.beforeSeq !== undefined) w.and(`change_seq < ${w.p(q.beforeSeq)}`);
    if (q.sinceTs !== undefined) w.and(`ts >= ${w.p(q.sinceTs)}`);
    const rows = await this.query<FullRow>(`SELECT ${FULL_COLS} FROM messages ${w.sql()} ORDER BY change_seq LIMIT ${w.p(Math.max(0, Math.floor(q.limit)))}`, w.params);
    const msgs = await this.rowsToMsgs(rows);
    return rows.map((r, i) => ({
      seq: r.change_seq!, action: (ACTIONS.includes(r.change_action ?? '') ? r.change_action : 'edit') as UpdateAction, by: r.change_by ?? '',
      ...(r.change_emoji !== null ? { emoji: r.change_emoji } : {}), msg: msgs[i]!,
    }));
  }

  async thread(conv: string, root: string, q: { afterSeq?: number; limit: number; sinceTs?: number }): Promise<ChatMessage[]> {
    const w = new Where();
    w.and(`thread = ${w.p(root)}`).and(`conv = ${w.p(conv)}`).and(`seq > ${w.p(q.afterSeq ?? 0)}`);
    if (q.sinceTs !== undefined) w.and(`ts >= ${w.p(q.sinceTs)}`);
    return this.rowsToMsgs(await this.query<Row>(`SELECT ${COLS} FROM messages ${w.sql()} ORDER BY seq LIMIT ${w.p(Math.max(0, Math.floor(q.limit)))}`, w.params));
  }

  async mentions(q: MentionQuery): Promise<ChatMessage[]> {
    const w = new Where();
    w.and(`m.mentions && ${w.p([q.user, ROOM_MENTION])}::text[]`).and('NOT m.deleted');
    const scope = [`m.conv = ANY(${w.p(q.convs)}::text[])`];
    if (q.dmsOf !== undefined) scope.push(`(m.conv IN (SELECT conv FROM dm_members WHERE member = ${w.p(q.dmsOf)}) AND m.ts >= ${w.p(q.dmsSince ?? Number.MIN_SAFE_INTEGER)})`);
    w.and(`(${scope.join(' OR ')})`);
    if (q.beforeTs !== undefined) w.and(`m.ts < ${w.p(q.beforeTs)}`);
    return this.rowsToMsgs(await this.query<Row>(`SELECT ${MCOLS} FROM messages m ${w.sql()} ORDER BY m.rid DESC LIMIT ${w.p(Math.max(0, Math.floor(q.limit)))}`, w.params));
  }

  async edits(_conv: string, id: string, now: number): Promise<EditVersion[]> {
    const rows = await this.query<{ text: string; ts: number; replaced_at: number }>('SELECT text, ts, replaced_at FROM message_edits WHERE msg_id = $1 AND retain_until >= $2 ORDER BY ord', [id, now]);
    return rows.map((r) => ({ text: r.text, ts: r.ts, replacedAt: r.replaced_at }));
  }

  async readMarks(reader: string, convs: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.query<{ conv: string; seq: number }>('SELECT conv, seq FROM read_marks WHERE member = $1 AND conv = ANY($2::text[])', [reader, convs]);
    return new Map(rows.map((r) => [r.conv, r.seq]));
  }

  /** The rooms in $2 and the DMs of $3 (DM messages from $4 on), after $1's marks, not from $3, not deleted. */
  private static readonly SCOPE = `LEFT JOIN read_marks r ON r.member = $1 AND r.conv = m.conv
    WHERE m.seq > coalesce(r.seq, 0) AND m.from_folded <> $3 AND NOT m.deleted
      AND (m.conv = ANY($2::text[]) OR (m.conv IN (SELECT conv FROM dm_members WHERE member = $3) AND m.ts >= $4))`;

  async mentionCounts(reader: string, user: string, convs: readonly string[], sinceTs?: number): Promise<MentionCount[]> {
    const rows = await this.query<{ conv: string; n: number; last: number }>(
      `SELECT m.conv, count(*)::int AS n, max(m.seq) AS last FROM messages m ${PgStore.SCOPE} AND m.mentions && ARRAY[$3, '${ROOM_MENTION}']::text[] GROUP BY m.conv`,
      [reader, convs, user, sinceTs ?? Number.MIN_SAFE_INTEGER]);
    return rows.map((r) => ({ conv: r.conv, count: r.n, lastSeq: r.last }));
  }

  async threadCounts(reader: string, user: string, convs: readonly string[], sinceTs?: number): Promise<ThreadCount[]> {
    const rows = await this.query<{ conv: string; root: string; n: number; last: number }>(
      `SELECT m.conv, m.thread AS root, count(*)::int AS n, max(m.seq) AS last FROM messages m ${PgStore.SCOPE} AND m.thread IS NOT NULL
         AND (EXISTS (SELECT 1 FROM messages t WHERE t.id = m.thread AND t.from_folded = $3) OR EXISTS (SELECT 1 FROM messages t WHERE t.thread = m.thread AND t.from_folded = $3))
       GROUP BY m.conv, m.thread`,
      [reader, convs, user, sinceTs ?? Number.MIN_SAFE_INTEGER]);
    return rows.map((r) => ({ conv: r.conv, root: r.root, count: r.n, lastSeq: r.last }));
  }

  private async query<T extends object>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      return (await this.h.pool.query<T>(sql, params)).rows;
    } catch (err) {
      throw storeError(err);
    }
  }

  async history(conv: string, q: HistoryQuery): Promise<ChatMessage[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    if (limit === 0) return [];
    const w = new Where();
    w.and(`conv = ${w.p(conv)}`);
    if (q.afterSeq !== undefined) w.and(`seq > ${w.p(q.afterSeq)}`);
    if (q.beforeSeq !== undefined) w.and(`seq < ${w.p(q.beforeSeq)}`);
    if (q.sinceTs !== undefined) w.and(`ts >= ${w.p(q.sinceTs)}`);
    // Only afterSeq: the oldest after it (paging forwards); otherwise the newest.
    const forwards = q.afterSeq !== undefined && q.beforeSeq === undefined;
    const inner = `SELECT ${COLS} FROM messages ${w.sql()} ORDER BY seq ${forwards ? 'ASC' : 'DESC'} LIMIT ${w.p(limit)}`;
    const rows = await this.query<Row>(forwards ? inner : `SELECT * FROM (${inner}) t ORDER BY seq`, w.params);
    return this.rowsToMsgs(rows);
  }

  async lastSeq(conv: string): Promise<number> {
    const rows = await this.query<{ last_seq: number }>('SELECT last_seq FROM conversations WHERE conv = $1', [conv]);
    return rows[0]?.last_seq ?? 0;
  }

  async markRead(reader: string, conv: string, seq: number): Promise<void> {
    await this.query(
      `INSERT INTO read_marks (member, conv, seq) VALUES ($1, $2, LEAST($3::bigint, coalesce((SELECT last_seq FROM conversations WHERE conv = $2), 0)))
       ON CONFLICT (member, conv) DO UPDATE SET seq = GREATEST(read_marks.seq, EXCLUDED.seq)`, [reader, conv, seq]);
  }

  async dmSummaries(user: string, limit: number, sinceTs?: number, reader: string = user): Promise<DmSummary[]> {
    const w = new Where();
    const u = w.p(user);
    const rd = w.p(reader);
    w.and(`d.member = ${u}`);
    const since = w.p(sinceTs ?? Number.MIN_SAFE_INTEGER);
    w.and(`m.ts >= ${since}`);
    const rows = await this.query<Row & { conv: string; last_seq: number; read_seq: number; unread: number }>(
      `SELECT c.conv, c.last_seq, coalesce(r.seq, 0) AS read_seq, ${MCOLS},
              (SELECT count(*)::int FROM messages x WHERE x.conv = c.conv AND x.seq > coalesce(r.seq, 0) AND x.from_folded <> ${u} AND x.ts >= ${since} AND NOT x.deleted) AS unread
       FROM dm_members d JOIN conversations c ON c.conv = d.conv
       JOIN messages m ON m.conv = c.conv AND m.seq = (SELECT max(seq) FROM messages WHERE conv = c.conv)
       LEFT JOIN read_marks r ON r.member = ${rd} AND r.conv = d.conv
       ${w.sql()} ORDER BY m.rid DESC LIMIT ${w.p(limit)}`, w.params);
    const last = await this.rowsToMsgs(rows);
    return rows.map((r, i) => ({ conv: r.conv, lastSeq: r.last_seq, readSeq: r.read_seq, unread: r.unread, last: last[i]! }));
  }

  async search(q: SearchQuery): Promise<ChatMessage[]> {
    if (q.words.length === 0) return [];
    const exact: string[] = [];
    const prefixes: string[] = [];
    for (const raw of q.words) {
      const folded = foldWord(raw);
      const prefix = folded.endsWith('*');
      const body = prefix ? folded.slice(0, -1) : folded;
      // Only a run of letters and digits can equal a stored word: anything else matches nothing.
      if (!WORD.test(body)) return [];
      (prefix ? prefixes : exact).push(body);
    }
    const w = new Where();
    const scope: string[] = [];
    if (q.convs.length > 0) scope.push(`m.conv = ANY(${w.p(q.convs)}::text[])`);
    if (q.dmsOf !== undefined) scope.push(`m.conv IN (SELECT conv FROM dm_members WHERE member = ${w.p(q.dmsOf)})`);
    if (scope.length === 0) return [];
    w.and(`(${scope.join(' OR ')})`);
    if (exact.length) w.and(`m.words @> ${w.p(exact)}::text[]`);
    for (const p of prefixes) w.and(`EXISTS (SELECT 1 FROM unnest(m.words) x WHERE x LIKE ${w.p(`${p}%`)})`);
    // DM keys start with '@' (conv.ts), rooms with '#': only DMs are filtered by dmsSince.
    if (q.dmsSince !== undefined) w.and(`(left(m.conv, 1) <> '@' OR m.ts >= ${w.p(q.dmsSince)})`);
    if (q.from !== undefined) w.and(`m.from_folded = ${w.p(q.from)}`);
    const rows = await this.query<Row>(`SELECT ${MCOLS} FROM messages m ${w.sql()} ORDER BY m.rid DESC LIMIT ${w.p(q.limit)}`, w.params);
    return this.rowsToMsgs(rows);
  }

  /** Readiness probe (/readyz): the database answers a query. */
  async ping(): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    await this.h.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length > 0 && !this.writing) this.drain();
    while (this.writing) await this.writing;
    await this.h.release();
  }
}
