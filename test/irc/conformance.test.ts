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

const LR = ['labeled-response', 'batch', 'echo-message', 'message-tags'];

describe('labeled-response and echo-message', () => {
  it('NOTICE, TAGMSG and PRIVMSG to a user, a channel and oneself carry the label; 421 too', async () => {
    const a = await IrcClient.register(app, 'LabelA', LR);
    const b = await IrcClient.register(app, 'LabelB', ['message-tags']);
    await a.command('JOIN #labels');
    await b.command('JOIN #labels');
    a.skip();
    const one = async (line: string, re: RegExp): Promise<void> => {
      const got = await a.command(line);
      assert.equal(got.length, 1, `${line}: ${JSON.stringify(got)}`);
      assert.match(got[0]!, re, line);
    };
    await one('@label=n1 NOTICE LabelB :hi', /^@msgid=\S+;label=n1 :LabelA!~labela@banter NOTICE LabelB :hi$/);
    await one('@label=n2 NOTICE #labels :hi all', /^@msgid=\S+;label=n2 :LabelA!~labela@banter NOTICE #labels :hi all$/);
    await one('@label=n3 NOTICE LabelA :note to self', /^@msgid=\S+;label=n3 :LabelA!~labela@banter NOTICE LabelA :note to self$/);
    await one('@label=p3 PRIVMSG LabelA :me again', /^@msgid=\S+;label=p3 :LabelA!~labela@banter PRIVMSG LabelA :me again$/);
    await one('@label=t1;+typing=active TAGMSG LabelB', /^@\+typing=active;label=t1 :LabelA!~labela@banter TAGMSG LabelB$/);
    await one('@label=t2;+typing=active TAGMSG #labels', /^@\+typing=active;label=t2 :LabelA!~labela@banter TAGMSG #labels$/);
    await one('@label=t3;+typing=active TAGMSG LabelA', /^@\+typing=active;label=t3 :LabelA!~labela@banter TAGMSG LabelA$/);
    assert.deepEqual(await a.command('@label=u1 FOOBAR x'), [`@label=u1 ${S} 421 LabelA FOOBAR :Unknown command`]);
    assert.deepEqual(await a.command('@label=u2 KICK #labels'), [`@label=u2 ${S} 461 LabelA KICK :Not enough parameters`]);
    // Each reached its recipient once, without the label.
    await b.sync();
    assert.deepEqual(b.lines.filter((l) => / (NOTICE|TAGMSG) /.test(l)).map(body), [
      ':LabelA!~labela@banter NOTICE LabelB :hi',
      ':LabelA!~labela@banter NOTICE #labels :hi all',
      ':LabelA!~labela@banter TAGMSG LabelB',
      ':LabelA!~labela@banter TAGMSG #labels',
    ]);
    assert.ok(b.lines.every((l) => !l.includes('label=')));
    a.close(); b.close();
  });

  it('echo-message echoes a NOTICE as a NOTICE, and a self-message once', async () => {
    const a = await IrcClient.register(app, 'EchoA', ['echo-message']);
    const b = await IrcClient.register(app, 'EchoB');
    assert.deepEqual((await a.command('NOTICE EchoB :psst')), [':EchoA!~echoa@banter NOTICE EchoB :psst']);
    assert.equal(await b.waitLine(/psst/), ':EchoA!~echoa@banter NOTICE EchoB :psst');
    assert.deepEqual((await a.command('NOTICE EchoA :self note')), [':EchoA!~echoa@banter NOTICE EchoA :self note']);
    assert.deepEqual((await a.command('PRIVMSG EchoA :self msg')), [':EchoA!~echoa@banter PRIVMSG EchoA :self msg']);
    const plain = await IrcClient.register(app, 'NoEcho');
    assert.deepEqual((await plain.command('PRIVMSG NoEcho :to myself')), [':NoEcho!~noecho@banter PRIVMSG NoEcho :to myself'], 'a message to oneself arrives once, as on other servers');
    assert.deepEqual((await plain.command('NOTICE EchoB :quiet')), [], 'no echo without the cap');
    a.close(); b.close(); plain.close();
  });
});

describe('message-tags', () => {
  it('client-only tags reach message-tags recipients, server tags from clients are dropped', async () => {
    const a = await IrcClient.register(app, 'TagsA', ['message-tags', 'echo-message']);
    const b = await IrcClient.register(app, 'TagsB', ['message-tags']);
    const c = await IrcClient.register(app, 'TagsC');
    for (const x of [a, b, c]) await x.command('JOIN #tags');
    a.send('@+baz=bat;fizz=buzz PRIVMSG #tags :hello');
    assert.match(await b.waitLine(/hello/), /^@msgid=[^;]+;\+baz=bat :TagsA!~tagsa@banter PRIVMSG #tags :hello$/);
    assert.match(await a.waitLine(/hello/), /^@msgid=[^;]+;\+baz=bat :TagsA!~tagsa@banter PRIVMSG #tags :hello$/);
    assert.equal(await c.waitLine(/hello/), ':TagsA!~tagsa@banter PRIVMSG #tags :hello');
    a.send('@+baz=bat PRIVMSG TagsB :direct');
    assert.match(await b.waitLine(/direct/), /^@msgid=[^;]+;\+baz=bat :TagsA!~tagsa@banter PRIVMSG TagsB :direct$/);
    a.close(); b.close(); c.close();
  });

  it('tag data from a client is limited to 4094 bytes, all tags counted (IRCv3 message-tags)', async () => {
    const a = await IrcClient.register(app, 'LimitA', ['message-tags', 'echo-message']);
    const b = await IrcClient.register(app, 'LimitB', ['message-tags']);
    for (const x of [a, b]) await x.command('JOIN #limits');
    // "@foo=bar;+baz=<4081 a> " is 4096 bytes: the most a client may send.
    const max = `@foo=bar;+baz=${'a'.repeat(4081)} PRIVMSG #limits :max`;
    assert.equal(max.indexOf('PRIVMSG'), 4096);
    a.send(max);
    assert.match(await b.waitLine(/ :max$/), new RegExp(`^@msgid=[^;]+;\\+baz=a{4081} :LimitA!~limita@banter PRIVMSG #limits :max$`));
    assert.deepEqual(await a.command(`@foo=bar;+baz=${'a'.repeat(4082)} PRIVMSG #limits :over`), [`${S} 417 LimitA :Input line was too long`]);
    assert.deepEqual(await a.command(`@foo=${'a'.repeat(4095)} PRIVMSG #limits :server tags count too`), [`${S} 417 LimitA :Input line was too long`]);
    await b.sync();
    assert.ok(!b.lines.some((l) => / :(over|server tags count too)$/.test(l)));
    a.close(); b.close();
  });
});

describe('line lengths', () => {
  it('every line a client receives fits 512 bytes after its tags, whatever the sender filled', async () => {
    // A short sender nick, a long recipient-visible prefix: the relay must be split.
    const a = await IrcClient.register(app, 'X', ['echo-message']);
    const b = await IrcClient.register(app, 'LongRecipientNickname');
    for (const x of [a, b]) await x.command('JOIN #len');
    const head = 'PRIVMSG #len :';
    const text = `${'word '.repeat(200)}`.slice(0, 510 - head.length - 1) + 'Z';
    assert.equal(Buffer.byteLength(head + text), 510);
    a.send(head + text);
    await b.waitLine(/Z$/);
    await a.waitLine(/Z$/);
    for (const x of [a, b]) {
      await x.sync();
      const raw = Buffer.concat(x.raw).toString('utf8').split('\r\n');
      for (const l of raw) assert.ok(Buffer.byteLength(body(l)) <= 510, `${Buffer.byteLength(body(l))}: ${l}`);
      const parts = x.lines.filter((l) => l.startsWith(':X!~x@banter PRIVMSG #len :')).map((l) => l.slice(':X!~x@banter PRIVMSG #len :'.length));
      assert.equal(parts.join(''), text, 'the whole text arrives, split between words');
    }
    // A long nick as sender, so the relayed prefix is longer than the sender's own line.
    const long = await IrcClient.register(app, 'ASenderWithAVeryLongNickname32', ['echo-message']);
    await long.command('JOIN #len');
    const t2 = 'é'.repeat(240);
    long.send(`PRIVMSG #len :${t2}`);
    await b.waitLine(/ASenderWith.* PRIVMSG #len :é+$/);
    await b.sync();
    const got = b.lines.filter((l) => l.includes('ASenderWith') && l.includes('PRIVMSG'));
    for (const l of got) assert.ok(Buffer.byteLength(l) <= 510, l);
    assert.equal(got.map((l) => l.slice(l.indexOf(' :', 1) + 2)).join(''), t2);
    a.close(); b.close(); long.close();
  });
});
