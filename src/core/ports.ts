/**
 * The ports the chat core needs from the outside world. Each has a written contract; the
 * in-process implementations in src/storage/memory.ts and src/bus/local.ts make the server
 * run with zero setup, and other adapters (SQLite, PostgreSQL, Redis) must honour the same
 * contract (test/contract/*.ts run every adapter through the same suite).
 */
import type { ChatMessage } from '../protocol/index.ts';
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
}

export interface HistoryQuery {
  /** Only messages with seq < beforeSeq. */
  beforeSeq?: number;
  /** Only messages with seq > afterSeq. */
  afterSeq?: number;
  /** At most this many, the newest ones when paging backwards, the oldest when paging forwards. */
  limit: number;
}

/**
 * Message storage.
 *
 * Contract:
 * - `append` assigns `seq` strictly increasing by exactly 1 per conversation starting at 1,
 *   an `id` unique across the store, and `ts` from the store's clock.
 * - Once the promise returned by `append` resolves, the message is committed: it is returned
 *   by `history` from then on, also after a restart for durable stores. If it rejects,
 *   nothing was stored.
 * - Appends to one conversation are totally ordered; `seq` order equals commit order.
 * - Idempotency: see MessageDraft.clientKey.
 * - `history` returns messages in ascending `seq` order.
 */
export interface MessageStore {
  append(draft: MessageDraft): Promise<ChatMessage>;
  history(conv: string, query: HistoryQuery): Promise<ChatMessage[]>;
  close(): Promise<void>;
}

/**
 * The cross-node bus. A node publishes every state change ("fact") it originates; every
 * other node applies it. Contract:
 * - Facts from one origin node arrive at every subscriber in publish order.
 * - A node never receives its own facts back (the core applies its own facts locally before
 *   publishing, so an echo would apply twice).
 * - Delivery is at-most-once; a node that was cut off resynchronises through the presence
 *   store (cluster mode).
 */
export interface Bus {
  readonly nodeId: string;
  publish(fact: Fact): void;
  subscribe(handler: (fact: Fact, origin: string) => void): () => void;
  close(): Promise<void>;
}

/**
 * Cluster-wide ownership of user names. Contract:
 * - `claim` is atomic: of two concurrent claims for the same folded name, at most one
 *   resolves true, whichever node they come from.
 * - `release` frees a name claimed by `owner`; releasing a name someone else owns is a no-op.
 */
export interface PresenceStore {
  claim(folded: string, owner: string): Promise<boolean>;
  release(folded: string, owner: string): Promise<void>;
  close(): Promise<void>;
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
