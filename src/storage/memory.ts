/**
 * In-memory MessageStore: the zero-setup default for tests and for `--store memory`.
 * "Committed" here means stored in this process; a restart loses everything.
 * Keeps at most `maxPerConversation` messages per conversation (oldest dropped first).
 */
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../protocol/index.ts';
import type { Clock, HistoryQuery, MessageDraft, MessageStore } from '../core/ports.ts';

export interface MemoryStoreOptions {
  clock: Clock;
  maxPerConversation: number;
  /** How long a clientKey is remembered for idempotent resends, in ms. */
  idempotencyWindowMs: number;
}

interface Conversation {
  lastSeq: number;
  messages: ChatMessage[];
}

export class MemoryStore implements MessageStore {
  private readonly convs = new Map<string, Conversation>();
  private readonly seen = new Map<string, { msg: ChatMessage; at: number }>();
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
      conv = { lastSeq: 0, messages: [] };
      this.convs.set(draft.conv, conv);
    }
    const msg: ChatMessage = { id: randomUUID(), seq: ++conv.lastSeq, to: draft.to, from: draft.from, text: draft.text, ts: now, ...(draft.kind ? { kind: draft.kind } : {}) };
    conv.messages.push(msg);
    if (conv.messages.length > this.opts.maxPerConversation) conv.messages.splice(0, conv.messages.length - this.opts.maxPerConversation);
    if (draft.clientKey !== undefined) {
      this.seen.set(draft.clientKey, { msg, at: now });
      this.expireSeen(now);
    }
    return msg;
  }

  async history(conv: string, q: HistoryQuery): Promise<ChatMessage[]> {
    const all = this.convs.get(conv)?.messages ?? [];
    const inRange = all.filter((m) => (q.beforeSeq === undefined || m.seq < q.beforeSeq) && (q.afterSeq === undefined || m.seq > q.afterSeq));
    return q.afterSeq !== undefined && q.beforeSeq === undefined ? inRange.slice(0, q.limit) : inRange.slice(-q.limit);
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
