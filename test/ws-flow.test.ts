/**
 * WebSocket inbound flow control (src/transports/inbound-pump.ts, shared with IRC): frames that
 * wait for the server stop the reading of their connection instead of piling up in memory, so
 * a client pipelining faster than the store commits is slowed by TCP and loses nothing; and the
 * pump hands requests to the core in slices that yield to the event loop, so one client's
 * burst does not hold it. test/irc/backpressure.test.ts is the IRC side.
 *
 * The store holds every append back until the test opens its gate (as a disk stalled in an
 * fsync would), so the sender's frames are deterministically waiting for the server.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PIPELINE_WINDOW, PUMP_SLICE_ITEMS } from '../src/transports/inbound-pump.ts';
import { WebSocket as WsClient } from 'ws';
import { startTestServer, TestClient, wsUrl } from './helpers/server.ts';
import { stalledStore, until, yieldProbeStore } from './helpers/stalled-store.ts';
import { get, sample } from './ops/helpers.ts';

it('a WebSocket client pipelining faster than the store commits is paused, not dropped: every message arrives once, in order', async () => {
  const { store, appends, open } = stalledStore();
  // The smallest read queue: 3,000 frames of about 60 bytes are 11 times it.
  const app = await startTestServer({ 'ws.readQueueBytes': 16 * 1024 }, { store });
  try {
    const listener = await TestClient.login(app, 'listener');
    const sender = await TestClient.login(app, 'sender');
    await listener.request('join', { room: '#flow' });
    await sender.request('join', { room: '#flow' });
    const pauses = async (): Promise<number> => sample((await get(`${app.url}/metrics`)).body, 'banter_read_pauses_total', { transport: 'ws' }) ?? 0;
    const N = 3000;
    for (let i = 0; i < N; i++) sender.sendRaw({ type: 'send', id: `m${i}`, to: '#flow', text: `line ${i}` });
    // The server took what fits and stopped reading: the store holds the first messages back.
    await until(async () => sender.closed !== undefined || appends() >= N || (await pauses()) >= 1, 'reading to pause');
    assert.equal(sender.closed, undefined, 'the sender was closed');
    // Before, every frame was read and handed to the core at once (3,000 appends waiting).
    assert.ok(appends() <= PIPELINE_WINDOW, `${appends()} appends were started while the store was stalled`);
    // Frames already received are handed over in later slices, but never beyond the window.
    await new Promise((r) => setImmediate(r));
    assert.ok(appends() <= PIPELINE_WINDOW, `${appends()} appends were started while the store was stalled`);
    open();
    await until(() => sender.closed !== undefined || sender.of('reply').length + sender.of('error').length >= N + 2, `${N} replies`);
    assert.equal(sender.of('error').length, 0, JSON.stringify(sender.of('error').slice(0, 3)));
    assert.deepEqual(sender.of('reply').slice(2).map((r) => r.id), Array.from({ length: N }, (_, i) => `m${i}`));
    await until(() => listener.of('message').length >= N || listener.closed !== undefined, `${N} messages to arrive`);
    const got = listener.of('message').map((e) => e.msg.text);
    assert.deepEqual(got, Array.from({ length: N }, (_, i) => `line ${i}`));
    assert.ok((await pauses()) >= 1);
    await sender.sync();
    assert.equal(sender.closed, undefined);
    listener.close(); sender.close();
  } finally {
    await app.close();
  }
});

it("one WebSocket client's burst does not hold the event loop while the store answers at once: requests are handed over in slices", async () => {
  // A memory store answers within the same turn, so nothing but the pump's own bound makes it
  // yield. The first append schedules an immediate: it runs at the pump's first yield.
  const { store, appends, atFirstYield } = yieldProbeStore();
  const app = await startTestServer({ 'ws.readQueueBytes': 1 << 20 }, { store });
  try {
    const sender = await TestClient.login(app, 'burst');
    const other = await TestClient.login(app, 'other');
    await sender.request('join', { room: '#burst' });
    const N = 3000;
    for (let i = 0; i < N; i++) sender.sendRaw({ type: 'send', id: `b${i}`, to: '#burst', text: `b ${i}` });
    // Another client is answered while the burst is being worked through.
    await other.sync();
    await until(() => appends() >= N || sender.closed !== undefined, `${N} appends`);
    assert.equal(appends(), N);
    // Before, every frame of a socket read (about 1,000 here) started its request in one turn.
    assert.ok((atFirstYield() ?? Infinity) <= 2 * PUMP_SLICE_ITEMS, `${atFirstYield()} requests were handed over before the pump first yielded`);
    await until(() => sender.of('reply').length >= N + 2 || sender.closed !== undefined, `${N} replies`);
    assert.deepEqual(sender.of('reply').slice(2).map((r) => r.id), Array.from({ length: N }, (_, i) => `b${i}`));
    sender.close(); other.close();
  } finally {
    await app.close();
  }
});

it('a connection whose reading the server paused is not closed for the pongs it could not have read', async () => {
  const { store, appends, open } = stalledStore();
  const app = await startTestServer({ 'ws.readQueueBytes': 16 * 1024, 'ws.pingIntervalMs': 200 }, { store });
  try {
    const sender = await TestClient.login(app, 'sender');
    await sender.request('join', { room: '#pings' });
    const pauses = async (): Promise<number> => sample((await get(`${app.url}/metrics`)).body, 'banter_read_pauses_total', { transport: 'ws' }) ?? 0;
    const N = 2000;
    for (let i = 0; i < N; i++) sender.sendRaw({ type: 'send', id: `p${i}`, to: '#pings', text: `line ${i}` });
    await until(async () => sender.closed !== undefined || appends() >= N || (await pauses()) >= 1, 'reading to pause');
    // A client that never answers pings: once the sweep has closed it for that, it has also
    // pinged the paused sender and found its pong missing at least once.
    const mute = new WsClient(wsUrl(app), { autoPong: false });
    const muteClosed = new Promise<number>((resolve) => mute.on('close', (code) => resolve(code)));
    mute.on('open', () => mute.send(JSON.stringify({ type: 'login', id: 'l', name: 'mute' })));
    assert.equal(await muteClosed, 4003);
    assert.equal(sender.closed, undefined, 'the paused sender was closed for a ping timeout');
    open();
    await until(() => sender.closed !== undefined || sender.of('reply').length >= N + 2, `${N} replies`);
    assert.equal(sender.of('reply').length, N + 2);
    await sender.sync();
    sender.close();
  } finally {
    await app.close();
  }
});
