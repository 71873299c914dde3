import type { ChatEvent } from '../protocol/index.ts';

export type TransportKind = 'ws' | 'irc';

/** Why the server ends a connection; transports map it to their own codes (WS close code, IRC ERROR line). */
export type CloseKind = 'shutdown' | 'flood' | 'sendq' | 'ping_timeout' | 'login_timeout' | 'kicked';

/**
 * What the core knows of a connection. Transports implement it; the core never sees a
 * socket. `deliver` must not throw and must not block: a transport queues the event and
 * applies its own back-pressure policy. The same event object is delivered to every
 * recipient, so a transport can encode it once (see transports/ws/encode.ts).
 */
export interface Session {
  readonly id: string;
  readonly transport: TransportKind;
  readonly remote: string;
  readonly connectedAt: number;
  /** The user part of the connection's mask (IRC USER), when the transport has one; else the name is used. */
  readonly ident?: string;
  /**
   * True when the transport's protocol fetches the member lists of large rooms in pages and
   * takes `room_members` summaries instead of every join and leave (the JSON protocol;
   * delivery.ts). Absent or false: every change is delivered (IRC needs each JOIN/PART/QUIT).
   */
  readonly lazyMembers?: boolean;
  /**
   * False when the client never sends a request id again (IRC: the transport makes the ids,
   * fresh per line), so a message needs no resend key: the store then skips the idempotency
   * lookup and record (about a fifth of a SQLite append's CPU). Absent or true: ids are the
   * client's and may come again after a reconnect (the JSON protocol's resend), and a resent
   * message is recognised and not stored twice.
   */
  readonly resendsIds?: boolean;
  deliver(event: ChatEvent): void;
  /** Bytes queued towards the peer (for the admin view and metrics). */
  queuedBytes(): number;
  /** Ends the connection; the transport calls core.detach when the socket is gone. */
  close(reason: string, kind?: CloseKind): void;
}
