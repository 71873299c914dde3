/**
 * The metrics port: what the core reports about its own work. The core never imports a
 * metrics library; src/server/metrics.ts implements this with prom-client, and `noopMetrics`
 * is the default so tests and embedders need nothing. Every method must be cheap and must
 * not throw (they run on the request and fan-out paths).
 */
import type { ChatEvent, RequestType } from '../protocol/index.ts';
import type { ErrorCode } from '../protocol/index.ts';
import type { TransportKind } from './session.ts';

export interface CoreMetrics {
  /** A request was dispatched; `error` is the ChatError code when it failed. */
  request(type: RequestType, seconds: number, error: ErrorCode | undefined): void;
  /** One event was queued to `recipients` local sessions. */
  delivered(event: ChatEvent['type'], recipients: number): void;
  /**
   * Time from a chat message's store commit (its `ts`) until it was queued to every local
   * recipient. Millisecond resolution; for messages from other nodes it includes bus transit.
   */
  deliveryLatency(seconds: number): void;
  /** A connection ended; `reason` is the transport's free-text reason (the adapter buckets it). */
  disconnect(transport: TransportKind, reason: string): void;
  /** A frame or request was refused by flood control (transports call this directly). */
  rateLimited(transport: TransportKind): void;
  /**
   * Reading from a connection paused: its requests wait for the server (commits in flight),
   * so TCP pushes back instead of the server buffering more or disconnecting (transports
   * call this directly).
   */
  readPaused(transport: TransportKind): void;
}

const noop = (): void => undefined;

export const noopMetrics: CoreMetrics = { request: noop, delivered: noop, deliveryLatency: noop, disconnect: noop, rateLimited: noop, readPaused: noop };
