/**
 * Consecutive channel messages from one IRC client overlap in the core: the next line's
 * append is requested before the previous one's commit returned (so a client is not held to
 * one store round trip per line, and one group commit can carry several of its lines), yet
 * seqs and deliveries keep the order of the lines, and any other command still waits for the
 * messages before it. The store's appends wait at a gate the test opens, so "in flight at
 * once" is observed directly, with no timing.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { systemClock, type MessageDraft } from '../../src/core/ports.ts';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { MemoryStore } from '../../src/storage/memory.ts';
import { IrcClient } from '../helpers/irc.ts';
import { startTestServer } from '../helpers/server.ts';

it('IRC: channel messages of one client are handed to the store without waiting for each commit, and keep their order', async () => {
  const store = new MemoryStore({ clock: systemClock, maxPerConversation: 10_000, idempotencyWindowMs: 60_000 });
  const gated: { text: string; open: () => void }[] = [];
  let armed = false;
  let wake: () => void = () => undefined;
  const append = store.append.bind(store);
  store.append = async (d: MessageDraft): Promise<ChatMessage> => {
    if (armed) {
      await new Promise<void>((open) => { gated.push({ text: d.text, open }); wake(); });
    }
    return append(d);
  };
  const pending = async (n: number): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (gated.length < n) {
      if (Date.now() > deadline) throw new Error(`${gated.length} appends in flight, expected ${n}: ${gated.map((g) => g.text).join(', ')}`);
      await new Promise<void>((r) => { wake = r; setTimeout(r, 50); });
    }
  };
  const app = await startTestServer({}, { store });
  try {
    const sender = await IrcClient.register(app, 'PipeSend');
    const reader = await IrcClient.register(app, 'PipeRead');
    sender.send('JOIN #pipe');
    await sender.waitLine(/ 366 PipeSend #pipe /);
    reader.send('JOIN #pipe');
    await reader.waitLine(/ 366 PipeRead #pipe /);
    await sender.sync();
    sender.skip();
    armed = true;
    // One packet: five messages, then a PING that must wait for all of them.
    sender.write(['one', 'two', 'three', 'four', 'five'].map((t) => `PRIVMSG #pipe :${t}\r\n`).join('') + 'PING :after\r\n');
    // Before: each line waited for the previous one's commit, so only "one" ever reached the
    // store while its gate was shut.
    await pending(5);
    assert.deepEqual(gated.map((g) => g.text), ['one', 'two', 'three', 'four', 'five'], 'appends requested in line order');
    assert.ok(!sender.lines.some((l) => / PONG \S+ :?after$/.test(l)), 'the PING waits for the messages before it');
    armed = false;
    for (const g of gated) g.open();
    await sender.waitLine(/ PONG \S+ :?after$/);
    // A message that arrives while earlier ones are still in flight is handed over at once
    // too (it used to wait for the next packet when the pump was finishing up).
    armed = true;
    gated.length = 0;
    sender.send('PRIVMSG #pipe :six');
    await pending(1);
    sender.send('PRIVMSG #pipe :seven');
    await pending(2);
    armed = false;
    for (const g of gated) g.open();
    await reader.waitLine(/PRIVMSG #pipe :seven$/);
    const got = reader.lines.filter((l) => l.includes('PRIVMSG #pipe')).map((l) => l.split(' :').pop());
    assert.deepEqual(got, ['one', 'two', 'three', 'four', 'five', 'six', 'seven']);
    const seqs = (await store.history('#pipe', { limit: 10 })).map((m) => [m.seq, m.text]);
    assert.deepEqual(seqs, [[1, 'one'], [2, 'two'], [3, 'three'], [4, 'four'], [5, 'five'], [6, 'six'], [7, 'seven']]);
    sender.close(); reader.close();
  } finally {
    await app.close();
  }
});
