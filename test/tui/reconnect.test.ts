/**
 * The terminal client survives a server restart: it says it is disconnected, keeps what is
 * typed meanwhile, reconnects with backoff on the same port, logs in again, rejoins its
 * rooms and sends the queued line exactly once.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { systemClock } from '../../src/core/ports.ts';
import type { MessageDraft } from '../../src/core/ports.ts';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { MemoryStore } from '../../src/storage/memory.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { ChatProcess, killAll } from './helpers.ts';

/** A store that holds every append until `open()`: the test decides when messages may land. */
class GatedStore extends MemoryStore {
  open!: () => void;
  private readonly gate = new Promise<void>((resolve) => { this.open = resolve; });
  override async append(draft: MessageDraft): Promise<ChatMessage> {
    await this.gate;
    return super.append(draft);
  }
}

const apps: App[] = [];
after(async () => {
  killAll();
  for (const a of apps) await a.close();
});

it('reconnects after a server restart and delivers a line typed while offline exactly once', async () => {
  const first = await startTestServer();
  apps.push(first);
  const { port } = first;
  const alice = await ChatProcess.start(first.url, 'alice');
  const bob = await ChatProcess.start(first.url, 'bob');
  alice.send('/join #ops');
  await alice.waitLine(/ info now talking in #ops/);

  await first.close();
  await alice.waitLine(/ status disconnected: .*reconnecting in \d+\.\d s$/);
  await bob.waitLine(/ status disconnected: /);
  alice.send('typed while offline');
  await alice.waitLine(/ info offline: "typed while offline" will be sent to #ops when reconnected$/);

  // The same port, a fresh server (empty state). Appends wait until the watcher is in #ops,
  // so the watcher cannot miss the message however fast the client reconnects.
  const store = new GatedStore({ clock: systemClock, maxPerConversation: 1000, idempotencyWindowMs: 60_000 });
  const second = await startTestServer({ port }, { store });
  apps.push(second);
  const watcher = await TestClient.login(second, 'watcher');
  await watcher.request('join', { room: '#ops' });
  store.open();

  await alice.waitLine(/ status reconnected as alice/);
  await alice.waitLine(/ #ops <alice> typed while offline$/);
  await watcher.waitFor((e) => e.type === 'message' && e.msg.text === 'typed while offline');
  await bob.waitLine(/ status reconnected as bob/);
  bob.send('after the restart');
  await alice.waitLine(/ #lobby <bob> after the restart$/);

  await watcher.sync();
  await alice.sync();
  assert.equal(watcher.of('message').filter((e) => e.msg.text === 'typed while offline').length, 1, 'delivered once');
  assert.equal(alice.matching(/typed while offline$/).filter((l) => l.includes('<alice>')).length, 1, 'echoed once');
  const stored = await store.history('#ops', { limit: 100 });
  assert.deepEqual(stored.map((m) => `${m.from}: ${m.text}`), ['alice: typed while offline'], 'stored once, in the rejoined room');
  watcher.close();
  alice.send('/quit');
  assert.equal(await alice.waitExit(), 0);
});
