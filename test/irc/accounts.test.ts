/**
 * Registered accounts on IRC over raw TCP: SASL PLAIN (success, every failure numeric),
 * PASS, a guest refused a registered nick at registration and on NICK, account-tag,
 * extended-join and WHOIS 330 for logged-in users, across transports.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient, wsUrl } from '../helpers/server.ts';

const S = `:${SERVER}`;
const PW = 'correct horse';
const REGISTERED = 'Nickname is registered to an account: log in with SASL or PASS, or choose another nickname';
let app: App;

before(async () => { app = await startTestServer({ 'auth.scryptLog2N': 10, 'irc.autoJoinLobby': true }); });
after(async () => { await app.close(); });

/** Registers `name` as an account over WebSocket (without staying online). */
async function account(name: string): Promise<void> {
  const w = await TestClient.open(wsUrl(app));
  await w.request('register', { name, password: PW });
  w.close();
  await w.waitClosed();
}

const plain = (authzid: string, authcid: string, password: string): string => Buffer.from(`${authzid}\0${authcid}\0${password}`).toString('base64');

/** Connects, starts CAP negotiation with `caps`, sends NICK/USER; registration waits for CAP END. */
async function negotiate(nick: string, caps = 'sasl'): Promise<IrcClient> {
  const c = await IrcClient.connect(app.ircPort!);
  c.send('CAP LS 302');
  c.send(`NICK ${nick}`);
  c.send(`USER ${nick.toLowerCase().slice(0, 8)} 0 * :Real ${nick}`);
  c.send(`CAP REQ :${caps}`);
  await c.take(/ CAP \* ACK /);
  return c;
}

