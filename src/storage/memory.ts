/**
 * In-memory MessageStore: the zero-setup default for tests and for `store = memory`.
 * "Committed" here means stored in this process; a restart loses everything.
 * Keeps at most `maxPerConversation` messages per conversation (oldest dropped first).
 */
import { newMessageId } from './message-id.ts';
import { foldName, ROOM_MENTION, type ChatMessage, type EditVersion, type UpdateAction } from '../protocol/index.ts';
import { ChatError } from '../core/errors.ts';
import type {
  ChangedMessage, Clock, DmSummary, HistoryQuery, MentionCount, MentionQuery, MessageChange, MessageDraft, MessageStore,
  SearchQuery, StoredMessage, ThreadCount, UpdateResult,
} from '../core/ports.ts';
import { matchesWords } from './words.ts';
import { reactionSummary, withState } from './message-state.ts';

export interface MemoryStoreOptions {
  clock: Clock;
  maxPerConversation: number;
  /** How long a clientKey is remembered for idempotent resends, in ms. */
  idempotencyWindowMs: number;
}

/**
 * One stored message: its base fields and its state. The arrays are replaced, never changed in
 * place, so that a message without mentions, reactions or edits (most of them) shares one empty
 * array for each: the store keeps `maxPerConversation` (10,000 by default) messages per
 * conversation, and under a heavy fan-out every one of them is promoted to V8's old generation,
 * whose growth between major GCs is most of the server's RSS (docs/benchmarks.md, "Session 12").
 */
interface Entry {
  base: ChatMessage;
  from: string;
  author: string | undefined;
  depth: number;
  replyTo: string | undefined;
  thread: string | undefined;
  mentions: readonly string[];
  editedAt: number | undefined;
  deleted: boolean;
  /** In the order of reacting. */
  reactions: readonly Reactor[];
  edits: readonly Edit[];
  /** The latest change: its seq (0: none), what and by whom. */
  change: { seq: number; action: UpdateAction; by: string; emoji?: string } | undefined;
  /** Commit order, for newest-first search across conversations. */
  order: number;
}

type Reactor = { readonly emoji: string; readonly principal: string; readonly name: string };
type Edit = EditVersion & { retainUntil: number };
const NO_MENTIONS: readonly string[] = Object.freeze([]);
const NO_REACTIONS: readonly Reactor[] = Object.freeze([]);
const NO_EDITS: readonly Edit[] = Object.freeze([]);

interface Conversation {
  lastSeq: number;
  messages: Entry[];
  byId: Map<string, Entry>;
  /** Root id -> replies in its thread. */
  replies: Map<string, number>;
  participants: readonly string[] | undefined;
  /** Commit order of the newest message, for "most recently active first". */
  lastOrder: number;
}

export class MemoryStore implements MessageStore {
  private readonly convs = new Map<string, Conversation>();
  private readonly seen = new Map<string, { conv: string; id: string; at: number }>();
  private readonly marks = new Map<string, number>();
  private counter = 0;
  private readonly opts: MemoryStoreOptions;

  constructor(opts: MemoryStoreOptions) {
    this.opts = opts;
  }

  async append(draft: MessageDraft): Promise<ChatMessage> {
    const now = this.opts.clock.now();
    if (draft.clientKey !== undefined) {
      const prior = this.seen.get(draft.clientKey);
      const entry = prior && now - prior.at <= this.opts.idempotencyWindowMs ? this.convs.get(prior.conv)?.byId.get(prior.id) : undefined;
      if (entry) return this.view(this.convs.get(prior!.conv)!, entry);
    }
    let conv = this.convs.get(draft.conv);
    if (!conv) {
      conv = { lastSeq: 0, messages: [], byId: new Map(), replies: new Map(), participants: draft.participants, lastOrder: 0 };
      this.convs.set(draft.conv, conv);
    }
    const base: ChatMessage = { id: newMessageId(), seq: ++conv.lastSeq, to: draft.to, from: draft.from, text: draft.text, ts: now };
    if (draft.kind) base.kind = draft.kind;
    if (draft.files) base.files = [...draft.files];
    conv.lastOrder = ++this.counter;
    const entry: Entry = {
      base, from: foldName(draft.from), author: draft.author, depth: draft.depth ?? 0, replyTo: draft.replyTo, thread: draft.thread,
      mentions: draft.mentions !== undefined && draft.mentions.length > 0 ? [...draft.mentions] : NO_MENTIONS,
      editedAt: undefined, deleted: false, reactions: NO_REACTIONS, edits: NO_EDITS, change: undefined, order: conv.lastOrder,
    };
    conv.messages.push(entry);
    conv.byId.set(base.id, entry);
    if (entry.thread !== undefined) conv.replies.set(entry.thread, (conv.replies.get(entry.thread) ?? 0) + 1);
    // shift(), not splice(): V8 moves the array's start (O(1)) instead of copying the rest.
    while (conv.messages.length > this.opts.maxPerConversation) conv.byId.delete(conv.messages.shift()!.base.id);
    if (draft.clientKey !== undefined) {
      this.seen.set(draft.clientKey, { conv: draft.conv, id: base.id, at: now });
      this.expireSeen(now);
    }
    return this.view(conv, entry);
  }

