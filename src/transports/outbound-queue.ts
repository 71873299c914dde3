/**
 * A connection's outbound queue, shared by the WebSocket and IRC transports.
 *
 * Chunks queued during one event-loop turn leave in one write, as one buffer (measured on
 * the IRC fan-out: one copy into one buffer beats a writev of many small chunks through the
 * stream machinery), gathered in a scratch buffer that is reused while writes complete at once.
 * A queue gathers at most that buffer's 16 KiB: a chunk that would take it past writes what is
 * queued first, at once (`SCRATCH_BYTES`), so a round that comes late finds at most 16 KiB per socket.
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
 * - a round writes for at most its slice (the clock is read every 16 sockets), then yields (`setImmediate`) and goes on with the
 *   sockets it has not reached, so reads and timers run in between and every socket still
 *   gets its bytes in order; sockets dirtied meanwhile wait for the next round (before, they
 *   joined the round being written, so under load with short slices a round never ended,
 *   nothing coalesced, and every message cost a write per socket again). A slice is `sliceMs`
 *   (default 2) while the loop has little else to do, so no turn holds a timer or a read for
 *   long; when the rest of the loop's work between two slices takes longer (overload: reads and
 *   commands piling up), the next slice may take as long as that work times
 *   writeShare / (1 − writeShare), up to `sliceMaxMs` (default 20), so that writing keeps its
 *   share of the loop. Without that, 2 ms slices under overload (1 × 500 IRC clients at 2,560
 *   messages/s per sender) starved the writes: 4–5 k writes/s, queues of 470 MB, and no recovery
 *   at a lower rate (docs/benchmarks.md, "Session 12");
 * - adaptive coalescing: the next round starts no sooner than the last one took to write
 *   (its CPU time, summed over its slices), times (1 − writeShare) / writeShare, after it
 *   ended, so writing takes at most `writeShare` of the loop (by default half) however busy it
 *   is; the busier the sockets, the more each write carries.
 *
 * A plain TCP socket with nothing unsent is written with one `write(2)` on its descriptor
 * (`fs.writeSync`; the descriptor is non-blocking, so it never waits) instead of `socket.write`,
 * whose stream machinery (a `WriteWrap`, the after-write tick, the stream state: ≈ 400 B of
 * garbage and a few µs per write) was most of Node's cost per write on the fan-out. What the
 * kernel does not take at once goes through `socket.write`, which libuv queues behind it, and
 * every later write goes through the stream until that backlog is gone, so bytes stay in
 * order. TLS sockets always use the stream (their descriptor carries ciphertext). The
 * descriptor is read from the socket's handle (Node's `_handle.fd`, not a documented API: when
 * it is not a number the stream is used, and test/outbound-queue.test.ts pins it), checked
 * open in the same synchronous step as the write: only `socket.destroy()` on this thread closes
 * it, so the number cannot belong to another connection by then.
 */
import fs from 'node:fs';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface FlushOptions {
  /** Least time between the starts of two rounds; 0 lets a round run on every event-loop turn. */
  coalesceMs?: number;
  /** Most time one slice of a round writes before it yields (checked every 16 sockets) while the loop has little else to do; 0 yields after every socket. */
  sliceMs?: number;
  /** The most a slice may grow to under load, to keep `writeShare` of the loop (see the module comment); at least `sliceMs`. */
  sliceMaxMs?: number;
  /**
   * The most of the loop's time rounds may take under load, 0 < writeShare ≤ 1 (default 0.5):
   * after a round that spent T writing, the next starts no sooner than T × (1 − writeShare) / writeShare later.
   */
  writeShare?: number;
  /** Plain TCP sockets with nothing unsent are written straight to their descriptor (default true; see the module comment). */
  directWrites?: boolean;
}

/**
 * The most slots a scheduler's round array keeps between rounds (256 KiB): a burst to more
 * queues than this (a login storm to tens of thousands of sockets) leaves an array that is
 * dropped, not kept, once its round has ended.
 */
const ROUND_KEEP = 1 << 15;

