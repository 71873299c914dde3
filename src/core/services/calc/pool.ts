/**
 * A pool of worker threads that evaluate calculator expressions off the event loop.
 *
 * Workers start on demand, up to `workers` of them: a job that finds no idle worker starts one
 * (each costs tens of MiB of heap with mathjs loaded, so by default an idle server runs none),
 * and a worker that has been idle for `idleMs` is stopped; `warmWorkers` of them are started
 * with the pool and kept, for a first answer without the worker's start-up time. Each worker has V8 heap limits (resourceLimits)
 * and runs one job at a time; a job that exceeds `timeoutMs` gets its worker terminated (the
 * next job starts a fresh one), so a hostile expression costs at most `timeoutMs` of one worker
 * and never blocks chat traffic. The time bound starts when the job reaches a ready worker, so
 * a worker's start-up is not charged to the job. Jobs wait in a bounded queue; when it is full,
 * requests are refused with CALC_BUSY instead of piling up.
 */
import { Worker } from 'node:worker_threads';
import { ChatError } from '../../errors.ts';
import type { Calculator, Logger } from '../../ports.ts';
import type { CalcRefusalCode } from './evaluate.ts';

export interface CalcPoolConfig {
  /** Most worker threads at once (they start on demand). */
  workers: number;
  /** A worker idle for this long is stopped, in ms (down to `warmWorkers`). */
  idleMs: number;
  /** Workers started with the pool and kept running while idle (0: an idle pool runs none). */
  warmWorkers?: number;
  /** Wall-clock bound per evaluation, in ms. */
  timeoutMs: number;
  /** V8 old-generation heap bound per worker, in MiB. */
  maxHeapMb: number;
  /** Jobs that may wait for a free worker. */
  maxQueue: number;
}

interface Pending {
  id: number;
  expr: string;
  resolve: (r: string) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Pending | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Stops the worker once it has been idle for idleMs. */
  idleTimer: NodeJS.Timeout | undefined;
  ready: boolean;
}

type WorkerReply = { ready: true } | { id: number; ok: true; result: string } | { id: number; ok: false; code: CalcRefusalCode; message: string };

const WORKER_URL = new URL('./worker.ts', import.meta.url);

export class CalcPool implements Calculator {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died before becoming ready, in a row: a misconfiguration (heap too small), not a hostile job. */
  private startupFailures = 0;
  /** Counters for metrics. */
  readonly stats = { evaluations: 0, timeouts: 0, errors: 0, busy: 0 };
  private readonly config: CalcPoolConfig;
  private readonly log: Logger;

  constructor(config: CalcPoolConfig, log: Logger) {
    this.config = config;
    this.log = log;
    this.topUp();
  }

  private get warm(): number {
    return Math.min(this.config.warmWorkers ?? 0, this.config.workers);
  }

  /** Keeps `warmWorkers` alive (at start, and after one was killed). */
  private topUp(): void {
    while (!this.closed && this.slots.length < this.warm) this.slots.push(this.spawn());
  }

  /** Worker threads alive now (starting, busy or idle). */
  get liveWorkers(): number {
    return this.slots.length;
  }

  evaluate(expr: string): Promise<string> {
    if (this.closed) return Promise.reject(new ChatError('CALC_BUSY', 'the calculator is shutting down'));
    if (this.queue.length >= this.config.maxQueue) {
      this.stats.busy++;
      return Promise.reject(new ChatError('CALC_BUSY'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, expr, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new ChatError('CALC_BUSY', 'the calculator is shutting down'));
    await Promise.all(this.slots.splice(0).map(async (s) => {
      if (s.timer) clearTimeout(s.timer);
      if (s.idleTimer) clearTimeout(s.idleTimer);
      s.job?.reject(new ChatError('CALC_BUSY', 'the calculator is shutting down'));
      s.job = undefined;
      await s.worker.terminate();
    }));
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: this.config.maxHeapMb, maxYoungGenerationSizeMb: Math.max(4, Math.floor(this.config.maxHeapMb / 4)), stackSizeMb: 4 },
    });
    worker.unref();
    const slot: Slot = { worker, job: undefined, timer: undefined, idleTimer: undefined, ready: false };
    worker.on('message', (msg: WorkerReply) => this.onMessage(slot, msg));
    worker.on('error', (err) => {
      // Out-of-memory (ERR_WORKER_OUT_OF_MEMORY) and crashes: fail the job, replace the worker.
      this.log.warn({ err: err.message }, 'calculator worker failed');
      this.fail(slot, new ChatError('CALC_TIMEOUT', 'the evaluation exceeded its memory bound'));
    });
    worker.on('exit', () => this.fail(slot, new ChatError('CALC_TIMEOUT', 'the evaluation was stopped')));
    return slot;
  }

  private onMessage(slot: Slot, msg: WorkerReply): void {
    if ('ready' in msg) {
      slot.ready = true;
      this.startupFailures = 0;
      this.pump();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== msg.id) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    slot.worker.unref();
    this.stats.evaluations++;
    if (msg.ok) job.resolve(msg.result);
    else {
      this.stats.errors++;
      job.reject(new ChatError(msg.code, msg.message));
    }
    this.pump();
  }

  /** Fails the slot's job (if any) and drops its worker; a waiting job starts a fresh one. */
  private fail(slot: Slot, err: ChatError): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return; // already dropped (retired, replaced or closed)
    if (slot.timer) clearTimeout(slot.timer);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    if (!slot.ready && ++this.startupFailures >= 3) {
      // Respawning would fail the same way forever: refuse work instead of spinning.
      this.log.error({ maxHeapMb: this.config.maxHeapMb }, 'calculator workers cannot start; is calc.maxHeapMb too small?');
      for (const p of this.queue.splice(0)) p.reject(new ChatError('CALC_BUSY', 'the calculator is unavailable'));
      this.closed = true;
      return;
    }
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      this.stats.evaluations++;
      job.reject(err);
    }
    this.slots.splice(index, 1);
    void slot.worker.terminate();
    if (!this.closed) {
      this.pump();
      this.topUp();
    }
  }

  /** Stops a worker that stayed idle for idleMs. */
  private retire(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    slot.idleTimer = undefined;
    if (index === -1 || slot.job || !slot.ready || this.slots.length <= this.warm) return;
    this.slots.splice(index, 1); // before terminate(), so its exit event is not taken for a crash
    void slot.worker.terminate();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift();
      if (!job) {
        // Idle: stop it unless work arrives within idleMs.
        if (!slot.idleTimer) {
          slot.idleTimer = setTimeout(() => this.retire(slot), this.config.idleMs);
          slot.idleTimer.unref();
        }
        continue;
      }
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      slot.job = job;
      // A worker with a job keeps the process alive until it answers; idle workers do not.
      slot.worker.ref();
      slot.timer = setTimeout(() => {
        this.stats.timeouts++;
        this.fail(slot, new ChatError('CALC_TIMEOUT', `the evaluation took longer than ${this.config.timeoutMs} ms`));
      }, this.config.timeoutMs);
      slot.worker.postMessage({ id: job.id, expr: job.expr });
    }
    // Jobs still waiting: start workers for them, as many as are not already starting.
    const starting = this.slots.filter((s) => !s.ready).length;
    for (let n = Math.min(this.queue.length - starting, this.config.workers - this.slots.length); n > 0; n--) this.slots.push(this.spawn());
  }
}
