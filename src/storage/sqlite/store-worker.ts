/**
 * The SQLite message store's worker thread (see remote-store.ts for the main-thread side).
 *
 * It owns a connection of its own to banter.db and an ordinary `SqliteStore` on it, so
 * commits (fsync included), history pages and DM summaries run here and never on the
 * server's event loop. Calls arrive in batches `{ now, calls }` and are dispatched by method
 * name, in order, to the store; replies go back in batches, one message per turn.
 *
 * Group commit falls out of the store's own batching: appends dispatched in one turn are
 * committed in one transaction on the next (`setImmediate`), and while a transaction runs
 * (synchronously, this thread's loop is blocked in the fsync) the main thread's next batches
 * queue up on the port and are all dispatched in the following turn, so they share the next
 * transaction. An append is answered only after its transaction committed.
 *
 * The clock is the main thread's: each batch carries its `now`, and the store's clock reads
 * the latest one, so a test clock (or any injected clock) keeps working.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../../core/ports.ts';
import { SqliteHandle, type Synchronous } from './open.ts';
import { SqliteStore, type SearchLimits } from './store.ts';
import { encodeError, type Reply, type WorkerInit, type WorkerRequest } from './remote-protocol.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
let now = init.now;
const clock = { now: () => now };

const logAt = (level: keyof Logger) => (obj: object, msg: string): void => port.postMessage({ log: [level, obj, msg] });
const log: Logger = { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };

let store: SqliteStore;
try {
  const handle = new SqliteHandle({ dataDir: init.dataDir, synchronous: init.synchronous as Synchronous });
  store = new SqliteStore(handle, {
    clock, idempotencyWindowMs: init.idempotencyWindowMs, log,
    ...(init.maxBatch !== undefined ? { maxBatch: init.maxBatch } : {}),
    ...(init.search ? { search: init.search as SearchLimits } : {}),
  });
} catch (err) {
  port.postMessage({ failed: encodeError(err) });
  throw err;
}

let replies: Reply[] = [];
let scheduled = false;
function reply(r: Reply): void {
  replies.push(r);
  if (scheduled) return;
  scheduled = true;
  // One message per turn: every append of a group commit is answered in one post, so the
  // main thread resumes them in one turn (and their deliveries share socket writes).
  setImmediate(() => {
    scheduled = false;
    const out = replies;
    replies = [];
    port.postMessage({ replies: out });
  });
}

const methods = store as unknown as Record<string, (...args: unknown[]) => unknown>;
port.on('message', (req: WorkerRequest) => {
  now = req.now;
  for (const [id, method, args] of req.calls) {
    const fn = methods[method];
    let result: Promise<unknown>;
    try {
      if (typeof fn !== 'function' || method === 'constructor') throw new TypeError(`the store has no method ${method}`);
      result = Promise.resolve(fn.apply(store, args));
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then((value) => reply([id, true, value]), (err: unknown) => reply([id, false, encodeError(err)]));
  }
});
port.postMessage({ ready: true });
