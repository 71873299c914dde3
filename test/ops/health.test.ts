/** /healthz, /readyz, and what the log may (not) contain. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPingable, type MessageStore } from '../../src/core/ports.ts';
import type { App } from '../../src/server/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import { MemoryStore } from '../../src/storage/memory.ts';
import { IrcClient } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { get } from './helpers.ts';

describe('/healthz and /readyz', () => {
  let app: App;
  before(async () => { app = await startTestServer(); });
  after(async () => { await app.close(); });

  it('/healthz answers JSON while the process is alive', async () => {
    const res = await get(`${app.url}/healthz`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(body.version, '0.1.0');
    assert.equal(typeof body.uptimeSeconds, 'number');
    assert.equal(typeof body.connections, 'number');
  });

  it('/healthz counts IRC connections as well as WebSocket ones, and says which', async () => {
    const health = async (): Promise<{ connections: number; transports: { ws: number; irc: number } }> => JSON.parse((await get(`${app.url}/healthz`)).body) as never;
    const before = await health();
    const web = await TestClient.login(app, 'HealthWeb');
    const irc = await IrcClient.register(app, 'HealthIrc');
    const during = await health();
    assert.deepEqual(during.transports, { ws: before.transports.ws + 1, irc: before.transports.irc + 1 });
    assert.equal(during.connections, during.transports.ws + during.transports.irc);
    web.close(); irc.socket.destroy();
    await web.waitClosed();
  });

  it('/readyz is 200 with every check ok when listeners are up and storage answers', async () => {
    const res = await get(`${app.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { status: 'ready', checks: { listeners: 'ok', store: 'ok', bus: 'ok', presence: 'ok' } });
  });
});

describe('/readyz with storage down', () => {
  const mem = (): MemoryStore => new MemoryStore({ clock: { now: () => Date.now() }, maxPerConversation: 10, idempotencyWindowMs: 1000 });
  it('is 503 "not ready" while the store ping fails, 200 again once it answers, and never leaks the error', async () => {
    let up = false;
    const store = Object.assign(mem(), { ping: async (): Promise<void> => { if (!up) throw new Error('db at /secret/path unreachable'); } }) satisfies MessageStore;
    assert.ok(isPingable(store));
    const app = await startTestServer({}, { store });
    try {
      const down = await get(`${app.url}/readyz`);
      assert.equal(down.status, 503);
      assert.deepEqual(JSON.parse(down.body), { status: 'not ready', checks: { listeners: 'ok', store: 'unreachable', bus: 'ok', presence: 'ok' } });
      assert.doesNotMatch(down.body, /secret/);
      up = true;
      assert.equal((await get(`${app.url}/readyz`)).status, 200);
    } finally {
      await app.close();
    }
  });
});

describe('logging', () => {
  it('logs connects, logins and disconnects but never message bodies, calc expressions or notices', async () => {
    const lines: string[] = [];
    const log = createLogger({ logLevel: 'trace', logFormat: 'json' }, { write: (s: string) => { lines.push(s); } });
    const app = await startTestServer({ 'admin.token': 'admin-token-0123456789abcdef' }, { log });
    try {
      const a = await TestClient.login(app, 'LogAlice');
      const b = await TestClient.login(app, 'LogBob');
      await a.request('send', { to: '#lobby', text: 'SECRET-ROOM-TEXT-4711' });
      await a.request('send', { to: 'LogBob', text: 'SECRET-DM-TEXT-4712' });
      await a.request('calc', { expr: '47134713 km to mi' });
      await a.request('away', { message: 'SECRET-AWAY-4714' });
      await a.request('join', { room: '#logroom' });
      await a.request('topic', { room: '#logroom', topic: 'SECRET-TOPIC-4715' });
      await fetch(`${app.url}/api/admin/notice`, { method: 'POST', headers: { Authorization: 'Bearer admin-token-0123456789abcdef', 'Content-Type': 'application/json' }, body: '{"text":"SECRET-NOTICE-4716"}' });
      await b.waitFor((e) => e.type === 'notice');
      a.close(); b.close();
      await b.waitClosed();
    } finally {
      await app.close();
    }
    const all = lines.join('');
    assert.match(all, /"msg":"connected"/);
    assert.match(all, /"msg":"logged in"/);
    assert.match(all, /"name":"LogAlice"/);
    assert.match(all, /"msg":"admin: notice sent"/);
    for (const secret of ['SECRET-ROOM-TEXT', 'SECRET-DM-TEXT', '47134713', 'SECRET-AWAY', 'SECRET-TOPIC', 'SECRET-NOTICE', 'admin-token-0123456789abcdef']) {
      assert.ok(!all.includes(secret), `log contains ${secret}`);
    }
    for (const l of lines) JSON.parse(l); // every line is one JSON object
  });
});
