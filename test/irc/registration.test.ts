/**
 * IRC registration over a raw TCP socket: the exact welcome burst, CAP negotiation, nick
 * collisions with web users, PING/PONG, QUIT, timeouts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

const S = `:${SERVER}`;
let app: App;
before(async () => { app = await startTestServer(); });
after(async () => { await app.close(); });

describe('registration', () => {
  it('sends the exact welcome burst and joins #lobby', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    c.send('NICK Reg1');
    c.send('USER reg1 0 * :Reg One');
    const lines = await c.take(/ 366 /);
    const created = lines[2]!.replace(/created .*/, 'created X');
    const withoutCounts = lines.map((l) => l.replace(/ (251|254|255|265|266) Reg1 .*/, ' $1 Reg1 …'));
    assert.deepEqual([withoutCounts[0], withoutCounts[1], created, ...withoutCounts.slice(3)], [
      `:${SERVER} 001 Reg1 :Welcome to the Banter IRC Network Reg1!~reg1@banter`,
      `:${SERVER} 002 Reg1 :Your host is ${SERVER}, running version banter-0.1.0`,
      `:${SERVER} 003 Reg1 :This server was created X`,
      `:${SERVER} 004 Reg1 ${SERVER} banter-0.1.0 io IRWbeiklmnoqstv IWbeklovq`,
      `:${SERVER} 005 Reg1 AWAYLEN=200 CASEMAPPING=ascii CHANLIMIT=#:50 CHANMODES=beIq,k,lW,imnRst CHANNELLEN=50 CHANTYPES=# CHATHISTORY=100 ELIST=CMNTU EXCEPTS=e INVEX=I KEYLEN=23 KICKLEN=200 :are supported by this server`,
      `:${SERVER} 005 Reg1 MAXLIST=b:100,e:100,I:100,q:100 MAXTARGETS=4 MODES=6 MSGREFTYPES=msgid,timestamp NAMELEN=100 NETWORK=Banter NICKLEN=32 PREFIX=(ov)@+ TARGMAX=JOIN:4,PART:4,PRIVMSG:4,NOTICE:4,TAGMSG:4,NAMES:1,WHOIS:1,KICK:4,LIST:4 TOPICLEN=300 USERLEN=10 UTF8ONLY :are supported by this server`,
      `:${SERVER} 251 Reg1 …`,
      `:${SERVER} 254 Reg1 …`,
      `:${SERVER} 255 Reg1 …`,
      `:${SERVER} 265 Reg1 …`,
      `:${SERVER} 266 Reg1 …`,
      `:${SERVER} 375 Reg1 :- ${SERVER} Message of the Day -`,
      `:${SERVER} 372 Reg1 :- Welcome to Banter. Everyone is in #lobby; /msg Calc 2^100 for the calculator.`,
      `:${SERVER} 376 Reg1 :End of /MOTD command.`,
      ':Reg1!~reg1@banter JOIN #lobby',
      lines[15]!, // 353 lists everyone in #lobby; checked below
      `:${SERVER} 366 Reg1 #lobby :End of /NAMES list`,
    ]);
    assert.match(lines[6]!, /^:\S+ 251 Reg1 :There are \d+ users and 0 invisible on 1 servers$/);
    assert.match(lines[15]!, /^:banter\.local 353 Reg1 = #lobby :(\S+ )*Reg1( \S+)*$/);
    c.close();
  });

  it('holds registration during CAP negotiation and ACKs/NAKs whole requests', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    c.send('CAP LS 302');
    c.send('NICK Cap1');
    c.send('USER cap1 0 * :Cap');
    const ls = await c.take(/ CAP \* LS /);
    assert.deepEqual(ls, [`:${SERVER} CAP * LS :account-notify account-tag away-notify batch cap-notify draft/account-registration=before-connect draft/chathistory draft/message-redaction draft/multiline=max-bytes=4000,max-lines=100 draft/read-marker echo-message extended-join invite-notify labeled-response message-tags multi-prefix sasl=PLAIN server-time setname standard-replies userhost-in-names`]);
    assert.deepEqual(await c.command('CAP REQ :server-time bogus'), [`:${SERVER} CAP * NAK :server-time bogus`]);
    assert.deepEqual(await c.command('CAP REQ :server-time echo-message'), [`:${SERVER} CAP * ACK :server-time echo-message`]);
    assert.deepEqual(await c.command('CAP LIST'), [`:${SERVER} CAP * LIST :cap-notify echo-message server-time`]);
    assert.deepEqual(await c.command('CAP FOO'), [`:${SERVER} 410 * FOO :Invalid CAP command`]);
    c.send('CAP END');
    await c.waitLine(/ 001 Cap1 /);
    c.close();
  });

  it('answers PING before and after registration, and requires registration for other commands', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    assert.deepEqual(await c.command('PING :abc def'), [`:${SERVER} PONG ${SERVER} :abc def`]);
    assert.deepEqual(await c.command('JOIN #x'), [`:${SERVER} 451 * :You have not registered`]);
    assert.deepEqual(await c.command('PRIVMSG #lobby :hi'), [`:${SERVER} 451 * :You have not registered`]);
    assert.deepEqual(await c.command('FROB'), [`:${SERVER} 421 * FROB :Unknown command`]);
    c.close();
  });

  it('refuses a nick held by a web user (433) and accepts another on the same connection', async () => {
    const web = await TestClient.login(app, 'WebHolder');
    const c = await IrcClient.connect(app.ircPort!);
    assert.deepEqual(await c.command('NICK webholder'), [`:${SERVER} 433 * webholder :Nickname is already in use`]);
    assert.deepEqual(await c.command('NICK 9lives'), [`:${SERVER} 432 * 9lives :Erroneous nickname: name must not start with a digit or "-"`]);
    assert.deepEqual(await c.command('NICK calc'), [`:${SERVER} 432 * calc :Erroneous nickname: name is reserved by the server`]);
    assert.deepEqual(await c.command(`NICK ${'x'.repeat(33)}`), [`:${SERVER} 432 * ${'x'.repeat(33)} :Erroneous nickname: name must be at most 32 characters`]);
    assert.deepEqual(await c.command('NICK'), [`:${SERVER} 431 * :No nickname given`]);
    c.send('NICK IrcHolder');
    c.send('USER h 0 * :H');
    await c.waitLine(/ 001 IrcHolder /);
    assert.deepEqual(await c.command('USER h 0 * :H'), [`:${SERVER} 462 IrcHolder :You may not reregister`]);
    c.close();
    web.close();
  });

  it('refuses nicks with bidi controls or invisible characters (432 shows them as <U+XXXX>)', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    const reason = 'Erroneous nickname: name must not contain invisible or text-direction characters (such as U+202E RIGHT-TO-LEFT OVERRIDE or U+200B ZERO WIDTH SPACE)';
    assert.deepEqual(await c.command('NICK ev\u202Eil'), [`:${SERVER} 432 * ev<U+202E>il :${reason}`]);
    assert.deepEqual(await c.command('NICK \u200Bbob'), [`:${SERVER} 432 * <U+200B>bob :${reason}`]);
    assert.deepEqual(await c.command('NICK bob\u2066'), [`:${SERVER} 432 * bob<U+2066> :${reason}`]);
    c.send('NICK Plainbob');
    c.send('USER p 0 * :P');
    await c.waitLine(/ 001 Plainbob /);
    // After registration too.
    assert.deepEqual(await c.command('NICK Plain\uFEFFbob'), [`:${SERVER} 432 Plainbob Plain<U+FEFF>bob :${reason}`]);
    c.close();
  });

  it('registration races: the second client to claim a nick gets 433 at USER time', async () => {
    const a = await IrcClient.connect(app.ircPort!);
    const b = await IrcClient.connect(app.ircPort!);
    a.send('NICK Racer');
    b.send('NICK Racer');
    await a.sync(); await b.sync();
    a.send('USER r 0 * :R');
    await a.waitLine(/ 001 Racer /);
    b.send('USER r 0 * :R');
    await b.waitLine(new RegExp(`^:${SERVER} 433 \\* Racer :Nickname is already in use$`));
    a.close(); b.close();
  });

  it('QUIT closes with ERROR and others see the quit reason', async () => {
    const a = await IrcClient.register(app, 'Quitter');
    const b = await IrcClient.register(app, 'Stayer');
    a.send('QUIT :gone fishing');
    await a.waitLine(/^ERROR :Closing Link: \S+ \(Quit: gone fishing\)$/);
    await a.waitClosed();
    await b.waitLine(/^:Quitter!~quitter@banter QUIT :Quit: gone fishing$/);
    b.close();
  });
});