/** Flushes the outbound queues of many connections in rounds (see the module comment). */
export class FlushScheduler {
  /**
   * Queues dirtied since the current round started: the next round (`dirtyLen` of its slots).
   * Two arrays take turns, the round being written and the next one, so that a round allocates
   * no array (a fresh one grown by `push` cost 29 B per delivery at 1,000 sockets a round);
   * slots past the length are always empty, so a kept array holds no queue.
   */
  private dirty: (OutboundQueue | undefined)[] = [];
  private dirtyLen = 0;
  /** The round being written: its queues, how many, and how many it has reached (below `roundLen` it yielded). */
  private round: (OutboundQueue | undefined)[] = [];
  private roundLen = 0;
  private at = 0;
  /** A run is scheduled (the rest of a round, or the next round). */
  private pending = false;
  /** When the last complete round started and ended, and how long it spent writing (CPU ms). */
  private lastStart = -Infinity;
  private lastEnd = -Infinity;
  private lastBusy = 0;
  /** The round being written: when it started and its busy time so far. */
  private roundStart = 0;
  private roundBusy = 0;
  /** When the last slice of the round being written yielded (wall ms). */
  private yieldedAt = 0;
  private readonly coalesceMs: number;
  private readonly sliceMs: number;
  private readonly sliceMaxMs: number;
  /** writeShare / (1 − writeShare): slice time per ms of other work (see the module comment). */
  private readonly slicePerGap: number;
  /** (1 − writeShare) / writeShare: the wait after a round per ms it spent writing. */
  private readonly gapPerBusy: number;
  /** Whether its queues write plain TCP sockets straight to their descriptors. */
  readonly directWrites: boolean;

  /** A number is `coalesceMs` (the old signature). */
  constructor(opts: FlushOptions | number = {}) {
    const o = typeof opts === 'number' ? { coalesceMs: opts } : opts;
    this.coalesceMs = o.coalesceMs ?? 0;
    this.sliceMs = o.sliceMs ?? 2;
    this.sliceMaxMs = Math.max(this.sliceMs, o.sliceMaxMs ?? 20);
    const share = Math.min(1, Math.max(0.01, o.writeShare ?? 0.5));
    this.gapPerBusy = (1 - share) / share;
    // Finite at writeShare 1 too (any other work grows the slice to sliceMaxMs): Infinity × a gap of 0 would be NaN, a slice with no end.
    this.slicePerGap = share >= 1 ? 1e6 : share / (1 - share);
    this.directWrites = o.directWrites ?? true;
  }

  /** Puts `q` in the next round. */
  add(q: OutboundQueue): void {
    this.dirty[this.dirtyLen++] = q;
    // A run is coming: the rest of a round (which schedules the next round when it ends) or the next round.
    if (!this.pending) this.schedule();
  }

  /** Schedules the next round: no sooner than coalesceMs after the last one started, nor than its writing time × gapPerBusy after it ended. */
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
    let slice = this.sliceMs;
    if (this.at === this.roundLen) {
      // A new round: the queues dirtied so far; the emptied array of the last round takes the next ones.
      const next = this.round;
      this.round = this.dirty;
      this.roundLen = this.dirtyLen;
      this.at = 0;
      this.dirty = next;
      this.dirtyLen = 0;
      this.roundStart = start;
      this.roundBusy = 0;
    } else if (slice > 0) {
      // The rest of a round: what ran since its last slice yielded (other work, or none) lets this slice grow.
      slice = Math.min(this.sliceMaxMs, Math.max(this.sliceMs, (start - this.yieldedAt) * this.slicePerGap));
    }
    const queues = this.round;
    const n = this.roundLen;
    let i = this.at;
    while (i < n) {
      const q = queues[i]!;
      queues[i++] = undefined;
      try {
        q.flush();
      } catch {
        // One socket's failure is that connection's: drop it, the others still get theirs.
        q.abort();
      }
      // The clock is read after every 16th socket (with a slice of 0, after each): read after each,
      // it cost about 40 bytes of garbage per socket (a boxed double). A slice may thus overrun
      // by up to 15 writes, a fraction of a millisecond.
      if (i < n && (i & 15) === 0 && performance.now() - start >= slice) break;
      if (i < n && slice === 0) break;
    }
    const now = performance.now();
    this.at = i;
    // Busy is this thread's CPU time, not wall time: on a shared machine a slice can wait for a
    // CPU, and waiting that long again after it would only leave the time we get unused.
    const cpu = process.threadCpuUsage(cpu0);
    this.roundBusy += Math.max((cpu.user + cpu.system) / 1000, 0.001);
    if (i < n) {
      // Yield: the round goes on with the queues it has not reached on the next turn. Those
      // dirtied meanwhile wait for the next round (and its coalescing wait), so under load a
      // round still ends and what piles up in between leaves in one write per socket.
      this.pending = true;
      this.yieldedAt = now;
      setImmediate(this.run);
      return;
    }
    this.roundLen = 0;
    this.at = 0;
    if (queues.length > ROUND_KEEP) this.round = [];
    this.lastStart = this.roundStart;
    this.lastEnd = now;
    this.lastBusy = this.roundBusy;
    if (this.dirtyLen > 0) this.schedule();
  };
}

