/**
 * A connection's outbound queue, shared by the WebSocket and IRC transports.
 *
 * Chunks queued during one event-loop turn leave in one write, as one buffer (measured on
 * the IRC fan-out: one copy into one buffer beats a writev of many small chunks through the
 * stream machinery). The queue is bounded: bytes pushed as `limited`, plus what the socket
 * has not yet handed to the kernel, may not exceed `limitBytes`; past it the queue drops
 * everything and calls `onOverflow` once ("SendQ exceeded"). Unlimited pushes (a reply to
 * the client's own request) are still checked against the socket's backlog alone.
 *
 * Queues are flushed by one `FlushScheduler` shared by every listener's connections: one callback
 * per round for every connection with something queued (not one `setImmediate` per socket),
 * and, with `coalesceMs` > 0, at most one round per `coalesceMs`. A round that comes after a
 * quiet spell runs on the next turn as before; under a steady stream of messages (one per
 * packet from many senders, so each turn holds only one) the messages of a few turns then
 * share each socket's write, which is what the `write` syscall per socket per message cost.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Flushes the outbound queues of many connections in rounds (see the module comment). */
export class FlushScheduler {
  private dirty: OutboundQueue[] = [];
  private pending = false;
  private last = -Infinity;
  private readonly coalesceMs: number;

  /** `coalesceMs`: least time between two rounds; 0 flushes on every event-loop turn. */
  constructor(coalesceMs = 0) {
    this.coalesceMs = coalesceMs;
  }

  /** Puts `q` in the next round. */
  add(q: OutboundQueue): void {
    this.dirty.push(q);
    if (this.pending) return;
    this.pending = true;
    const wait = this.coalesceMs - (performance.now() - this.last);
    if (wait > 0) setTimeout(this.run, wait);
    else setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.pending = false;
    this.last = performance.now();
    const round = this.dirty;
    this.dirty = [];
    for (const q of round) {
      try {
        q.flush();
      } catch {
        // One socket's failure is that connection's: drop it, the others still get theirs.
        q.abort();
      }
    }
  };
}

/** Flushes on the next turn; for queues made without a listener's scheduler. */
const eachTurn = new FlushScheduler(0);

export class OutboundQueue {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private limitedBytes = 0;
  private scheduled = false;
  private stopped = false;
  private readonly socket: Socket;
  private readonly limitBytes: number;
  private readonly onOverflow: () => void;
  private readonly scheduler: FlushScheduler;

  constructor(socket: Socket, limitBytes: number, onOverflow: () => void, scheduler: FlushScheduler = eachTurn) {
    this.socket = socket;
    this.limitBytes = limitBytes;
    this.onOverflow = onOverflow;
    this.scheduler = scheduler;
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
      this.scheduler.add(this);
    }
    return true;
  }

  /** Writes everything queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.chunks.length === 0 || this.stopped || this.socket.destroyed) return;
    const q = this.chunks;
    const bytes = this.bytes;
    this.chunks = [];
    this.bytes = 0;
    this.limitedBytes = 0;
    this.socket.write(q.length === 1 ? q[0]! : Buffer.concat(q, bytes));
  }

  /** Stops the queue and destroys the socket (its write failed). */
  abort(): void {
    this.stop();
    this.socket.destroy();
  }

  /** Drops what is queued and refuses further pushes (the connection is closing or gone). */
  stop(): void {
    this.stopped = true;
    this.chunks = [];
    this.bytes = 0;
    this.limitedBytes = 0;
  }
}
