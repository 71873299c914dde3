/**
 * The shared protocol client (used by the web and terminal clients): typed requests,
 * reconnect with backoff after a server restart, and an outbox that delivers messages
 * written while offline exactly once.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BanterClient, RequestError } from '../src/client/client.ts';
import type { App } from '../src/server/app.ts';
import { startTestServer, TestClient } from './helpers/server.ts';

async function until(pred: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('logs in, sends, and surfaces typed errors', async () => {
  const app = await startTestServer();
  const c = new BanterClient({ url: `ws://127.0.0.1:${app.port}/ws` });
  await c.connect();
  await assert.rejects(c.login('9bad'), (e: unknown) => e instanceof RequestError && e.code === 'NAME_INVALID');
  const r = await c.login('ClientA');
  assert.equal(r.name, 'ClientA');
  const got: string[] = [];
  c.on('message', (ev) => got.push(ev.msg.text));
  const { msg } = await c.send('#lobby', 'hi');
  assert.equal(msg.text, 'hi');
  await until(() => got.includes('hi'));
  assert.equal((await c.request('calc', { expr: '2^10+1' })).result, '1025');
  c.close();
  await app.close();
});

it('reports an unreachable server', async () => {
  const app = await startTestServer();
  const port = app.port;
  await app.close();
  const c = new BanterClient({ url: `ws://127.0.0.1:${port}/ws` });
  await assert.rejects(c.connect(), (e: unknown) => e instanceof RequestError && e.code === 'UNREACHABLE');
});

it('reconnects after a server restart and sends offline messages exactly once', async () => {
  let app: App = await startTestServer();
  const port = app.port;
  const c = new BanterClient({ url: `ws://127.0.0.1:${port}/ws`, initialDelayMs: 1500, maxDelayMs: 3000 });
  const statuses: string[] = [];
  c.onStatus((s) => statuses.push(s));
  await c.connect();
  await c.login('Resilient');
  await c.request('join', { room: '#keep' });
  c.rooms.add('#keep');

  await app.close();
  await until(() => c.status === 'offline');
  const pending = [c.send('#lobby', 'written offline 1'), c.send('#keep', 'written offline 2')];
  assert.equal(c.outboxSize, 2);

  // The first retry comes >= 1.1 s after the drop: time enough for the watcher to be in place.
  app = await startTestServer({ port });
  const watcher = await TestClient.login(app, 'Watcher');
  await watcher.request('join', { room: '#keep' });
  const results = await Promise.all(pending);
  assert.deepEqual(results.map((r) => r.msg.text), ['written offline 1', 'written offline 2']);
  await until(() => c.status === 'online');
  assert.ok(statuses.includes('offline') && statuses.at(-1) === 'online');
  assert.equal(c.name, 'Resilient');
  // Rejoined #keep automatically; the watcher sees each message once.
  await watcher.waitFor((e) => e.type === 'message' && e.msg.text === 'written offline 2');
  await watcher.sync();
  assert.equal(watcher.of('message').filter((e) => e.msg.text === 'written offline 1').length, 1);
  assert.equal(c.outboxSize, 0);
  c.close();
  watcher.close();
  await app.close();
});