  async history(conv: string, q: HistoryQuery): Promise<ChatMessage[]> {
    const c = this.convs.get(conv);
    if (!c || q.limit <= 0) return [];
    const since = q.sinceTs ?? -Infinity;
    // Messages are in seq order: find the range by binary search, then walk only as far as
    // the page needs (a resume or a join costs its page, not the whole window).
    const lo = q.afterSeq === undefined ? 0 : firstAbove(c.messages, q.afterSeq);
    const hi = q.beforeSeq === undefined ? c.messages.length : firstAbove(c.messages, q.beforeSeq - 1);
    const page: Entry[] = [];
    if (q.afterSeq !== undefined && q.beforeSeq === undefined) {
      for (let i = lo; i < hi && page.length < q.limit; i++) if (c.messages[i]!.base.ts >= since) page.push(c.messages[i]!);
    } else {
      for (let i = hi - 1; i >= lo && page.length < q.limit; i--) if (c.messages[i]!.base.ts >= since) page.push(c.messages[i]!);
      page.reverse();
    }
    return page.map((e) => this.view(c, e));
  }

  async lastSeq(conv: string): Promise<number> {
    return this.convs.get(conv)?.lastSeq ?? 0;
  }

  async markRead(reader: string, conv: string, seq: number): Promise<void> {
    const key = `${reader}\n${conv}`;
    const clamped = Math.min(seq, this.convs.get(conv)?.lastSeq ?? 0);
    if (clamped > (this.marks.get(key) ?? 0)) this.marks.set(key, clamped);
  }

  async dmSummaries(user: string, limit: number, sinceTs?: number, reader: string = user): Promise<DmSummary[]> {
    const since = sinceTs ?? -Infinity;
    const out: (DmSummary & { order: number })[] = [];
    for (const [key, c] of this.convs) {
      if (!c.participants?.includes(user)) continue;
      const last = c.messages.at(-1);
      if (!last || last.base.ts < since) continue;
      const readSeq = this.marks.get(`${reader}\n${key}`) ?? 0;
      const unread = c.messages.filter((e) => e.base.seq > readSeq && e.base.ts >= since && e.from !== user && !e.deleted).length;
      out.push({ conv: key, lastSeq: c.lastSeq, readSeq, unread, last: this.view(c, last), order: c.lastOrder });
    }
    return out.sort((a, b) => b.order - a.order).slice(0, limit).map(({ order: _o, ...s }) => s);
  }

  async search(q: SearchQuery): Promise<ChatMessage[]> {
    const hits: { c: Conversation; e: Entry }[] = [];
    for (const [key, c] of this.convs) {
      const visible = q.convs.includes(key) || (q.dmsOf !== undefined && c.participants?.includes(q.dmsOf) === true);
      if (!visible) continue;
      const since = c.participants !== undefined ? (q.dmsSince ?? -Infinity) : -Infinity;
      for (const e of c.messages) {
        if (e.deleted || e.base.ts < since) continue;
        if (q.from !== undefined && e.from !== q.from) continue;
        if (matchesWords(e.base.text, q.words)) hits.push({ c, e });
      }
    }
    return hits.sort((a, b) => b.e.order - a.e.order).slice(0, q.limit).map(({ c, e }) => this.view(c, e));
  }

