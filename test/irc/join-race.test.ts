/**
 * A message that arrives while an IRC client's JOIN is reading the room's history must still
 * reach the client. The core holds live events during the join and drops the messages its
 * reply already carries; IRC shows no history on JOIN, so the IRC transport asks for none
 * (`history: 0`) and the message arrives live. The store's history read of the room waits
 * at a gate the test opens, so the message is sent exactly while the join is in flight.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HistoryQuery } from '../../src/core/ports.ts';
import { systemClock } from '../../src/core/ports.ts';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { MemoryStore } from '../../src/storage/memory.ts';
import { IrcClient } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

it('a message sent while an IRC JOIN is in flight reaches the joining client', async () => {
  const store = new MemoryStore({ clock: systemClock, maxPerConversation: 10_000, idempotencyWindowMs: 60_000 });
  let release!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((r) => { release = r; });
  const waiting = new Promise<void>((r) => { entered = r; });
  let armed = false;
  const history = store.history.bind(store);
  store.history = async (conv: string, q: HistoryQuery): Promise<ChatMessage[]> => {
    if (armed && conv === '#race') { entered(); await opened; }
    return history(conv, q);
  };
  const app = await startTestServer({}, { store });
  try {
    const web = await TestClient.login(app, 'RaceWeb');
    await web.request('join', { room: '#race' });
    await web.request('send', { to: '#race', text: 'before the join' });
    const irc = await IrcClient.register(app, 'RaceIrc');
    armed = true;
    irc.send('JOIN #race');
    // Either the join waits at the gate reading history (the old flow, where the message
    // below was lost), or it asked for none and has completed (its NAMES end arrived).
    await Promise.race([waiting, irc.waitLine(/ 366 RaceIrc #race /)]);
    await web.request('send', { to: '#race', text: 'during the join' });
    release();
    assert.equal(await irc.waitLine(/during the join/), ':RaceWeb!~RaceWeb@banter PRIVMSG #race :during the join');
    assert.ok(!irc.lines.some((l) => l.includes('before the join')));
    irc.close(); web.close();
  } finally {
    await app.close();
  }
});

it('JOIN #a,#b: each channel\'s JOIN line comes before its NAMES', async () => {
  const app = await startTestServer();
  try {
    const irc = await IrcClient.register(app, 'MultiJoin');
    irc.skip();
    irc.send('JOIN #mja,#mjb,#mjc');
    await irc.waitLine(/ 366 MultiJoin #mjc /);
    const shape = irc.rest().map((l) => l.replace(/^:\S+ /, '').split(' ').slice(0, 1).concat(l.match(/#mj[abc]/)?.[0] ?? []).join(' '));
    assert.deepEqual(shape.filter((l) => /^(JOIN|353|366) /.test(l)), [
      'JOIN #mja', '353 #mja', '366 #mja', 'JOIN #mjb', '353 #mjb', '366 #mjb', 'JOIN #mjc', '353 #mjc', '366 #mjc',
    ]);
    irc.close();
  } finally {
    await app.close();
  }
});
