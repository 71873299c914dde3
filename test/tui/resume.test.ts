/**
 * Resume in the terminal client: after a server restart on the same store, the messages
 * missed while disconnected appear once each, in order; when more were missed than the
 * server resends (`history.resumeMax`), a gap line says so and /history fills it.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { systemClock } from '../../src/core/ports.ts';
import { MemoryStore } from '../../src/storage/memory.ts';
import { startTestServer } from '../helpers/server.ts';
import { ChatProcess, killAll } from './helpers.ts';

/** A memory store that outlives the server using it (close() would empty it). */
class KeptStore extends MemoryStore {
  override async close(): Promise<void> { /* kept for the next server */ }
}

const apps: App[] = [];
after(async () => {
  killAll();
  for (const a of apps) await a.close();
});

it('shows missed messages once after a reconnect and reports a gap', async () => {
  const store = new KeptStore({ clock: systemClock, maxPerConversation: 1000, idempotencyWindowMs: 60_000 });
  const first = await startTestServer({ 'history.resumeMax': 3 }, { store });
  apps.push(first);
  const alice = await ChatProcess.start(first.url, 'alice');
  alice.send('seen before');
  await alice.waitLine(/ #lobby <alice> seen before$/);
  await first.close();
  await alice.waitLine(/ status disconnected: /);

  // Written while alice is away (straight into the store the next server uses).
  for (let i = 1; i <= 5; i++) await store.append({ conv: '#lobby', to: '#lobby', from: 'bob', text: `missed ${i}` });
  const second = await startTestServer({ port: first.port, 'history.resumeMax': 3 }, { store });
  apps.push(second);
  await alice.waitLine(/ status reconnected as alice/);
  // The newest 3 are resent; the gap line tells where the older ones are.
  const gap = await alice.waitLine(/ gap #lobby /);
  assert.match(gap, / gap #lobby more messages were missed than the server resends; \/history #lobby shows the older ones \(before 4\)$/);
  await alice.waitLine(/ #lobby <bob> missed 5$/);
  await alice.sync();
  assert.deepEqual(alice.matching(/<bob> missed/).map((l) => l.replace(/^\S+ /, '')), ['#lobby <bob> missed 3', '#lobby <bob> missed 4', '#lobby <bob> missed 5']);
  alice.send('/history #lobby');
  await alice.waitLine(/ info #lobby: 3 messages \(1–3\); that is the beginning of #lobby$/);
  assert.deepEqual(alice.matching(/ history #lobby /).map((l) => l.replace(/^\S+ /, '')), ['history #lobby 1 <alice> seen before', 'history #lobby 2 <bob> missed 1', 'history #lobby 3 <bob> missed 2']);
});
