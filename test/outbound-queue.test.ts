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

/** A connected loopback pair: `toPeer` is the accepted (server) side, `peer` the client. */
async function loopback(): Promise<{ toPeer: Socket; peer: Socket; close: () => void }> {
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => listener.once('connection', r));
  const peer = connect({ port, host: '127.0.0.1' });
  const toPeer = await accepted;
  return { toPeer, peer, close: () => { peer.destroy(); toPeer.destroy(); listener.close(); } };
}

it('a socket with nothing unsent is written through its handle, not its stream, and the bytes arrive in order', async () => {
  const { toPeer, peer, close } = await loopback();
  let got = '';
  peer.on('data', (d: Buffer) => { got += d.toString(); });
  let streamWrites = 0;
  const write = toPeer.write.bind(toPeer) as (b: Buffer) => boolean;
  toPeer.write = ((b: Buffer) => { streamWrites++; return write(b); }) as typeof toPeer.write;
  const q = new OutboundQueue(toPeer, 1 << 20, { onSendQExceeded: () => assert.fail('no overflow') }, new FlushScheduler(0));
  try {
    const want: string[] = [];
    for (let i = 0; i < 50; i++) {
      // One chunk (written as it is) and two (gathered in the scratch buffer) on alternate turns.
      for (let k = 0; k <= i % 2; k++) { want.push(`line ${i}.${k}\n`); q.push(Buffer.from(want.at(-1)!)); }
      await turn();
    }
    const deadline = Date.now() + 30_000;
    while (got.length < want.join('').length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(got, want.join(''));
    assert.equal(streamWrites, 0, 'no write went through socket.write');
  } finally {
    close();
  }
});

it('a direct write the kernel has not taken counts against the SendQ, and what follows it arrives after it', async () => {
  const { toPeer, peer, close } = await loopback();
  peer.pause(); // reads nothing until told
  let overflowed = 0;
  const MiB = 1 << 20;
  const q = new OutboundQueue(toPeer, 72 * MiB, { onSendQExceeded: () => { overflowed++; } }, new FlushScheduler(0));
  try {
    // 64 MiB in one direct write: the kernel holds a few MiB of it (its socket buffers), the
    // rest stays with libuv; the stream itself has nothing (the write did not go through it).
    const first = Buffer.alloc(64 * MiB, 'a');
    assert.ok(q.push(first));
    await turn();
    await turn();
    assert.equal(toPeer.writableLength, 0, 'nothing went through the stream');
    const backlog = q.size;
    assert.ok(backlog > 24 * MiB, `the pending direct write counts as backlog (${backlog} bytes)`);
    // An unlimited push (a reply) is checked against the backlog alone: it fits, and goes
    // through the stream, behind the pending direct write.
    assert.ok(q.push(Buffer.from('reply\n'), false));
    await turn();
    await turn();
    assert.ok(toPeer.writableLength > 0, 'the next write went through the stream, behind the pending one');
    // 32 MiB more would fit a 72 MiB SendQ were the pending direct write not counted.
    assert.equal(q.push(Buffer.alloc(32 * MiB, 'b')), false, 'the SendQ overflowed');
    assert.equal(overflowed, 1);
  } finally {
    close();
  }
});

it('after a pending direct write, later writes go through the stream and arrive after it, in order', async () => {
  const { toPeer, peer, close } = await loopback();
  peer.pause();
  const chunks: Buffer[] = [];
  peer.on('data', (d: Buffer) => chunks.push(d));
  const q = new OutboundQueue(toPeer, 1 << 30, { onSendQExceeded: () => assert.fail('no overflow') }, new FlushScheduler(0));
  try {
    const sent: Buffer[] = [Buffer.alloc(16 << 20, 'a')];
    q.push(sent[0]!);
    await turn();
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(`after ${i}\n`);
      sent.push(b);
      q.push(b);
      await turn();
    }
    peer.resume();
    const total = sent.reduce((a, b) => a + b.length, 0);
    const deadline = Date.now() + 60_000;
    while (chunks.reduce((a, b) => a + b.length, 0) < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(Buffer.concat(chunks).equals(Buffer.concat(sent)), 'the bytes arrived complete and in order');
    // The queue has no backlog left once everything is written: the next write is direct again.
    assert.equal(q.size, 0);
  } finally {
    close();
  }
});
