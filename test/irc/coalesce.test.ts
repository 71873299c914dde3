/**
 * Write coalescing (src/transports/outbound-queue.ts, `delivery.coalesceMs`): a round of
 * socket writes after a quiet spell goes out on the next turn; rounds that follow closely are
 * at least `coalesceMs` apart, so what was queued for a socket in between leaves in one write.
 * One socket whose write throws does not keep the others' bytes back. Real sockets; writes
 * are counted on the server side, whichever way they leave (the stream or the descriptor:
 * test/helpers/socket-writes.ts).
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { it } from 'node:test';
import { FlushScheduler, OutboundQueue } from '../../src/transports/outbound-queue.ts';
import { IrcClient } from '../helpers/irc.ts';
import { startTestServer } from '../helpers/server.ts';
import { onWrite } from '../helpers/socket-writes.ts';
import { until } from '../helpers/stalled-store.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A connected pair over loopback: the server side's writes are counted, the client side collects bytes. */
async function pair(): Promise<{ server: Socket; writes: string[]; received: () => string; hook: (fn: (b: Buffer) => void) => void; close: () => void }> {
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => listener.once('connection', r));
  const port = (listener.address() as { port: number }).port;
  const client = connect({ port, host: '127.0.0.1' });
  let got = '';
  client.on('data', (d: Buffer) => { got += d.toString(); });
  const server = await accepted;
  const writes: string[] = [];
  // Extra behaviour of a write (slow, failing, ordered), run before it is recorded.
  let extra: ((b: Buffer) => void) | undefined;
  const stop = onWrite(server, (b) => { extra?.(b); writes.push(b.toString()); });
  return {
    server, writes, received: () => got, hook: (fn) => { extra = fn; },
    close: () => { stop(); client.destroy(); server.destroy(); listener.close(); },
  };
}


it('rounds of writes are coalesceMs apart: chunks queued in between share one write; the first round is not delayed', async () => {
  const p = pair();
  const { server, writes, received, close } = await p;
  try {
    // Long enough that the pushes below, a turn apart, surely fall inside one interval.
    const scheduler = new FlushScheduler(2000);
    const q = new OutboundQueue(server, 1 << 20, { onSendQExceeded: () => assert.fail('no overflow') }, scheduler);
    q.push(Buffer.from('a\n'));
    await turn();
    await turn();
    assert.deepEqual(writes, ['a\n'], 'after a quiet spell the round runs on the next turn');
    q.push(Buffer.from('b\n'));
    await turn();
    q.push(Buffer.from('c\n'));
    await turn();
    q.push(Buffer.from('d\n'));
    assert.deepEqual(writes, ['a\n'], 'the next round waits for the interval');
    await until(() => received() === 'a\nb\nc\nd\n', 'all bytes');
    assert.deepEqual(writes, ['a\n', 'b\nc\nd\n'], 'three turns\' chunks left in one write');
  } finally {
    close();
  }
});

it('with coalesceMs 0 each turn\'s chunks leave in a write of their own', async () => {
  const { server, writes, received, close } = await pair();
  try {
    const q = new OutboundQueue(server, 1 << 20, { onSendQExceeded: () => assert.fail('no overflow') }, new FlushScheduler(0));
    q.push(Buffer.from('a\n'));
    q.push(Buffer.from('b\n'));
    await turn();
    await turn();
    q.push(Buffer.from('c\n'));
    await until(() => received() === 'a\nb\nc\n', 'all bytes');
    assert.deepEqual(writes, ['a\nb\n', 'c\n']);
  } finally {
    close();
  }
});

it('a socket whose write throws is dropped without keeping the other sockets of its round waiting', async () => {
  const bad = await pair();
  const good = await pair();
  try {
    const scheduler = new FlushScheduler(0);
    bad.hook(() => { throw new Error('write failed'); });
    const qb = new OutboundQueue(bad.server, 1 << 20, { onSendQExceeded: () => undefined }, scheduler);
    const qg = new OutboundQueue(good.server, 1 << 20, { onSendQExceeded: () => undefined }, scheduler);
    qb.push(Buffer.from('lost\n'));
    qg.push(Buffer.from('kept\n'));
    await until(() => good.received() === 'kept\n', 'the good socket\'s bytes');
    assert.equal(bad.server.destroyed, true);
    assert.equal(qb.push(Buffer.from('more\n')), false, 'the failed queue takes nothing more');
  } finally {
    bad.close();
    good.close();
  }
});

it('a round yields after sliceMs: the sockets it has not reached go out on a later turn, before those dirtied since, each complete and in order', async () => {
  const pairs = await Promise.all(Array.from({ length: 20 }, () => pair()));
  try {
    const order: number[] = [];
    pairs.forEach((p, i) => p.hook(() => { order.push(i); }));
    const scheduler = new FlushScheduler({ coalesceMs: 0, sliceMs: 0 }); // 0: yield after every socket
    const qs = pairs.map((p) => new OutboundQueue(p.server, 1 << 20, { onSendQExceeded: () => assert.fail('no overflow') }, scheduler));
    qs.forEach((q, i) => q.push(Buffer.from(`a${i}\n`)));
    // The scheduler's callback was queued first; this one runs right after its first slice.
    await turn();
    assert.ok(order.length >= 1 && order.length < pairs.length, `one slice wrote ${order.length} of ${pairs.length} sockets, then yielded`);
    qs[0]!.push(Buffer.from('b0\n')); // already written in this round: it goes after the others
    await until(() => pairs.every((p, i) => p.received() === (i === 0 ? 'a0\nb0\n' : `a${i}\n`)), 'every socket\'s bytes');
    assert.deepEqual(order, [...pairs.keys(), 0]);
  } finally {
    for (const p of pairs) p.close();
  }
});