  async get(conv: string, id: string): Promise<StoredMessage | undefined> {
    const c = this.convs.get(conv);
    const e = c?.byId.get(id);
    if (!c || !e) return undefined;
    return { msg: this.view(c, e), ...(e.author !== undefined ? { author: e.author } : {}), depth: e.depth };
  }

  async update(conv: string, ch: MessageChange): Promise<UpdateResult | undefined> {
    const c = this.convs.get(conv);
    const e = c?.byId.get(ch.id);
    if (!c || !e) return undefined;
    const now = this.opts.clock.now();
    let action: UpdateAction;
    let emoji: string | undefined;
    switch (ch.kind) {
      case 'edit':
        if (e.deleted || e.base.text === ch.text) return { seq: 0, msg: this.view(c, e) };
        {
          const edits = [...e.edits.filter((v) => v.retainUntil >= now), { text: e.base.text, ts: e.editedAt ?? e.base.ts, replacedAt: now, retainUntil: ch.retainUntil }];
          e.edits = edits.length > ch.keepVersions ? edits.slice(edits.length - ch.keepVersions) : edits;
        }
        e.base = { ...e.base, text: ch.text };
        e.mentions = ch.mentions.length > 0 ? [...ch.mentions] : NO_MENTIONS;
        e.editedAt = now;
        action = 'edit';
        break;
      case 'delete':
        if (e.deleted) return { seq: 0, msg: this.view(c, e) };
        // Gone, not hidden: the text, its earlier versions, files, reactions and mentions.
        e.deleted = true;
        e.base = { ...e.base, text: '' };
        delete e.base.files;
        e.edits = NO_EDITS;
        e.reactions = NO_REACTIONS;
        e.mentions = NO_MENTIONS;
        action = 'delete';
        break;
      case 'react': {
        if (e.deleted) return { seq: 0, msg: this.view(c, e) };
        const at = e.reactions.findIndex((r) => r.emoji === ch.emoji && r.principal === ch.principal);
        if (ch.on === (at !== -1)) return { seq: 0, msg: this.view(c, e) };
        if (ch.on) {
          const emoji = new Set(e.reactions.map((r) => r.emoji));
          if (!emoji.has(ch.emoji) && emoji.size >= ch.maxEmoji) throw new ChatError('TOO_MANY_REACTIONS', `a message can carry at most ${ch.maxEmoji} different reactions`);
          e.reactions = [...e.reactions, { emoji: ch.emoji, principal: ch.principal, name: ch.by }];
        } else {
          const left = e.reactions.filter((_, i) => i !== at);
          e.reactions = left.length > 0 ? left : NO_REACTIONS;
        }
        action = ch.on ? 'react' : 'unreact';
        emoji = ch.emoji;
        break;
      }
    }
    const seq = ++c.lastSeq;
    e.change = { seq, action, by: ch.by, ...(emoji !== undefined ? { emoji } : {}) };
    return { seq, msg: this.view(c, e) };
  }

  async changes(conv: string, q: { afterSeq: number; beforeSeq?: number; limit: number; sinceTs?: number }): Promise<ChangedMessage[]> {
    const c = this.convs.get(conv);
    if (!c || q.limit <= 0) return [];
    const since = q.sinceTs ?? -Infinity;
    return c.messages
      .filter((e) => e.change !== undefined && e.change.seq > q.afterSeq && (q.beforeSeq === undefined || e.change.seq < q.beforeSeq) && e.base.ts >= since)
      .sort((a, b) => a.change!.seq - b.change!.seq)
      .slice(0, q.limit)
      .map((e) => ({ ...e.change!, msg: this.view(c, e) }));
  }

  async thread(conv: string, root: string, q: { afterSeq?: number; limit: number; sinceTs?: number }): Promise<ChatMessage[]> {
    const c = this.convs.get(conv);
    if (!c || q.limit <= 0) return [];
    const since = q.sinceTs ?? -Infinity;
    return c.messages.filter((e) => e.thread === root && e.base.seq > (q.afterSeq ?? 0) && e.base.ts >= since).slice(0, q.limit).map((e) => this.view(c, e));
  }

