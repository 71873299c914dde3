/** Worker-thread entry: evaluates one expression per message. See pool.ts for the bounds around it. */
import { parentPort } from 'node:worker_threads';
import { evaluateExpression } from './evaluate.ts';

interface Job { id: number; expr: string }

parentPort?.on('message', (job: Job) => {
  let outcome;
  try {
    outcome = evaluateExpression(job.expr);
  } catch (err) {
    // A stack overflow in the parser lands here; report it as a refusal, not a crash.
    outcome = { ok: false, code: 'CALC_FORBIDDEN', message: err instanceof RangeError ? 'the expression is nested too deeply' : 'evaluation failed' };
  }
  parentPort?.postMessage({ id: job.id, ...outcome });
});
parentPort?.postMessage({ ready: true });
