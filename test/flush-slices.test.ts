/**
 * How long the slices of one round of socket writes are (FlushScheduler, no sockets): short while
 * the loop has nothing else to do, grown to keep writing's share of the loop when other work
 * runs between them (overload), and never past sliceMaxMs.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { FlushScheduler, type OutboundQueue } from '../src/transports/outbound-queue.ts';

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
};

/**
 * One round of `queues` fake queues, each flush busy for `flushMs`; `otherMs` of other work runs
 * on every turn between two slices (0: none). Returns how many queues each slice flushed.
 */
async function slices(opts: { sliceMs: number; sliceMaxMs?: number; writeShare?: number }, queues: number, flushMs: number, otherMs: number): Promise<number[]> {
  const scheduler = new FlushScheduler({ coalesceMs: 0, ...opts });
  const counts: number[] = [];
  let flushed = 0;
  let inSlice = 0;
  let lastFlushTurn = -1;
  let turn = 0;
  await new Promise<void>((resolve) => {
    const fake = {
      flush(): void {
        if (lastFlushTurn !== turn) {
          if (lastFlushTurn >= 0) counts.push(inSlice);
          inSlice = 0;
          lastFlushTurn = turn;
        }
        inSlice++;
        busy(flushMs);
        if (++flushed === queues) { counts.push(inSlice); resolve(); }
      },
      abort(): void { /* not reached */ },
    } as unknown as OutboundQueue;
    for (let i = 0; i < queues; i++) scheduler.add(fake);
    const other = (): void => {
      turn++;
      if (otherMs > 0) busy(otherMs);
      if (flushed < queues) setImmediate(other);
    };
    setImmediate(other);
  });
  return counts;
}

it('with nothing else to do, every slice of a round stays at sliceMs (16 sockets between two looks at the clock)', async () => {
  // 0.1 ms per socket, a 1 ms slice: the first look at the clock (after 16 sockets, 1.6 ms) ends each slice.
  const counts = await slices({ sliceMs: 1, sliceMaxMs: 50 }, 320, 0.1, 0);
  assert.ok(counts.length >= 10, `a round of 320 sockets at 16 per slice has about 20 slices, got ${counts.length}: ${counts.join(',')}`);
  for (const c of counts.slice(0, -1)) assert.ok(c <= 32, `a slice flushed ${c} sockets with no other work to grow it: ${counts.join(',')}`);
});

it('when other work runs between slices, the next slice grows to keep writing its share of the loop (writeShare 0.5: as long as that work)', async () => {
  // 10 ms of other work per turn: each later slice may write for 10 ms, about 100 sockets of 0.1 ms.
  const counts = await slices({ sliceMs: 1, sliceMaxMs: 50 }, 640, 0.1, 10);
  const later = counts.slice(1, -1);
  assert.ok(later.length >= 2, `expected several slices: ${counts.join(',')}`);
  const grown = later.filter((c) => c >= 48).length;
  assert.ok(grown >= later.length / 2, `most slices after 10 ms of other work should flush ≥ 48 sockets (≈ 100 expected), got ${counts.join(',')}`);
  // The first slice of a round has no other work before it to grow from.
  assert.ok(counts[0]! <= 32, `the round's first slice is sliceMs: ${counts.join(',')}`);
});

it('a grown slice stops at sliceMaxMs', async () => {
  // 20 ms of other work, but at most 3 ms per slice: 32 sockets (two looks at the clock) at most, never 200.
  const counts = await slices({ sliceMs: 1, sliceMaxMs: 3 }, 400, 0.1, 20);
  for (const c of counts.slice(0, -1)) assert.ok(c <= 48, `a slice flushed ${c} sockets past sliceMaxMs 3 ms: ${counts.join(',')}`);
  assert.ok(counts.slice(1, -1).some((c) => c > 16), `slices should still grow up to sliceMaxMs: ${counts.join(',')}`);
});

it('sliceMs 0 yields after every socket and never grows', async () => {
  const counts = await slices({ sliceMs: 0, sliceMaxMs: 50 }, 40, 0.05, 5);
  for (const c of counts) assert.equal(c, 1, `sliceMs 0 flushed ${c} sockets in one slice: ${counts.join(',')}`);
});

it('with writeShare 1 a slice after other work takes sliceMaxMs at once, and still stops there', async () => {
  // 1 ms of other work would allow an unbounded slice at writeShare 1: it is held to 3 ms (at most 48 sockets of 0.1 ms).
  const counts = await slices({ sliceMs: 1, sliceMaxMs: 3, writeShare: 1 }, 400, 0.1, 1);
  for (const c of counts.slice(0, -1)) assert.ok(c <= 48, `a slice flushed ${c} sockets past sliceMaxMs 3 ms: ${counts.join(',')}`);
  assert.ok(counts.slice(1, -1).some((c) => c > 16), `slices should grow to sliceMaxMs: ${counts.join(',')}`);
});
