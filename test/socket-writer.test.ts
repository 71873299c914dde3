/**
 * Socket writes on a thread of their own (src/transports/socket-writer.ts, the outbound queue's
 * `writerThread`), over real loopback sockets: bytes arrive complete and in order; what the
 * kernel does not take goes on through the stream; while a socket has a write in flight its
 * descriptor stays open and `write`, `end` and `destroy` wait for the batch; a thread that
 * fails takes the connections of its batch in flight with it and writing goes back to the event
 * loop; the thread starts with enough writes and stops when they end.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { FlushScheduler, OutboundQueue } from '../src/transports/outbound-queue.ts';
import { descriptor } from './helpers/socket-writes.ts';

const noOverflow = { onSendQExceeded: () => assert.fail('no overflow') };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let listener: Server;
let port = 0;
const waiting: ((s: Socket) => void)[] = [];

before(async () => {
  listener = createServer((s) => waiting.shift()?.(s));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as { port: number }).port;
});
const opened: Socket[] = [];
after(() => {
  // Whatever a failed test left open.
  for (const s of opened) s.destroy();
  return new Promise<void>((r) => listener.close(() => r()));
});

interface Pair { server: Socket; client: Socket; got: Buffer[]; ended: Promise<void> }

/** A connected pair: `server` is written through queues, `client` collects what arrives. */
async function pair(): Promise<Pair> {
  const accepted = new Promise<Socket>((r) => waiting.push(r));
  const client = connect({ port, host: '127.0.0.1' });
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  const ended = new Promise<void>((r) => client.once('end', () => r()));
  client.on('error', () => undefined);
  const server = await accepted;
  server.on('error', () => undefined);
  opened.push(client, server);
  return { server, client, got, ended };
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(5);
  }
}

const total = (l: Buffer[]): number => l.reduce((a, b) => a + b.length, 0);

/** A scheduler whose writer thread starts with the first round, and its thread once it takes batches. */
async function withWriter(opts: ConstructorParameters<typeof FlushScheduler>[0] = {}): Promise<FlushScheduler> {
  const scheduler = new FlushScheduler({ writerThread: true, writerStartWrites: 0, ...(typeof opts === 'object' ? opts : {}) });
  const p = await pair();
  const q = new OutboundQueue(p.server, 1 << 30, noOverflow, scheduler);
  q.push(Buffer.from('warm\n'));
  await until('the writer thread takes batches', () => scheduler.writerThreadNow?.ready === true);
  p.client.destroy();
  p.server.destroy();
  return scheduler;
}

it('many sockets get every byte, in order, through the writer thread', async () => {
  const scheduler = await withWriter();
  try {
    const pairs = await Promise.all(Array.from({ length: 40 }, () => pair()));
    const queues = pairs.map((p) => new OutboundQueue(p.server, 1 << 30, noOverflow, scheduler));
    const sent = pairs.map(() => [] as Buffer[]);
    const before = scheduler.writerWrites;
    for (let round = 0; round < 300; round++) {
      queues.forEach((q, i) => {
        for (let k = 0; k < 1 + (round % 3); k++) {
          const b = Buffer.from(`${i}:${round}.${k}:${'x'.repeat((round * 7 + i) % 90)}\n`);
          sent[i]!.push(b);
          assert.ok(q.push(b));
        }
      });
      if (round % 10 === 0) await sleep(1);
      else await new Promise((r) => setImmediate(r));
    }
    await until('every byte', () => pairs.every((p, i) => total(p.got) === total(sent[i]!)));
    pairs.forEach((p, i) => assert.ok(Buffer.concat(p.got).equals(Buffer.concat(sent[i]!)), `socket ${i}: the bytes arrived as pushed`));
    assert.ok(scheduler.writerWrites - before > 1000, `the thread made the writes (${scheduler.writerWrites - before})`);
    for (const p of pairs) { p.client.destroy(); p.server.destroy(); }
  } finally {
    await scheduler.close();
  }
  assert.equal(scheduler.writerRunning, false, 'closed: no thread');
});

it('what the kernel does not take goes on through the stream, in order', async () => {
  const scheduler = await withWriter();
  try {
    const p = await pair();
    p.client.pause(); // reads nothing: the kernel's buffers fill
    const q = new OutboundQueue(p.server, 1 << 30, noOverflow, scheduler);
    const sent: Buffer[] = [];
    let backlog = false;
    for (let round = 0; round < 2000 && !(backlog && round > 100); round++) {
      const b = Buffer.from(`${round}:${'y'.repeat(4000)}\n`);
      sent.push(b);
      q.push(b);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      if (p.server.writableLength > 0) backlog = true;
    }
    assert.ok(backlog, 'the stream held bytes the kernel had not taken');
    p.client.resume();
    await until('every byte', () => total(p.got) === total(sent), 60_000);
    const a = Buffer.concat(p.got), b = Buffer.concat(sent);
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    assert.ok(a.equals(b), `the bytes arrived as pushed (they differ at byte ${i} of ${b.length}: ${JSON.stringify(a.subarray(Math.max(0, i - 20), i + 20).toString())} against ${JSON.stringify(b.subarray(Math.max(0, i - 20), i + 20).toString())})`);
    p.client.destroy();
    p.server.destroy();
  } finally {
    await scheduler.close();
  }
});

