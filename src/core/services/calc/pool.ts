/**
 * A warm pool of worker threads that evaluate calculator expressions off the event loop.
 *
 * Each worker has V8 heap limits (resourceLimits) and runs one job at a time; a job that
 * exceeds `timeoutMs` gets its worker terminated and replaced, so a hostile expression costs
 * at most `timeoutMs` of one worker and never blocks chat traffic. Jobs wait in a bounded
 * queue; when it is full, requests are refused with CALC_BUSY instead of piling up.
 */
import { Worker } from 'node:worker_threads';
import { ChatError } from '../../errors.ts';
import type { Calculator, Logger } from '../../ports.ts';
import type { CalcRefusalCode } from './evaluate.ts';

export interface CalcPoolConfig {
  /** Number of worker threads. */
  workers: number;
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
    for (let i = 0; i < config.workers; i++) this.slots.push(this.spawn());
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
    await Promise.all(this.slots.map(async (s) => {
      if (s.timer) clearTimeout(s.timer);
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
    const slot: Slot = { worker, job: undefined, timer: undefined, ready: false };
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

  /** Fails the slot's job (if any) and replaces its worker. */
  private fail(slot: Slot, err: ChatError): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return; // already replaced
    if (slot.timer) clearTimeout(slot.timer);
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
    if (this.closed) return;
    void slot.worker.terminate();
    this.slots[index] = this.spawn();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      // A worker with a job keeps the process alive until it answers; idle workers do not.
      slot.worker.ref();
      slot.timer = setTimeout(() => {
        this.stats.timeouts++;
        this.fail(slot, new ChatError('CALC_TIMEOUT', `the evaluation took longer than ${this.config.timeoutMs} ms`));
      }, this.config.timeoutMs);
      slot.worker.postMessage({ id: job.id, expr: job.expr });
    }
  }
}