describe('SASL PLAIN', () => {
  it('advertises sasl=PLAIN to CAP LS 302 clients and plain sasl to older ones', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    assert.match((await c.command('CAP LS 302'))[0]!, / CAP \* LS :.* multi-prefix sasl=PLAIN server-time /);
    c.close();
    const old = await IrcClient.connect(app.ircPort!);
    assert.match((await old.command('CAP LS'))[0]!, / CAP \* LS :.* multi-prefix sasl server-time /);
    old.close();
  });

  it('logs in with 900/903 and registers as the account; WHOIS shows 330', async () => {
    await account('Sasha');
    const c = await negotiate('Sasha');
    assert.deepEqual(await c.command('AUTHENTICATE PLAIN'), ['AUTHENTICATE +']);
    assert.deepEqual(await c.command(`AUTHENTICATE ${plain('', 'sasha', PW)}`), [
      `${S} 900 * Sasha!~sasha@banter Sasha :You are now logged in as Sasha`,
      `${S} 903 * :SASL authentication successful`,
    ]);
    assert.deepEqual(await c.command('AUTHENTICATE PLAIN'), [`${S} 907 * :You have already authenticated using SASL`]);
    c.send('CAP END');
    assert.equal(await c.waitLine(/ 001 /), `${S} 001 Sasha :Welcome to the Banter IRC Network Sasha!~sasha@banter`);
    await c.waitLine(/ 366 /);
    const whois = await c.command('WHOIS Sasha');
    assert.ok(whois.includes(`${S} 330 Sasha Sasha Sasha :is logged in as`), whois.join('\n'));
    c.close();
  });

  it('uses the account name when the NICK differs, and accepts an authzid naming the same account', async () => {
    await account('Sonia');
    const c = await negotiate('sonia_away');
    c.send('AUTHENTICATE PLAIN');
    c.send(`AUTHENTICATE ${plain('SONIA', 'sonia', PW)}`);
    assert.equal(await c.waitLine(/ 90[03] /), `${S} 900 * sonia_away!~sonia_aw@banter Sonia :You are now logged in as Sonia`);
    c.send('CAP END');
    assert.equal(await c.waitLine(/ 001 /), `${S} 001 Sonia :Welcome to the Banter IRC Network Sonia!~sonia_aw@banter`);
    c.close();
  });

  it('answers 904 to a wrong password, an unknown account, a foreign authzid or garbage; 908 lists mechanisms', async () => {
    await account('Selma');
    const c = await negotiate('Selma');
    const fail = `${S} 904 * :SASL authentication failed`;
    assert.deepEqual(await c.command('AUTHENTICATE EXTERNAL'), [`${S} 908 * PLAIN :are available SASL mechanisms`, fail]);
    for (const payload of [plain('', 'Selma', 'wrong horse'), plain('', 'Nobody', PW), plain('Sasha', 'Selma', PW), '%%%notbase64', Buffer.from('Selma\0only').toString('base64')]) {
      assert.deepEqual(await c.command('AUTHENTICATE PLAIN'), ['AUTHENTICATE +']);
      assert.deepEqual(await c.command(`AUTHENTICATE ${payload}`), [fail], payload);
    }
    // After failures the client may still register, but not as the account.
    c.send('CAP END');
    assert.equal(await c.waitLine(/ 433 /), `${S} 433 * Selma :${REGISTERED}`);
    c.close();
  });

  it('905 for a chunk over 400 bytes or an exchange over the maximum; 906 on abort or CAP END mid-exchange', async () => {
    const c = await negotiate('Chunky');
    assert.deepEqual(await c.command('AUTHENTICATE PLAIN'), ['AUTHENTICATE +']);
    assert.deepEqual(await c.command(`AUTHENTICATE ${'A'.repeat(401)}`), [`${S} 905 * :SASL message too long`]);
    assert.deepEqual(await c.command('AUTHENTICATE PLAIN'), ['AUTHENTICATE +']);
    for (let i = 0; i < 4; i++) assert.deepEqual(await c.command(`AUTHENTICATE ${'A'.repeat(400)}`), [], 'more follows');
    assert.deepEqual(await c.command(`AUTHENTICATE ${'A'.repeat(400)}`), [`${S} 905 * :SASL message too long`]);
    assert.deepEqual(await c.command('AUTHENTICATE PLAIN'), ['AUTHENTICATE +']);
    assert.deepEqual(await c.command('AUTHENTICATE *'), [`${S} 906 * :SASL authentication aborted`]);
    assert.deepEqual(await c.command('AUTHENTICATE PLAIN'), ['AUTHENTICATE +']);
    c.send('CAP END');
    assert.equal(await c.waitLine(/ 906 /), `${S} 906 * :SASL authentication aborted`);
    assert.equal(await c.waitLine(/ 001 /), `${S} 001 Chunky :Welcome to the Banter IRC Network Chunky!~chunky@banter`);
    assert.deepEqual(await c.command('AUTHENTICATE PLAIN'), [`${S} 904 Chunky :SASL authentication failed: only available before registration`]);
    c.close();
  });

  it('a payload split over chunks of exactly 400 bytes ends with AUTHENTICATE +', async () => {
    const long = `Long${'x'.repeat(28)}`;
    const w = await TestClient.open(wsUrl(app));
    const pw = 'p'.repeat(900 - 2 - 2 * long.length);
    await w.request('register', { name: long, password: pw });
    w.close();
    const payload = plain(long, long, pw);
    assert.equal(payload.length % 400, 0, `payload of ${payload.length} bytes`);
    const c = await negotiate(long);
    assert.deepEqual(await c.command('AUTHENTICATE PLAIN'), ['AUTHENTICATE +']);
    for (let i = 0; i < payload.length; i += 400) assert.deepEqual(await c.command(`AUTHENTICATE ${payload.slice(i, i + 400)}`), []);
    assert.deepEqual(await c.command('AUTHENTICATE +'), [
      `${S} 900 * ${long}!~longxxxx@banter ${long} :You are now logged in as ${long}`,
      `${S} 903 * :SASL authentication successful`,
    ]);
    c.close();
  });
});

describe('PASS', () => {
  it('logs in to the registered nick with PASS before NICK/USER', async () => {
    await account('Pascal');
    const c = await IrcClient.connect(app.ircPort!);
    c.send(`PASS :${PW}`);
    c.send('NICK pascal');
    c.send('USER pascal 0 * :Pascal');
    const lines = await c.take(/ 001 /);
    assert.deepEqual(lines, [
      `${S} 900 Pascal Pascal!~pascal@banter Pascal :You are now logged in as Pascal`,
      `${S} 001 Pascal :Welcome to the Banter IRC Network Pascal!~pascal@banter`,
    ]);
    c.close();
  });

  it('a wrong PASS for a registered nick gets 464 and the connection is closed', async () => {
    await account('Paula');
    const c = await IrcClient.connect(app.ircPort!);
    c.send('PASS wrong-horse');
    c.send('NICK Paula');
    c.send('USER paula 0 * :Paula');
    await c.waitClosed();
    assert.deepEqual(c.lines, [`${S} 464 * :Password incorrect`, 'ERROR :Closing Link: 127.0.0.1 (Bad password)']);
  });

  it('PASS is ignored for a guest nick (bouncers and clients send one anyway)', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    c.send('PASS whatever');
    c.send('NICK Guesty');
    c.send('USER guesty 0 * :G');
    assert.equal(await c.waitLine(/ 001 /), `${S} 001 Guesty :Welcome to the Banter IRC Network Guesty!~guesty@banter`);
    c.close();
  });
});

