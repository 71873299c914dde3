/**
 * Socket writes on a thread of their own (`delivery.writerThread`; docs/benchmarks.md,
 * "Socket writes on a thread of their own").
 *
 * On the fan-out, the `write(2)` per socket per round was the largest single cost of the main
 * thread: about a quarter of it at 10 channels × 100 IRC clients, while the machine's other
 * core had time to spare. A round now copies each socket's bytes into shared memory, one record
 * (descriptor, offset, length) per socket, and hands the whole batch to this thread with one
 * atomic notify; the thread makes the writes and posts the batch back; the main thread then
 * gives whatever the kernel did not take to the socket's stream, as a direct write does. One
 * batch is written at a time: the next round waits for it (the writes of a round are its own
 * coalescing wait).
 *
 * The descriptors stay the main thread's: a socket with a write in flight keeps its descriptor
 * open and its stream untouched until the batch is back (outbound-queue.ts, `guardSocket`), so
 * the thread never writes to a descriptor that was closed, or reused by another connection,
 * meanwhile, and no other bytes can overtake or split the batch's.
 *
 * If the thread fails, the sockets of the batch in flight are destroyed (how much of their
 * bytes left is unknown, so their streams cannot go on) and writing goes back to the main
 * thread.
 */
import { Worker } from 'node:worker_threads';
import { siblingModule } from '../core/module-url.ts';
import { RECORD_INTS, RECORDS_AT, type WriterShared } from './socket-writer-layout.ts';

const WORKER = siblingModule(import.meta.url, 'socket-writer-worker');

/** Bytes one batch carries at most (4 MiB of shared memory; pages that are never written are never resident). */
export const WRITER_BATCH_BYTES = 4 << 20;
/** Writes (sockets) one batch carries at most. */
export const WRITER_BATCH_WRITES = 16384;
/** A record's result when the thread failed before writing it: the bytes sent are unknown. */
export const WRITE_UNKNOWN = -2;

/** Who a record's bytes belong to: told how many the kernel took (−1: an error; WRITE_UNKNOWN: the thread failed). */
export interface WriteOwner {
  written(result: number, bytes: Uint8Array, off: number, len: number): void;
}

export class SocketWriter {
  /** The batch's bytes: a round copies each socket's bytes here, at `off`. */
  readonly bytes: Uint8Array;
  /** Bytes and records of the batch being built (or written). */
  off = 0;
  count = 0;
  /** The thread has started and takes batches (its first message). */
  ready = false;
  /** A batch is being written: nothing may be added until it is back. */
  busy = false;
  /** The thread has failed or stopped: it takes no more batches. */
  dead = false;
  /** Batches and writes handed to the thread since it started. */
  batches = 0;
  writes = 0;
  private readonly control: Int32Array;
  private readonly worker: Worker;
  private owners: (WriteOwner | undefined)[] = [];
  private onDone: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private exited = false;
  private readonly onFail: (err: Error) => void;

  /** `onFail` is told once if the thread fails (after the batch in flight has been given back as unknown). */
  constructor(onFail: (err: Error) => void) {
    this.onFail = onFail;
    const shared: WriterShared = {
      data: new SharedArrayBuffer(WRITER_BATCH_BYTES),
      control: new SharedArrayBuffer(4 * (RECORDS_AT + RECORD_INTS * WRITER_BATCH_WRITES)),
    };
    this.bytes = new Uint8Array(shared.data);
    this.control = new Int32Array(shared.control);
    // A thread that only writes: a small heap is all it needs.
    this.worker = new Worker(WORKER, { workerData: shared, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 } });
    this.worker.unref();
    this.worker.on('message', (batch: number) => {
      if (batch === 0) this.ready = true;
      else this.complete(undefined);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', () => {
      this.exited = true;
      this.fail(new Error('the socket writer thread stopped'));
    });
  }

  /** Whether `len` more bytes fit in the batch being built. */
  fits(len: number): boolean {
    return this.count < WRITER_BATCH_WRITES && this.off + len <= WRITER_BATCH_BYTES;
  }

  /** Adds a write of the `len` bytes just copied at `off` to `fd`. */
  add(fd: number, len: number, owner: WriteOwner): void {
    const r = RECORDS_AT + RECORD_INTS * this.count;
    this.control[r] = fd;
    this.control[r + 1] = this.off;
    this.control[r + 2] = len;
    this.control[r + 3] = WRITE_UNKNOWN;
    this.owners[this.count++] = owner;
    this.off += len;
  }

  /** Hands the batch to the thread; `onDone` runs once it is back (false: the batch was empty). */
  submit(onDone: () => void): boolean {
    if (this.count === 0) return false;
    this.busy = true;
    this.onDone = onDone;
    this.batches++;
    this.writes += this.count;
    this.control[1] = this.count;
    Atomics.store(this.control, 0, this.batches);
    Atomics.notify(this.control, 0);
    return true;
  }

  /** Ends the thread once the batch in flight (if any) is back. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // Waited for: the thread keeps the process alive until it has ended.
      this.worker.ref();
      if (this.busy) await new Promise<void>((resolve) => { const done = this.onDone; this.onDone = () => { done?.(); resolve(); }; });
      this.dead = true;
      Atomics.store(this.control, 0, -1);
      Atomics.notify(this.control, 0);
      if (this.exited) return;
      await new Promise<void>((resolve) => { this.worker.once('exit', () => resolve()); });
    })();
    return this.stopping;
  }

  /** Gives every record of the batch back to its owner with the thread's results (or WRITE_UNKNOWN), then ends the batch. */
  private complete(err: Error | undefined): void {
    if (!this.busy) return;
    const n = this.count;
    for (let i = 0, r = RECORDS_AT; i < n; i++, r += RECORD_INTS) {
      const owner = this.owners[i]!;
      this.owners[i] = undefined;
      const result = err === undefined ? this.control[r + 3]! : WRITE_UNKNOWN;
      try {
        owner.written(result, this.bytes, this.control[r + 1]!, this.control[r + 2]!);
      } catch {
        // One socket's failure is its own; the others still get their results.
      }
    }
    this.count = 0;
    this.off = 0;
    this.busy = false;
    const done = this.onDone;
    this.onDone = undefined;
    done?.();
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    // Whatever state it is in, it writes nothing more.
    void this.worker.terminate();
    this.complete(err);
    this.onFail(err);
  }
}