describe('TLS', () => {
  it('serves IRC over TLS when a certificate is configured', async () => {
    const cert = new URL('../fixtures/irc-test-cert.pem', import.meta.url);
    const key = new URL('../fixtures/irc-test-key.pem', import.meta.url);
    const tls = await startTestServer({ 'irc.tlsPort': 0, 'tls.cert': cert.pathname, 'tls.key': key.pathname });
    try {
      assert.ok(tls.ircTlsPort);
      const c = await IrcClient.connectTls(tls.ircTlsPort, readFileSync(cert));
      c.send('NICK Secure');
      c.send('USER s 0 * :S');
      assert.equal(await c.waitLine(/ 001 /), `${S} 001 Secure :Welcome to the Banter IRC Network Secure!~s@banter`);
      const plain = await IrcClient.register(tls, 'Plain');
      plain.send('PRIVMSG Secure :over tls');
      assert.equal(await c.waitLine(/over tls/), ':Plain!~plain@banter PRIVMSG Secure :over tls');
      c.close(); plain.close();
    } finally {
      await tls.close();
    }
  });

  it('has no TLS listener without a certificate, and no IRC at all when disabled', async () => {
    assert.equal(app.ircTlsPort, undefined);
    const off = await startTestServer({ 'irc.enabled': 'false' });
    try {
      assert.equal(off.ircPort, undefined);
      assert.equal(off.irc, undefined);
    } finally {
      await off.close();
    }
  });
});

