/**
 * Conformance with the Modern IRC client protocol and the IRCv3 specs, down to the exact
 * lines mature servers (InspIRCd, ngIRCd, Ergo) send: issue 15's "Found wrong" list and the
 * deviations found by reading the docs for every command Banter implements.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

let app: App;
before(async () => { app = await startTestServer({ 'irc.autoJoinLobby': false }); });
after(async () => { await app.close(); });

const S = `:${SERVER}`;

/** The message part of a line (its tags removed). */
const body = (l: string): string => (l.startsWith('@') ? l.slice(l.indexOf(' ') + 1) : l);

describe('WHOWAS', () => {
  it('answers every count with its entries newest first and 369; 406 only for an unseen nick', async () => {
    for (const real of ['first life', 'second life']) {
      const c = await IrcClient.connect(app.ircPort!);
      c.send('NICK Ghost');
      c.send(`USER ghost 0 * :${real}`);
      await c.waitLine(/ (376|422) /);
      c.send('QUIT :bye');
      await c.waitClosed();
    }
    const asker = await IrcClient.register(app, 'Asker');
    const entry = (real: string): string[] => [`${S} 314 Asker Ghost ~ghost banter * :${real}`];
    const strip312 = (lines: string[]): string[] => lines.map((l) => l.replace(/^(\S+ 312 Asker Ghost \S+) :.*$/, '$1'));
    const both = [...entry('second life'), `${S} 312 Asker Ghost ${SERVER}`, ...entry('first life'), `${S} 312 Asker Ghost ${SERVER}`, `${S} 369 Asker Ghost :End of WHOWAS`];
    assert.deepEqual(strip312(await asker.command('WHOWAS Ghost')), both);
    assert.deepEqual(strip312(await asker.command('WHOWAS Ghost 0')), both, '0: every entry');
    assert.deepEqual(strip312(await asker.command('WHOWAS Ghost -1')), both, 'a negative count: every entry');
    assert.deepEqual(strip312(await asker.command('WHOWAS Ghost 2')), both);
    assert.deepEqual(strip312(await asker.command('WHOWAS Ghost 1')), [...entry('second life'), `${S} 312 Asker Ghost ${SERVER}`, `${S} 369 Asker Ghost :End of WHOWAS`]);
    assert.deepEqual(await asker.command('WHOWAS Nobody 1'), [`${S} 406 Asker Nobody :There was no such nickname`, `${S} 369 Asker Nobody :End of WHOWAS`]);
    assert.deepEqual(await asker.command('WHOWAS'), [`${S} 431 Asker :No nickname given`]);
    asker.close();
  });
});

describe('QUIT', () => {
  it('frees the nick at once and is relayed to every channel member, however the client leaves', async () => {
    const watcher = await IrcClient.register(app, 'Watcher');
    await watcher.command('JOIN #quits');
    const web = await TestClient.login(app, 'QuitWeb');
    await web.request('join', { room: '#quits' });
    // QUIT with a reason, QUIT without, QUIT followed by the client closing at once, a
    // dropped connection, and JOIN + QUIT in one packet.
    const ways: [string, (c: IrcClient) => void, string][] = [
      ['reason', (c) => c.send('QUIT :gone fishing'), 'Quit: gone fishing'],
      ['none', (c) => c.send('QUIT'), 'Quit'],
      ['closed', (c) => { c.send('QUIT :slam'); c.socket.end(); }, 'Quit: slam'],
      ['dropped', (c) => c.socket.destroy(), 'connection lost'],
    ];
    for (const [how, leave, reason] of ways) {
      const q = await IrcClient.register(app, 'Quitter');
      await q.command('JOIN #quits');
      await watcher.waitLine(/^:Quitter!\S+ JOIN #quits$/);
      watcher.skip();
      leave(q);
      // The same nick registers right away on a new connection.
      const again = await IrcClient.connect(app.ircPort!);
      if (how !== 'dropped') await q.waitLine(/^ERROR /).catch(() => undefined);
      again.send('NICK Quitter');
      again.send('USER again 0 * :Again');
      const first = await again.waitLine(/ (001|433) /);
      assert.match(first, / 001 Quitter /, `nick free right after QUIT (${how})`);
      assert.deepEqual((await watcher.take(/ QUIT /)).filter((l) => / QUIT /.test(l)), [`:Quitter!~quitter@banter QUIT :${reason}`], how);
      await web.waitFor((e) => e.type === 'user_left' && e.name === 'Quitter');
      again.send('QUIT');
      await again.waitClosed();
      web.events.length = 0;
    }
    const q = await IrcClient.register(app, 'Packed');
    watcher.skip();
    q.send('JOIN #quits\r\nQUIT :packed');
    assert.equal(await watcher.waitLine(/^:Packed\S* QUIT /), ':Packed!~packed@banter QUIT :Quit: packed');
    watcher.close(); web.close();
  });
});

describe('registration', () => {
  it('USER with an empty real name is 461', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    c.send('NICK EmptyReal');
    assert.deepEqual(await c.command('USER empty 0 * :'), [`${S} 461 * USER :Not enough parameters`]);
    assert.deepEqual(await c.command('USER empty 0 *'), [`${S} 461 * USER :Not enough parameters`]);
    c.send('USER empty 0 * :Now Real');
    await c.waitLine(/ 001 EmptyReal /);
    c.close();
  });
});
