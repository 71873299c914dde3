/**
 * The shared client across a server restart on the SQLite store: it signs in again with its
 * session token, rejoins its room with `since`, and hands exactly the missed messages to its
 * `message` handlers (rooms and DMs), once each and in order; gaps are reported.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { BanterClient } from '../src/client/client.ts';
import type { App } from '../src/server/app.ts';
import { startTestServer, TestClient } from './helpers/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'banter-client-'));
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
  rmSync(dir, { recursive: true, force: true });
});

async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const server = (port = 0): Promise<App> => startTestServer({ store: 'sqlite', dataDir: dir, port, 'auth.scryptLog2N': 10, 'history.resumeMax': 3 });

it('signs in again with its token and resumes rooms and DMs without gaps or duplicates', async () => {
  let app = await server();
  cleanup.push(() => app.close());
  const port = app.port;
  const c = new BanterClient({ url: `ws://127.0.0.1:${port}/ws`, initialDelayMs: 300, maxDelayMs: 600 });
  cleanup.push(() => c.close());
  const got: string[] = [];
  const gaps: string[] = [];
  c.on('message', (ev) => got.push(`${ev.msg.to}:${ev.msg.text}`));
  c.onGap((to, oldest) => gaps.push(`${to}@${oldest}`));
  await c.connect();
  await c.login('Keeper');
  await c.register('keeper password');
  assert.ok(c.token);
  const joined = await c.join('#keep');
  assert.deepEqual(joined.history, []);
  await c.send('#keep', 'before');
  await until(() => got.includes('#keep:before'), 'own message');

  await app.close();
  await until(() => c.status === 'offline', 'offline');
  // While the client is away, on the same data but on another port (so the client cannot
  // come back in the middle, however slow the machine): two room messages and a DM; then
  // four in #lobby (> resumeMax).
  const interim = await server();
  const early = await TestClient.login(interim, 'Talker');
  await early.request('join', { room: '#keep' });
  await early.request('send', { to: '#keep', text: 'missed 1' });
  await early.request('send', { to: '#keep', text: 'missed 2' });
  await early.request('send', { to: 'keeper', text: 'offline dm' });
  for (let i = 1; i <= 4; i++) await early.request('send', { to: '#lobby', text: `lobby ${i}` });
  early.close();
  await interim.close();
  app = await server(port);
  const other = await TestClient.login(app, 'Talker');
  cleanup.push(() => other.close());
  await other.request('join', { room: '#keep' });

  await until(() => c.status === 'online', 'back online');
  await other.request('send', { to: '#keep', text: 'live' });
  await until(() => got.includes('#keep:live'), 'live message');
  assert.deepEqual(got, [
    '#keep:before',
    '#lobby:lobby 2', '#lobby:lobby 3', '#lobby:lobby 4', // resumed conversations first…
    'Keeper:offline dm', // …then unread direct messages
    '#keep:missed 1', '#keep:missed 2',
    '#keep:live',
  ]);
  // Four lobby messages were missed but history.resumeMax is 3: the oldest one is a reported gap.
  assert.deepEqual(gaps, ['#lobby@2']);
  const page = await c.history('#lobby', { before: 2 });
  assert.deepEqual(page.messages.map((m) => m.text), ['lobby 1']);
  assert.equal(c.name, 'Keeper');
  assert.ok(c.rooms.has('#keep'));
});

it('resumes changes too: a reaction seen live is not handed over again, an edit made while away is (onUpdated)', async () => {
  let app = await server();
  cleanup.push(() => app.close());
  const port = app.port;
  const c = new BanterClient({ url: `ws://127.0.0.1:${port}/ws`, initialDelayMs: 300, maxDelayMs: 600 });
  cleanup.push(() => c.close());
  const live: string[] = [];
  const updated: string[][] = [];
  c.on('message_update', (ev) => live.push(`${ev.action}:${ev.msg.text}`));
  c.onUpdated((to, msgs) => updated.push([to, ...msgs.map((m) => `${m.text}${m.editedAt !== undefined ? ' (edited)' : ''}`)]));
  await c.connect();
  await c.login('Updater');
  await c.register('updater password');
  await c.join('#upd');
  const changer = await TestClient.login(app, 'Changer');
  await changer.request('register', { password: 'changer password' });
  await changer.request('join', { room: '#upd' });
  const m1 = await changer.request('send', { to: '#upd', text: 'react to this' });
  const m2 = await changer.request('send', { to: '#upd', text: 'teh typo' });
  await changer.request('react', { to: '#upd', msgid: m1.msg.id, emoji: '👍', on: true });
  await until(() => live.includes('react:react to this'), 'live reaction');
  changer.close();
  await app.close();
  await until(() => c.status === 'offline', 'offline');
  const interim = await server();
  const again = await TestClient.open(`ws://127.0.0.1:${interim.port}/ws`);
  await again.request('login', { name: 'Changer', password: 'changer password' });
  await again.request('join', { room: '#upd' });
  await again.request('edit', { to: '#upd', msgid: m2.msg.id, text: 'the typo' });
  again.close();
  await interim.close();
  app = await server(port);
  await until(() => c.status === 'online' && updated.length > 0, 'resumed with changes');
  assert.deepEqual(updated, [['#upd', 'the typo (edited)']], 'only what changed while away');
  assert.deepEqual(live, ['react:react to this']);
});

it('hands a login\'s missed messages over before the held events that arrive in the same read', async () => {
  // A fake server: the login reply (three missed messages) and the next live message, which the
  // real server holds back until after the reply, leave in ONE write, so the client reads them
  // in one chunk and handles both frames before any code awaiting the login runs.
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  cleanup.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const msg = (seq: number) => ({ id: `m${seq}`, seq, to: '#lobby', from: 'ann', text: `n${seq}`, ts: 1_800_000_000_000 + seq });
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, server: 'fake', limits: { nameMaxLength: 32, roomMaxLength: 50, textMaxLength: 4000, exprMaxLength: 500, maxPayload: 65536 } }));
    ws.on('message', (raw) => {
      const req = JSON.parse(String(raw)) as { type: string; id: string };
      if (req.type !== 'login') return;
      const reply = { type: 'reply', id: req.id, data: { name: 'bob', protocol: 1, rooms: [{ name: '#lobby', topic: '', members: [], count: 0 }], missed: [{ to: '#lobby', messages: [msg(5), msg(6), msg(7)], gap: false, lastSeq: 7 }], unread: [], lastSeq: { '#lobby': 7 }, registered: false } };
      const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
      socket.cork();
      ws.send(JSON.stringify(reply));
      ws.send(JSON.stringify({ type: 'message', msg: msg(8) }));
      process.nextTick(() => socket.uncork());
    });
  });
  const port = (wss.address() as import('node:net').AddressInfo).port;
  const c = new BanterClient({ url: `ws://127.0.0.1:${port}/ws`, reconnect: false });
  cleanup.push(() => c.close());
  const seqs: number[] = [];
  c.on('message', (ev) => seqs.push(ev.msg.seq));
  await c.connect();
  await c.login('bob');
  await until(() => seqs.includes(8), 'the live message');
  assert.deepEqual(seqs, [5, 6, 7, 8], 'the missed messages first, then the live one, none dropped');
  assert.equal(c.lastSeq.get('#lobby'), 8);
});
