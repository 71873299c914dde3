/**
 * A connection's outbound queue, shared by the WebSocket and IRC transports.
 *
 * Chunks queued during one event-loop turn leave in one write, as one buffer (measured on
 * the IRC fan-out: one copy into one buffer beats a writev of many small chunks through the
 * stream machinery), gathered in a scratch buffer that is reused while writes complete at once.
 * The queue is bounded: bytes pushed as `limited`, plus what the socket
 * has not yet handed to the kernel, may not exceed `limitBytes`; past it the queue drops
 * everything and calls its owner's `onSendQExceeded` once ("SendQ exceeded"). Unlimited pushes (a reply to
 * the client's own request) are still checked against the socket's backlog alone.
 *
 * Queues are flushed by one `FlushScheduler` shared by every listener's connections: one callback
 * per round for every connection with something queued (not one `setImmediate` per socket),
 * and, with `coalesceMs` > 0, at most one round per `coalesceMs`. A round that comes after a
 * quiet spell runs on the next turn as before; under a steady stream of messages (one per
 * packet from many senders, so each turn holds only one) the messages of a few turns then
 * share each socket's write, which is what the `write` syscall per socket per message cost.
 *
 * Two bounds keep a round from holding the event loop (measured: one round to 500 IRC sockets
 * under overload took 85–350 ms, and every timer, read and reply waited behind it):
 * - a round writes for at most `sliceMs`, then yields (`setImmediate`) and goes on with the
 *   sockets it has not reached, so reads and timers run in between and every socket still
 *   gets its bytes in order; sockets dirtied meanwhile wait for the next round (before, they
 *   joined the round being written, so under load with short slices a round never ended,
 *   nothing coalesced, and every message cost a write per socket again);
 * - adaptive coalescing: the next round starts no sooner than the last one took to write
 *   (its CPU time, summed over its slices) after it ended, so writing takes at most about
 *   half of the loop however busy it is; the busier the sockets, the more each write carries.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface FlushOptions {
  /** Least time between the starts of two rounds; 0 lets a round run on every event-loop turn. */
  coalesceMs?: number;
  /** Most time one slice of a round writes before it yields; 0 yields after every socket. */
  sliceMs?: number;
  /**
   * The most of the loop's time rounds may take under load, 0 < writeShare ≤ 1 (default 0.5):
   * after a round that spent T writing, the next starts no sooner than T × (1 − writeShare) / writeShare later.
   */
  writeShare?: number;
}

/** Flushes the outbound queues of many connections in rounds (see the module comment). */
export class FlushScheduler {
  /** Queues dirtied since the current round started: the next round. */
  private dirty: OutboundQueue[] = [];
  /** The queues of the round being written that it has not reached yet (it yielded). */
  private rest: OutboundQueue[] | undefined;
  /** A run is scheduled (the rest of a round, or the next round). */
  private pending = false;
  /** When the last complete round started and ended, and how long it spent writing (CPU ms). */
  private lastStart = -Infinity;
  private lastEnd = -Infinity;
  private lastBusy = 0;
  /** The round being written: when it started and its busy time so far. */
  private roundStart = 0;
  private roundBusy = 0;
  private readonly coalesceMs: number;
  private readonly sliceMs: number;
  /** (1 − writeShare) / writeShare: the wait after a round per ms it spent writing. */
  private readonly gapPerBusy: number;

  /** A number is `coalesceMs` (the old signature). */
  constructor(opts: FlushOptions | number = {}) {
    const o = typeof opts === 'number' ? { coalesceMs: opts } : opts;
    this.coalesceMs = o.coalesceMs ?? 0;
    this.sliceMs = o.sliceMs ?? 20;
    const share = Math.min(1, Math.max(0.01, o.writeShare ?? 0.5));
    this.gapPerBusy = (1 - share) / share;
  }

  /** Puts `q` in the next round. */
  add(q: OutboundQueue): void {
    this.dirty.push(q);
    // A run is coming: the rest of a round (which schedules the next round when it ends) or the next round.
    if (!this.pending) this.schedule();
  }

