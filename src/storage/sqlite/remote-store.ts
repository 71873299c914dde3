/**
 * The SQLite message store, run in a worker thread (store-worker.ts): the durable commit —
 * the fsync of `synchronous = full` — and the reads (history, DM summaries, search dispatch)
 * happen off the server's event loop. node:sqlite is synchronous, so in-process every commit
 * blocked the loop for its whole duration (docs/benchmarks.md, "Where the time goes").
 *
 * This side is a thin, generic proxy: every method of `SqliteStore` (read from its
 * prototype, so a method added there is forwarded without an edit here) becomes a function
 * that posts `[id, method, args]` to the worker and resolves with its answer. Arguments and
 * results cross by structured clone, so store methods take and return plain data. ChatErrors
 * keep their code across the boundary (SEARCH_TIMEOUT, SEARCH_BUSY, …).
 *
 * Calls made during one event-loop turn leave in one message, stamped with the caller's
 * clock (the worker's store uses it, so an injected clock still decides `ts`). The worker
 * commits every append it has received in one transaction (group commit; appends that arrive
 * while a transaction is in flight go into the next one) and answers an append only after
 * its COMMIT returned: acknowledged still means committed, with the configured `synchronous`.
 * Answers of one worker turn arrive in one message and are resumed in order, all in that turn
 * by default. With `resumeSliceMs` (config `sqlite.resumeSliceMs`) they are resumed in slices:
 * the first at once, the rest on later turns, each slice sized so that resuming it (the
 * callers' continuations: a message's fan-out to every member) took at most that much CPU. A
 * group commit of 320 messages to a 500-member channel, resumed in one turn, held the loop for
 * 150–950 ms under overload; sliced, reads, timers and write rounds run in between. It is off
 * by default because it cost more than it bought: sliced at 4 ms, 500 IRC clients with 5
 * senders failed at 640 msg/s per sender (acks came later, so the pipelined senders' read
 * queues overflowed and they were disconnected) where unsliced they reached 1.45 M
 * deliveries/s (docs/benchmarks.md, final sitting).
 *
 * If the worker dies, every outstanding call and every later one fails (and `ping` with it,
 * so /readyz reports the store down); nothing that was not acknowledged is claimed stored.
 *
 * With `idleMs` (config `sqlite.workerIdleMs`) the worker runs on demand: the first call
 * starts it (a worker thread is ≈ 17 MB of RSS: its own V8 isolate, Node environment and
 * malloc arena), it stops once no call has been outstanding for that long, and the next call
 * starts a new one; those calls wait for it (docs/benchmarks.md, "Idle RSS"). Nothing is lost by stopping: it happens only
 * when every call has been answered, so every acknowledged append is committed, and the
 * store's state (idempotency keys included) is in the database; the old worker closes its
 * store (and its search workers) before a new one opens the file. While none runs, `ping` is
 * answered by `idlePing` (the main thread's own connection to the same file), so /readyz
 * probes neither start a worker nor keep one alive.
 */
import { Worker } from 'node:worker_threads';
import type { Clock, Logger } from '../../core/ports.ts';
import type { Synchronous } from './open.ts';
import { decodeError, type Call, type Reply, type WorkerInit, type WorkerMessage, type WorkerRequest } from './remote-protocol.ts';
import { SqliteStore, type SearchLimits } from './store.ts';
import { siblingModule } from '../../core/module-url.ts';

const WORKER = siblingModule(import.meta.url, 'store-worker');
/** Most answers resumed in one turn when slicing, whatever the last slices cost. */
const MAX_SLICE = 64;

/** Every method of T, answered asynchronously. */
export type Remote<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

export type RemoteSqliteStore = Remote<SqliteStore> & {
  /** Resolves once the worker has opened the database; rejects with why it could not. On demand (`idleMs`): resolved at once, and a worker that cannot open it fails the first call (and every later one). */
  readonly ready: Promise<void>;
  /** Whether a worker thread runs now (false once stopped for idleness, until the next call). */
  readonly running: boolean;
  /** Worker threads started since open (on demand: one per first call after open or after an idle stop). */
  readonly workersStarted: number;
};

