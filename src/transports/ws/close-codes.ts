import type { CloseKind } from '../../core/session.ts';

/**
 * WebSocket close codes Banter uses (4000–4999 is the application range). Listed in
 * docs/protocol.md; never renumber.
 */
export const CLOSE = {
  /** Server shutting down (RFC 6455 "going away"). */
  GOING_AWAY: 1001,
  /** Frame larger than maxPayload (sent by ws itself). */
  TOO_BIG: 1009,
  /** The server failed handling a frame (a bug; the details are in the server log). */
  INTERNAL_ERROR: 1011,
  /** The outbound queue passed ws.sendQueueBytes: the client is not reading. */
  SENDQ_EXCEEDED: 4001,
  /** Sustained flooding after rate-limit warnings. */
  EXCESS_FLOOD: 4002,
  /** No pong within one ping interval. */
  PING_TIMEOUT: 4003,
  /** No successful login within ws.loginTimeoutMs. */
  LOGIN_TIMEOUT: 4004,
  /** Disconnected by an administrator. */
  KICKED: 4005,
  /**
   * Received frames not yet run passed ws.readQueueBytes although reading had paused (a hard
   * bound: frames waiting for the server pause reading, so a client only gets here when more
   * arrives after the pause than one socket read and one frame).
   */
  READQ_EXCEEDED: 4006,
} as const;

export const CLOSE_FOR: Record<CloseKind, number> = {
  shutdown: CLOSE.GOING_AWAY,
  flood: CLOSE.EXCESS_FLOOD,
  sendq: CLOSE.SENDQ_EXCEEDED,
  ping_timeout: CLOSE.PING_TIMEOUT,
  login_timeout: CLOSE.LOGIN_TIMEOUT,
  kicked: CLOSE.KICKED,
};
