/**
 * The outbound queue's one write per flush (src/transports/outbound-queue.ts) gathers the
 * chunks in a scratch buffer that is reused from write to write. A write the kernel does not
 * take at once (the peer is not reading) keeps pointing into that buffer: the queue must then
 * leave it to that socket, or the next flush of any other socket overwrites bytes not yet sent.
 * Real loopback sockets: one peer stops reading until megabytes are queued, the other reads;
 * both must receive exactly what was pushed, in order.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { it } from 'node:test';
import { FlushScheduler, OutboundQueue } from '../src/transports/outbound-queue.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

it('a write the kernel has not taken yet keeps its bytes while other sockets flush', async () => {
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as { port: number }).port;
  const accepted: Socket[] = [];
  const both = new Promise<void>((r) => listener.on('connection', (s) => { if (accepted.push(s) === 2) r(); }));
  const slow = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((r) => slow.once('connect', () => r()));
  const fast = connect({ port, host: '127.0.0.1' });
  await both;
  const [toSlow, toFast] = accepted as [Socket, Socket];
  const got = { slow: [] as Buffer[], fast: [] as Buffer[] };
  slow.pause(); // reads nothing until everything is queued
  slow.on('data', (d: Buffer) => got.slow.push(d));
  fast.on('data', (d: Buffer) => got.fast.push(d));
  const noOverflow = { onSendQExceeded: () => assert.fail('no overflow') };
  const scheduler = new FlushScheduler(0);
  const qSlow = new OutboundQueue(toSlow, 1 << 30, noOverflow, scheduler);
  const qFast = new OutboundQueue(toFast, 1 << 30, noOverflow, scheduler);
  const sent = { slow: [] as Buffer[], fast: [] as Buffer[] };
  // Chunks of 2 KiB, three per socket per round (one 6 KiB write each, gathered in the scratch buffer), all different.
  const SIZE = 2048;
  const chunk = (who: string, round: number, k: number): Buffer => {
    const head = `${who}${round}.${k}:`;
    return Buffer.from(head + String.fromCharCode(97 + ((round + k) % 26)).repeat(SIZE - head.length));
  };
  let backlogSeen = false;
  try {
    for (let round = 0; round < 3000 && !(backlogSeen && round > 200); round++) {
      for (let k = 0; k < 3; k++) {
        for (const [who, q] of [['slow', qSlow], ['fast', qFast]] as const) {
          const c = chunk(who, round, k);
          sent[who].push(c);
          assert.ok(q.push(c));
        }
      }
      await turn();
      await turn();
      if (toSlow.writableLength > 0) backlogSeen = true;
    }
    assert.ok(backlogSeen, 'the slow socket had writes the kernel had not taken');
    slow.resume();
    const total = (l: Buffer[]): number => l.reduce((a, b) => a + b.length, 0);
    const deadline = Date.now() + 60_000;
    while (total(got.slow) < total(sent.slow) || total(got.fast) < total(sent.fast)) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the bytes');
      await new Promise((r) => setTimeout(r, 10));
    }
    // Compared as whole streams; on a mismatch, say where.
    for (const who of ['slow', 'fast'] as const) {
      const a = Buffer.concat(got[who]), b = Buffer.concat(sent[who]);
      if (!a.equals(b)) {
        let i = 0;
        while (i < a.length && a[i] === b[i]) i++;
        const k = Math.floor(i / SIZE);
        assert.fail(`${who}: received bytes differ from those pushed at byte ${i} (chunk ${k}): ${a.subarray(k * SIZE, k * SIZE + 12).toString()}`);
      }
    }
  } finally {
    slow.destroy();
    fast.destroy();
    for (const s of accepted) s.destroy();
    listener.close();
  }
});

it('a peer that stops reading pins only the bytes queued for it, not a scratch buffer per write', async () => {
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => listener.once('connection', r));
  const peer = connect({ port, host: '127.0.0.1' });
  const toPeer = await accepted;
  peer.pause(); // never reads
  const q = new OutboundQueue(toPeer, 1 << 30, { onSendQExceeded: () => assert.fail('no overflow') }, new FlushScheduler(0));
  try {
    // Fill the kernel's buffers until the socket keeps what it is given.
    const big = Buffer.alloc(2048, 'x');
    for (let i = 0; i < 20_000 && toPeer.writableLength === 0; i++) {
      q.push(big);
      q.push(big);
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(toPeer.writableLength > 0, 'the socket has a backlog');
    const before = process.memoryUsage().arrayBuffers;
    // 2,000 writes of 3 × 100 bytes: 600 kB queued.
    const small = Buffer.alloc(100, 'y');
    for (let i = 0; i < 2000; i++) {
      q.push(small);
      q.push(small);
      q.push(small);
      await new Promise((r) => setImmediate(r));
    }
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 8 << 20, `${Math.round(grown / 1024)} KiB of buffers for 600 kB queued (a 16 KiB scratch per write would be 32 MiB)`);
  } finally {
    peer.destroy();
    toPeer.destroy();
    listener.close();
  }
});
