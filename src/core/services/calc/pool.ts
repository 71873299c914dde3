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
import { ChatError } from '../../errors.ts';
import type { Calculator, Logger } from '../../ports.ts';
import { WorkerPool } from '../worker-pool.ts';
import { siblingModule } from '../../module-url.ts';

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

const WORKER_URL = siblingModule(import.meta.url, 'worker');

/** The calculator on the shared WorkerPool (../worker-pool.ts), with its bounds and its error codes. */
export class CalcPool implements Calculator {
  private readonly pool: WorkerPool<string, string>;

  constructor(config: CalcPoolConfig, log: Logger) {
    this.pool = new WorkerPool<string, string>({
      url: WORKER_URL,
      workers: config.workers,
      idleMs: config.idleMs,
      warm: config.warmWorkers ?? 0,
      timeoutMs: config.timeoutMs,
      maxQueue: config.maxQueue,
      resourceLimits: { maxOldGenerationSizeMb: config.maxHeapMb, maxYoungGenerationSizeMb: Math.max(4, Math.floor(config.maxHeapMb / 4)), stackSizeMb: 4 },
      label: 'calculator',
      errors: {
        busy: (reason) => reason === 'full' ? new ChatError('CALC_BUSY')
          : new ChatError('CALC_BUSY', reason === 'closed' ? 'the calculator is shutting down' : 'the calculator is unavailable; is calc.maxHeapMb too small?'),
        timeout: () => new ChatError('CALC_TIMEOUT', `the evaluation took longer than ${config.timeoutMs} ms`),
        died: (cause) => new ChatError('CALC_TIMEOUT', cause === 'error' ? 'the evaluation exceeded its memory bound' : 'the evaluation was stopped'),
      },
    }, log);
  }

  /** Counters: evaluations answered or failed, timeouts, refusals, queue-full refusals. */
  get stats(): { evaluations: number; timeouts: number; errors: number; busy: number } {
    const s = this.pool.stats;
    return { evaluations: s.jobs, timeouts: s.timeouts, errors: s.errors, busy: s.busy };
  }

  /** Worker threads alive now (starting, busy or idle). */
  get liveWorkers(): number {
    return this.pool.size;
  }

  evaluate(expr: string): Promise<string> {
    return this.pool.run(expr);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
