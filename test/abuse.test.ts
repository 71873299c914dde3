/**
 * Hardening: floods, slow consumers, dead peers, connection limits, cross-origin sockets and
 * hostile input over real sockets. Each case asserts the documented outcome and that a
 * well-behaved client on the same server keeps getting answers quickly.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import type { App } from '../src/server/app.ts';
import { REQUEST_TYPES } from '../src/protocol/index.ts';
import { ReplyError, startTestServer, TestClient, wsUrl } from './helpers/server.ts';

/** Production flood defaults (the test helper relaxes them for functional tests). */
const FLOOD_DEFAULTS = { 'flood.burst': 10, 'flood.calcBurst': 3 };

async function rtt(c: TestClient): Promise<number> {
  const t = performance.now();
  await c.sync();
  return performance.now() - t;
}

/** Opens a ws-library client (it can set headers and skip auto-pong) and resolves on open or HTTP refusal. */
function rawWs(url: string, opts: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', reject);
  });
}

describe('flood control', () => {
  it('delays, then refuses with RATE_LIMITED, then disconnects a sustained flood with 4002 "Excess flood"', async () => {
    const app = await startTestServer({ ...FLOOD_DEFAULTS, 'flood.maxDelayMs': 1000 });
    const bystander = await TestClient.login(app, 'Calm');
    const flooder = await TestClient.login(app, 'Flooder');
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      flooder.request('send', { to: '#lobby', text: `spam ${i}` }).then(() => 'ok', (e: unknown) => (e instanceof ReplyError ? e.code : 'closed'))));
    assert.ok(results.filter((r) => r === 'ok').length >= 9, `burst allowed: ${results.join(',')}`);
    assert.ok(results.includes('RATE_LIMITED'), 'refused beyond the burst and delay budget');
    const closed = await flooder.waitClosed();
    assert.equal(closed.code, 4002);
    assert.equal(closed.reason, 'Excess flood');
    await bystander.waitFor((e) => e.type === 'user_left' && e.name === 'Flooder' && e.reason === 'Excess flood');
    assert.ok((await rtt(bystander)) < 200, 'the bystander is unaffected');
    bystander.close();
    await app.close();
  });

  it('gives the calculator a tighter budget of its own', async () => {
    const app = await startTestServer({ ...FLOOD_DEFAULTS, 'flood.maxDelayMs': 500 });
    const c = await TestClient.login(app, 'Calcer');
    const results = await Promise.all(Array.from({ length: 6 }, () => c.request('calc', { expr: '1+1' }).then(() => 'ok', (e: unknown) => (e as ReplyError).code)));
    assert.deepEqual(results.slice(0, 3), ['ok', 'ok', 'ok']);
    assert.ok(results.slice(3).every((r) => r === 'RATE_LIMITED'), results.join(','));
    // Plain chat still has budget left.
    await c.request('send', { to: '#lobby', text: 'fine' });
    c.close();
    await app.close();
  });

  it('charges garbage frames too', async () => {
    const app = await startTestServer({ ...FLOOD_DEFAULTS, 'flood.maxDelayMs': 0 });
    const c = await TestClient.login(app, 'Garbage');
    for (let i = 0; i < 40; i++) c.sendRaw('not json');
    const closed = await c.waitClosed();
    assert.equal(closed.code, 4002);
    await app.close();
  });
});