  async mentions(q: MentionQuery): Promise<ChatMessage[]> {
    const hits: { c: Conversation; e: Entry }[] = [];
    for (const [key, c] of this.convs) {
      const dm = c.participants !== undefined;
      if (!(q.convs.includes(key) || (dm && q.dmsOf !== undefined && c.participants!.includes(q.dmsOf)))) continue;
      for (const e of c.messages) {
        if (!mentionsUser(e, q.user) || (q.beforeTs !== undefined && e.base.ts >= q.beforeTs)) continue;
        if (dm && e.base.ts < (q.dmsSince ?? -Infinity)) continue;
        hits.push({ c, e });
      }
    }
    return hits.sort((a, b) => b.e.order - a.e.order).slice(0, q.limit).map(({ c, e }) => this.view(c, e));
  }

  async edits(conv: string, id: string, now: number): Promise<EditVersion[]> {
    const e = this.convs.get(conv)?.byId.get(id);
    return (e?.edits ?? []).filter((v) => v.retainUntil >= now).map(({ retainUntil: _r, ...v }) => v);
  }

  async readMarks(reader: string, convs: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const conv of convs) {
      const seq = this.marks.get(`${reader}\n${conv}`);
      if (seq !== undefined) out.set(conv, seq);
    }
    return out;
  }

  async mentionCounts(reader: string, user: string, convs: readonly string[], sinceTs?: number): Promise<MentionCount[]> {
    const out: MentionCount[] = [];
    for (const [key, c, mark, since] of this.scope(reader, user, convs, sinceTs)) {
      const hits = c.messages.filter((e) => e.base.seq > mark && e.base.ts >= since && e.from !== user && mentionsUser(e, user));
      if (hits.length > 0) out.push({ conv: key, count: hits.length, lastSeq: hits.at(-1)!.base.seq });
    }
    return out;
  }

  async threadCounts(reader: string, user: string, convs: readonly string[], sinceTs?: number): Promise<ThreadCount[]> {
    const out: ThreadCount[] = [];
    for (const [key, c, mark, since] of this.scope(reader, user, convs, sinceTs)) {
      const mine = new Set<string>();
      for (const e of c.messages) if (e.from === user) mine.add(e.thread ?? e.base.id);
      const per = new Map<string, ThreadCount>();
      for (const e of c.messages) {
        if (e.thread === undefined || !mine.has(e.thread) || e.deleted || e.from === user || e.base.seq <= mark || e.base.ts < since) continue;
        const t = per.get(e.thread) ?? { conv: key, root: e.thread, count: 0, lastSeq: 0 };
        t.count++;
        t.lastSeq = e.base.seq;
        per.set(e.thread, t);
      }
      out.push(...per.values());
    }
    return out;
  }

  async close(): Promise<void> {
    this.convs.clear();
  }

  /** The rooms `convs` and the DMs of `user`, each with the reader's mark and the ts floor (DMs only). */
  private *scope(reader: string, user: string, convs: readonly string[], sinceTs: number | undefined): Generator<[string, Conversation, number, number]> {
    for (const [key, c] of this.convs) {
      const dm = c.participants !== undefined;
      if (dm ? !c.participants!.includes(user) : !convs.includes(key)) continue;
      yield [key, c, this.marks.get(`${reader}\n${key}`) ?? 0, dm ? (sinceTs ?? -Infinity) : -Infinity];
    }
  }

  private view(c: Conversation, e: Entry): ChatMessage {
    return withState(e.base, {
      replyTo: e.replyTo, thread: e.thread, replies: c.replies.get(e.base.id), editedAt: e.editedAt, deleted: e.deleted,
      reactions: reactionSummary(e.reactions),
      mentions: e.mentions,
    });
  }

  /** Map iteration order is insertion order, so expired keys are at the front. */
  private expireSeen(now: number): void {
    for (const [key, v] of this.seen) {
      if (now - v.at <= this.opts.idempotencyWindowMs) break;
      this.seen.delete(key);
    }
  }
}

function mentionsUser(e: Entry, user: string): boolean {
  return !e.deleted && (e.mentions.includes(user) || e.mentions.includes(ROOM_MENTION));
}

/** Index of the first entry with seq > `seq` (entries are in seq order). */
function firstAbove(entries: readonly Entry[], seq: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.base.seq > seq) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
