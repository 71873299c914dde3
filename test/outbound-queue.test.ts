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
import fs from 'node:fs';
import { FlushScheduler, OutboundQueue, writesDirectly } from '../src/transports/outbound-queue.ts';
import { countWrites, descriptor } from './helpers/socket-writes.ts';

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
  const slowWrites = countWrites(toSlow);
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
    // Straight to the descriptor while the kernel took everything; through the stream from the
    // first write it did not take in full until that backlog was gone.
    assert.ok(slowWrites.direct > 0 && slowWrites.stream > 0, `both ways were taken (${slowWrites.direct} direct, ${slowWrites.stream} through the stream)`);
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
    slowWrites.stop();
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

/** A loopback pair: the accepted (server) side and the client side, which collects what it receives. */
async function loopbackPair(): Promise<{ server: Socket; received: () => Buffer; close: () => void }> {
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => listener.once('connection', r));
  const client = connect({ port, host: '127.0.0.1' });
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  const server = await accepted;
  return { server, received: () => Buffer.concat(got), close: () => { client.destroy(); server.destroy(); listener.close(); } };
}

it('Node gives an accepted TCP socket a descriptor on its handle (`_handle.fd`), and a write to it reaches the peer', async () => {
  // The direct writes rest on this undocumented property: if a Node release drops or changes it,
  // this fails (and the queue falls back to the stream, as it does for any socket without one).
  const { server, received, close } = await loopbackPair();
  try {
    const fd = descriptor(server);
    assert.ok(Number.isInteger(fd) && fd > 2, `a descriptor number (${fd})`);
    assert.equal(fs.writeSync(fd, Buffer.from('straight\n'), 0, 9, null), 9);
    const deadline = Date.now() + 5000;
    while (received().toString() !== 'straight\n' && Date.now() < deadline) await turn();
    assert.equal(received().toString(), 'straight\n');
    server.destroy();
    assert.equal(descriptor(server), -1, 'a destroyed socket has no descriptor to write to');
  } finally {
    close();
  }
});

it('a plain TCP socket with nothing unsent is written to its descriptor, not through its stream; with directWrites off, through the stream', async () => {
  for (const direct of [true, false]) {
    const { server, received, close } = await loopbackPair();
    const scheduler = new FlushScheduler({ coalesceMs: 0, directWrites: direct });
    const counts = countWrites(server);
    try {
      assert.equal(writesDirectly(server, scheduler), direct);
      const q = new OutboundQueue(server, 1 << 20, { onSendQExceeded: () => assert.fail('no overflow') }, scheduler);
      let want = '';
      for (let round = 0; round < 20; round++) {
        for (let k = 0; k < 1 + (round % 3); k++) { // one chunk (no copy) and several (gathered in the scratch buffer)
          const line = `r${round}.${k}\n`;
          want += line;
          q.push(Buffer.from(line));
        }
        await turn();
        await turn();
      }
      const deadline = Date.now() + 5000;
      while (received().toString() !== want && Date.now() < deadline) await turn();
      assert.equal(received().toString(), want, 'every byte, in order');
      // Rounds close together share a write (adaptive coalescing), so a write per round at most.
      const taken = `${counts.direct} direct, ${counts.stream} through the stream`;
      if (direct) assert.ok(counts.direct >= 1 && counts.direct <= 20 && counts.stream === 0, `every write to the descriptor (${taken})`);
      else assert.ok(counts.direct === 0 && counts.stream >= 1 && counts.stream <= 20, `every write through the stream (${taken})`);
    } finally {
      counts.stop();
      close();
    }
  }
});
