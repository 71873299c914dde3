/**
 * The shared client after a reconnect whose re-login is refused because the name is still
 * held (as when the server has not yet noticed the old connection is gone): it keeps
 * retrying with backoff and gets its name back once it is free, instead of giving up.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BanterClient } from '../src/client/client.ts';
import type { App } from '../src/server/app.ts';
import { startTestServer, TestClient } from './helpers/server.ts';

async function until(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('retries a refused re-login (NAME_TAKEN) and recovers its name', async () => {
  let app: App = await startTestServer();
  const port = app.port;
  const c = new BanterClient({ url: `ws://127.0.0.1:${port}/ws`, initialDelayMs: 1500, maxDelayMs: 3000 });
  const details: string[] = [];
  c.onStatus((s, d) => details.push(`${s}: ${d ?? ''}`));
  await c.connect();
  await c.login('Ghosty');
  await app.close();
  await until(() => c.status === 'offline');

  // The first retry comes >= 1.1 s after the drop: the squatter has the name by then.
  app = await startTestServer({ port });
  const squatter = await TestClient.login(app, 'ghosty');
  await until(() => details.some((d) => d.includes('login retry')));
  assert.notEqual(c.status, 'closed');
  squatter.close();
  await until(() => c.status === 'online');
  assert.equal(c.name, 'Ghosty');
  const watcher = await TestClient.login(app, 'Watcher');
  const users = await watcher.request('users', {});
  assert.ok(users.users.some((u) => u.name === 'Ghosty'));
  c.close();
  watcher.close();
  await app.close();
});
