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
import { randomUUID } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import type { ChatMessage } from '../../protocol/index.ts';
import { ChatError } from '../../core/errors.ts';
import type { Clock, DmSummary, HistoryQuery, Logger, MessageDraft, MessageStore, SearchQuery } from '../../core/ports.ts';
import { WorkerPool } from '../../core/services/worker-pool.ts';
import type { SqliteHandle } from './open.ts';
import { searchStatement } from './search-sql.ts';

export interface SqliteStoreOptions {
  clock: Clock;
  idempotencyWindowMs: number;
  /** Most appends in one transaction. */
  maxBatch?: number;
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
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = { workers: 1, timeoutMs: 1000, maxQueue: 16 };
const SEARCH_WORKER = new URL('./search-worker.ts', import.meta.url);
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
}

interface Pending {
  draft: MessageDraft;
  resolve: (m: ChatMessage) => void;
  reject: (e: unknown) => void;
}

const COLS = 'id, seq, to_name, from_name, text, ts, files, kind';
const PRUNE_EVERY_MS = 60_000;

function toMsg(r: Row): ChatMessage {
  const msg: ChatMessage = { id: r.id, seq: r.seq, to: r.to_name, from: r.from_name, text: r.text, ts: r.ts };
  if (r.files !== null && r.files !== undefined) msg.files = JSON.parse(r.files) as ChatMessage['files'];
  if (r.kind === 'notice' || r.kind === 'action') msg.kind = r.kind;
  return msg;
}

function fold(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export class SqliteStore implements MessageStore {
  private readonly h: SqliteHandle;
  private readonly opts: SqliteStoreOptions & { maxBatch: number };
  /** Runs searches off the event loop; absent for `:memory:` databases. */
  private readonly searches: WorkerPool<SearchQuery, Row[]> | undefined;
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private lastPrune = 0;
  /** Transactions committed and appends in them, since open (see `writeStats`). */
  private readonly writes = { commits: 0, appends: 0 };
  private readonly st: Record<'keyGet' | 'byId' | 'bump' | 'insert' | 'keyPut' | 'member' | 'prune' | 'before' | 'after' | 'between' | 'latest' | 'last' | 'mark' | 'dms' | 'unread', StatementSync>;

  constructor(handle: SqliteHandle, opts: SqliteStoreOptions) {
    this.h = handle.acquire();
    this.opts = { maxBatch: 512, ...opts };
    if (this.h.path !== ':memory:') {
      const limits = opts.search ?? DEFAULT_SEARCH_LIMITS;
      this.searches = new WorkerPool({
        url: SEARCH_WORKER,
        label: 'search',
        workerData: { path: this.h.path },
        ...limits,
        errors: {
          busy: (reason) => new ChatError('SEARCH_BUSY', reason === 'full' ? undefined : 'search is unavailable right now'),
          timeout: () => new ChatError('SEARCH_TIMEOUT', `the search took longer than ${limits.timeoutMs} ms; use longer or more words, from: or in:`),
          died: () => new ChatError('SEARCH_TIMEOUT', 'the search was stopped'),
        },
      }, opts.log ?? quiet);
    }
    const p = (sql: string): StatementSync => this.h.db.prepare(sql);
    this.st = {
      keyGet: p('SELECT msg_id FROM client_keys WHERE key = ? AND at >= ?'),
      byId: p(`SELECT ${COLS} FROM messages WHERE id = ?`),
      bump: p('INSERT INTO conversations (conv, last_seq) VALUES (?, 1) ON CONFLICT (conv) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq'),
      insert: p('INSERT INTO messages (id, conv, seq, to_name, from_name, from_folded, text, ts, files, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
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
      dms: p(`SELECT c.conv AS conv, c.last_seq AS last_seq, coalesce(r.seq, 0) AS read_seq, m.id AS id, m.seq AS seq, m.to_name AS to_name,
                     m.from_name AS from_name, m.text AS text, m.ts AS ts, m.files AS files, m.kind AS kind
              FROM dm_members d JOIN conversations c ON c.conv = d.conv
              JOIN messages m ON m.conv = c.conv AND m.seq = c.last_seq
              LEFT JOIN read_marks r ON r.user = d.user AND r.conv = d.conv
              WHERE d.user = ? AND m.ts >= ? ORDER BY m.rid DESC LIMIT ?`),
      unread: p('SELECT count(*) AS n FROM messages WHERE conv = ? AND seq > ? AND from_folded <> ? AND ts >= ?'),
    };
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
        this.lastPrune = now;
      }
      db.exec('COMMIT');
      this.writes.commits++;
      this.writes.appends += batch.length;
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
    const msg: ChatMessage = { id: randomUUID(), seq, to: d.to, from: d.from, text: d.text, ts: now, ...(d.kind ? { kind: d.kind } : {}), ...(d.files ? { files: [...d.files] } : {}) };
    // Members first: the insert trigger indexes the message under its DM participants.
    if (seq === 1 && d.participants) for (const u of d.participants) this.st.member.run(u, d.conv);
    this.st.insert.run(msg.id, d.conv, seq, d.to, d.from, fold(d.from), d.text, now, d.files ? JSON.stringify(d.files) : null, d.kind ?? null);
    if (d.clientKey !== undefined) this.st.keyPut.run(d.clientKey, msg.id, now);
    return msg;
  }

  async history(conv: string, q: HistoryQuery): Promise<ChatMessage[]> {
    const limit = Math.max(0, Math.floor(q.limit));
    if (q.sinceTs !== undefined) return this.historySince(conv, q, limit, q.sinceTs);
    let rows: unknown[];
    if (q.beforeSeq !== undefined && q.afterSeq !== undefined) rows = this.st.between.all(conv, q.afterSeq, q.beforeSeq, limit);
    else if (q.beforeSeq !== undefined) rows = this.st.before.all(conv, q.beforeSeq, limit);
    else if (q.afterSeq !== undefined) rows = this.st.after.all(conv, q.afterSeq, limit);
    else rows = this.st.latest.all(conv, limit);
    return (rows as Row[]).map(toMsg);
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
    const rows = this.h.db.prepare(forwards ? inner : `SELECT * FROM (${inner}) ORDER BY seq`).all(...params) as unknown as Row[];
    return rows.map(toMsg);
  }

  async lastSeq(conv: string): Promise<number> {
    return (this.st.last.get(conv) as { last_seq: number } | undefined)?.last_seq ?? 0;
  }

  async markRead(user: string, conv: string, seq: number): Promise<void> {
    this.st.mark.run(user, conv, seq);
  }

  async dmSummaries(user: string, limit: number, sinceTs?: number): Promise<DmSummary[]> {
    const since = sinceTs ?? Number.MIN_SAFE_INTEGER;
    const rows = this.st.dms.all(user, since, limit) as unknown as (Row & { conv: string; last_seq: number; read_seq: number })[];
    return rows.map((r) => ({
      conv: r.conv, lastSeq: r.last_seq, readSeq: r.read_seq, last: toMsg(r),
      unread: (this.st.unread.get(r.conv, r.read_seq, user, since) as { n: number }).n,
    }));
  }

  async search(q: SearchQuery): Promise<ChatMessage[]> {
    if (this.closed) throw new Error('store is closed');
    let rows: Row[];
    if (this.searches) rows = await this.searches.run(q);
    else {
      const st = searchStatement(q);
      rows = st ? (this.h.db.prepare(st.sql).all(...st.params) as unknown as Row[]) : [];
    }
    return rows.map(toMsg);
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.searches?.close();
    this.h.release();
  }
}