describe('timeouts', () => {
  it('closes connections that do not register in time', async () => {
    const fast = await startTestServer({ 'irc.registrationTimeoutMs': 300 });
    try {
      const idle = await IrcClient.connect(fast.ircPort!);
      await idle.waitLine(/^ERROR :Closing Link: \S+ \(Registration timed out\)$/);
      await idle.waitClosed();
    } finally {
      await fast.close();
    }
  });

  it('pings idle clients and drops those that do not answer', async () => {
    const fast = await startTestServer({ 'irc.pingIntervalMs': 800 });
    try {
      const c = await IrcClient.register(fast, 'Pinged');
      const ping = await c.waitLine(/^PING /, 8000);
      assert.equal(ping, `PING ${SERVER}`);
      c.send(`PONG :${SERVER}`);
      c.autoPong = true;
      const quiet = await IrcClient.register(fast, 'Silent');
      // Silent never answers: it is pinged, then dropped.
      await quiet.waitLine(/^ERROR :Closing Link: \S+ \(Ping timeout: \d+ seconds\)$/, 8000);
      assert.equal(c.closed, false);
      c.close();
    } finally {
      await fast.close();
    }
  });
});

describe('shutdown', () => {
  it('tells IRC clients why and stops accepting new ones', async () => {
    const s = await startTestServer();
    const c = await IrcClient.register(s, 'Leaver');
    const port = s.ircPort!;
    await s.close('maintenance');
    await c.waitLine(/^ERROR :Closing Link: \S+ \(maintenance\)$/);
    await c.waitClosed();
    await assert.rejects(IrcClient.connect(port), /ECONNREFUSED/);
  });
});
