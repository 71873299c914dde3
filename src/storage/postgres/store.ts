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
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { foldName, type ChatMessage } from '../../protocol/index.ts';
import type { Clock, DmSummary, Logger, HistoryQuery, MessageDraft, MessageStore, SearchQuery } from '../../core/ports.ts';
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
}

interface Pending {
  draft: MessageDraft;
  resolve: (m: ChatMessage) => void;
  reject: (e: unknown) => void;
}

const COLS = 'id, seq, to_name, from_name, text, kind, ts, files';
const MCOLS = COLS.split(', ').map((c) => `m.${c}`).join(', ');
const PRUNE_EVERY_MS = 60_000;
const WORD = /^[\p{L}\p{N}]+$/u;

function toMsg(r: Row): ChatMessage {
  const m: ChatMessage = { id: r.id, seq: r.seq, to: r.to_name, from: r.from_name, text: r.text, ts: r.ts };
  if (r.kind === 'notice' || r.kind === 'action') m.kind = r.kind;
  if (r.files !== null && r.files !== undefined) m.files = r.files;
  return m;
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
    const id = randomUUID();
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
       INSERT INTO messages (id, conv, seq, to_name, from_name, from_folded, text, kind, ts, words, files)
       SELECT $2, $1, s.last_seq, $3, $4, $5, $6, $7, $8, $9, $10::jsonb FROM s RETURNING seq`,
      [d.conv, id, d.to, d.from, foldName(d.from), d.text, d.kind ?? null, now, [...new Set(wordsOf(d.text))], d.files ? JSON.stringify(d.files) : null]);
    const seq = rows[0]!.seq;
    if (seq === 1 && d.participants?.length) {
      await c.query('INSERT INTO dm_members (member, conv) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING', [d.participants, d.conv]);
    }
    const msg: ChatMessage = { id, seq, to: d.to, from: d.from, text: d.text, ts: now };
    if (d.kind) msg.kind = d.kind;
    if (d.files) msg.files = [...d.files];
    return msg;
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
    return rows.map(toMsg);
  }

  async lastSeq(conv: string): Promise<number> {
    const rows = await this.query<{ last_seq: number }>('SELECT last_seq FROM conversations WHERE conv = $1', [conv]);
    return rows[0]?.last_seq ?? 0;
  }

  async markRead(user: string, conv: string, seq: number): Promise<void> {
    await this.query(
      `INSERT INTO read_marks (member, conv, seq) VALUES ($1, $2, LEAST($3::bigint, coalesce((SELECT last_seq FROM conversations WHERE conv = $2), 0)))
       ON CONFLICT (member, conv) DO UPDATE SET seq = GREATEST(read_marks.seq, EXCLUDED.seq)`, [user, conv, seq]);
  }

  async dmSummaries(user: string, limit: number, sinceTs?: number): Promise<DmSummary[]> {
    const w = new Where();
    const u = w.p(user);
    w.and(`d.member = ${u}`);
    const since = w.p(sinceTs ?? Number.MIN_SAFE_INTEGER);
    w.and(`m.ts >= ${since}`);
    const rows = await this.query<Row & { conv: string; last_seq: number; read_seq: number; unread: number }>(
      `SELECT c.conv, c.last_seq, coalesce(r.seq, 0) AS read_seq, ${MCOLS},
              (SELECT count(*)::int FROM messages x WHERE x.conv = c.conv AND x.seq > coalesce(r.seq, 0) AND x.from_folded <> ${u} AND x.ts >= ${since}) AS unread
       FROM dm_members d JOIN conversations c ON c.conv = d.conv
       JOIN messages m ON m.conv = c.conv AND m.seq = c.last_seq
       LEFT JOIN read_marks r ON r.member = d.member AND r.conv = d.conv
       ${w.sql()} ORDER BY m.rid DESC LIMIT ${w.p(limit)}`, w.params);
    return rows.map((r) => ({ conv: r.conv, lastSeq: r.last_seq, readSeq: r.read_seq, unread: r.unread, last: toMsg(r) }));
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
    return rows.map(toMsg);
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
