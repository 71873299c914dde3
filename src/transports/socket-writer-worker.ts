/**
 * The socket writer's thread (see socket-writer.ts for the main-thread side). It waits on the
 * control block's batch counter, writes each record of the batch with one `write(2)` on its
 * descriptor (non-blocking: what the kernel does not take at once is left to the main thread),
 * records how many bytes each took (0 for EAGAIN, −1 for any other error), and posts the
 * batch's number back (0 once, when it has started). A counter of −1 ends it. It allocates nothing per write but what
 * `fs.writeSync` itself does.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { RECORD_INTS, RECORDS_AT, type WriterShared } from './socket-writer-layout.ts';

const { data, control } = workerData as WriterShared;
const bytes = new Uint8Array(data);
const c = new Int32Array(control);
let seen = 0;
// Batch 0: started (its imports loaded), ready for batches.
parentPort!.postMessage(0);
for (;;) {
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  if (seen < 0) break;
  const n = c[1]!;
  for (let i = 0, r = RECORDS_AT; i < n; i++, r += RECORD_INTS) {
    let w: number;
    try {
      w = fs.writeSync(c[r]!, bytes, c[r + 1]!, c[r + 2]!, null);
    } catch (err) {
      w = (err as NodeJS.ErrnoException).code === 'EAGAIN' ? 0 : -1;
    }
    c[r + 3] = w;
  }
  parentPort!.postMessage(seen);
}
