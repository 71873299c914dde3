/**
 * A connection that dies without the server noticing (laptop sleep, NAT timeout) leaves the
 * name held on the server until its next ping. The client must keep retrying the re-login
 * with backoff instead of giving up with NAME_TAKEN. A TCP proxy between client and server
 * cuts only the client's side to reproduce it.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { ChatProcess, killAll } from './helpers.ts';

let app: App;
let proxy: Server;
const pairs: { client: Socket; upstream: Socket }[] = [];
after(async () => {
  killAll();
  for (const { client, upstream } of pairs) { client.destroy(); upstream.destroy(); }
  proxy.close();
  await app.close();
});

it('keeps retrying the re-login while the server still holds the old connection', async () => {
  app = await startTestServer();
  proxy = createServer((client) => {
    const upstream = connect(app.port, '127.0.0.1');
    pairs.push({ client, upstream });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as { port: number };
  const alice = await ChatProcess.start(`http://127.0.0.1:${port}`, 'alice');
  const watcher = await TestClient.login(app, 'watcher');

  // Cut the client's side only: the server still sees alice connected.
  const first = pairs[0]!;
  first.client.unpipe(first.upstream);
  first.upstream.unpipe(first.client);
  first.client.destroy();
  await alice.waitLine(/ status disconnected: connection lost/);
  await alice.waitLine(/ status disconnected: the name is still held by our previous connection; reconnecting in /);
  alice.send('still here?');

  // Now the server notices (here: the old connection closes) and the name is free again.
  first.upstream.destroy();
  await watcher.waitFor((e) => e.type === 'user_left' && e.name === 'alice');
  await alice.waitLine(/ status reconnected as alice/, 30_000);
  await watcher.waitFor((e) => e.type === 'message' && e.msg.from === 'alice' && e.msg.text === 'still here?');
  assert.equal(alice.exit, undefined, 'the client kept running');
  watcher.close();
});
