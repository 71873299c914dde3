/**
 * A pool of worker threads that run jobs off the event loop, each within a deadline:
 * SQLite search (src/storage/sqlite) and the calculator (calc/pool.ts) use it. Warm (every
 * worker started at once), or with `idleMs` on demand: a worker starts when a job finds none
 * free and stops after `idleMs` without work, so an idle server holds no worker's memory
 * (tens of MiB each), except `warm` of them kept for a first answer without start-up time.
 *
 * Each worker runs one job at a time; a job that exceeds `timeoutMs` gets its worker
 * terminated and replaced, so a hostile job costs at most `timeoutMs` of one worker and
 * never blocks the event loop. Jobs wait in a bounded queue; when it is full, they are
 * refused instead of piling up. A worker that dies (crash, out of memory) fails its job and
 * is replaced; workers that die before they are ready, three times in a row, are a
 * misconfiguration, and the pool then refuses all work instead of respawning forever.
 *
 * The worker module calls `serveJobs(handler)`; the handler's result, or the ChatError it
 * throws, is what `run` resolves or rejects with.
 */
import { parentPort, Worker, type ResourceLimits } from 'node:worker_threads';
import type { ErrorCode } from '../../protocol/errors.ts';
import { ChatError } from '../errors.ts';
import type { Logger } from '../ports.ts';

export interface WorkerPoolOptions {
  /** The worker module (it calls `serveJobs`). */
  url: URL;
  /** Number of worker threads (at most, with `idleMs`). */
  workers: number;
  /** On demand: start workers when jobs need them and stop each after this long idle (ms). Absent: all start at once and stay. */
  idleMs?: number;
  /** On demand: workers started with the pool and kept while idle (default 0). */
  warm?: number;
  /** Wall-clock bound per job, in ms, from when a worker takes it. */
  timeoutMs: number;
  /** Jobs that may wait for a free worker. */
  maxQueue: number;
  resourceLimits?: ResourceLimits;
  /** Passed to every worker (node:worker_threads `workerData`). */
  workerData?: unknown;
  /** For log lines: "calculator", "search". */
  label: string;
  /** The errors jobs are failed with. */
  errors: {
    /** The queue is full (`full`), the pool is closing (`closed`) or cannot start workers (`unavailable`). */
    busy(reason: 'full' | 'closed' | 'unavailable'): ChatError;
    /** The job ran past timeoutMs. */
    timeout(): ChatError;
    /** The worker died while running the job: an error (crash, out of memory) or an exit. */
    died(cause: 'error' | 'exit'): ChatError;
  };
}

type Reply = { ready: true } | { id: number; ok: true; result: unknown } | { id: number; ok: false; code: ErrorCode; message: string };

interface Pending {
  id: number;
  job: unknown;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Pending | undefined;
  timer: NodeJS.Timeout | undefined;
  ready: boolean;
  /** On demand: stops the idle worker when it fires. */
  idle?: NodeJS.Timeout;
}

export class WorkerPool<Job, Result> {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died before becoming ready, in a row: a misconfiguration, not a hostile job. */
  private startupFailures = 0;
  /** Counters for metrics. */
  readonly stats = { jobs: 0, timeouts: 0, errors: 0, busy: 0 };
  private readonly opts: WorkerPoolOptions;
  private readonly log: Logger;

  constructor(opts: WorkerPoolOptions, log: Logger) {
    this.opts = opts;
    this.log = log;
    if (opts.idleMs === undefined) for (let i = 0; i < opts.workers; i++) this.slots.push(this.spawn());
    else this.topUp();
  }

  /** On demand: the number of workers kept alive while idle. */
  private get warm(): number {
    return Math.min(this.opts.warm ?? 0, this.opts.workers);
  }

  /** On demand: keeps `warm` workers alive (at start, and after one was replaced). */
  private topUp(): void {
    while (!this.closed && this.slots.length < this.warm) this.slots.push(this.spawn());
  }

  /** Worker threads running or starting now. */
  get size(): number {
    return this.slots.length;
  }