  /** Schedules the next round: no sooner than coalesceMs after the last one started, nor than it spent writing after it ended. */
  private schedule(): void {
    this.pending = true;
    const now = performance.now();
    const wait = Math.max(this.coalesceMs - (now - this.lastStart), this.lastBusy * this.gapPerBusy - (now - this.lastEnd));
    if (wait > 0) setTimeout(this.run, wait);
    else setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.pending = false;
    const start = performance.now();
    const cpu0 = process.threadCpuUsage();
    let queues: OutboundQueue[];
    if (this.rest !== undefined) {
      queues = this.rest;
      this.rest = undefined;
    } else {
      queues = this.dirty;
      this.dirty = [];
      this.roundStart = start;
      this.roundBusy = 0;
    }
    let i = 0;
    let now = start;
    while (i < queues.length) {
      const q = queues[i++]!;
      try {
        q.flush();
      } catch {
        // One socket's failure is that connection's: drop it, the others still get theirs.
        q.abort();
      }
      now = performance.now();
      if (now - start >= this.sliceMs && i < queues.length) break;
    }
    // Busy is this thread's CPU time, not wall time: on a shared machine a slice can wait for a
    // CPU, and waiting that long again after it would only leave the time we get unused.
    const cpu = process.threadCpuUsage(cpu0);
    this.roundBusy += Math.max((cpu.user + cpu.system) / 1000, 0.001);
    if (i < queues.length) {
      // Yield: the round goes on with the queues it has not reached on the next turn. Those
      // dirtied meanwhile wait for the next round (and its coalescing wait), so under load a
      // round still ends and what piles up in between leaves in one write per socket.
      this.rest = queues.slice(i);
      this.pending = true;
      setImmediate(this.run);
      return;
    }
    this.lastStart = this.roundStart;
    this.lastEnd = now;
    this.lastBusy = this.roundBusy;
    if (this.dirty.length > 0) this.schedule();
  };
}

/**
 * Where a flush gathers a queue's chunks for its one write, reused while each write reaches the
 * kernel at once (the usual case): no buffer is allocated per socket per round, and the young
 * generation fills that much more slowly (docs/benchmarks.md, "WebSocket generator and write path").
 */
const SCRATCH_BYTES = 16 << 10;
let scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

/** Flushes on the next turn; for queues made without a listener's scheduler. */
const eachTurn = new FlushScheduler();

/** The connection a queue belongs to: told once when its queue overflows (a method, so a queue holds no closure). */
export interface QueueOwner {
  onSendQExceeded(): void;
}

export class OutboundQueue {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private limitedBytes = 0;
  private scheduled = false;
  private stopped = false;
  private readonly socket: Socket;
  private readonly limitBytes: number;
  private readonly owner: QueueOwner;
  private readonly scheduler: FlushScheduler;

  constructor(socket: Socket, limitBytes: number, owner: QueueOwner, scheduler: FlushScheduler = eachTurn) {
    this.socket = socket;
    this.limitBytes = limitBytes;
    this.owner = owner;
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
      this.owner.onSendQExceeded();
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
    if (q.length === 1) { this.socket.write(q[0]!); return; }
    // A socket with a backlog keeps what it is given until the kernel takes it: an exact copy, so
    // that a peer that stops reading pins no more memory than the bytes queued for it.
    if (bytes > SCRATCH_BYTES || this.socket.writableLength !== 0) { this.socket.write(Buffer.concat(q, bytes)); return; }
    let off = 0;
    for (const c of q) { scratch.set(c, off); off += c.length; }
    this.socket.write(scratch.subarray(0, bytes));
    // A write the socket could not hand to the kernel at once still points into the scratch buffer
    // (its stream or libuv holds it until written): that one is the socket's now; the next flush gets a new one.
    // At most one per stall of a socket, after the kernel's own buffer for it has filled.
    if (this.socket.writableLength !== 0) scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
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
