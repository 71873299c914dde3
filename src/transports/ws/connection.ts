/**
 * One WebSocket connection: decodes and validates inbound frames, hands requests to the core,
 * and queues outbound frames. Translation only: no chat logic lives here.
 *
 * Outbound: frames are queued and written together once per event-loop turn
 * (transports/outbound-queue.ts). The queue plus the socket's own
 * buffer is bounded by `sendQueueBytes`; a client that stops reading is closed with
 * CLOSE.SENDQ_EXCEEDED rather than slowing anyone else down.
 *
 * Inbound: frames wait in the connection's InboundPump (transports/inbound-pump.ts, the same
 * flow control as IRC's): requests are handed to the core in order, up to 256 in flight, in
 * slices that yield to the event loop; frames waiting for the server past half of
 * `readQueueBytes` pause reading (ws.pause(): TCP holds the client back), so one client's
 * burst neither holds the loop nor grows memory.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import {
  ClientRequest, clientQuitReason, ERROR_CODES, isErrorCode, REQUEST_TYPES, type ChatEvent, type ErrorCode, type ServerEvent,
} from '../../protocol/index.ts';
import type { ChatCore } from '../../core/chat.ts';
import { ChatError } from '../../core/errors.ts';
import type { CloseKind, Session } from '../../core/session.ts';
import { InboundPump, READ_CHUNK_MAX, type InboundHost, type InboundItem } from '../inbound-pump.ts';
import { FlushScheduler, OutboundQueue } from '../outbound-queue.ts';
import { CLOSE, CLOSE_FOR } from './close-codes.ts';
import { frame, frameShared } from './encode.ts';

/** What every connection of one listener shares (one object per listener, not per connection). */
export interface WsLimits {
  sendQueueBytes: number;
  /** Received frames not yet run (ws.readQueueBytes, InboundLimits). */
  readQueueBytes: number;
  /** The largest frame (ws.maxPayload): ws may still emit up to one socket read plus one frame after reading paused. */
  maxPayload: number;
  /** The listener's flush rounds; absent: every turn. */
  flusher?: FlushScheduler;
  /** Called once when a connection's socket has closed (the listener forgets it). */
  closed?: (conn: WsConnection) => void;
}

/**
 * The connection a WebSocket belongs to. Its listeners are the functions below, shared by
 * every connection (`this` is the WebSocket), so an idle connection holds no closures or
 * contexts of its own (docs/benchmarks.md, "Idle connection memory").
 */
const kConn = Symbol('banter.ws.connection');
type ConnWs = WebSocket & { [kConn]?: WsConnection };

function wsMessage(this: ConnWs, data: Buffer, isBinary: boolean): void {
  this[kConn]?.onMessage(data, isBinary);
}

function wsPong(this: ConnWs): void {
  const c = this[kConn];
  if (c) c.alive = true;
}

function wsClose(this: ConnWs, code: number, reason: Buffer): void {
  const c = this[kConn];
  this[kConn] = undefined;
  c?.onClosed(code, reason.toString());
}

function wsError(): void {
  // 'close' follows; the reason is logged there.
}

/** A received frame waiting in the inbound pump. */
interface Frame extends InboundItem {
  readonly data: Buffer;
  readonly binary: boolean;
}

export class WsConnection implements Session, InboundHost<Frame> {
  readonly id: string;
  get transport(): 'ws' {
    return 'ws';
  }
  /** The JSON protocol pages large rooms' member lists and takes `room_members` summaries (core/delivery.ts). */
  get lazyMembers(): true {
    return true;
  }
  readonly remote: string;
  readonly connectedAt: number;
  /** Set by the sweeper; cleared by a pong. */
  alive = true;
  loggedIn = false;
  private readonly ws: WebSocket;
  private readonly socket: Socket;
  private readonly core: ChatCore;
  private readonly limits: WsLimits;
  private readonly out: OutboundQueue;
  /** Made on the first frame, dropped by `compact` once idle (an idle connection keeps no inbound state). */
  private inbound: InboundPump<Frame> | undefined;
  /** Whether frames of the current socket read are being queued (see onMessage). */
  private receiving = false;
  private closed = false;
  /** Why the server closed the connection, reported to the core instead of the socket's close code. */
  private closingReason: string | undefined;