describe('registered nicks', () => {
  it('a guest is refused a registered nick with 433 and may pick another', async () => {
    await account('Regis');
    const c = await IrcClient.connect(app.ircPort!);
    c.send('NICK regis');
    c.send('USER regis 0 * :R');
    assert.equal(await c.waitLine(/ 433 /), `${S} 433 * regis :${REGISTERED}`);
    c.send('NICK regis_');
    assert.equal(await c.waitLine(/ 001 /), `${S} 001 regis_ :Welcome to the Banter IRC Network regis_!~regis@banter`);
    // Nor can a registered guest rename into it.
    assert.deepEqual(await c.command('NICK Regis'), [`${S} 433 regis_ Regis :${REGISTERED}`]);
    c.close();
    // A web guest neither.
    const w = await TestClient.login(app, 'webguest');
    await assert.rejects(w.request('nick', { name: 'REGIS' }), /AUTH_REQUIRED/);
    w.close();
  });

  it('the account owner may rename away and back', async () => {
    await account('Owen');
    const o = await negotiate('Owen');
    o.send('AUTHENTICATE PLAIN');
    o.send(`AUTHENTICATE ${plain('', 'Owen', PW)}`);
    await o.waitLine(/ 903 /);
    o.send('CAP END');
    await o.waitLine(/ 366 /);
    o.skip();
    assert.deepEqual(await o.command('NICK Owen_away'), [':Owen!~owen@banter NICK :Owen_away']);
    assert.deepEqual(await o.command('NICK owen'), [':Owen_away!~owen@banter NICK :owen']);
    const whois = await o.command('WHOIS owen');
    assert.ok(whois.includes(`${S} 330 owen owen Owen :is logged in as`), whois.join('\n'));
    o.close();
  });
});

