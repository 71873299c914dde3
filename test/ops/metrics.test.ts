/** GET /metrics: Prometheus text whose counters move with real traffic over real sockets. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient, wsUrl } from '../helpers/server.ts';
import { get, sample, until } from './helpers.ts';

const TOKEN = 'metrics-token-0123456789';

describe('/metrics', () => {
  let app: App;
  before(async () => { app = await startTestServer(); });
  after(async () => { await app.close(); });

  const scrape = async (): Promise<string> => {
    const res = await get(`${app.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return res.body;
  };

  it('counts connections, messages, deliveries, calculations and disconnects as traffic flows', async () => {
    const before = await scrape();
    assert.equal(sample(before, 'banter_info', { version: '0.1.0' }), 1);
    assert.ok(sample(before, 'nodejs_eventloop_lag_seconds') >= 0);
    assert.ok(sample(before, 'process_resident_memory_bytes') > 0, 'process metrics present');

    const a = await TestClient.login(app, 'MetA');
    const b = await TestClient.login(app, 'MetB');
    const mid = await scrape();
    assert.equal(sample(mid, 'banter_connections', { transport: 'ws' }), 2);
    assert.equal(sample(mid, 'banter_users_online'), 2);
    assert.ok(sample(mid, 'banter_rooms') >= 1);

    for (let i = 0; i < 3; i++) await a.request('send', { to: '#lobby', text: `metrics ${i}` });
    await b.waitFor((e) => e.type === 'message' && e.msg.text === 'metrics 2');
    await a.request('send', { to: 'MetB', text: 'direct' });
    await b.waitFor((e) => e.type === 'message' && e.msg.text === 'direct');
    assert.equal((await a.request('calc', { expr: '2^10' })).result, '1024');
    await a.request('calc', { expr: '1 +' }).catch(() => undefined);
    await a.request('send', { to: '#nowhere', text: 'x' }).catch(() => undefined);

    const after = await scrape();
    const d = (name: string, labels: Record<string, string> = {}): number => sample(after, name, labels) - sample(before, name, labels);
    assert.equal(d('banter_messages_received_total', { kind: 'send' }), 5);
    assert.equal(d('banter_messages_received_total', { kind: 'login' }), 2);
    assert.equal(d('banter_messages_received_total', { kind: 'calc' }), 2);
    // 3 room messages to 2 members + 1 DM to recipient and sender.
    assert.equal(d('banter_messages_delivered_total', { kind: 'message' }), 3 * 2 + 2);
    assert.ok(d('banter_messages_delivered_total', { kind: 'user_joined' }) >= 1);
    assert.equal(d('banter_request_errors_total', { kind: 'send', code: 'NO_SUCH_ROOM' }), 1);
    assert.equal(d('banter_request_errors_total', { kind: 'calc', code: 'CALC_SYNTAX' }), 1);
    assert.equal(d('banter_delivery_latency_seconds_count'), 4);
    assert.equal(d('banter_request_duration_seconds_count', { kind: 'send' }), 5);
    assert.equal(d('banter_calc_evaluations_total', { outcome: 'ok' }), 1);
    assert.equal(d('banter_calc_evaluations_total', { outcome: 'error' }), 1);
    assert.equal(d('banter_calc_duration_seconds_count'), 2);
    assert.equal(d('banter_store_append_duration_seconds_count'), 4);
    assert.ok(sample(after, 'banter_outbound_queue_bytes', { stat: 'sum' }) >= 0);

    b.close();
    await until(async () => sample(await scrape(), 'banter_disconnects_total', { transport: 'ws', reason: 'quit' }) - sample(before, 'banter_disconnects_total', { transport: 'ws', reason: 'quit' }) === 1, 'quit counted');
    assert.equal(sample(await scrape(), 'banter_connections', { transport: 'ws' }), 1);
    a.close();
  });

  it('counts login timeouts as their own disconnect reason', async () => {
    const quick = await startTestServer({ 'ws.loginTimeoutMs': 100 });
    try {
      const c = await TestClient.open(wsUrl(quick));
      const closed = await c.waitClosed();
      assert.equal(closed.code, 4004);
      await until(async () => sample((await get(`${quick.url}/metrics`)).body, 'banter_disconnects_total', { transport: 'ws', reason: 'login_timeout' }) === 1, 'login timeout counted');
    } finally {
      await quick.close();
    }
  });
});

describe('ping timeouts', () => {
  it('count as reason ping_timeout when a peer never answers pings', async () => {
    const app = await startTestServer({ 'ws.pingIntervalMs': 100, 'ws.loginTimeoutMs': 60_000 });
    const sock = connect(app.port, '127.0.0.1');
    sock.on('error', () => undefined);
    try {
      await new Promise<void>((r) => sock.once('connect', () => r()));
      // A raw WebSocket upgrade, then silence: the socket reads but never answers a ping.
      sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`);
      await until(async () => sample((await get(`${app.url}/metrics`)).body, 'banter_disconnects_total', { transport: 'ws', reason: 'ping_timeout' }) === 1, 'ping timeout counted');
    } finally {
      sock.destroy();
      await app.close();
    }
  });
});

describe('event-loop metrics', () => {
  // A coarse sampling period, so that "lag" and "the sampling interval" are far apart: an
  // interval-based lag (prom-client's own, Node's monitorEventLoopDelay as is) reads >= 100 ms.
  let app: App;
  before(async () => { app = await startTestServer({ 'metrics.loopResolutionMs': 100 }); });
  after(async () => { await app.close(); });

  it('report how late the loop ran (not the sampling interval) and the longest synchronous turn since the last scrape', async () => {
    await get(`${app.url}/metrics`); // starts a fresh period
    // The monitor's first sample of the period (its reset forgets the previous timestamp).
    await new Promise((r) => setTimeout(r, 300));
    // The server runs in this process: block its loop for 250 ms, then let it idle for ~10 samples.
    const t = performance.now();
    while (performance.now() - t < 250) { /* busy */ }
    await new Promise((r) => setTimeout(r, 1000));
    const text = (await get(`${app.url}/metrics`)).body;
    const turn = sample(text, 'banter_event_loop_longest_turn_seconds');
    assert.ok(turn >= 0.25, `longest turn ${turn} s covers the 250 ms block`);
    assert.ok(sample(text, 'nodejs_eventloop_lag_max_seconds') >= 0.15, 'max lag: at least the block minus one sampling period');
    const p50 = sample(text, 'nodejs_eventloop_lag_p50_seconds');
    assert.ok(p50 < 0.05, `median lag ${p50} s is how late the timer ran, not its 100 ms period`);
    assert.ok(sample(text, 'nodejs_eventloop_lag_min_seconds') <= p50);
    // The next period starts afresh: the block is not reported twice.
    await new Promise((r) => setTimeout(r, 500));
    const next = sample((await get(`${app.url}/metrics`)).body, 'banter_event_loop_longest_turn_seconds');
    assert.ok(next < 0.25, `next period's longest turn ${next} s`);
  });
});

