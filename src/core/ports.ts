/**
 * The ports the chat core needs from the outside world. Each has a written contract; the
 * in-process implementations in src/storage/memory.ts and src/bus/local.ts make the server
 * run with zero setup, and other adapters (SQLite, PostgreSQL, Redis) must honour the same
 * contract (test/contract/*.ts run every adapter through the same suite).
 */
import type { AuditEntry, ChatMessage, EditVersion, FileRef, UpdateAction } from '../protocol/index.ts';
import type { RoomRecord } from './moderation.ts';
import type { Fact } from './facts.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface MessageDraft {
  /** Conversation key: a folded room name ("#lobby") or a DM key ("@alice@bob", names folded and sorted). */
  conv: string;
  /** Display target: the room name, or the recipient's name for a DM. */
  to: string;
  from: string;
  text: string;
  /**
   * Idempotency key chosen by the sender (for example `name + request id`). A second append
   * with the same key within the store's idempotency window returns the first message
   * unchanged and stores nothing.
   */
  clientKey?: string;
  /** Notice or action; absent for a plain message. Stores keep it on the message. */
  kind?: 'notice' | 'action';
  /**
   * For a direct message: the folded names of its two participants (one for a message to
   * oneself). Rooms leave it out. `dmSummaries` and `search` use it to know whose DMs these are.
   */
  participants?: readonly string[];
  /** Files attached to the message; stores keep them on the message. */
  files?: readonly FileRef[];
  /** The author's principal (owner.ts): who may edit or delete it as its author. Never on the wire. */
  author?: string;
  /** A reply: the id of the message it answers, the root of its thread and its depth below the root (1 for a reply to the root). */
  replyTo?: string;
  thread?: string;
  depth?: number;
  /** Folded names the text mentions, and ROOM_MENTION ("@room"); what the core decided counts. */
  mentions?: readonly string[];
}

/** A message as the store holds it: its current state and what only the server may know. */
export interface StoredMessage {
  msg: ChatMessage;
  /** The author's principal; absent for messages stored before authors were kept (nobody may edit those). */
  author?: string;
  /** 0 for a message that is no reply. */
  depth: number;
}

/**
 * A change to a stored message (MessageStore.update). Each change that changes something
 * takes the conversation's next seq (the same counter as `append`), and the message's
 * `changes` position becomes that seq. `by`: the display name of who made it (for reactions,
 * the name shown in the summary).
 */
export type MessageChange = { by: string } & (
  /**
   * New text and its mentions; the previous text is kept in the edit history until
   * `retainUntil` (ms), and only the newest `keepVersions` earlier texts of a message are kept.
   */
  | { kind: 'edit'; id: string; text: string; mentions: readonly string[]; retainUntil: number; keepVersions: number }
  /** A tombstone: text cleared (gone from the store and the search index), files, reactions, mentions and edit history removed. */
  | { kind: 'delete'; id: string }
  /**
   * One reaction of one principal with one emoji, added (`on`) or removed. A new emoji on a
   * message that has `maxEmoji` different ones already is refused with TOO_MANY_REACTIONS
   * (checked inside the store's write, so concurrent reactions cannot exceed it).
   */
  | { kind: 'react'; id: string; emoji: string; on: boolean; principal: string; maxEmoji: number });

/** What `update` did: `seq` is the change's seq, 0 when it changed nothing (no seq taken); `msg` the state after. */
export interface UpdateResult {
  seq: number;
  msg: ChatMessage;
}

/** A message whose latest change has seq `seq` (MessageStore.changes): that change, and the state after it. */
export interface ChangedMessage {
  seq: number;
  action: UpdateAction;
  /** Display name of who made the change; `emoji` for reactions. */
  by: string;
  emoji?: string;
  msg: ChatMessage;
}

/** Per conversation: how many messages after the reader's mark mention a user, and the newest such seq. */
export interface MentionCount {
  conv: string;
  count: number;
  lastSeq: number;
}

/** Per thread: replies after the reader's mark, by others, in a thread the user wrote the root of or a reply in. */
export interface ThreadCount {
  conv: string;
  root: string;
  count: number;
  lastSeq: number;
}

export interface MentionQuery {
  /** The folded name; messages mentioning it or "@room". */
  user: string;
  /** Conversation keys (the user's rooms). */
  convs: readonly string[];
  /** Also every DM of this folded user (from dmsSince on). */
  dmsOf?: string;
  dmsSince?: number;
  /** Only messages with ts < beforeTs. */
  beforeTs?: number;
  /** Newest first; at most this many. */
  limit: number;
}