/**
 * Arrays for the chunks after a queue's first (`OutboundQueue.more`), lent while a queue holds
 * two or more chunks and given back empty by its flush, so that a flush allocates no array (a
 * fresh array per flush, grown by `push`, cost 32 + 144 B per write) and an idle queue holds
 * none. At most `SPARE_KEEP` are kept, each of at most `MORE_KEEP` slots (2 MB in all at
 * most): a burst that grew one past that (a registration's welcome, a history page) leaves it
 * to the GC. Under a heavy fan-out a socket gets tens of
 * lines per round (71 at 500 IRC clients and 3.2 M deliveries/s): with at most 32 slots kept,
 * each of those arrays was grown afresh every round and lived until the round's write, long
 * enough to be promoted (10 × 100 × 10 at 1,920/s: 356–377 MB promoted per step with them
 * kept against 492–601 MB; `bench/promoted.ts`; docs/benchmarks.md, "Session 12").
 */
const MORE_KEEP = 256;
const SPARE_KEEP = 1024;
const spare: (Chunks | undefined)[] = [];
let spareLen = 0;
type Chunks = (Buffer | undefined)[];

function lend(): Chunks {
  if (spareLen === 0) return [];
  const a = spare[--spareLen]!;
  spare[spareLen] = undefined;
  return a;
}

/** Takes back `a` with its first `n` slots used: they are emptied (the buffers can be collected), and `a` is kept if it is small and there is room. */
function giveBack(a: Chunks, n: number): void {
  for (let i = 0; i < n; i++) a[i] = undefined;
  if (a.length <= MORE_KEEP && spareLen < SPARE_KEEP) spare[spareLen++] = a;
}

/** How many arrays are spare, and how many buffers they hold (none, ever): for the tests. */
export function spareChunkArrays(): { arrays: number; buffers: number } {
  let buffers = 0;
  for (let k = 0; k < spareLen; k++) for (const b of spare[k]!) if (b !== undefined) buffers++;
  return { arrays: spareLen, buffers };
}

/**
 * Where a flush gathers a queue's chunks for its one write, reused while each write reaches the
 * kernel at once (the usual case): no buffer is allocated per socket per round, and the young
 * generation fills that much more slowly (docs/benchmarks.md, "WebSocket generator and write path").
 *
 * It is also the most a queue gathers: a chunk that would take a queue past it first writes what
 * is queued (`push`), so a gathered write always fits here. Under overload a round can come late,
 * and without this bound each socket then gathered hundreds of KB: at 1 × 500 IRC clients
 * stepping from 80 to 1,280 messages/s per sender, 2,000 lines per socket per round: a fresh
 * buffer of 200 KB and a chunk array of 2,000 slots per socket per round (32–144 MB of fresh
 * buffers per 250 ms, and the arrays promoted), rounds 0.3 s apart and a p99 of 1.7 s that did not
 * recover, and the RSS it grew stayed (docs/benchmarks.md, "Session 13").
 */
const SCRATCH_BYTES = 16 << 10;
let scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
/**
 * The view of `scratch` last written, reused by the next write of as many bytes: the members of
 * a channel get writes of one length one after another, so most writes need no view of their
 * own (a view is about 100 bytes of garbage per write). It goes with the scratch buffer it
 * points into when a socket keeps that one.
 */
let view: Buffer | undefined;

/** The descriptor of a plain (not TLS) socket's open handle, or -1 when it has none to write to. */
function descriptorOf(socket: Socket): number {
  if ((socket as Socket & { encrypted?: boolean }).encrypted === true) return -1;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : -1;
}

/** Whether a queue of `scheduler` writes this socket straight to its descriptor (for the tests). */
export function writesDirectly(socket: Socket, scheduler: FlushScheduler = eachTurn): boolean {
  return scheduler.directWrites && descriptorOf(socket) >= 0;
}