describe('account-tag and extended-join', () => {
  it('carry the account of logged-in users (IRC and web) and * for guests', async () => {
    await account('Tagger');
    await account('WebAcct');
    const obs = await IrcClient.register(app, 'Observer', ['account-tag', 'extended-join']);
    const t = await negotiate('Tagger');
    t.send('AUTHENTICATE PLAIN');
    t.send(`AUTHENTICATE ${plain('', 'Tagger', PW)}`);
    await t.waitLine(/ 903 /);
    t.send('CAP END');
    await t.waitLine(/ 366 /);
    assert.equal(await obs.waitLine(/ JOIN #lobby Tagger /), '@account=Tagger :Tagger!~tagger@banter JOIN #lobby Tagger :Real Tagger');
    t.send('PRIVMSG #lobby :tagged hello');
    assert.equal(await obs.waitLine(/tagged hello/), '@account=Tagger :Tagger!~tagger@banter PRIVMSG #lobby :tagged hello');

    const g = await IrcClient.register(app, 'Guest7');
    assert.equal(await obs.waitLine(/Guest7.* JOIN /), ':Guest7!~guest7@banter JOIN #lobby * :Real Guest7');
    g.send('PRIVMSG #lobby :guest hello');
    assert.equal(await obs.waitLine(/guest hello/), ':Guest7!~guest7@banter PRIVMSG #lobby :guest hello');

    const w = await TestClient.open(wsUrl(app));
    await w.request('login', { name: 'webacct', password: PW });
    assert.equal(await obs.waitLine(/WebAcct.* JOIN /), '@account=WebAcct :WebAcct!~WebAcct@banter JOIN #lobby WebAcct :WebAcct');
    await w.request('send', { to: '#lobby', text: 'from the web' });
    assert.equal(await obs.waitLine(/from the web/), '@account=WebAcct :WebAcct!~WebAcct@banter PRIVMSG #lobby :from the web');
    const whois = await obs.command('WHOIS WebAcct');
    assert.ok(whois.includes(`${S} 330 Observer WebAcct WebAcct :is logged in as`), whois.join('\n'));
    assert.ok(!(await obs.command('WHOIS Guest7')).some((l) => l.includes(' 330 ')));

    // A web guest who registers its name is logged in to it from then on.
    const late = await TestClient.login(app, 'LateReg');
    await late.request('register', { password: PW });
    await obs.sync();
    const lateWhois = await obs.command('WHOIS LateReg');
    assert.ok(lateWhois.includes(`${S} 330 Observer LateReg LateReg :is logged in as`), lateWhois.join('\n'));
    for (const x of [obs, t, g]) x.close();
    w.close(); late.close();
  });
});

describe('NickServ', () => {
  it('REGISTER registers the current nick and logs in; IDENTIFY and STATUS explain', async () => {
    const c = await IrcClient.register(app, 'Nick1', ['account-tag']);
    const ns = ':NickServ!NickServ@services NOTICE Nick1';
    assert.deepEqual(await c.command('PRIVMSG NickServ :STATUS'), [`${ns} :You are not logged in (a guest).`]);
    assert.deepEqual(await c.command('PRIVMSG NickServ :IDENTIFY pw'), [`${ns} :Log in when connecting: SASL PLAIN, or PASS <password> before NICK Nick1.`]);
    assert.deepEqual(await c.command('PRIVMSG NickServ :REGISTER short'), [`${ns} :Registration failed: a password must be 8–1024 bytes long`]);
    assert.deepEqual(await c.command(`PRIVMSG NickServ :REGISTER ${PW.replace(' ', '-')}`), [
      `${S} 900 Nick1 Nick1!~nick1@banter Nick1 :You are now logged in as Nick1`,
      `${ns} :Nick1 is now registered to you. Next time, log in with SASL PLAIN or PASS and this password.`,
    ]);
    assert.deepEqual(await c.command('PRIVMSG NickServ :STATUS'), [`${ns} :You are logged in as Nick1.`]);
    assert.ok((await c.command('WHOIS Nick1')).includes(`${S} 330 Nick1 Nick1 Nick1 :is logged in as`));
    c.send('QUIT');
    await c.waitClosed();
    // The password works with PASS on the next connection (once the server has seen the QUIT).
    const deadline = Date.now() + 5000;
    for (;;) {
      const again = await IrcClient.connect(app.ircPort!);
      again.send(`PASS ${PW.replace(' ', '-')}`);
      again.send('NICK Nick1');
      again.send('USER nick1 0 * :N');
      const first = await again.waitLine(/ (90\d|433) /);
      again.close();
      if (first.includes(' 433 ') && Date.now() < deadline) continue;
      assert.equal(first, `${S} 900 Nick1 Nick1!~nick1@banter Nick1 :You are now logged in as Nick1`);
      break;
    }
  });
});

describe('throttling', () => {
  it('maps the account lock to 904 with the wait for SASL and to 464 + close for PASS', async () => {
    await account('Thora');
    const c = await negotiate('Thora');
    for (let i = 0; i < 5; i++) {
      c.send('AUTHENTICATE PLAIN');
      assert.deepEqual(await c.command(`AUTHENTICATE ${plain('', 'Thora', `wrong horse ${i}`)}`), ['AUTHENTICATE +', `${S} 904 * :SASL authentication failed`]);
    }
    c.send('AUTHENTICATE PLAIN');
    const locked = await c.command(`AUTHENTICATE ${plain('', 'Thora', PW)}`);
    assert.equal(locked.length, 2);
    assert.match(locked[1]!, /^:banter\.local 904 \* :SASL authentication failed: too many wrong passwords for "Thora"; try again in \d+ s$/);
    c.close();
    const p = await IrcClient.connect(app.ircPort!);
    p.send(`PASS :${PW}`);
    p.send('NICK Thora');
    p.send('USER thora 0 * :T');
    await p.waitClosed();
    assert.equal(p.lines.length, 2, p.lines.join('\n'));
    assert.match(p.lines[0]!, /^:banter\.local 464 \* :Password not checked: too many wrong passwords for "Thora"; try again in \d+ s$/);
    assert.equal(p.lines[1], 'ERROR :Closing Link: 127.0.0.1 (Too many wrong passwords)');
  });

  it('hammering AUTHENTICATE costs the core request budget and ends in Excess flood', async () => {
    const strict = await startTestServer({ 'auth.scryptLog2N': 10, 'flood.burst': 3, 'flood.ratePerSec': 0.01, 'flood.maxDelayMs': 0, 'flood.maxRefusals': 3 });
    try {
      const c = await IrcClient.connect(strict.ircPort!);
      c.send('CAP LS 302');
      c.send('NICK Hammer');
      c.send('USER hammer 0 * :H');
      for (let i = 0; i < 20; i++) c.send(`AUTHENTICATE PLAIN\r\nAUTHENTICATE ${plain('', 'Nobody', `guess ${i}`)}`);
      assert.equal(await c.waitLine(/^ERROR /), 'ERROR :Closing Link: 127.0.0.1 (Excess flood)');
      await c.waitClosed();
    } finally {
      await strict.close();
    }
  });
});