export interface HistoryQuery {
  /** Only messages with seq < beforeSeq. */
  beforeSeq?: number;
  /** Only messages with seq > afterSeq. */
  afterSeq?: number;
  /**
   * At most this many: the newest ones, except when only `afterSeq` is given, then the
   * oldest ones after it (paging forwards).
   */
  limit: number;
  /**
   * Only messages with ts >= sinceTs (the DM owner rule: an account reads a DM from the
   * account's creation on, a guest session from its login on; see src/core/dm-owner.ts).
   * Paging is unchanged: the limit counts only messages that pass the filter.
   */
  sinceTs?: number;
}

/** One direct-message conversation of a user, for unread counts and offline delivery. */
export interface DmSummary {
  conv: string;
  /** The newest seq in the conversation. */
  lastSeq: number;
  /** The user's read mark (0 when never set). */
  readSeq: number;
  /** Messages after readSeq that the *other* participant sent (at or after `since`, when given). */
  unread: number;
  /** The newest message (its from/to tell the peer's display name). */
  last: ChatMessage;
}

export interface SearchQuery {
  /**
   * Words that must all occur in a message (case-insensitive, whole words; a word ending in
   * `*` matches as a prefix). Only letters, digits and `*` are meaningful; at least one word.
   */
  words: readonly string[];
  /** Conversation keys to search (the rooms the searcher is in, or one DM). */
  convs: readonly string[];
  /** Also search every DM this folded user takes part in. */
  dmsOf?: string;
  /** Only DM messages (from `dmsOf` or a DM key in `convs`) with ts >= dmsSince; rooms are not filtered. */
  dmsSince?: number;
  /** Only messages whose sender folds to this name. */
  from?: string;
  /** Newest first; at most this many. */
  limit: number;
}

/**
 * Message storage. Every method is async so that a network database (PostgreSQL) can
 * implement the same interface; nothing here assumes SQLite.
 *
 * Contract (test/contract/store-contract.ts checks it for every implementation):
 * - `append` assigns `seq` strictly increasing by exactly 1 per conversation starting at 1,
 *   an `id` unique across the store, and `ts` from the store's clock.
 * - Once the promise returned by `append` resolves, the message is **committed**: it is
 *   returned by `history` and `search` from then on, and for durable stores also after the
 *   process is killed (what survives a power loss is the adapter's documented setting; see
 *   docs/storage.md). If it rejects, nothing was stored. No message is visible to readers
 *   before it is committed.
 * - Appends to one conversation are totally ordered; `seq` order equals commit order.
 *   Concurrent appends (even in the same tick) each get their own seq.
 * - Idempotency: see MessageDraft.clientKey. The window is the adapter's option; at least
 *   the last window's keys are remembered, including across restarts for durable stores.
 * - `history` returns messages in ascending `seq` order.
 * - Read marks only move forwards: `markRead` with a lower seq than the current mark is a
 *   no-op; a seq beyond the conversation's last is clamped to it.
 * - `dmSummaries` lists the user's DM conversations, most recently active first; with
 *   `sinceTs`, only conversations whose newest message has ts >= sinceTs, and `unread`
 *   counts only messages with ts >= sinceTs.
 * - `search` returns only messages from `convs` and `dmsOf`'s DMs, newest
 *   (highest commit order) first.
 */
