/**
 * A connection's outbound queue, shared by the WebSocket and IRC transports.
 *
 * Chunks queued during one event-loop turn leave in one write, as one buffer (measured on
 * the IRC fan-out: one copy into one buffer beats a writev of many small chunks through the
 * stream machinery). The queue is bounded: bytes pushed as `limited`, plus what the socket
 * has not yet handed to the kernel, may not exceed `limitBytes`; past it the queue drops
 * everything and calls `onOverflow` once ("SendQ exceeded"). Unlimited pushes (a reply to
 * the client's own request) are still checked against the socket's backlog alone.
 */
import type { Socket } from 'node:net';

export class OutboundQueue {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private limitedBytes = 0;
  private scheduled = false;
  private stopped = false;
  private readonly socket: Socket;
  private readonly limitBytes: number;
  private readonly onOverflow: () => void;

  constructor(socket: Socket, limitBytes: number, onOverflow: () => void) {
    this.socket = socket;
    this.limitBytes = limitBytes;
    this.onOverflow = onOverflow;
  }

  /** Bytes queued here plus the socket's own unsent backlog. */
  get size(): number {
    return this.bytes + this.socket.writableLength;
  }

  /** Queues a chunk; false when the queue is stopped or has just overflowed. */
  push(buf: Buffer, limited = true): boolean {
    if (this.stopped) return false;
    this.chunks.push(buf);
    this.bytes += buf.length;
    if (limited) this.limitedBytes += buf.length;
    if ((limited ? this.limitedBytes : 0) + this.socket.writableLength > this.limitBytes) {
      this.stop();
      this.onOverflow();
      return false;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Writes everything queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.chunks.length === 0 || this.stopped || this.socket.destroyed) return;
    const q = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    this.limitedBytes = 0;
    this.socket.write(q.length === 1 ? q[0]! : Buffer.concat(q));
  }

  /** Drops what is queued and refuses further pushes (the connection is closing or gone). */
  stop(): void {
    this.stopped = true;
    this.chunks = [];
    this.bytes = 0;
    this.limitedBytes = 0;
  }
}
