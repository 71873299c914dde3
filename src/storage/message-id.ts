/**
 * Message ids: UUIDs of version 7 (RFC 9562), whose first 48 bits are the creation time in
 * milliseconds and which the `uuid` package keeps increasing within a millisecond, so ids made
 * one after another sort in the order they were made.
 *
 * Every store indexes messages by id (SQLite and PostgreSQL: a unique B-tree). A random id
 * (version 4) lands on a random leaf of that index, so a group commit of 100 messages dirtied
 * up to 100 index pages, each written to the WAL whole, and the index's working set outgrew the
 * page cache as history grew. A time-ordered id goes to the end of the index like `rid` and
 * `(conv, seq)` do: measured on 300,000 SQLite inserts in transactions of 100 (synchronous=FULL),
 * 8.8–10.7 µs of CPU per row against 22.1–23.6 with random ids, a third of the wall time
 * (docs/benchmarks.md, "Time-ordered message ids"). The ids stay opaque to clients: the same
 * 36-character UUID text as before, and ids already stored keep their form.
 */
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/** Ids whose random bytes one `randomFillSync` call provides. */
const POOL_IDS = 256;

/**
 * A source of version 7 ids on `clock` (ms), increasing even when the clock goes back.
 *
 * `uuid`'s `v7()` without options is increasing too, but it asks Web Crypto for 16 random bytes
 * per id (`crypto.getRandomValues`): 2.8 % of the event loop's busy time at 5,600 messages/s
 * (docs/benchmarks.md, "Random bytes for message ids"). Here the bytes come from a pool filled
 * once per 256 ids, and the millisecond and the counter within it are given to `v7()` through
 * its documented `msecs` and `seq` options, kept as the package keeps them: a new millisecond
 * starts the counter at a random 31-bit value, the same or an earlier one (the clock went back)
 * adds one to it, and a counter that wraps moves on to the next millisecond.
 */
export function messageIds(clock: () => number = Date.now): () => string {
  const pool = new Uint8Array(16 * POOL_IDS);
  let next = pool.length;
  const random = new Uint8Array(16);
  const opts = { random, msecs: -Infinity, seq: 0 };
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    for (let i = 0; i < 16; i++) random[i] = pool[next + i]!;
    next += 16;
    const now = clock();
    if (now > opts.msecs) {
      opts.msecs = now;
      opts.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    } else {
      opts.seq = (opts.seq + 1) | 0;
      if (opts.seq === 0) opts.msecs++;
    }
    return v7(opts);
  };
}

export const newMessageId: () => string = messageIds();