export interface MessageStore {
  append(draft: MessageDraft): Promise<ChatMessage>;
  history(conv: string, query: HistoryQuery): Promise<ChatMessage[]>;
  /** The newest seq of a conversation (messages and changes), 0 when it has none. */
  lastSeq(conv: string): Promise<number>;
  /** `reader`: whose mark (a principal for accounts, owner.ts). */
  markRead(reader: string, conv: string, seq: number): Promise<void>;
  /** `user`: the folded name whose DMs; `reader`: whose read marks count (default `user`). */
  dmSummaries(user: string, limit: number, sinceTs?: number, reader?: string): Promise<DmSummary[]>;
  search(query: SearchQuery): Promise<ChatMessage[]>;
  close(): Promise<void>;
  // Message features (docs/protocol.md, "Message features"). Contract:
  // - `update` allocates the change's seq from the conversation's counter in the same write as
  //   the change (seq order = commit order, as for `append`), and only when something changed.
  // - Messages are returned in their current state everywhere (history, search, thread,
  //   mentions, DM summaries): latest text and `editedAt`, tombstones (`deleted`, text ""),
  //   `reactions` (emoji in order of first reaction, `by` oldest first, at most
  //   LIMITS.reactionNamesMax names), `replyTo`/`thread`, `replies` on a root, `mentions`.
  // - A deleted message's text is gone from the store: not searchable, no edit versions kept.
  /** One message by id in a conversation, or undefined. */
  get(conv: string, id: string): Promise<StoredMessage | undefined>;
  /** Applies a change; undefined when no such message in `conv`. */
  update(conv: string, change: MessageChange): Promise<UpdateResult | undefined>;
  /**
   * Messages whose latest change has afterSeq < seq (< beforeSeq), ascending by that seq,
   * at most `limit` (for resume and the cluster sequencer). `sinceTs`: only messages with ts >= it.
   */
  changes(conv: string, q: { afterSeq: number; beforeSeq?: number; limit: number; sinceTs?: number }): Promise<ChangedMessage[]>;
  /** Replies in the thread of `root` with seq > afterSeq, ascending, at most `limit` (and ts >= sinceTs). */
  thread(conv: string, root: string, q: { afterSeq?: number; limit: number; sinceTs?: number }): Promise<ChatMessage[]>;
  /** Messages mentioning the user (not deleted), newest first. */
  mentions(q: MentionQuery): Promise<ChatMessage[]>;
  /** Earlier texts of a message still retained (at `now`), oldest first. */
  edits(conv: string, id: string, now: number): Promise<EditVersion[]>;
  /** The reader's marks in these conversations (those set only). */
  readMarks(reader: string, convs: readonly string[]): Promise<Map<string, number>>;
  /**
   * In the rooms `convs` and every DM of the folded `user` (DM messages only with ts >= sinceTs):
   * per conversation with any, the messages after `reader`'s mark that mention `user` or
   * "@room", not sent by `user`, not deleted.
   */
  mentionCounts(reader: string, user: string, convs: readonly string[], sinceTs?: number): Promise<MentionCount[]>;
  /**
   * Same scope: per thread with any, replies after `reader`'s mark not sent by `user`, not
   * deleted, in threads `user` takes part in (sent the root or a reply).
   */
  threadCounts(reader: string, user: string, convs: readonly string[], sinceTs?: number): Promise<ThreadCount[]>;
}

/** A registered account. `hash` is self-describing (algorithm and parameters included). */
export interface AccountRecord {
  /** Display name as registered. */
  name: string;
  /** Folded name: the key. */
  folded: string;
  hash: string;
  createdAt: number;
}

/**
 * Accounts and login sessions. Contract:
 * - `create` is atomic: of two creates for the same folded name, exactly one resolves true.
 * - Session tokens are stored only as their SHA-256 hash (hex); the store never sees a token.
 * - `setHash` and `deleteSessions` of a user take effect for every later `sessionUser` call.
 */
