/**
 * Two chat nodes in one process on the in-process bus (the way socket.io tests its cluster
 * adapter): users on different nodes see each other, messages cross, names stay unique, and
 * a node never applies its own facts twice.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { LocalHub } from '../src/bus/local.ts';
import { MemoryPresence } from '../src/bus/memory-presence.ts';
import type { App } from '../src/server/app.ts';
import { systemClock } from '../src/core/ports.ts';
import { MemoryStore } from '../src/storage/memory.ts';
import { ReplyError, startTestServer, TestClient } from './helpers/server.ts';

let n1: App;
let n2: App;
let hub: LocalHub;
let store: MemoryStore;
before(async () => {
  hub = new LocalHub();
  // A cluster shares its presence store and message store (Redis / PostgreSQL in production).
  const presence = new MemoryPresence();
  store = new MemoryStore({ clock: systemClock, maxPerConversation: 1000, idempotencyWindowMs: 60_000 });
  n1 = await startTestServer({}, { bus: hub.bus('node-1'), presence, store });
  n2 = await startTestServer({}, { bus: hub.bus('node-2'), presence, store });
});
after(async () => { await n1.close(); await n2.close(); });

it('announces, broadcasts and delivers DMs across nodes exactly once', async () => {
  const a = await TestClient.login(n1, 'NodeA');
  const b = await TestClient.login(n2, 'NodeB');
  await a.waitFor((e) => e.type === 'user_joined' && e.user.name === 'NodeB');
  const { msg } = await a.request('send', { to: '#lobby', text: 'across' });
  await b.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
  const dm = await b.request('send', { to: 'NodeA', text: 'back at you' });
  await a.waitFor((e) => e.type === 'message' && e.msg.id === dm.msg.id);
  await a.sync(); await b.sync();
  assert.equal(a.of('message').filter((e) => e.msg.id === msg.id).length, 1, 'own node applies its fact once');
  assert.equal(b.of('message').filter((e) => e.msg.id === msg.id).length, 1);
  const users = await b.request('users', {});
  assert.deepEqual(users.users.map((u) => u.name).filter((n) => n.startsWith('Node')), ['NodeA', 'NodeB']);
  a.close();
  await b.waitFor((e) => e.type === 'user_left' && e.name === 'NodeA');
  b.close();
});

it('keeps names unique across nodes', async () => {
  const a = await TestClient.login(n1, 'Unique');
  const b = await TestClient.open(`ws://127.0.0.1:${n2.port}/ws`);
  await assert.rejects(b.request('login', { name: 'UNIQUE' }), (e: unknown) => e instanceof ReplyError && e.code === 'NAME_TAKEN');
  a.close(); b.close();
});

it('delivers room messages to members on other nodes only', async () => {
  const a = await TestClient.login(n1, 'RoomX1');
  const b = await TestClient.login(n2, 'RoomX2');
  const c = await TestClient.login(n2, 'RoomX3');
  await a.request('join', { room: '#x' });
  await b.request('join', { room: '#x' });
  const { msg } = await a.request('send', { to: '#x', text: 'members only' });
  await b.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
  await c.sync();
  assert.equal(c.of('message').some((e) => e.msg.id === msg.id), false);
  a.close(); b.close(); c.close();
});

it('delivers a conversation in seq order: a message that overtook a lost one waits, and the lost one is read from the store', async () => {
  const a = await TestClient.login(n1, 'Orderly');
  const { msg: first } = await a.request('send', { to: '#lobby', text: 'first' });
  // Another node commits two messages but only the second one's fact reaches the bus.
  const other = hub.bus('node-3');
  const lost = await store.append({ conv: '#lobby', to: '#lobby', from: 'Elsewhere', text: 'lost on the bus' });
  const overtaker = await store.append({ conv: '#lobby', to: '#lobby', from: 'Elsewhere', text: 'overtook it' });
  other.publish({ kind: 'message', msg: overtaker });
  await a.waitFor((e) => e.type === 'message' && e.msg.id === overtaker.id);
  const seqs = a.of('message').map((e) => e.msg.seq).filter((q) => q >= first.seq);
  assert.deepEqual(seqs, [first.seq, lost.seq, overtaker.seq], 'in seq order, none missing');
  // A late duplicate of the repaired message is not delivered again.
  other.publish({ kind: 'message', msg: lost });
  await a.sync();
  assert.equal(a.of('message').filter((e) => e.msg.id === lost.id).length, 1);
  await other.close();
  a.close();
});

it('carries edits, deletions and reactions across nodes once each; a change lost on the bus is read from the store in seq order', async () => {
  const a = await TestClient.login(n1, 'ChgA');
  const b = await TestClient.login(n2, 'ChgB');
  await a.request('join', { room: '#chg' });
  await b.request('join', { room: '#chg' });
  const { msg } = await a.request('send', { to: '#chg', text: 'hello nodes' });
  const r = await b.request('react', { to: '#chg', msgid: msg.id, emoji: '👋', on: true });
  await a.waitFor((e) => e.type === 'message_update' && e.seq === r.seq);
  const ed = await a.request('edit', { to: '#chg', msgid: msg.id, text: 'hello, nodes' });
  const seen = await b.waitFor((e) => e.type === 'message_update' && e.seq === ed.seq);
  assert.equal(seen.type === 'message_update' && seen.msg.text, 'hello, nodes');
  // Another node stores a deletion whose fact never reaches the bus, then a message whose fact does.
  const other = hub.bus('node-3');
  const victim = await a.request('send', { to: '#chg', text: 'soon gone' });
  await b.waitFor((e) => e.type === 'message' && e.msg.id === victim.msg.id);
  const lost = await store.update('#chg', { kind: 'delete', id: victim.msg.id, by: 'Elsewhere' });
  const overtaker = await store.append({ conv: '#chg', to: '#chg', from: 'Elsewhere', text: 'after the deletion' });
  other.publish({ kind: 'message', msg: overtaker });
  await b.waitFor((e) => e.type === 'message' && e.msg.id === overtaker.id);
  const order = b.events.flatMap((e) => (e.type === 'message' ? [e.msg.seq] : e.type === 'message_update' ? [e.seq] : [])).filter((q) => q > msg.seq);
  assert.deepEqual(order, [r.seq, ed.seq, victim.msg.seq, lost!.seq, overtaker.seq], 'in seq order, the lost deletion repaired from the store');
  const repaired = b.of('message_update').find((e) => e.seq === lost!.seq);
  assert.deepEqual([repaired?.action, repaired?.by, repaired?.msg.deleted], ['delete', 'Elsewhere', true]);
  await a.sync(); await b.sync();
  assert.equal(a.of('message_update').filter((e) => e.seq === r.seq).length, 1, 'once each');
  assert.equal(b.of('message_update').filter((e) => e.seq === ed.seq).length, 1);
  await other.close();
  a.close(); b.close();
});