  constructor(id: string, ws: WebSocket, socket: Socket, remote: string, core: ChatCore, limits: WsLimits, now: number) {
    this.id = id;
    this.ws = ws;
    this.socket = socket;
    this.remote = remote;
    this.core = core;
    this.limits = limits;
    this.connectedAt = now;
    this.out = new OutboundQueue(socket, limits.sendQueueBytes, this, limits.flusher);
    (ws as ConnWs)[kConn] = this;
    ws.on('message', wsMessage);
    ws.on('pong', wsPong);
    ws.on('close', wsClose);
    ws.on('error', wsError);
  }

  // ---------------------------------------------------------------- Session

  deliver(event: ChatEvent): void {
    this.enqueue(frameShared(event));
  }

  queuedBytes(): number {
    return this.out.size;
  }

  close(reason: string, kind: CloseKind = 'shutdown'): void {
    if (this.closed) return;
    const code = CLOSE_FOR[kind];
    this.flush();
    // Close reasons are limited to 123 bytes by RFC 6455.
    this.shut(code, reason, Buffer.from(reason).subarray(0, 123).toString());
  }

  /**
   * Starts the close handshake: reading goes on (it may have paused) so the peer's close frame
   * is seen; a peer that never answers is cut off.
   */
  private shut(code: number, reason: string, text: string): void {
    this.closed = true;
    this.closingReason = reason;
    this.ws.close(code, text);
    this.ws.resume();
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  /** Sends a frame that belongs to this connection only (replies, errors, hello). */
  sendOwn(ev: ServerEvent): void {
    this.enqueue(frame(ev));
  }

  ping(): void {
    if (!this.closed) this.ws.ping();
  }

  terminate(): void {
    this.ws.terminate();
  }

  // ---------------------------------------------------------------- outbound queue

  private enqueue(buf: Buffer): void {
    if (!this.closed) this.out.push(buf);
  }

  private flush(): void {
    this.out.flush();
  }

  /** The outbound queue overflowed (QueueOwner). */
  onSendQExceeded(): void {
    this.core.deps.log.warn({ conn: this.id, remote: this.remote }, 'SendQ exceeded');
    this.shut(CLOSE_FOR.sendq, 'SendQ exceeded', 'SendQ exceeded');
  }

  // ---------------------------------------------------------------- inbound

  /**
   * A frame from ws (wsMessage): queued in order behind the ones not yet run. ws emits every
   * frame of a socket read synchronously, one call each; the pump runs once they are all
   * queued (a microtask later), so its slices bound the read's frames together, as IRC's lines
   * of one read are.
   */
  onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    const inbound = (this.inbound ??= new InboundPump(this, this.limits, READ_CHUNK_MAX + this.limits.maxPayload));
    inbound.push({ bytes: data.length, data, binary: isBinary });
    if (this.receiving) return;
    this.receiving = true;
    queueMicrotask(() => {
      this.receiving = false;
      if (!this.closed) this.inbound?.received();
    });
  }

  /**
   * Whether the server paused reading this connection (its requests wait for the server): its
   * pongs are not read meanwhile, so the sweep does not hold their absence against it.
   */
  get readPaused(): boolean {
    return this.inbound?.readPaused === true;
  }

  /** Drops the inbound pump once nothing waits in it (the listener's sweep). */
  compact(): void {
    if (this.inbound?.idle) this.inbound = undefined;
  }

  // ---------------------------------------------------------------- InboundHost (the pump's side)

  get inputClosed(): boolean {
    return this.closed;
  }

  /** Every request overlaps the ones before it: replies carry ids, and the core keeps each sender's messages in order. */
  overlaps(): boolean {
    return true;
  }