describe('/metrics with metrics.token', () => {
  let app: App;
  before(async () => { app = await startTestServer({ 'metrics.token': TOKEN }); });
  after(async () => { await app.close(); });

  it('refuses scrapes without the bearer token and serves them with it', async () => {
    const none = await get(`${app.url}/metrics`);
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.body).code, 'UNAUTHORIZED');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await get(`${app.url}/metrics`, { Authorization: 'Bearer wrong-token-0123456789' })).status, 401);
    const ok = await get(`${app.url}/metrics`, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^# HELP banter_/m);
  });
});

describe('docs/operations.md', () => {
  it('lists every banter_ metric the server registers', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const app = await startTestServer();
    try {
      const names = (await app.metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('banter_'));
      assert.ok(names.length >= 15);
      for (const n of names) assert.ok(doc.includes(`\`${n}\``), `${n} is missing from docs/operations.md`);
    } finally {
      await app.close();
    }
  });
});

describe('disconnect reason buckets', () => {
  it('map transport wording onto a closed label set', async () => {
    const { disconnectBucket } = await import('../../src/server/metrics.ts');
    const cases: [string, string][] = [
      ['quit', 'quit'], ['Quit: kicked myself', 'quit'], ['SendQ exceeded', 'sendq'], ['Excess Flood', 'flood'],
      ['Ping timeout', 'ping_timeout'], ['Login timeout', 'login_timeout'], ['Kicked by admin', 'kicked'],
      ['server shutting down', 'shutdown'], ['connection lost', 'lost'], ['message too big', 'too_big'], ['closed (4999)', 'other'],
    ];
    for (const [reason, bucket] of cases) assert.equal(disconnectBucket(reason), bucket, reason);
  });
});