export interface RemoteSqliteOptions {
  /** A directory (banter.db in it); a `:memory:` database cannot be shared with a thread. */
  dataDir: string;
  synchronous: Synchronous;
  clock: Clock;
  idempotencyWindowMs: number;
  maxBatch?: number;
  search?: SearchLimits;
  /** V8 old-generation bound of the worker thread, in MiB (config `sqlite.workerHeapMb`; default STORE_HEAP_MB). */
  maxHeapMb?: number;
  /** CPU budget (ms) of one slice of resumed answers; 0 or absent: every answer of a message at once (config `sqlite.resumeSliceMs`). */
  resumeSliceMs?: number;
  /** Stop the worker after this long (ms) without an outstanding call; the next call starts a new one (config `sqlite.workerIdleMs`). 0 or absent: it runs until close. */
  idleMs?: number;
  /** Readiness check while no worker runs (stopped for idleness): throws when the database does not answer. Absent: `ping` starts a worker. */
  idlePing?: () => void;
  log: Logger;
}

/**
 * What the store worker holds: prepared statements (their memory is SQLite's, outside the V8
 * heap), the idempotency window's keys, and the calls and answers of the batches in flight.
 * V8's defaults (an old generation of a few GiB, a young generation growing to 48 MiB while
 * messages stream through) would let its RSS grow far beyond that; past the old-generation
 * bound the worker stops (ERR_WORKER_OUT_OF_MEMORY) and every call fails, as when it crashes.
 */
export const STORE_HEAP_MB = 256;
/** Young generation of the store worker, in MiB: scavenges stay cheap, the live set is small. */
const STORE_YOUNG_MB = 8;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

class StoreThread {
  readonly ready: Promise<void>;
  /** The running worker; undefined while stopped for idleness (the next call starts one). */
  private worker: Worker | undefined;
  /** Set while an idle worker closes its store: a new one is started only after it. */
  private retiring: Promise<void> | undefined;
  private retiringWorker: Worker | undefined;
  /** Ends the retiring worker once it has closed its store (or failed or exited meanwhile). */
  private retired: (() => void) | undefined;
  private idle: NodeJS.Timeout | undefined;
  /** Workers started since open. */
  started = 0;
  private readonly pending = new Map<number, Pending>();
  private calls: Call[] = [];
  private scheduled = false;
  private nextId = 1;
  /** Answers received and not yet resumed, in order, from `answered` on. */
  private answers: Reply[] = [];
  private answered = 0;
  /** Answers resumed per slice (sized by `resumeSliceMs`, at most MAX_SLICE); when the last slice started (thread CPU ms; 0: none pending) and its size. */
  private slice = 16;
  private sliceStart = 0;
  private sliceSize = 0;
  /** Set once the worker is gone (closed, crashed or failed to open): every call fails with it. */
  private dead: Error | undefined;
  private closing: Promise<void> | undefined;
  private readonly opts: RemoteSqliteOptions;

  private readonly init: WorkerInit;
  private readonly onFirstReady: { resolve: () => void; reject: (e: Error) => void };

  constructor(opts: RemoteSqliteOptions) {
    this.opts = opts;
    this.init = {
      dataDir: opts.dataDir, synchronous: opts.synchronous, idempotencyWindowMs: opts.idempotencyWindowMs, now: opts.clock.now(),
      ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
      ...(opts.search ? { search: { ...opts.search } } : {}),
    };
    let resolve: () => void = () => undefined;
    let reject: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    this.ready.catch(() => undefined); // the failure also reaches every call; awaiting ready is optional
    this.onFirstReady = { resolve, reject };
    // On demand (idleMs): the first call starts the worker. The main thread has opened and
    // migrated the file already (storage.ts), so there is nothing to wait for here.
    if (this.opts.idleMs) resolve();
    else this.spawn();
  }