export interface AccountStore {
  get(folded: string): Promise<AccountRecord | undefined>;
  create(rec: AccountRecord): Promise<boolean>;
  setHash(folded: string, hash: string): Promise<void>;
  addSession(tokenHash: string, folded: string, now: number): Promise<void>;
  /** The folded account name of a live session, or undefined. */
  sessionUser(tokenHash: string): Promise<string | undefined>;
  deleteSession(tokenHash: string): Promise<boolean>;
  /** Revokes every session of a user; resolves with how many there were. */
  deleteSessions(folded: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The cross-node bus. A node publishes every state change ("fact") it originates; every
 * other node applies it. Contract (test/contract/bus-contract.ts checks it for the local and
 * the Redis bus):
 * - Facts from one origin node arrive at every other subscribed node in publish order.
 * - A node never receives its own facts back (the core applies its own facts locally before
 *   publishing, so an echo would apply twice); handlers get the origin's node id.
 * - Delivery is at-most-once: no fact is delivered twice, but facts published while the bus
 *   is cut off (Redis down or restarting) are lost. Nothing durable depends on the bus:
 *   messages are in the MessageStore before they are published, and a node that was cut off
 *   is told so through `onGap` and resynchronises (src/core/cluster.ts).
 * - `publish` never throws; a fact that cannot be sent is dropped (and counted/logged).
 */
export interface Bus {
  readonly nodeId: string;
  publish(fact: Fact): void;
  subscribe(handler: (fact: Fact, origin: string) => void): () => void;
  /**
   * Optional: calls `handler` each time the bus is connected again after having been cut
   * off, i.e. when facts may have been missed. In-process buses are never cut off.
   */
  onGap?(handler: () => void): () => void;
  close(): Promise<void>;
}

/**
 * Cluster-wide ownership of user names. Contract (test/contract/presence-contract.ts, for the
 * in-process and the Redis store):
 * - `claim` is atomic: of two concurrent claims for the same folded name, at most one
 *   resolves true, whichever node they come from. A second claim by the same owner is true.
 * - `release` frees a name claimed by `owner`; releasing a name someone else owns is a no-op.
 * - Owners are `nodeId/connection`. With node leases (NodeLeases below), a name whose owner's
 *   node lease has expired is free: a node that dies without goodbye holds no name for longer
 *   than its lease.
 */
export interface PresenceStore {
  claim(folded: string, owner: string): Promise<boolean>;
  release(folded: string, owner: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Optional capability of a PresenceStore shared by several nodes (Redis): node liveness by
 * lease. Each node renews its own lease every heartbeat; a node whose lease expired (it was
 * killed, or cut off for longer than the lease) is dead to the others. Contract:
 * - `deadNodes(ids)` returns those of `ids` whose lease does not exist (never this node).
 * - After `releaseNode(id)`, no name is owned by node `id`.
 * - `restore(claims)` re-takes this node's names after the store lost them (a Redis restart
 *   without persistence); a name another live owner took meanwhile is left to it and
 *   returned, so the caller can end that duplicate session.
 * - `onReconnect` fires when this node's own lease is found to have expired (the store was
 *   unreachable or restarted, or the node stalled for longer than the lease): the others
 *   may have declared it dead, so it must re-take its names and re-announce its users.
 */
export interface NodeLeases {
  readonly leaseTtlMs: number;
  deadNodes(ids: readonly string[]): Promise<string[]>;
  releaseNode(id: string): Promise<void>;
  restore(claims: readonly { folded: string; owner: string }[]): Promise<string[]>;
  onReconnect(handler: () => void): () => void;
}

export function hasLeases(x: object): x is NodeLeases {
  return typeof (x as Partial<NodeLeases>).deadNodes === 'function';
}

/** Structured logging; implementations decide the format. Never pass message bodies or secrets. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The calculator service: evaluates one expression, bounded in time and memory. */
export interface Calculator {
  /** Resolves to the formatted result, or rejects with a ChatError (CALC_*). */
  evaluate(expr: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Optional capability of an adapter (a MessageStore, say): a cheap round trip proving its
 * backend is reachable. `GET /readyz` calls it with a deadline; adapters without it are
 * assumed ready. Resolves when reachable, rejects otherwise. Must not write anything.
 */
export interface Pingable {
  ping(): Promise<void>;
}

export function isPingable(x: object): x is Pingable {
  return typeof (x as Partial<Pingable>).ping === 'function';
}

/**
 * Moderation state that outlives a process: rooms an account owns (settings, lists, roles),
 * server bans, and the audit log. Contract (test/contract/moderation-contract.ts):
 * - `putRoom` replaces the record for the folded name; `rooms` returns every record stored.
 * - `updateServerBans(change)` replaces the server ban list with `change(current)`, atomically:
 *   of concurrent updates (from any node sharing the store) none is lost; it resolves with
 *   the new list. `serverBans` returns the list (empty at first).
 * - `updateAdmins(change)` does the same for the accounts (folded names) marked server
 *   administrators by `banter admin grant` (besides the `admins` config key); `admins`
 *   returns them (empty at first). `change` must be a pure function: it may run more than once.
 * - The audit log is append-only: `appendAudit` adds one entry; nothing edits or deletes one.
 *   `audit` returns the newest `limit` entries (of one room, when given), oldest first.
 */
export interface ModerationStore {
  putRoom(folded: string, rec: RoomRecord): Promise<void>;
  rooms(): Promise<RoomRecord[]>;
  updateServerBans(change: (bans: ServerBan[]) => ServerBan[]): Promise<ServerBan[]>;
  serverBans(): Promise<ServerBan[]>;
  updateAdmins(change: (accounts: string[]) => string[]): Promise<string[]>;
  admins(): Promise<string[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  audit(query: { room?: string; limit: number }): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/** A server-wide ban: `$a:<folded account>` or an IP range ("203.0.113.0/24", "2001:db8::/32", one address). */
export interface ServerBan {
  mask: string;
  by: string;
  at: number;
  reason: string;
}
