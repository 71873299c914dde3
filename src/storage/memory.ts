/**
 * In-memory MessageStore: the zero-setup default for tests and for `store = memory`.
 * "Committed" here means stored in this process; a restart loses everything.
 * Keeps at most `maxPerConversation` messages per conversation (oldest dropped first).
 */
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../protocol/index.ts';
import type { Clock, DmSummary, HistoryQuery, MessageDraft, MessageStore, SearchQuery } from '../core/ports.ts';
import { matchesWords } from './words.ts';

export interface MemoryStoreOptions {
  clock: Clock;
  maxPerConversation: number;
  /** How long a clientKey is remembered for idempotent resends, in ms. */
  idempotencyWindowMs: number;
}

interface Conversation {
  lastSeq: number;
  messages: ChatMessage[];
  participants: readonly string[] | undefined;
  /** Commit order of the newest message, for "most recently active first". */
  lastOrder: number;
}

export class MemoryStore implements MessageStore {
  private readonly convs = new Map<string, Conversation>();
  private readonly seen = new Map<string, { msg: ChatMessage; at: number }>();
  private readonly marks = new Map<string, number>();
  /** Commit order of every stored message id, for newest-first search across conversations. */
  private readonly order = new WeakMap<ChatMessage, number>();
  private counter = 0;
  private readonly opts: MemoryStoreOptions;

  constructor(opts: MemoryStoreOptions) {
    this.opts = opts;
  }

  async append(draft: MessageDraft): Promise<ChatMessage> {
    const now = this.opts.clock.now();
    if (draft.clientKey !== undefined) {
      const prior = this.seen.get(draft.clientKey);
      if (prior && now - prior.at <= this.opts.idempotencyWindowMs) return prior.msg;
    }
    let conv = this.convs.get(draft.conv);
    if (!conv) {
      conv = { lastSeq: 0, messages: [], participants: draft.participants, lastOrder: 0 };
      this.convs.set(draft.conv, conv);
    }
    const msg: ChatMessage = { id: randomUUID(), seq: ++conv.lastSeq, to: draft.to, from: draft.from, text: draft.text, ts: now, ...(draft.kind ? { kind: draft.kind } : {}), ...(draft.files ? { files: [...draft.files] } : {}) };
    conv.messages.push(msg);
    conv.lastOrder = ++this.counter;
    this.order.set(msg, conv.lastOrder);
    if (conv.messages.length > this.opts.maxPerConversation) conv.messages.splice(0, conv.messages.length - this.opts.maxPerConversation);
    if (draft.clientKey !== undefined) {
      this.seen.set(draft.clientKey, { msg, at: now });
      this.expireSeen(now);
    }
    return msg;
  }

  async history(conv: string, q: HistoryQuery): Promise<ChatMessage[]> {
    const all = this.convs.get(conv)?.messages ?? [];
    if (q.limit <= 0) return [];
    const since = q.sinceTs ?? -Infinity;
    const inRange = all.filter((m) => (q.beforeSeq === undefined || m.seq < q.beforeSeq) && (q.afterSeq === undefined || m.seq > q.afterSeq) && m.ts >= since);
    return q.afterSeq !== undefined && q.beforeSeq === undefined ? inRange.slice(0, q.limit) : inRange.slice(-q.limit);
  }

  async lastSeq(conv: string): Promise<number> {
    return this.convs.get(conv)?.lastSeq ?? 0;
  }

  async markRead(user: string, conv: string, seq: number): Promise<void> {
    const key = `${user}\n${conv}`;
    const clamped = Math.min(seq, this.convs.get(conv)?.lastSeq ?? 0);
    if (clamped > (this.marks.get(key) ?? 0)) this.marks.set(key, clamped);
  }

  async dmSummaries(user: string, limit: number, sinceTs?: number): Promise<DmSummary[]> {
    const since = sinceTs ?? -Infinity;
    const out: (DmSummary & { order: number })[] = [];
    for (const [key, c] of this.convs) {
      if (!c.participants?.includes(user)) continue;
      if (c.messages.length === 0 || c.messages.at(-1)!.ts < since) continue;
      const readSeq = this.marks.get(`${user}\n${key}`) ?? 0;
      const unread = c.messages.filter((m) => m.seq > readSeq && m.ts >= since && foldAscii(m.from) !== user).length;
      out.push({ conv: key, lastSeq: c.lastSeq, readSeq, unread, last: c.messages.at(-1)!, order: c.lastOrder });
    }
    return out.sort((a, b) => b.order - a.order).slice(0, limit).map(({ order: _o, ...s }) => s);
  }

  async search(q: SearchQuery): Promise<ChatMessage[]> {
    const hits: ChatMessage[] = [];
    for (const [key, c] of this.convs) {
      const visible = q.convs.includes(key) || (q.dmsOf !== undefined && c.participants?.includes(q.dmsOf) === true);
      if (!visible) continue;
      const since = c.participants !== undefined ? (q.dmsSince ?? -Infinity) : -Infinity;
      for (const m of c.messages) {
        if (m.ts < since) continue;
        if (q.from !== undefined && foldAscii(m.from) !== q.from) continue;
        if (matchesWords(m.text, q.words)) hits.push(m);
      }
    }
    return hits.sort((a, b) => (this.order.get(b) ?? 0) - (this.order.get(a) ?? 0)).slice(0, q.limit);
  }

  async close(): Promise<void> {
    this.convs.clear();
  }

  /** Map iteration order is insertion order, so expired keys are at the front. */
  private expireSeen(now: number): void {
    for (const [key, v] of this.seen) {
      if (now - v.at <= this.opts.idempotencyWindowMs) break;
      this.seen.delete(key);
    }
  }
}

function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
