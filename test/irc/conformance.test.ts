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
import { systemClock } from '../../src/core/ports.ts';
import { MemoryStore } from '../../src/storage/memory.ts';

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
    // To oneself: the message arrives as to any recipient, and its echo carries the label.
    const self = async (line: string, labelled: RegExp, plain: RegExp): Promise<void> => {
      const got = await a.command(line);
      assert.equal(got.length, 2, `${line}: ${JSON.stringify(got)}`);
      assert.match(got[0]!, plain, line);
      assert.match(got[1]!, labelled, line);
    };
    await self('@label=n3 NOTICE LabelA :note to self', /^@msgid=\S+;label=n3 :LabelA!~labela@banter NOTICE LabelA :note to self$/, /^@msgid=\S+ :LabelA!~labela@banter NOTICE LabelA :note to self$/);
    await self('@label=p3 PRIVMSG LabelA :me again', /^@msgid=\S+;label=p3 :LabelA!~labela@banter PRIVMSG LabelA :me again$/, /^@msgid=\S+ :LabelA!~labela@banter PRIVMSG LabelA :me again$/);
    await one('@label=t1;+typing=active TAGMSG LabelB', /^@\+typing=active;label=t1 :LabelA!~labela@banter TAGMSG LabelB$/);
    await one('@label=t2;+typing=active TAGMSG #labels', /^@\+typing=active;label=t2 :LabelA!~labela@banter TAGMSG #labels$/);
    await self('@label=t3;+typing=active TAGMSG LabelA', /^@\+typing=active;label=t3 :LabelA!~labela@banter TAGMSG LabelA$/, /^@\+typing=active :LabelA!~labela@banter TAGMSG LabelA$/);
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

  it('echo-message echoes a NOTICE as a NOTICE; a message to oneself arrives, and is echoed', async () => {
    const a = await IrcClient.register(app, 'EchoA', ['echo-message']);
    const b = await IrcClient.register(app, 'EchoB');
    assert.deepEqual((await a.command('NOTICE EchoB :psst')), [':EchoA!~echoa@banter NOTICE EchoB :psst']);
    assert.equal(await b.waitLine(/psst/), ':EchoA!~echoa@banter NOTICE EchoB :psst');
    assert.deepEqual((await a.command('NOTICE EchoA :self note')), [':EchoA!~echoa@banter NOTICE EchoA :self note', ':EchoA!~echoa@banter NOTICE EchoA :self note']);
    assert.deepEqual((await a.command('PRIVMSG EchoA :self msg')), [':EchoA!~echoa@banter PRIVMSG EchoA :self msg', ':EchoA!~echoa@banter PRIVMSG EchoA :self msg']);
    const plain = await IrcClient.register(app, 'NoEcho');
    assert.deepEqual((await plain.command('PRIVMSG NoEcho :to myself')), [':NoEcho!~noecho@banter PRIVMSG NoEcho :to myself'], 'without echo-message, a message to oneself arrives once');
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

  it('TAGMSG relays any client-only tags with one msgid (echo and relay), to message-tags clients and web users only', async () => {
    const a = await IrcClient.register(app, 'TmA', ['message-tags', 'echo-message']);
    const b = await IrcClient.register(app, 'TmB', ['message-tags']);
    const c = await IrcClient.register(app, 'TmC', ['server-time']);
    const web = await TestClient.login(app, 'TmWeb');
    for (const x of [a, b, c]) await x.command('JOIN #tm');
    await web.request('join', { room: '#tm' });
    a.skip(); b.skip(); c.skip();
    a.send('@+buzz=fizz\\:buzz;cat=dog;+steel=wootz TAGMSG #tm');
    const relay = await b.waitLine(/ TAGMSG #tm$/);
    const echo = await a.waitLine(/ TAGMSG #tm$/);
    const m = /^@msgid=([^;]+);\+buzz=fizz\\:buzz;\+steel=wootz :TmA!~tma@banter TAGMSG #tm$/.exec(relay);
    assert.ok(m, relay);
    assert.equal(echo, relay, 'the echo is the relay, same msgid');
    const ev = await web.waitFor((e) => e.type === 'tagmsg');
    assert.deepEqual({ ...ev, ts: 0 }, { type: 'tagmsg', id: m[1], from: 'TmA', to: '#tm', tags: { '+buzz': 'fizz;buzz', '+steel': 'wootz' }, ts: 0 });
    await c.sync();
    assert.ok(!c.lines.some((l) => / TAGMSG /.test(l)), `no TAGMSG without message-tags, server-time or not: ${c.lines.filter((l) => / TAGMSG /.test(l)).join('|').slice(0, 300)}`);
    a.send('@+draft/react=x TAGMSG TmB');
    assert.match(await b.waitLine(/ TAGMSG TmB$/), /^@msgid=[^;]+;\+draft\/react=x :TmA!~tma@banter TAGMSG TmB$/);
    await a.waitLine(/ TAGMSG TmB$/);
    assert.deepEqual(await a.command('@+draft/react=x TAGMSG #nowhere'), [`${S} 403 TmA #nowhere :No such channel`]);
    a.close(); b.close(); c.close(); web.close();
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
    const maxTag = `@foo=bar;+baz=${'a'.repeat(4081)} TAGMSG #limits`;
    assert.equal(maxTag.indexOf('TAGMSG'), 4096);
    a.send(maxTag);
    await a.waitLine(/ TAGMSG #limits$/);
    assert.match(await b.waitLine(/ TAGMSG #limits$/), /^@msgid=[^;]+;\+baz=a{4081} :LimitA!~limita@banter TAGMSG #limits$/);
    assert.deepEqual(await a.command(`@foo=bar;+baz=${'a'.repeat(4082)} TAGMSG #limits`), [`${S} 417 LimitA :Input line was too long`]);
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

describe('ISUPPORT', () => {
  it('advertises exactly what exists, each token in its specified syntax', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    c.send('NICK Isupport');
    c.send('USER isupport 0 * :Real');
    await c.waitLine(/ 376 /);
    const tokens = c.lines.filter((l) => / 005 /.test(l)).flatMap((l) => {
      const words = body(l).split(' ');
      assert.equal(words.slice(-5).join(' '), ':are supported by this server');
      return words.slice(3, -5);
    });
    assert.deepEqual(tokens, [
      'AWAYLEN=200', 'CASEMAPPING=ascii', 'CHANLIMIT=#:50', 'CHANMODES=beIq,k,lW,imnRst', 'CHANNELLEN=50', 'CHANTYPES=#',
      'CHATHISTORY=100', 'ELIST=CMNTU', 'EXCEPTS=e', 'INVEX=I', 'KEYLEN=23', 'KICKLEN=200', 'MAXLIST=b:100,e:100,I:100,q:100',
      'MAXTARGETS=4', 'MODES=6', 'MSGREFTYPES=msgid,timestamp', 'NAMELEN=100', 'NETWORK=Banter', 'NICKLEN=32', 'PREFIX=(ov)@+',
      'TARGMAX=JOIN:4,PART:4,PRIVMSG:4,NOTICE:4,TAGMSG:4,NAMES:1,WHOIS:1,KICK:4,LIST:4', 'TOPICLEN=300', 'USERLEN=10', 'UTF8ONLY',
    ]);
    // PREFIX: "(modes)prefixes", as many of each, in rank order.
    const prefix = /^PREFIX=\(([a-z]+)\)(\S+)$/.exec(tokens.find((t) => t.startsWith('PREFIX='))!)!;
    assert.equal(prefix[1]!.length, prefix[2]!.length);
    c.close();
  });
});

describe('multi-prefix', () => {
  it('NAMES, WHO and WHOIS show every prefix to multi-prefix clients, the highest to others', async () => {
    const op = await IrcClient.register(app, 'MpOwner', ['multi-prefix']);
    const plain = await IrcClient.register(app, 'MpPlain');
    await op.command('JOIN #multi');
    await plain.command('JOIN #multi');
    assert.deepEqual(await op.command('MODE #multi +v MpOwner'), [':MpOwner!~mpowner@banter MODE #multi +v MpOwner']);
    assert.deepEqual(await op.command('NAMES #multi'), [`${S} 353 MpOwner = #multi :@+MpOwner MpPlain`, `${S} 366 MpOwner #multi :End of /NAMES list`]);
    assert.deepEqual(await plain.command('NAMES #multi'), [`${S} 353 MpPlain = #multi :@MpOwner MpPlain`, `${S} 366 MpPlain #multi :End of /NAMES list`]);
    assert.deepEqual((await op.command('WHO #multi'))[0], `${S} 352 MpOwner #multi ~mpowner banter ${SERVER} MpOwner H@+ :0 Real MpOwner`);
    assert.deepEqual((await plain.command('WHO #multi'))[0], `${S} 352 MpPlain #multi ~mpowner banter ${SERVER} MpOwner H@ :0 Real MpOwner`);
    assert.ok((await op.command('WHOIS MpOwner')).includes(`${S} 319 MpOwner MpOwner :@+#multi`));
    // An operator given voice keeps operator status; losing it leaves the voice.
    assert.deepEqual(await op.command('MODE #multi +o MpPlain'), [':MpOwner!~mpowner@banter MODE #multi +o MpPlain']);
    await op.command('MODE #multi +v MpPlain');
    assert.deepEqual(await op.command('NAMES #multi'), [`${S} 353 MpOwner = #multi :@+MpOwner @+MpPlain`, `${S} 366 MpOwner #multi :End of /NAMES list`]);
    await op.command('MODE #multi -o MpPlain');
    assert.deepEqual(await op.command('NAMES #multi'), [`${S} 353 MpOwner = #multi :+MpPlain @+MpOwner`, `${S} 366 MpOwner #multi :End of /NAMES list`]);
    await op.command('MODE #multi -v MpOwner');
    assert.deepEqual(await op.command('NAMES #multi'), [`${S} 353 MpOwner = #multi :+MpPlain @MpOwner`, `${S} 366 MpOwner #multi :End of /NAMES list`]);
    op.close(); plain.close();
  });
});

describe('LUSERS, WHO and +i', () => {
  it('LUSERS counts invisible, operator and unregistered connections apart', async () => {
    // Only this test's clients on a server of its own.
    const own = await startTestServer({ 'irc.autoJoinLobby': false });
    try {
      const a = await IrcClient.register(own, 'LuA');
      const b = await IrcClient.register(own, 'LuB');
      const pending = await IrcClient.connect(own.ircPort!);
      pending.send('NICK Pending');
      await b.command('MODE LuB +i');
      await a.command('JOIN #lu');
      const lines = await a.command('LUSERS');
      assert.deepEqual(lines.slice(0, 4), [
        `${S} 251 LuA :There are 1 users and 1 invisible on 1 servers`,
        `${S} 253 LuA 1 :unknown connection(s)`,
        `${S} 254 LuA 1 :channels formed`,
        `${S} 255 LuA :I have 2 clients and 0 servers`,
      ]);
      assert.match(lines[4]!, /^:banter\.local 265 LuA 2 \d+ :Current local users 2, max \d+$/);
      a.close(); b.close(); pending.close();
    } finally {
      await own.close();
    }
  });

  it('LUSERS counts stay right as users set and clear +i, quit, register, rename, log out and are granted admin', async () => {
    // The invisible and operator counts are kept as counters (not a pass over every
    // connection per registration): each change must move them, and only once.
    const own = await startTestServer({ 'irc.autoJoinLobby': false, 'auth.scryptLog2N': 10, admins: 'LcBoss' });
    try {
      const asker = await IrcClient.register(own, 'LcAsk');
      await asker.command('JOIN #lc');
      const counts = async (): Promise<string[]> => (await asker.command('LUSERS')).filter((l) => / (251|252) /.test(l)).map((l) => l.replace(/^\S+ \S+ LcAsk /, ''));
      const users = (n: number, inv: number): string => `:There are ${n} users and ${inv} invisible on 1 servers`;
      const b = await IrcClient.register(own, 'LcB');
      await b.command('JOIN #lc');
      await b.command('MODE LcB +i');
      await b.command('MODE LcB +i');
      assert.deepEqual(await counts(), [users(1, 1)], '+i twice counts once');
      await b.command('MODE LcB -i');
      assert.deepEqual(await counts(), [users(2, 0)]);
      await b.command('MODE LcB +i');
      b.send('QUIT :bye');
      await asker.waitLine(/^:LcB!\S+ QUIT /);
      assert.deepEqual(await counts(), [users(1, 0)], 'an invisible user who quits is no longer counted');

      const boss = await TestClient.login(own, 'LcBoss');
      await boss.request('join', { room: '#lc' });
      assert.deepEqual(await counts(), [users(2, 0)], 'a guest with an admin name is no operator');
      await boss.request('register', { password: 'correct horse battery' });
      assert.deepEqual(await counts(), [users(2, 0), '1 :operator(s) online'], 'registering makes the account an operator');
      await boss.request('nick', { name: 'LcBoss2' });
      assert.deepEqual(await counts(), [users(2, 0), '1 :operator(s) online'], 'a rename keeps the account');
      const helper = await TestClient.login(own, 'LcHelp');
      await helper.request('register', { password: 'correct horse battery' });
      await own.core.setAdmin('LcHelp', true, 'test');
      assert.deepEqual(await counts(), [users(3, 0), '2 :operator(s) online'], 'a granted admin counts');
      boss.close();
      await asker.waitLine(/^:LcBoss2!\S+ QUIT /);
      assert.deepEqual(await counts(), [users(2, 0), '1 :operator(s) online'], 'an operator who leaves is no longer counted');
      await own.core.setAdmin('LcHelp', false, 'test');
      assert.deepEqual(await counts(), [users(2, 0)]);
      helper.close(); asker.close();
    } finally {
      await own.close();
    }
  });

  it('WHO hides +i users from those who share no channel with them; flags H/G, *, prefixes', async () => {
    const asker = await IrcClient.register(app, 'WhoAsker');
    const hidden = await IrcClient.register(app, 'WhoHidden');
    const away = await IrcClient.register(app, 'WhoAway');
    await hidden.command('MODE WhoHidden +i');
    await hidden.command('JOIN #whoi');
    await away.command('JOIN #whoi');
    await away.command('AWAY :lunch');
    const row = (chan: string, nick: string, flags: string): string => `${S} 352 WhoAsker ${chan} ~${nick.toLowerCase().slice(0, 8)} banter ${SERVER} ${nick} ${flags} :0 Real ${nick}`;
    assert.deepEqual(await asker.command('WHO WhoH*'), [`${S} 315 WhoAsker WhoH* :End of WHO list`], 'a mask does not find an invisible stranger');
    assert.deepEqual(await asker.command('WHO #whoi'), [row('#whoi', 'WhoAway', 'G'), `${S} 315 WhoAsker #whoi :End of WHO list`], 'nor does WHO of a channel the asker is not in');
    assert.deepEqual(await asker.command('WHO WhoHidden'), [row('*', 'WhoHidden', 'H'), `${S} 315 WhoAsker WhoHidden :End of WHO list`], 'asked by nick, it is answered');
    await asker.command('JOIN #whoi');
    assert.deepEqual(await asker.command('WHO WhoH*'), [row('*', 'WhoHidden', 'H'), `${S} 315 WhoAsker WhoH* :End of WHO list`], 'sharing a channel, the mask finds it');
    assert.deepEqual(new Set(await asker.command('WHO #whoi')), new Set([row('#whoi', 'WhoHidden', 'H@'), row('#whoi', 'WhoAway', 'G'), row('#whoi', 'WhoAsker', 'H'), `${S} 315 WhoAsker #whoi :End of WHO list`]));
    asker.close(); hidden.close(); away.close();
  });
});

describe('LIST', () => {
  it('hides channels nobody is in (the empty #lobby too) and supports >n, <n and masks', async () => {
    const own = await startTestServer({ 'irc.autoJoinLobby': false });
    try {
      const a = await IrcClient.register(own, 'ListA');
      const b = await IrcClient.register(own, 'ListB');
      await a.command('JOIN #dev,#design,#ops');
      await b.command('JOIN #dev');
      await a.command('TOPIC #dev :code');
      const end = `${S} 323 ListA :End of /LIST`;
      const start = `${S} 321 ListA Channel :Users  Name`;
      const dev = `${S} 322 ListA #dev 2 :code`;
      const design = `${S} 322 ListA #design 1 :`;
      const ops = `${S} 322 ListA #ops 1 :`;
      assert.deepEqual(await a.command('LIST'), [start, design, dev, ops, end], '#lobby is empty: not listed');
      assert.deepEqual(await a.command('LIST #lobby'), [start, `${S} 322 ListA #lobby 0 :`, end], 'by name, it is');
      assert.deepEqual(await a.command('LIST >1'), [start, dev, end]);
      assert.deepEqual(await a.command('LIST <2'), [start, design, ops, end]);
      assert.deepEqual(await a.command('LIST #de*'), [start, design, dev, end]);
      assert.deepEqual(await a.command('LIST !#de*'), [start, ops, end]);
      assert.deepEqual(await a.command('LIST #d*,<2'), [start, design, end], 'conditions combine');
      assert.deepEqual(await a.command('LIST *ev'), [start, dev, end], 'a mask need not start with #');
      assert.deepEqual(await a.command('LIST C<5'), [start, design, dev, ops, end], 'created less than 5 minutes ago');
      assert.deepEqual(await a.command('LIST C>5'), [start, end]);
      assert.deepEqual(await a.command('LIST T<5'), [start, dev, end], 'only #dev has a topic');
      assert.deepEqual(await a.command('LIST T>5'), [start, end]);
      assert.deepEqual(await a.command('LIST #nonexistent'), [start, end]);
      // Only the first 4 conditions count (TARGMAX LIST:4): a fifth that would exclude #dev is ignored.
      assert.deepEqual(await a.command('LIST >0,>0,>0,>1,<2'), [start, dev, end]);
      a.close(); b.close();
    } finally {
      await own.close();
    }
  });
});

describe('INFO and server targets', () => {
  it('INFO ends with 374; commands for another server get 402', async () => {
    const c = await IrcClient.register(app, 'InfoAsker');
    const lines = await c.command('INFO');
    assert.ok(lines.length >= 3);
    assert.ok(lines.slice(0, -1).every((l) => l.startsWith(`${S} 371 InfoAsker :`)), lines.join('\n'));
    assert.equal(lines.at(-1), `${S} 374 InfoAsker :End of /INFO list`);
    const noUptime = (ls: string[]): string[] => ls.map((l) => l.replace(/, up .*$/, ''));
    assert.deepEqual(noUptime(await c.command(`INFO ${SERVER}`)), noUptime(lines), 'our own name is this server');
    assert.match(lines.join('\n'), /371 InfoAsker :Started .*, up 0 days \d\d:\d\d:\d\d/);
    for (const cmd of ['INFO', 'VERSION', 'TIME', 'MOTD']) {
      assert.deepEqual(await c.command(`${cmd} other.example`), [`${S} 402 InfoAsker other.example :No such server`], cmd);
    }
    assert.equal((await c.command('VERSION banter.*')).length > 0, true);
    c.close();
  });
});

describe('operators and secret channels', () => {
  it('USERHOST and WHO mark operators with *, WHO <mask> o lists only them, LUSERS counts them (252)', async () => {
    const own = await startTestServer({ 'irc.autoJoinLobby': false, 'auth.scryptLog2N': 10, admins: 'Boss' });
    try {
      const boss = await TestClient.login(own, 'Boss');
      await boss.request('register', { password: 'correct horse battery' });
      const c = await IrcClient.register(own, 'Someone');
      assert.deepEqual(await c.command('USERHOST Boss Someone'), [`${S} 302 Someone :Boss*=+~Boss@banter Someone=+~someone@banter`]);
      assert.deepEqual(await c.command('WHO Boss'), [`${S} 352 Someone * ~Boss banter ${SERVER} Boss H* :0 Boss`, `${S} 315 Someone Boss :End of WHO list`]);
      assert.deepEqual(await c.command('WHO * o'), [`${S} 352 Someone * ~Boss banter ${SERVER} Boss H* :0 Boss`, `${S} 315 Someone * :End of WHO list`]);
      assert.ok((await c.command('LUSERS')).includes(`${S} 252 Someone 1 :operator(s) online`));
      boss.close(); c.close();
    } finally {
      await own.close();
    }
  });

  it('NAMES marks a secret channel with @ and hides +i users from outsiders, like WHO', async () => {
    const a = await IrcClient.register(app, 'SecA');
    const hidden = await IrcClient.register(app, 'SecHidden');
    const outsider = await IrcClient.register(app, 'SecOut');
    await a.command('JOIN #secret');
    await a.command('MODE #secret +s');
    assert.deepEqual(await a.command('NAMES #secret'), [`${S} 353 SecA @ #secret :@SecA`, `${S} 366 SecA #secret :End of /NAMES list`]);
    await hidden.command('MODE SecHidden +i');
    await a.command('JOIN #open');
    await hidden.command('JOIN #open');
    assert.deepEqual(await outsider.command('NAMES #open'), [`${S} 353 SecOut = #open :@SecA`, `${S} 366 SecOut #open :End of /NAMES list`]);
    assert.deepEqual(await a.command('NAMES #open'), [`${S} 353 SecA = #open :@SecA SecHidden`, `${S} 366 SecA #open :End of /NAMES list`]);
    a.close(); hidden.close(); outsider.close();
  });
});

describe('INVITE', () => {
  it('tells the inviter that the invited user is away (301 after 341)', async () => {
    const host = await IrcClient.register(app, 'InvHost');
    const guest = await IrcClient.register(app, 'InvAway');
    await host.command('JOIN #invaway');
    await guest.command('AWAY :on holiday');
    assert.deepEqual(await host.command('INVITE InvAway #invaway'), [`${S} 341 InvHost InvAway #invaway`, `${S} 301 InvHost InvAway :on holiday`]);
    host.close(); guest.close();
  });
});

describe('a connection that closes while its registration runs', () => {
  it('is not counted as a client once the login completes (LUSERS)', async () => {
    // The store holds back the login's read of the account's DM summaries (after the name is
    // bound) once armed, so the client's registration is deterministically in flight when its
    // socket closes, and the login completes afterwards. (A guest's login into #lobby has no
    // store round trip left after the bind: the room's last seq is known, ChatCore.roomLastSeq.)
    const store = new MemoryStore({ clock: systemClock, maxPerConversation: 10_000, idempotencyWindowMs: 60_000 });
    let armed = false;
    let entered!: () => void;
    let open!: () => void;
    let returned!: () => void;
    const inside = new Promise<void>((r) => { entered = r; });
    const gate = new Promise<void>((r) => { open = r; });
    const done = new Promise<void>((r) => { returned = r; });
    const dmSummaries = store.dmSummaries.bind(store);
    store.dmSummaries = async (...args: Parameters<typeof dmSummaries>): ReturnType<typeof dmSummaries> => {
      if (!armed) return dmSummaries(...args);
      armed = false;
      entered();
      await gate;
      const r = await dmSummaries(...args);
      returned();
      return r;
    };
    const own = await startTestServer({ 'auth.scryptLog2N': 10 }, { store });
    try {
      const owner = await TestClient.login(own, 'Late');
      await owner.request('register', { password: 'correct horse battery' });
      owner.close();
      const watcher = await IrcClient.register(own, 'Watcher');
      // Until the account's web session has gone and the nick is free.
      while (!(await watcher.command('ISON Late')).includes(`${S} 303 Watcher :`));
      armed = true;
      const late = await IrcClient.connect(own.ircPort!);
      late.send('PASS :correct horse battery');
      late.send('NICK Late');
      late.send('USER late 0 * :Late');
      await inside;
      late.socket.destroy();
      // The listener has let go of it: no unknown connection any more.
      for (;;) {
        const lines = await watcher.command('LUSERS');
        if (!lines.some((l) => / 253 /.test(l))) break;
      }
      open();
      await done;
      const lines = await watcher.command('LUSERS');
      assert.ok(lines.includes(`${S} 255 Watcher :I have 1 clients and 0 servers`), lines.join('\n'));
      watcher.close();
    } finally {
      await own.close();
    }
  });
});
