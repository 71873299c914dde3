/**
 * The calculator: a warm pool of worker threads (src/core/services/worker-pool.ts) that
 * evaluate expressions off the event loop.
 *
 * Each worker has V8 heap limits (resourceLimits) and runs one job at a time; a job that
 * exceeds `timeoutMs` gets its worker terminated and replaced, so a hostile expression costs
 * at most `timeoutMs` of one worker and never blocks chat traffic. Jobs wait in a bounded
 * queue; when it is full, requests are refused with CALC_BUSY instead of piling up.
 */
import { ChatError } from '../../errors.ts';
import type { Calculator, Logger } from '../../ports.ts';
import { WorkerPool } from '../worker-pool.ts';

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

const WORKER_URL = new URL('./worker.ts', import.meta.url);

export class CalcPool implements Calculator {
  private readonly pool: WorkerPool<{ expr: string }, string>;

  constructor(config: CalcPoolConfig, log: Logger) {
    this.pool = new WorkerPool({
      url: WORKER_URL,
      label: 'calculator',
      workers: config.workers,
      timeoutMs: config.timeoutMs,
      maxQueue: config.maxQueue,
      resourceLimits: { maxOldGenerationSizeMb: config.maxHeapMb, maxYoungGenerationSizeMb: Math.max(4, Math.floor(config.maxHeapMb / 4)), stackSizeMb: 4 },
      errors: {
        busy: (reason) => new ChatError('CALC_BUSY', reason === 'full' ? undefined
          : reason === 'closed' ? 'the calculator is shutting down' : `the calculator is unavailable (is calc.maxHeapMb = ${config.maxHeapMb} too small?)`),
        timeout: () => new ChatError('CALC_TIMEOUT', `the evaluation took longer than ${config.timeoutMs} ms`),
        died: (cause) => new ChatError('CALC_TIMEOUT', cause === 'error' ? 'the evaluation exceeded its memory bound' : 'the evaluation was stopped'),
      },
    }, log);
  }

  /** Counters for metrics. */
  get stats(): WorkerPool<{ expr: string }, string>['stats'] {
    return this.pool.stats;
  }

  evaluate(expr: string): Promise<string> {
    return this.pool.run({ expr });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
