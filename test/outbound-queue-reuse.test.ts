/**
 * The outbound queue and its scheduler reuse their arrays instead of allocating one per flush
 * and per round (src/transports/outbound-queue.ts): a queue keeps its first chunk in a field
 * and borrows an array for the rest from a bounded spare list; the scheduler's two round
 * arrays take turns. The rules that reuse must keep, over real loopback sockets:
 * - every socket still gets exactly its bytes, in order, while rounds yield after every socket
 *   and new chunks arrive in between (so one array fills while the other is being written);
 * - after a flush nothing kept holds a chunk or a queue: the buffers written and a dropped
 *   queue can be collected (checked with WeakRefs and a forced GC), the spare arrays are empty;
 * - an array that a burst grew past the bound is not kept (an idle server keeps small arrays only).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FlushScheduler, OutboundQueue, spareChunkArrays } from '../src/transports/outbound-queue.ts';
import { until } from './helpers/stalled-store.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const noOverflow = { onSendQExceeded: (): void => assert.fail('no overflow') };

const listeners: Server[] = [];
after(() => { for (const l of listeners) l.close(); });

/** A loopback pair: the server side (written to) and what its peer has read so far. */
async function pair(): Promise<{ server: Socket; received: () => Buffer; close: () => void }> {
  const listener = createServer();
  listeners.push(listener);
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => listener.once('connection', r));
  const client = connect({ port: (listener.address() as { port: number }).port, host: '127.0.0.1' });
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  const server = await accepted;
  return { server, received: () => Buffer.concat(got), close: () => { client.destroy(); server.destroy(); } };
}


it('every socket gets its bytes in order while rounds yield after each socket and chunks arrive in between', async () => {
  const pairs = await Promise.all([pair(), pair(), pair(), pair()]);
  try {
    // sliceMs 0: a round yields after every socket, so pushes land in the next round's array while this one is written.
    const scheduler = new FlushScheduler({ coalesceMs: 0, sliceMs: 0 });
    const queues = pairs.map((p) => new OutboundQueue(p.server, 1 << 30, noOverflow, scheduler));
    const sent: Buffer[][] = pairs.map(() => []);
    let seed = 12345;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (let step = 0; step < 400; step++) {
      for (let k = 0; k < queues.length; k++) {
        // 1 to 6 chunks of 1 to 4,000 bytes: single chunks, gathered writes, and writes past the 16 KiB scratch buffer.
        const chunks = 1 + rand(6);
        for (let c = 0; c < chunks; c++) {
          const len = 1 + rand(4000);
          const b = Buffer.alloc(len, String.fromCharCode(97 + rand(26)));
          b.write(`${k}.${step}.${c};`.slice(0, len));
          sent[k]!.push(b);
          assert.ok(queues[k]!.push(b));
        }
      }
      if (rand(3) > 0) await turn();
    }
    const want = sent.map((l) => Buffer.concat(l));
    await until(() => pairs.every((p, k) => p.received().length >= want[k]!.length), 'every byte');
    for (let k = 0; k < pairs.length; k++) assert.ok(pairs[k]!.received().equals(want[k]!), `socket ${k} received exactly what was pushed, in order`);
    assert.equal(spareChunkArrays().buffers, 0, 'no spare array holds a chunk');
  } finally {
    for (const p of pairs) p.close();
  }
});