it('a round that yields still ends: a socket dirtied while it is written waits for the next round, and what piles up leaves in one write', async () => {
  const pairs = await Promise.all(Array.from({ length: 10 }, () => pair()));
  try {
    // Every write takes 5 ms (a busy socket), and a round yields after every socket: the round
    // takes ten turns. The test queues a line for the first socket on each of twenty turns: the
    // last ten come while the next round waits (as long as the last one wrote, about 50 ms).
    for (const p of pairs) {
      p.hook(() => {
        const t = performance.now();
        while (performance.now() - t < 5) { /* a slow write */ }
      });
    }
    // coalesceMs 1000: the next round starts a second after this one did, whatever the load.
    const scheduler = new FlushScheduler({ coalesceMs: 1000, sliceMs: 0 });
    const qs = pairs.map((p) => new OutboundQueue(p.server, 1 << 20, { onSendQExceeded: () => assert.fail('no overflow') }, scheduler));
    qs.forEach((q, i) => q.push(Buffer.from(`a${i}\n`)));
    for (let k = 0; k < 20; k++) {
      await turn();
      qs[0]!.push(Buffer.from(`x${k}\n`));
    }
    const want = `a0\n${Array.from({ length: 20 }, (_, k) => `x${k}\n`).join('')}`;
    await until(() => pairs[0]!.received() === want && pairs.every((p, i) => i === 0 || p.received() === `a${i}\n`), "every socket's bytes");
    // Before, a socket dirtied during a round joined it, so each line went out on its own.
    assert.deepEqual(pairs[0]!.writes, ['a0\n', want.slice(3)]);
  } finally {
    for (const p of pairs) p.close();
  }
});

/**
 * A queue on a pair whose first write spends 200 ms (a round as 500 busy sockets can make),
 * flushed by a scheduler with `opts`; its first line ("a") has been written when this returns.
 */
async function afterSlowRound(opts: ConstructorParameters<typeof FlushScheduler>[0]): Promise<Awaited<ReturnType<typeof pair>> & { q: OutboundQueue }> {
  const p = await pair();
  let slow = true;
  p.hook(() => {
    const t = performance.now();
    while (slow && performance.now() - t < 200) { /* a slow write */ }
    slow = false;
  });
  const q = new OutboundQueue(p.server, 1 << 20, { onSendQExceeded: () => assert.fail('no overflow') }, new FlushScheduler(opts));
  q.push(Buffer.from('a\n'));
  await turn();
  await turn();
  assert.equal(p.writes.length, 1, 'the first round ran on the next turn');
  return { ...p, q };
}

it('adaptive coalescing: the next round waits as long as the last one spent writing', async () => {
  const { writes, received, close, q } = await afterSlowRound({ coalesceMs: 0, sliceMs: 1000 });
  try {
    q.push(Buffer.from('b\n'));
    await turn();
    q.push(Buffer.from('c\n'));
    await turn();
    assert.equal(writes.length, 1, 'the next round is not on the next turn');
    await until(() => received() === 'a\nb\nc\n', 'all bytes');
    assert.deepEqual(writes.slice(1), ['b\nc\n'], 'what was queued meanwhile left in one write');
  } finally {
    close();
  }
});

it('adaptive coalescing with writeShare 1: after a slow round the next one still goes out on the next turn', async () => {
  const { writes, received, close, q } = await afterSlowRound({ coalesceMs: 0, sliceMs: 1000, writeShare: 1 });
  try {
    q.push(Buffer.from('b\n'));
    await turn();
    await turn();
    assert.deepEqual(writes, ['a\n', 'b\n'], 'no wait after the slow round: b left on the next turn');
    await until(() => received() === 'a\nb\n', 'all bytes');
  } finally {
    close();
  }
});

it('IRC with delivery.coalesceMs: a burst of channel messages reaches every member complete and in order', async () => {
  const app = await startTestServer({ 'delivery.coalesceMs': 20 });
  try {
    const sender = await IrcClient.register(app, 'CoSend');
    const reader = await IrcClient.register(app, 'CoRead');
    for (const c of [sender, reader]) {
      c.send('JOIN #co');
      await c.waitLine(/ 366 \S+ #co /);
    }
    const texts = Array.from({ length: 200 }, (_, i) => `m${i}`);
    for (const t of texts) sender.send(`PRIVMSG #co :${t}`);
    await reader.waitLine(/PRIVMSG #co :m199$/);
    assert.deepEqual(reader.lines.filter((l) => l.includes('PRIVMSG #co')).map((l) => l.split(' :').pop()), texts);
    sender.close(); reader.close();
  } finally {
    await app.close();
  }
});