it('a socket with a write in flight keeps its descriptor until the batch is back; write, end and destroy wait for it', async () => {
  const scheduler = await withWriter();
  try {
    // destroy: the descriptor stays open (no other connection can be given its number) until the batch is back.
    const a = await pair();
    const qa = new OutboundQueue(a.server, 1 << 30, noOverflow, scheduler);
    const fd = descriptor(a.server);
    assert.ok(fd >= 0);
    const closed = new Promise<void>((r) => a.server.once('close', () => r()));
    qa.push(Buffer.from('before the destroy\n'));
    // The round runs on this check phase (setImmediate, queued by the push); the batch comes
    // back through the thread's message, on a later turn: in between, the write is in flight.
    await new Promise<void>((r) => setImmediate(() => {
      assert.equal(qa.inflight, true, 'the write is in flight');
      a.server.destroy();
      assert.equal(a.server.destroyed, true);
      assert.doesNotThrow(() => fs.fstatSync(fd), 'the descriptor is still open while the thread may write to it');
      r();
    }));
    await closed;
    assert.equal(qa.inflight, false);
    await until('the bytes written before the destroy', () => Buffer.concat(a.got).toString() === 'before the destroy\n');

    // end and another writer's bytes: after the batch's bytes, and the end after all of them.
    const b = await pair();
    const qb = new OutboundQueue(b.server, 1 << 30, noOverflow, scheduler);
    qb.push(Buffer.from('line one\n'));
    await new Promise<void>((r) => setImmediate(() => {
      assert.equal(qb.inflight, true, 'the write is in flight');
      b.server.write('written by another\n');
      qb.push(Buffer.from('line two\n'));
      qb.flush(); // asked for while in flight: runs once the batch is back, before the end
      b.server.end();
      r();
    }));
    await b.ended;
    assert.equal(Buffer.concat(b.got).toString(), 'line one\nline two\nwritten by another\n');
  } finally {
    await scheduler.close();
  }
});

it('a writer thread that fails closes the connections of its batch in flight, and writing goes back to the event loop', async () => {
  const failures: Error[] = [];
  const scheduler = await withWriter({ onWriterFailed: (err) => failures.push(err) });
  try {
    const lost = await pair();
    const kept = await pair();
    const qLost = new OutboundQueue(lost.server, 1 << 30, noOverflow, scheduler);
    const qKept = new OutboundQueue(kept.server, 1 << 30, noOverflow, scheduler);
    const lostClosed = new Promise<void>((r) => lost.server.once('close', () => r()));
    const thread = scheduler.writerThreadNow!;
    qLost.push(Buffer.from('in flight\n'));
    await new Promise<void>((r) => setImmediate(() => {
      assert.equal(qLost.inflight, true);
      // The thread fails with the batch in flight (as an uncaught exception in it would report itself).
      (thread as unknown as { worker: { emit(ev: string, err: Error): void } }).worker.emit('error', new Error('simulated failure'));
      r();
    }));
    await lostClosed;
    await until('the failure is reported', () => failures.length === 1);
    assert.equal(scheduler.writerRunning, false);
    // Writing goes on, on the event loop, and no new thread is started.
    qKept.push(Buffer.from('still written\n'));
    await until('the bytes on the event loop', () => Buffer.concat(kept.got).toString() === 'still written\n');
    assert.equal(scheduler.writerRunning, false);
    assert.equal(scheduler.writerStarts, 1);
    kept.client.destroy();
    kept.server.destroy();
  } finally {
    await scheduler.close();
  }
});

it('the thread starts once a second of rounds made enough writes, and stops after quiet seconds', async () => {
  const scheduler = new FlushScheduler({ writerThread: true, writerStartWrites: 200, writerIdleSec: 1 });
  try {
    const pairs = await Promise.all(Array.from({ length: 20 }, () => pair()));
    const queues = pairs.map((p) => new OutboundQueue(p.server, 1 << 30, noOverflow, scheduler));
    // Fewer than 200 writes a second: no thread.
    for (let round = 0; round < 12; round++) {
      queues.slice(0, 10).forEach((q) => q.push(Buffer.from('slow\n')));
      await sleep(100);
    }
    assert.equal(scheduler.writerRunning, false, '≈ 100 writes a second start no thread');
    // 20 sockets every 10 ms: ≈ 2,000 writes a second.
    const deadline = Date.now() + 5000;
    while (!scheduler.writerRunning && Date.now() < deadline) {
      queues.forEach((q) => q.push(Buffer.from('fast\n')));
      await sleep(10);
    }
    assert.equal(scheduler.writerRunning, true, 'enough writes start the thread');
    assert.equal(scheduler.writerStarts, 1);
    // Quiet: it stops after one quiet second (two checks, at most).
    await until('the thread stops', () => !scheduler.writerRunning, 5000);
    for (const p of pairs) { p.client.destroy(); p.server.destroy(); }
  } finally {
    await scheduler.close();
  }
});

it('without writerThread, or with direct writes off, no thread ever starts', async () => {
  for (const opts of [{ writerStartWrites: 0 }, { writerThread: true, writerStartWrites: 0, directWrites: false }]) {
    const scheduler = new FlushScheduler(opts);
    const p = await pair();
    const q = new OutboundQueue(p.server, 1 << 30, noOverflow, scheduler);
    for (let i = 0; i < 20; i++) {
      q.push(Buffer.from(`${i}\n`));
      await sleep(2);
    }
    await until('the bytes', () => total(p.got) > 0 && Buffer.concat(p.got).toString().endsWith('19\n'));
    assert.equal(scheduler.writerRunning, false);
    assert.equal(scheduler.writerStarts, 0);
    p.client.destroy();
    p.server.destroy();
    await scheduler.close();
  }
});