it('after a flush neither the queue, its spare arrays nor the scheduler keep a chunk or a queue', async () => {
  const p = pair();
  const { server, received, close } = await p;
  try {
    const scheduler = new FlushScheduler(0);
    const refs: WeakRef<object>[] = [];
    // In a function of its own, so that no local of this test holds the chunks or the queue.
    const fill = (q: OutboundQueue, n: number, tag: string): void => {
      for (let i = 0; i < n; i++) {
        const b = Buffer.from(`${tag}${i}\n`);
        refs.push(new WeakRef(b));
        q.push(b);
      }
    };
    const kept = new OutboundQueue(server, 1 << 20, noOverflow, scheduler);
    fill(kept, 1, 'one'); // a single chunk, written as is
    await until(() => received().toString() === 'one0\n', 'the single chunk');
    fill(kept, 3, 'three'); // a gathered write through a lent array
    await until(() => received().toString().endsWith('three2\n'), 'the gathered chunks');
    (() => {
      const dropped = new OutboundQueue(server, 1 << 20, noOverflow, scheduler);
      refs.push(new WeakRef(dropped));
      fill(dropped, 2, 'dropped');
    })();
    await until(() => received().toString().endsWith('dropped1\n'), 'the dropped queue\'s chunks');
    assert.equal(spareChunkArrays().buffers, 0, 'the spare arrays are empty');
    // A WeakRef's target lives until the job that made it ends: collect on a later turn.
    await turn();
    gc();
    await turn();
    gc();
    const alive = refs.map((r, i) => (r.deref() === undefined ? -1 : i)).filter((i) => i >= 0);
    assert.deepEqual(alive, [], 'every chunk written and the dropped queue were collected');
    assert.equal(received().toString(), 'one0\nthree0\nthree1\nthree2\ndropped0\ndropped1\n');
  } finally {
    close();
  }
});

it('an array a burst grew past the bound is not kept; a small one is, and so is one of a heavy fan-out round (100 lines)', async () => {
  const { server, received, close } = await pair();
  try {
    const q = new OutboundQueue(server, 1 << 20, noOverflow, new FlushScheduler(0));
    const line = Buffer.from('x\n');
    const small = (): void => { for (let i = 0; i < 3; i++) q.push(line); };
    // Whatever earlier tests left: a small flush takes one spare array (if any) and gives it back.
    small();
    const lentFrom = spareChunkArrays().arrays;
    await until(() => received().length === 6, 'the small flush');
    assert.equal(spareChunkArrays().arrays, lentFrom + 1, 'the small array was given back');
    // A socket of a large room under load gets tens of lines per round: its array is kept for the next round.
    for (let i = 0; i < 100; i++) q.push(line);
    assert.equal(spareChunkArrays().arrays, lentFrom, 'the round borrowed an array');
    await until(() => received().length === 206, 'the round of 100 lines');
    assert.equal(spareChunkArrays().arrays, lentFrom + 1, 'the array of a 100-line round was given back and kept');
    for (let i = 0; i < 300; i++) q.push(line);
    assert.equal(spareChunkArrays().arrays, lentFrom, 'the burst borrowed an array');
    await until(() => received().length === 806, 'the burst');
    assert.equal(spareChunkArrays().arrays, lentFrom, 'the array the burst grew was not kept');
    assert.equal(spareChunkArrays().buffers, 0);
  } finally {
    close();
  }
});

it('a queue that would pass 16 KiB writes what it holds at once: a late round never gathers more', async () => {
  const { server, received, close } = await pair();
  const writes: number[] = [];
  const realWriteSync = fs.writeSync;
  try {
    // The round comes only after this synchronous burst: everything written meanwhile is the queue's own doing.
    const q = new OutboundQueue(server, 1 << 30, noOverflow, new FlushScheduler(0));
    (fs as { writeSync: unknown }).writeSync = (...args: Parameters<typeof fs.writeSync>): number => {
      writes.push(Number(args[3]));
      return (realWriteSync as (...a: Parameters<typeof fs.writeSync>) => number)(...args);
    };
    const sent: Buffer[] = [];
    for (let i = 0; i < 400; i++) {
      const b = Buffer.alloc(1000, String.fromCharCode(97 + (i % 26)));
      b.write(`${i};`);
      sent.push(b);
      q.push(b);
    }
    const beforeRound = writes.length;
    assert.ok(beforeRound >= 24, `the burst was written as it grew (${beforeRound} writes before the round)`);
    assert.ok(writes.every((n) => n <= 16 << 10), `no write gathered more than 16 KiB (largest ${Math.max(...writes)})`);
    await until(() => received().length === 400_000, 'every byte');
    assert.ok(received().equals(Buffer.concat(sent)), 'in order');
    assert.ok(writes.every((n) => n <= 16 << 10));
    assert.equal(spareChunkArrays().buffers, 0);
  } finally {
    (fs as { writeSync: unknown }).writeSync = realWriteSync;
    close();
  }
});