/** Flushes on the next turn; for queues made without a listener's scheduler. */
const eachTurn = new FlushScheduler();

/** The connection a queue belongs to: told once when its queue overflows (a method, so a queue holds no closure). */
export interface QueueOwner {
  onSendQExceeded(): void;
}

export class OutboundQueue {
  /** The first chunk queued since the last flush: most flushes write one chunk, and then no array is needed. */
  private first: Buffer | undefined;
  /** The chunks after it (`moreLen` slots), in an array lent from `spare` until the flush. */
  private more: Chunks | undefined;
  private moreLen = 0;
  private bytes = 0;
  private limitedBytes = 0;
  private scheduled = false;
  private stopped = false;
  private readonly socket: Socket;
  /** The socket's descriptor for direct writes: -2 until the first flush looks, -1 for none (TLS, no handle). */
  private fd = -2;
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
    // A queue that would pass one scratch buffer's worth writes what it holds now (see `SCRATCH_BYTES`).
    if (this.first !== undefined && this.bytes + buf.length > SCRATCH_BYTES) this.writeQueued();
    if (this.first === undefined) this.first = buf;
    else (this.more ??= lend())[this.moreLen++] = buf;
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

  /** Writes everything queued now (the scheduler's round). */
  flush(): void {
    this.scheduled = false;
    this.writeQueued();
  }

  /** Writes everything queued, in one write; the queue stays in its round if it is in one. */
  private writeQueued(): void {
    const first = this.first;
    if (first === undefined || this.stopped) return;
    const more = this.more;
    const n = this.moreLen;
    const bytes = this.bytes;
    this.drop();
    if (this.socket.destroyed) {
      if (more !== undefined) giveBack(more, n);
      return;
    }
    if (more === undefined) { this.write(first); return; }
    // Two or more chunks are at most SCRATCH_BYTES (`push` writes before passing it). A socket with
    // a backlog keeps what it is given until the kernel takes it: an exact copy, so that a peer that
    // stops reading pins no more memory than the bytes queued for it.
    const exact = this.socket.writableLength !== 0;
    const out = exact ? Buffer.allocUnsafe(bytes) : scratch;
    out.set(first, 0);
    let off = first.length;
    for (let i = 0; i < n; i++) { const c = more[i]!; out.set(c, off); off += c.length; }
    giveBack(more, n);
    if (exact) { this.write(out); return; }
    if (view === undefined || view.length !== bytes) view = scratch.subarray(0, bytes);
    this.write(view);
    // A write the socket could not hand to the kernel at once still points into the scratch buffer
    // (its stream or libuv holds it until written): that one is the socket's now; the next flush gets a new one.
    // At most one per stall of a socket, after the kernel's own buffer for it has filled.
    if (this.socket.writableLength !== 0) {
      scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
      view = undefined;
    }
  }

  /**
   * One write of `buf`: to the descriptor when the socket has nothing unsent (the kernel takes
   * what fits, the rest goes through the stream behind it), else through the stream.
   */
  private write(buf: Buffer): void {
    const socket = this.socket;
    if (this.fd === -2) this.fd = this.scheduler.directWrites ? descriptorOf(socket) : -1;
    // Open (not destroyed: destroying closes the descriptor), not ended, and no backlog in the stream.
    if (this.fd < 0 || socket.writableLength !== 0 || socket.destroyed || socket.writableEnded) {
      socket.write(buf);
      return;
    }
    let n = 0;
    try {
      n = fs.writeSync(this.fd, buf, 0, buf.length, null);
    } catch {
      // A full buffer (EAGAIN): all of it through the stream, which waits for room. Any other
      // error (the peer gone): the stream's own write meets it and reports it as it always has.
    }
    if (n < buf.length) socket.write(n === 0 ? buf : buf.subarray(n));
  }

  /** Stops the queue and destroys the socket (its write failed). */
  abort(): void {
    this.stop();
    this.socket.destroy();
  }

  /** Drops what is queued and refuses further pushes (the connection is closing or gone). */
  stop(): void {
    this.stopped = true;
    if (this.more !== undefined) giveBack(this.more, this.moreLen);
    this.drop();
  }

  /** Forgets the queued chunks (the lent array, if any, is the caller's to give back). */
  private drop(): void {
    this.first = undefined;
    this.more = undefined;
    this.moreLen = 0;
    this.bytes = 0;
    this.limitedBytes = 0;
  }
}