  run(job: Job): Promise<Result> {
    if (this.closed) return Promise.reject(this.opts.errors.busy(this.startupFailures >= 3 ? 'unavailable' : 'closed'));
    if (this.queue.length >= this.opts.maxQueue) {
      this.stats.busy++;
      return Promise.reject(this.opts.errors.busy('full'));
    }
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve: resolve as (r: unknown) => void, reject });
      this.pump();
      this.grow();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(this.opts.errors.busy('closed'));
    await Promise.all(this.slots.map(async (s) => {
      if (s.timer) clearTimeout(s.timer);
      if (s.idle) clearTimeout(s.idle);
      s.job?.reject(this.opts.errors.busy('closed'));
      s.job = undefined;
      await s.worker.terminate();
    }));
  }

  private spawn(): Slot {
    const worker = new Worker(this.opts.url, {
      ...(this.opts.resourceLimits ? { resourceLimits: this.opts.resourceLimits } : {}),
      ...(this.opts.workerData !== undefined ? { workerData: this.opts.workerData } : {}),
    });
    worker.unref();
    const slot: Slot = { worker, job: undefined, timer: undefined, ready: false };
    worker.on('message', (msg: Reply) => this.onMessage(slot, msg));
    worker.on('error', (err) => {
      // Out-of-memory (ERR_WORKER_OUT_OF_MEMORY) and crashes: fail the job, replace the worker.
      this.log.warn({ err: err.message }, `${this.opts.label} worker failed`);
      this.fail(slot, this.opts.errors.died('error'));
    });
    worker.on('exit', () => this.fail(slot, this.opts.errors.died('exit')));
    return slot;
  }

  private onMessage(slot: Slot, msg: Reply): void {
    if ('ready' in msg) {
      slot.ready = true;
      this.startupFailures = 0;
      this.pump();
      if (!slot.job) this.idleLater(slot);
      return;
    }
    const job = slot.job;
    if (!job || job.id !== msg.id) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    slot.worker.unref();
    this.stats.jobs++;
    this.idleLater(slot);
    if (msg.ok) job.resolve(msg.result);
    else {
      this.stats.errors++;
      job.reject(new ChatError(msg.code, msg.message));
    }
    this.pump();
  }

  /** Fails the slot's job (if any) and replaces its worker. */
  private fail(slot: Slot, err: ChatError): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return; // already replaced
    if (slot.timer) clearTimeout(slot.timer);
    if (!slot.ready && ++this.startupFailures >= 3) {
      // Respawning would fail the same way forever: refuse work instead of spinning.
      this.log.error({}, `${this.opts.label} workers cannot start`);
      for (const p of this.queue.splice(0)) p.reject(this.opts.errors.busy('unavailable'));
      this.closed = true;
      return;
    }
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      this.stats.jobs++;
      job.reject(err);
    }
    if (this.closed) return;
    void slot.worker.terminate();
    if (slot.idle) clearTimeout(slot.idle);
    if (this.opts.idleMs === undefined) this.slots[index] = this.spawn();
    else {
      this.slots.splice(index, 1);
      this.grow();
      this.topUp();
    }
  }

  /** On demand: starts workers while queued jobs outnumber the workers that are free or starting. */
  private grow(): void {
    if (this.opts.idleMs === undefined || this.closed) return;
    let free = 0;
    for (const s of this.slots) if (!s.job) free++;
    while (this.queue.length > free && this.slots.length < this.opts.workers) {
      this.slots.push(this.spawn());
      free++;
    }
  }

  /** On demand: a worker with nothing to do stops after idleMs. */
  private idleLater(slot: Slot): void {
    const idleMs = this.opts.idleMs;
    if (idleMs === undefined) return;
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = setTimeout(() => {
      const index = this.slots.indexOf(slot);
      if (index === -1 || slot.job || this.slots.length <= this.warm) return;
      this.slots.splice(index, 1); // before terminate(), so its exit event is not taken for a crash
      void slot.worker.terminate();
    }, idleMs);
    slot.idle.unref();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      if (slot.idle) clearTimeout(slot.idle);
      slot.idle = undefined;
      // A worker with a job keeps the process alive until it answers; idle workers do not.
      slot.worker.ref();
      slot.timer = setTimeout(() => {
        this.stats.timeouts++;
        this.fail(slot, this.opts.errors.timeout());
      }, this.opts.timeoutMs);
      slot.worker.postMessage({ id: job.id, job: job.job });
    }
  }
}

/**
 * Worker side: answers each job with the handler's result, or with the code and message of
 * the ChatError it throws; any other exception becomes `fallback` (its details stay in the worker).
 * Call once, after the module is ready to work (the pool counts the worker ready then).
 */
export function serveJobs<Job, Result>(handler: (job: Job) => Result, fallback: ErrorCode = 'INTERNAL'): void {
  parentPort?.on('message', ({ id, job }: { id: number; job: Job }) => {
    let reply: Reply;
    try {
      reply = { id, ok: true, result: handler(job) };
    } catch (err) {
      reply = err instanceof ChatError
        ? { id, ok: false, code: err.code, message: err.message }
        : { id, ok: false, code: fallback, message: 'the job failed' };
    }
    parentPort?.postMessage(reply);
  });
  parentPort?.postMessage({ ready: true });
}
