/** Graceful shutdown of a real `banter serve` process on SIGTERM / SIGINT. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { TestClient } from '../helpers/server.ts';
import { spawnServer, until, type Child } from './helpers.ts';

/** A WebSocket peer that upgrades and then never answers anything (not even the close handshake). */
async function deafPeer(port: number): Promise<{ sock: Socket; data: () => Buffer; ended: () => boolean }> {
  const sock = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let ended = false;
  sock.on('data', (d) => chunks.push(d));
  sock.on('close', () => { ended = true; });
  sock.on('error', () => undefined);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`);
  const data = (): Buffer => Buffer.concat(chunks);
  await until(() => data().includes('"type":"hello"'), 'hello on the raw socket');
  return { sock, data, ended: () => ended };
}

describe('graceful shutdown', () => {
  let child: Child | undefined;
  after(() => child?.kill());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: stops accepting, sends bye + close 1001 to every client, exits 0`, async () => {
      child = await spawnServer(['serve']);
      const url = `ws://127.0.0.1:${child.port}/ws`;
      const user = await TestClient.open(url);
      await user.request('login', { name: 'Leaver' });
      const anon = await TestClient.open(url);
      const deaf = await deafPeer(child.port);

      const t0 = Date.now();
      child.proc.kill(signal);
      for (const c of [user, anon]) {
        assert.deepEqual(await c.waitFor((e) => e.type === 'bye'), { type: 'bye', reason: 'server shutting down' });
        assert.deepEqual(await c.waitClosed(), { code: 1001, reason: 'server shutting down' });
      }
      // The listener is closed while the deaf peer is still being drained.
      await child.waitLog((l) => l.msg === 'shutting down', 'shutting down log');
      const refused = await new Promise<string>((resolve) => {
        const s = connect(child!.port, '127.0.0.1');
        s.once('connect', () => { s.destroy(); resolve('connected'); });
        s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      assert.equal(refused, 'ECONNREFUSED');

      assert.equal(await child.exited, 0);
      assert.ok(Date.now() - t0 < 10_000, 'bounded by shutdown.timeoutMs');
      // The deaf peer got the same goodbye, then was cut off.
      assert.ok(deaf.data().includes('"type":"bye"'));
      assert.ok(deaf.data().includes(Buffer.from([0x88, 0x16, 0x03, 0xe9])), 'close frame with code 1001');
      await until(() => deaf.ended(), 'deaf peer disconnected');
      assert.ok(child.logs.some((l) => l.msg === 'signal received' && l.signal === signal));
    });
  }

  it('a second signal during the drain exits at once with 70', async () => {
    child = await spawnServer(['serve']);
    const deaf = await deafPeer(child.port); // keeps the drain busy for ~2 s
    child.proc.kill('SIGTERM');
    await child.waitLog((l) => l.msg === 'shutting down', 'shutting down log');
    child.proc.kill('SIGTERM');
    assert.equal(await child.exited, 70);
    assert.ok(child.logs.some((l) => l.msg === 'second signal during shutdown: exiting now'));
    deaf.sock.destroy();
  });
});