describe('slow consumers', () => {
  it('disconnects a client that stops reading with "SendQ exceeded"; others keep flowing', async () => {
    const app = await startTestServer({ 'ws.sendQueueBytes': 64 * 1024 });
    const bystander = await TestClient.login(app, 'Reader');
    const sender = await TestClient.login(app, 'Sender');
    // A raw TCP client: does the handshake, logs in, then never reads again.
    const sock = connect(app.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const login = Buffer.from(JSON.stringify({ type: 'login', id: 'l', name: 'Sleeper' }));
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(login.map((b, i) => b ^ mask[i % 4]!));
    sock.write(Buffer.concat([Buffer.from([0x81, 0x80 | login.length]), mask, masked]));
    await bystander.waitFor((e) => e.type === 'user_joined' && e.user.name === 'Sleeper');
    sock.pause();
    const text = 'x'.repeat(3900);
    let maxRtt = 0;
    for (let i = 0; i < 4000; i++) {
      await sender.request('send', { to: '#lobby', text });
      if (i % 200 === 0) maxRtt = Math.max(maxRtt, await rtt(bystander));
      if (bystander.events.some((e) => e.type === 'user_left' && e.name === 'Sleeper')) break;
      bystander.events.splice(0, bystander.events.length - 5);
    }
    const left = await bystander.waitFor((e) => e.type === 'user_left' && e.name === 'Sleeper');
    assert.equal(left.type === 'user_left' && left.reason, 'SendQ exceeded');
    assert.ok(maxRtt < 500, `bystander round trip stayed low: ${maxRtt.toFixed(1)} ms`);
    sock.destroy();
    bystander.close(); sender.close();
    await app.close();
  });
});

describe('liveness', () => {
  it('closes a peer that does not answer pings with 4003 "Ping timeout"', async () => {
    const app = await startTestServer({ 'ws.pingIntervalMs': 200 });
    const watcher = await TestClient.login(app, 'Watcher');
    const r = await rawWs(wsUrl(app), { autoPong: false });
    assert.ok('ws' in r);
    r.ws.send(JSON.stringify({ type: 'login', id: '1', name: 'Zombie' }));
    const code = await new Promise<number>((res) => r.ws.once('close', (c) => res(c)));
    assert.ok(code === 4003 || code === 1006, `closed with ${code}`);
    await watcher.waitFor((e) => e.type === 'user_left' && e.name === 'Zombie' && e.reason === 'Ping timeout');
    watcher.close();
    await app.close();
  });

  it('closes a connection that never logs in with 4004 "Login timeout"', async () => {
    const app = await startTestServer({ 'ws.loginTimeoutMs': 300 });
    const c = await TestClient.open(wsUrl(app));
    const closed = await c.waitClosed();
    assert.deepEqual(closed, { code: 4004, reason: 'Login timeout' });
    await app.close();
  });
});

describe('connection limits', () => {
  it('limits concurrent connections per IP (HTTP 429), loopback included when not exempt', async () => {
    const app = await startTestServer({ 'limits.exemptLoopback': false, 'limits.perIp': 3, 'limits.connectBurst': 100 });
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await TestClient.open(wsUrl(app)));
    const refused = await rawWs(wsUrl(app));
    assert.deepEqual(refused, { status: 429 });
    // Read in-process: an HTTP scrape from this address would itself be over the limit.
    const scrape = (await app.metrics.scrape()).body;
    assert.match(scrape, /^banter_connections_refused_total\{reason="per_ip"\} 1$/m);
    open[0]!.close();
    await open[0]!.waitClosed();
    // The slot is released when a connection closes.
    const deadline = Date.now() + 3000;
    let again: Awaited<ReturnType<typeof rawWs>> = { status: 0 };
    while (Date.now() < deadline) {
      again = await rawWs(wsUrl(app));
      if ('ws' in again) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok('ws' in again, 'a freed slot can be used');
    if ('ws' in again) again.ws.close();
    for (const c of open) c.close();
    await app.close();
  });

  it('throttles new connections per IP', async () => {
    const app = await startTestServer({ 'limits.exemptLoopback': false, 'limits.perIp': 100, 'limits.connectBurst': 2, 'limits.connectRatePerSec': 0.01 });
    const a = await rawWs(wsUrl(app));
    const b = await rawWs(wsUrl(app));
    const c = await rawWs(wsUrl(app));
    assert.ok('ws' in a && 'ws' in b);
    assert.deepEqual(c, { status: 429 });
    if ('ws' in a) a.ws.close();
    if ('ws' in b) b.ws.close();
    await app.close();
  });

  it('exempts loopback by default', async () => {
    const app = await startTestServer({ 'limits.perIp': 1, 'limits.connectBurst': 1 });
    const a = await TestClient.open(wsUrl(app));
    const b = await TestClient.open(wsUrl(app));
    a.close(); b.close();
    await app.close();
  });
});

describe('web security', () => {
  it('refuses a WebSocket from a foreign Origin with 403 and accepts its own origin and non-browser clients', async () => {
    const app = await startTestServer();
    assert.deepEqual(await rawWs(wsUrl(app), { origin: 'http://evil.example' }), { status: 403 });
    const own = await rawWs(wsUrl(app), { origin: `http://127.0.0.1:${app.port}` });
    assert.ok('ws' in own);
    if ('ws' in own) own.ws.close();
    const none = await rawWs(wsUrl(app));
    assert.ok('ws' in none);
    if ('ws' in none) none.ws.close();
    await app.close();
  });

  it('accepts configured origins only', async () => {
    const app = await startTestServer({ 'ws.allowedOrigins': 'https://chat.example.com, https://other.example' });
    const ok = await rawWs(wsUrl(app), { origin: 'https://chat.example.com' });
    assert.ok('ws' in ok);
    if ('ws' in ok) ok.ws.close();
    assert.deepEqual(await rawWs(wsUrl(app), { origin: `http://127.0.0.1:${app.port}` }), { status: 403 });
    await app.close();
  });

  it('does not negotiate permessage-deflate', async () => {
    const app = await startTestServer();
    const r = await rawWs(wsUrl(app), { perMessageDeflate: true });
    assert.ok('ws' in r);
    if ('ws' in r) {
      assert.equal(r.ws.extensions, '');
      r.ws.close();
    }
    await app.close();
  });
});

describe('hostile input', () => {
  let app: App | undefined;
  after(async () => { await app?.close(); });

  it('closes on invalid UTF-8 (1007) without harming others', async () => {
    app = await startTestServer();
    const other = await TestClient.login(app, 'Other');
    const r = await rawWs(wsUrl(app));
    assert.ok('ws' in r);
    if (!('ws' in r)) return;
    const code = new Promise<number>((res) => r.ws.once('close', (c) => res(c)));
    r.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.equal(await code, 1007);
    assert.ok((await rtt(other)) < 200);
    other.close();
  });

  it('refuses control characters and non-ASCII lookalikes in names, and ASCII lookalikes of online users', async () => {
    app ??= await startTestServer();
    const alice = await TestClient.login(app, 'alice');
    const c = await TestClient.open(wsUrl(app));
    for (const bad of ['ali\u0000ce', 'ali\nce', '\u0430lice' /* Cyrillic а */, 'alice\u200b']) {
      await assert.rejects(c.request('login', { name: bad }), (e: unknown) => e instanceof ReplyError && e.code === 'NAME_INVALID');
    }
    for (const twin of ['aIice', 'a1ice', 'A|ICE', 'a|ice']) {
      await assert.rejects(c.request('login', { name: twin }), (e: unknown) => e instanceof ReplyError && e.code === 'NAME_CONFUSABLE', twin);
    }
    alice.close();
    await alice.waitClosed();
    c.close();
  });

  it('answers thousands of random frames with a reply or a stable error, never INTERNAL, and keeps serving', async () => {
    app ??= await startTestServer();
    const c = await TestClient.open(wsUrl(app));
    // Every request type the protocol has (message features, files, moderation… included), and some it has not.
    const types = [...REQUEST_TYPES, 'nope', ''];
    const field = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constantFrom('#lobby', '#r', 'alice', '2+2', '#'), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }));
    const frame = fc.record({ type: fc.constantFrom(...types), name: field, to: field, text: field, room: field, topic: field, message: field, expr: field, msgid: field, emoji: field, on: field, replyTo: field, files: field, file: field, tags: field, after: field, limit: field, seq: field }, { requiredKeys: ['type'] });
    let n = 0;
    const samples = fc.sample(frame, 2000);
    for (const f of samples) c.sendRaw({ ...f, id: `f${++n}` });
    // Raw garbage as well: not JSON, JSON that is not an object, deep nesting.
    for (const g of fc.sample(fc.string({ maxLength: 60 }), 500)) c.sendRaw(g);
    c.sendRaw('['.repeat(5000) + ']'.repeat(5000));
    // Calculations finish out of order; wait until every id has its answer.
    const answered = (): number => new Set(c.events.flatMap((e) => ((e.type === 'reply' || e.type === 'error') && typeof e.id === 'string' && e.id.startsWith('f') ? [e.id] : []))).size;
    const deadline = Date.now() + 30_000;
    while (answered() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await c.sync();
    const answers = c.events.filter((e) => (e.type === 'reply' || e.type === 'error') && 'id' in e && typeof e.id === 'string' && e.id.startsWith('f'));
    assert.equal(answers.length, n, 'every request answered exactly once');
    const internal = c.events.filter((e) => e.type === 'error' && e.code === 'INTERNAL');
    assert.deepEqual(internal, []);
    const probe = await TestClient.login(app, 'Probe');
    assert.ok((await rtt(probe)) < 500);
    probe.close(); c.close();
  });
});
