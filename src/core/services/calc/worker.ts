/** Worker-thread entry: evaluates one expression per job (the shared WorkerPool's protocol). See pool.ts for the bounds around it. */
import { ChatError } from '../../errors.ts';
import { serveJobs } from '../worker-pool.ts';
import { evaluateExpression } from './evaluate.ts';

serveJobs((expr: string): string => {
  let outcome;
  try {
    outcome = evaluateExpression(expr);
  } catch (err) {
    // A stack overflow in the parser lands here; report it as a refusal, not a crash.
    throw new ChatError('CALC_FORBIDDEN', err instanceof RangeError ? 'the expression is nested too deeply' : 'evaluation failed');
  }
  if (!outcome.ok) throw new ChatError(outcome.code, outcome.message);
  return outcome.result;
}, 'CALC_FORBIDDEN');