  /** No frame may throw past this connection: an unexpected failure is logged and closes it with 1011. */
  run(f: Frame): Promise<void> {
    try {
      return this.onFrame(f.data, f.binary);
    } catch (err) {
      this.failed(err);
      return Promise.resolve();
    }
  }

  failed(err: unknown): void {
    this.core.deps.log.error({ err, conn: this.id, remote: this.remote }, 'WebSocket frame handler failed');
    if (!this.closed) this.shut(CLOSE.INTERNAL_ERROR, 'internal error', 'Internal error');
  }

  pauseReading(): void {
    this.ws.pause();
    this.core.metrics.readPaused('ws');
  }

  resumeReading(): void {
    this.ws.resume();
  }

  /** Frames kept arriving after reading paused, past the read queue: the hard bound. */
  readQueueExceeded(): void {
    if (this.closed) return;
    this.core.deps.log.warn({ conn: this.id, remote: this.remote }, 'ReadQ exceeded');
    this.shut(CLOSE.READQ_EXCEEDED, 'ReadQ exceeded', 'ReadQ exceeded');
  }

  /** Resolves when the request's reply (or error) is queued. */
  private onFrame(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.closed) return DONE;
    if (isBinary) return this.refuse(undefined, 'BAD_REQUEST', 'binary frames are not supported; send JSON text');
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch {
      return this.refuse(undefined, 'BAD_JSON', 'the frame is not valid JSON');
    }
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string' && raw.id.length <= 64 ? raw.id : undefined;
    const type = typeof raw === 'object' && raw !== null && 'type' in raw ? raw.type : undefined;
    if (typeof type !== 'string' || !(REQUEST_TYPES as readonly string[]).includes(type)) {
      return this.refuse(id, 'UNKNOWN_TYPE', typeof type === 'string' ? `unknown message type "${type.slice(0, 40)}"` : 'the frame has no "type" string');
    }
    const parsed = ClientRequest.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join('.') || type;
      return this.refuse(id, 'BAD_REQUEST', `invalid "${type}" request: ${where}: ${issue?.message ?? 'does not match the schema'}`);
    }
    const req = parsed.data;
    return this.core.execute(this, req).then(
      (data) => {
        if (req.type === 'login') this.loggedIn = true;
        this.sendOwn({ type: 'reply', id: req.id, data: data as Record<string, unknown> });
      },
      (err: unknown) => {
        const code: ErrorCode = err instanceof ChatError ? err.code : 'INTERNAL';
        this.sendError(req.id, code, err instanceof ChatError ? err.message : ERROR_CODES.INTERNAL);
      },
    );
  }

  /** A frame that never became a request: answered at once. */
  private refuse(id: string | undefined, code: ErrorCode, message: string): Promise<void> {
    this.sendError(id, code, message);
    return DONE;
  }

  private sendError(id: string | undefined, code: ErrorCode, message: string): void {
    if (!isErrorCode(code)) code = 'INTERNAL';
    // Frames that never became requests still cost the sender its flood budget.
    if (code === 'BAD_JSON' || code === 'UNKNOWN_TYPE' || code === 'BAD_REQUEST') {
      if (!this.core.chargeInvalid(this.id) || this.closed) return;
    }
    this.sendOwn(id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message });
  }

  /** The WebSocket closed (wsClose). */
  onClosed(code: number, reason: string): void {
    this.closed = true;
    this.out.stop();
    this.limits.closed?.(this);
    // A reason the client chose reaches others as "Quit: <reason>", cleaned (sanitizeLine);
    // "quit", what Banter's own clients send, is a plain clean close.
    const chosen = reason.trim().toLowerCase() === 'quit' ? '' : reason;
    this.core.detach(this.id, this.closingReason ?? (chosen ? clientQuitReason(chosen) : closeReason(code)));
  }
}

const DONE: Promise<void> = Promise.resolve();

function closeReason(code: number): string {
  switch (code) {
    case 1000: case 1001: case 1005: return 'quit';
    case 1009: return 'message too big';
    case 1007: return 'invalid UTF-8';
    case 1006: return 'connection lost';
    default: return `closed (${code})`;
  }
}
