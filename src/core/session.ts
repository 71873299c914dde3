import type { ChatEvent } from '../protocol/index.ts';

export type TransportKind = 'ws' | 'irc';

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
  deliver(event: ChatEvent): void;
  /** Bytes queued towards the peer (for the admin view and metrics). */
  queuedBytes(): number;
  /** Ends the connection; the transport calls core.detach when the socket is gone. */
  close(reason: string): void;
  /**
   * Optional: ends the connection on an operator's request, telling the peer in the
   * transport's own terms (WebSocket close 4005 "Kicked by admin", IRC KILL). Without it the
   * core falls back to `close`.
   */
  kill?(reason: string): void;
}