  /** True while a worker thread runs (or starts). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  private spawn(): Worker {
    const w = new Worker(WORKER, {
      workerData: { ...this.init, now: this.opts.clock.now() },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? STORE_HEAP_MB, maxYoungGenerationSizeMb: STORE_YOUNG_MB },
    });
    this.worker = w;
    this.started++;
    if (this.pending.size === 0) w.unref();
    const { resolve: started, reject: failed } = this.onFirstReady;
    w.on('message', (m: WorkerMessage) => {
      if (w !== this.worker) {
        // A worker stopping for idleness: its only answer is the one to its close.
        if ('log' in m) this.opts.log[m.log[0]](m.log[1], m.log[2]);
        else if ('replies' in m) this.retired?.();
        return;
      }
      if ('replies' in m) {
        if (this.answered === this.answers.length) { this.answers = m.replies; this.answered = 0; } else this.answers.push(...m.replies);
        if (!this.opts.resumeSliceMs) this.resumeAnswers(Infinity);
        else if (this.sliceStart === 0) this.resumeSlice();
      } else if ('ready' in m) {
        started();
        if (this.pending.size === 0) this.idleLater();
      } else if ('failed' in m) {
        const err = decodeError(m.failed);
        if (this.opts.idleMs) this.opts.log.error({ err: err.message }, 'SQLite store worker could not open the database');
        failed(err);
        this.fail(err);
      } else this.opts.log[m.log[0]](m.log[1], m.log[2]);
    });
    w.on('error', (err) => {
      if (w !== this.worker) {
        this.opts.log.warn({ err: err.message }, 'SQLite store worker failed while stopping (idle)');
        this.retired?.();
        return;
      }
      this.opts.log.error({ err: err.message }, 'SQLite store worker failed');
      failed(err);
      this.fail(new Error(`the SQLite store worker failed: ${err.message}`));
    });
    w.on('exit', () => {
      if (w !== this.worker) {
        this.retired?.();
        return;
      }
      const err = new Error('the SQLite store worker stopped');
      failed(err);
      this.fail(err);
    });
    return w;
  }

  /** No call outstanding: the worker no longer keeps the process alive, and stops after idleMs. */
  private settled(): void {
    this.worker?.unref();
    this.idleLater();
  }

  private idleLater(): void {
    if (!this.opts.idleMs || !this.worker || this.closing || this.dead) return;
    // Re-armed (refresh: no new timer) each time the last outstanding call is answered; a call
    // still outstanding when it fires keeps the worker, and its answer arms it again.
    if (this.idle) {
      this.idle.refresh();
      return;
    }
    this.idle = setTimeout(() => {
      this.idle = undefined;
      if (this.pending.size === 0 && this.calls.length === 0 && !this.closing && !this.dead) this.retire();
    }, this.opts.idleMs);
    this.idle.unref();
  }

  /**
   * Stops the idle worker: it closes its store (every append it was sent has been answered, so
   * committed) and its search workers, then the thread ends. Its events no longer count as a crash.
   */
  private retire(): void {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined; // from here its events are the retiring worker's (see spawn)
    this.retiringWorker = w;
    this.retiring = new Promise<void>((resolve) => {
      this.retired = (): void => {
        this.retired = undefined;
        void w.terminate().finally(() => {
          this.retiring = undefined;
          this.retiringWorker = undefined;
          resolve();
        });
      };
      w.postMessage({ now: this.opts.clock.now(), calls: [[0, 'close', []]] } satisfies WorkerRequest);
    });
    this.opts.log.debug({ idleMs: this.opts.idleMs }, 'SQLite store worker stopped (idle)');
  }

