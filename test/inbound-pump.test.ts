/**
 * The shared inbound pump's bounds, driven directly (the transports' tests drive it over real
 * sockets: test/ws-flow.test.ts, test/irc/backpressure.test.ts, test/irc/hardening.test.ts).
 * These cover what a conforming socket never produces: items that keep arriving after
 * reading paused.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InboundPump, type InboundHost } from '../src/transports/inbound-pump.ts';

interface Item { bytes: number; n: number }

/** A host whose items wait for `release()`; it records what the pump asked of it. */
function host(): InboundHost<Item> & { calls: string[]; ran: number[]; release: () => void; inputClosed: boolean } {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const h = {
    inputClosed: false,
    calls: [] as string[],
    ran: [] as number[],
    release: () => release(),
    overlaps: () => true,
    run: async (item: Item) => { h.ran.push(item.n); await gate; },
    failed: (err: unknown) => { throw err; },
    pauseReading: () => { h.calls.push('pause'); },
    resumeReading: () => { h.calls.push('resume'); },
    readQueueExceeded: () => { h.calls.push('exceeded'); h.inputClosed = true; },
  };
  return h;
}

it('items waiting for the server pause reading at half the read queue and resume under a quarter; nothing is dropped', async () => {
  const h = host();
  const pump = new InboundPump(h, { readQueueBytes: 1000 }, 500);
  for (let i = 0; i < 6; i++) pump.push({ bytes: 100, n: i });
  pump.received();
  // 600 bytes > 500: paused. Half the read queue in flight (five items of 100: the sixth waits).
  assert.deepEqual(h.calls, ['pause']);
  assert.deepEqual(h.ran, [0, 1, 2, 3, 4]);
  h.release();
  while (!pump.idle) await new Promise((r) => setImmediate(r));
  assert.deepEqual(h.ran, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(h.calls, ['pause', 'resume']);
  assert.equal(pump.queuedBytes, 0);
});

it('items that keep arriving after the pause, past the read queue and the slack, drop the client', () => {
  const h = host();
  const pump = new InboundPump(h, { readQueueBytes: 1000 }, 500);
  let n = 0;
  // Up to the read queue plus the slack is what may still come after a pause: kept.
  for (; n < 15; n++) {
    pump.push({ bytes: 100, n });
    pump.received();
  }
  assert.deepEqual(h.calls, ['pause']);
  pump.push({ bytes: 100, n });
  pump.received();
  assert.deepEqual(h.calls, ['pause', 'exceeded']);
  assert.equal(pump.queuedBytes, 0);
});

it('items held by the host flood gate are the client\'s doing: reading goes on, and past the read queue the client is dropped', async () => {
  const h = host();
  let waits = 0;
  const gated = Object.assign(h, { floodWait: () => (waits++ === 0 || h.inputClosed ? 0 : 100) });
  const pump = new InboundPump(gated, { readQueueBytes: 1000 }, 500);
  pump.push({ bytes: 100, n: 0 });
  pump.push({ bytes: 100, n: 1 });
  pump.received();
  // The first ran, the second waits for the flood gate: no pause however much comes.
  for (let n = 2; n < 10; n++) {
    pump.push({ bytes: 100, n });
    pump.received();
  }
  assert.deepEqual(h.calls, []);
  pump.push({ bytes: 100, n: 10 });
  pump.push({ bytes: 100, n: 11 });
  pump.received();
  assert.deepEqual(h.calls, ['exceeded']);
  assert.deepEqual(h.ran, [0]);
});