  /** Readiness: with no worker running (stopped for idleness), the main thread's check; else a call to the worker. */
  ping(): Promise<unknown> {
    if (!this.worker && !this.dead && !this.closing && this.opts.idlePing) {
      try {
        this.opts.idlePing();
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return this.call('ping', []);
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.closing) return Promise.reject(new Error('store is closed'));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker?.ref();
      this.calls.push([id, method, args]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  /** Closes the store in the worker (its last appends commit first), then ends the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.idle) clearTimeout(this.idle);
      await this.retiring;
      if (this.dead) return;
      if (!this.worker && this.pending.size === 0) {
        this.dead = new Error('store is closed'); // none running (on demand): nothing to close
        return;
      }
      // Calls made just before close, with no worker running, are answered first by a new one.
      const worker = this.worker ?? this.spawn();
      const done = new Promise<unknown>((resolve, reject) => {
        const id = this.nextId++;
        this.pending.set(id, { resolve, reject });
        worker.ref();
        this.calls.push([id, 'close', []]);
      });
      this.send();
      try {
        await done;
      } finally {
        this.dead = new Error('store is closed');
        await worker.terminate();
      }
    })();
    return this.closing;
  }

  private send(): void {
    this.scheduled = false;
    if (this.calls.length === 0 || this.dead) return;
    if (this.retiring) {
      // The idle worker is closing its store: the new one opens the file after it. Meanwhile
      // the closing worker keeps the process alive for these calls (it was unref'd when idle).
      this.retiringWorker?.ref();
      void this.retiring.then(() => this.send());
      return;
    }
    const worker = this.worker ?? this.spawn();
    const calls = this.calls;
    this.calls = [];
    try {
      worker.postMessage({ now: this.opts.clock.now(), calls } satisfies WorkerRequest);
    } catch (err) {
      // An argument that cannot be cloned fails the calls of this batch, not the store.
      for (const [id] of calls) {
        const p = this.pending.get(id);
        this.pending.delete(id);
        p?.reject(err as Error);
      }
      if (this.pending.size === 0) this.settled();
    }
  }

  /**
   * Resumes the next slice of answers, then measures it on the next turn (its continuations
   * run as microtasks after this returns) and resizes the next slice from what it took.
   */
  private readonly resumeSlice = (): void => {
    const c = process.threadCpuUsage();
    // This thread's CPU time, not wall time: on a shared machine waiting for a CPU would shrink
    // the slices, and many small slices cost more (each fan-out its own round of writes).
    const now = (c.user + c.system) / 1000;
    if (this.sliceStart !== 0 && this.sliceSize > 0) {
      // As many as fit in the budget at what the last slice cost each.
      const each = Math.max(now - this.sliceStart, 0.001) / this.sliceSize;
      this.slice = Math.max(1, Math.min(MAX_SLICE, Math.floor(this.opts.resumeSliceMs! / each)));
    }
    if (this.answered === this.answers.length) {
      this.sliceStart = 0;
      return;
    }
    this.sliceStart = now;
    this.sliceSize = Math.min(this.slice, this.answers.length - this.answered);
    this.resumeAnswers(this.sliceSize);
    setImmediate(this.resumeSlice);
  };

  private resumeAnswers(n: number): void {
    const end = Math.min(this.answers.length, this.answered + n);
    while (this.answered < end) {
      const [id, ok, value] = this.answers[this.answered++]!;
      const p = this.pending.get(id);
      if (!p) continue;
      this.pending.delete(id);
      if (ok) p.resolve(value);
      else p.reject(decodeError(value));
    }
    if (this.answered === this.answers.length) { this.answers = []; this.answered = 0; }
    if (this.pending.size === 0) this.settled();
  }

  private fail(err: Error): void {
    if (this.dead) return;
    // Answers already received stand (an acknowledged append was committed); the rest fail.
    this.resumeAnswers(Infinity);
    this.dead = err;
    this.calls = [];
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** Every method SqliteStore has (its prototype, up the chain to Object). */
function storeMethods(): string[] {
  const names = new Set<string>();
  for (let proto: object | null = SqliteStore.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function') names.add(name);
    }
  }
  return [...names];
}

/** Starts the worker and returns the store's proxy at once; calls made before the worker is ready wait for it. */
export function openRemoteSqliteStore(opts: RemoteSqliteOptions): RemoteSqliteStore {
  const thread = new StoreThread(opts);
  const proxy: Record<string, unknown> = {};
  for (const name of storeMethods()) proxy[name] = (...args: unknown[]) => thread.call(name, args);
  proxy.close = () => thread.close();
  proxy.ping = () => thread.ping();
  Object.defineProperty(proxy, 'ready', { value: thread.ready, enumerable: false });
  Object.defineProperty(proxy, 'running', { get: () => thread.running, enumerable: false });
  Object.defineProperty(proxy, 'workersStarted', { get: () => thread.started, enumerable: false });
  return proxy as unknown as RemoteSqliteStore;
}
