/**
 * IRCv3 extensions beyond the basics, line by line over real TCP: setname, account-notify,
 * invite-notify, standard-replies, draft/account-registration, sts and UTF8ONLY. Each
 * expectation is the line its specification gives (ircv3.net/specs/extensions/...).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

const S = `:${SERVER}`;
const PW = 'correct horse battery';
let app: App;
// Nobody is put in #lobby, so who shares a channel with whom is up to each test; enough
// registrations per address for the whole file (the throttle has its own test).
before(async () => { app = await startTestServer({ 'irc.autoJoinLobby': false, 'auth.registerBurst': 1000 }); });
after(async () => { await app.close(); });

/** Connects, negotiates `caps` (CAP LS 302) and registers without joining anything. */
async function client(nick: string, caps: string[] = []): Promise<IrcClient> {
  return IrcClient.register(app, nick, caps);
}

describe('CAP LS', () => {
  it('lists the new caps, with values for 302 only, and NAKs sts (which is absent without TLS)', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    assert.deepEqual(await c.command('CAP LS 302'), [
      `${S} CAP * LS :account-notify account-tag away-notify batch cap-notify draft/account-registration=before-connect draft/chathistory draft/message-redaction draft/multiline=max-bytes=4000,max-lines=100 draft/read-marker echo-message extended-join invite-notify labeled-response message-tags multi-prefix sasl=PLAIN server-time setname standard-replies userhost-in-names`,
    ]);
    assert.deepEqual(await c.command('CAP REQ :sts'), [`${S} CAP * NAK :sts`]);
    c.close();
    const old = await IrcClient.connect(app.ircPort!);
    assert.deepEqual(await old.command('CAP LS'), [
      `${S} CAP * LS :account-notify account-tag away-notify batch cap-notify draft/account-registration draft/chathistory draft/message-redaction draft/multiline draft/read-marker echo-message extended-join invite-notify labeled-response message-tags multi-prefix sasl server-time setname standard-replies userhost-in-names`,
    ]);
    old.close();
  });
});

describe('sts', () => {
  const cert = new URL('../fixtures/irc-test-cert.pem', import.meta.url);
  const key = new URL('../fixtures/irc-test-key.pem', import.meta.url);

  it('points plain-text clients at the TLS port and gives TLS clients the duration', async () => {
    const tls = await startTestServer({ 'irc.tlsPort': 0, 'tls.cert': cert.pathname, 'tls.key': key.pathname, 'irc.stsDuration': 2_592_000 });
    try {
      const plain = await IrcClient.connect(tls.ircPort!);
      const [ls] = await plain.command('CAP LS 302');
      assert.match(ls!, new RegExp(` server-time setname standard-replies sts=port=${tls.ircTlsPort} userhost-in-names$`));
      assert.deepEqual(await plain.command('CAP REQ :sts'), [`${S} CAP * NAK :sts`]);
      plain.close();
      const secure = await IrcClient.connectTls(tls.ircTlsPort!, readFileSync(cert));
      const [sls] = await secure.command('CAP LS 302');
      assert.match(sls!, / standard-replies sts=duration=2592000 userhost-in-names$/);
      secure.close();
      // Pre-302 clients cannot read values: no sts for them.
      const old = await IrcClient.connectTls(tls.ircTlsPort!, readFileSync(cert));
      assert.doesNotMatch((await old.command('CAP LS'))[0]!, /sts/);
      old.close();
    } finally {
      await tls.close();
    }
  });

  it('is off by default (irc.stsDuration -1), even with TLS; 0 is sent as a policy removal', async () => {
    const off = await startTestServer({ 'irc.tlsPort': 0, 'tls.cert': cert.pathname, 'tls.key': key.pathname });
    try {
      const c = await IrcClient.connect(off.ircPort!);
      assert.doesNotMatch((await c.command('CAP LS 302'))[0]!, /sts/);
      c.close();
    } finally {
      await off.close();
    }
    const zero = await startTestServer({ 'irc.tlsPort': 0, 'tls.cert': cert.pathname, 'tls.key': key.pathname, 'irc.stsDuration': 0 });
    try {
      const c = await IrcClient.connectTls(zero.ircTlsPort!, readFileSync(cert));
      assert.match((await c.command('CAP LS 302'))[0]!, / sts=duration=0 /);
      c.close();
    } finally {
      await zero.close();
    }
  });
});

describe('setname', () => {
  it('changes the real name, confirms it to the sender and tells setname clients in common channels only', async () => {
    const a = await client('SetA', ['setname']);
    const b = await client('SetB', ['setname']);
    const plain = await client('SetPlain');
    const apart = await client('SetApart', ['setname']);
    await a.command('JOIN #setname');
    await b.command('JOIN #setname');
    await plain.command('JOIN #setname');
    b.skip(); plain.skip(); apart.skip();
    assert.deepEqual(await a.command('SETNAME :Bruce Wayne <bruce@wayne.example>'), [':SetA!~seta@banter SETNAME :Bruce Wayne <bruce@wayne.example>']);
    assert.equal(await b.waitLine(/ SETNAME /), ':SetA!~seta@banter SETNAME :Bruce Wayne <bruce@wayne.example>');
    await plain.sync(); await apart.sync();
    assert.deepEqual(plain.rest(), []);
    assert.deepEqual(apart.rest(), []);
    // Everything that shows the real name shows the new one.
    const whois = await plain.command('WHOIS SetA');
    assert.equal(whois[0], `${S} 311 SetPlain SetA ~seta banter * :Bruce Wayne <bruce@wayne.example>`);
    a.close(); b.close(); plain.close(); apart.close();
  });

  it('refuses an empty or over-long real name with FAIL SETNAME INVALID_REALNAME, changing nothing', async () => {
    const a = await client('SetBad', ['setname']);
    assert.deepEqual(await a.command('SETNAME :'), [`${S} FAIL SETNAME INVALID_REALNAME :Realname is not valid: 1 to 100 characters`]);
    assert.deepEqual(await a.command(`SETNAME :${'x'.repeat(101)}`), [`${S} FAIL SETNAME INVALID_REALNAME :Realname is not valid: 1 to 100 characters`]);
    assert.deepEqual(await a.command('SETNAME :\x02\x03'), [`${S} FAIL SETNAME INVALID_REALNAME :Realname is not valid: 1 to 100 characters`]);
    assert.equal((await a.command('WHOIS SetBad'))[0], `${S} 311 SetBad SetBad ~setbad banter * :Real SetBad`);
    // The limit is advertised (ISUPPORT NAMELEN), and exactly that many characters are accepted.
    assert.match((await a.command('VERSION')).join('\n'), / NAMELEN=100 /);
    assert.deepEqual(await a.command(`SETNAME :${'é'.repeat(100)}`), [`:SetBad!~setbad@banter SETNAME :${'é'.repeat(100)}`]);
    a.close();
  });
});

describe('account-notify and draft/account-registration', () => {
  it('REGISTER after connecting logs in at once; ACCOUNT goes to the user and to account-notify clients in common channels', async () => {
    const a = await client('AccNew', ['account-notify', 'draft/account-registration']);
    const peer = await client('AccPeer', ['account-notify']);
    const plain = await client('AccPlain');
    const apart = await client('AccApart', ['account-notify']);
    await a.command('JOIN #acc');
    await peer.command('JOIN #acc');
    await plain.command('JOIN #acc');
    peer.skip(); plain.skip(); apart.skip();
    assert.deepEqual(await a.command(`REGISTER * * :${PW}`), [
      ':AccNew!~accnew@banter ACCOUNT AccNew',
      `${S} 900 AccNew AccNew!~accnew@banter AccNew :You are now logged in as AccNew`,
      `${S} REGISTER SUCCESS AccNew :Account AccNew registered; log in with SASL PLAIN or PASS next time`,
    ]);
    assert.equal(await peer.waitLine(/ ACCOUNT /), ':AccNew!~accnew@banter ACCOUNT AccNew');
    await plain.sync(); await apart.sync();
    assert.deepEqual(plain.rest(), []);
    assert.deepEqual(apart.rest(), []);
    assert.equal(app.core.dir.user('AccNew')?.account, 'AccNew');
    assert.deepEqual(await a.command(`REGISTER AccNew * :${PW}`), [`${S} FAIL REGISTER ALREADY_AUTHENTICATED AccNew :You are already logged in as AccNew`]);
    assert.deepEqual(await a.command('VERIFY AccNew 1234'), [`${S} FAIL VERIFY ALREADY_AUTHENTICATED AccNew :You are already logged in as AccNew`]);
    a.close(); peer.close(); plain.close(); apart.close();
    // The password works for the next connection (PASS).
    const again = await IrcClient.connect(app.ircPort!);
    again.send(`PASS :${PW}`);
    again.send('NICK AccNew');
    again.send('USER accnew 0 * :A');
    assert.equal(await again.waitLine(/ 900 /), `${S} 900 AccNew AccNew!~accnew@banter AccNew :You are now logged in as AccNew`);
    again.close();
  });

  it('REGISTER before connection registration (before-connect): the connection completes logged in to the account', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    c.send('CAP LS 302');
    c.send('CAP REQ :draft/account-registration');
    await c.waitLine(/ CAP \* ACK /);
    assert.deepEqual(await c.command(`REGISTER * * :${PW}`), [`${S} FAIL REGISTER NEED_NICK * :Send NICK first: the account is named after your nick`]);
    c.send('NICK Early');
    assert.deepEqual(await c.command(`REGISTER Other * :${PW}`), [`${S} FAIL REGISTER ACCOUNT_NAME_MUST_BE_NICK Other :The account name must be your nick, Early`]);
    assert.deepEqual(await c.command('REGISTER * * :short'), [`${S} FAIL REGISTER UNACCEPTABLE_PASSWORD Early :Registration failed: a password must be 8–1024 bytes long`]);
    assert.deepEqual(await c.command(`REGISTER early someone@example.org :${PW}`), [
      `${S} 900 * Early!~*@banter Early :You are now logged in as Early`,
      `${S} REGISTER SUCCESS Early :Account Early registered; log in with SASL PLAIN or PASS next time`,
    ]);
    assert.deepEqual(await c.command('VERIFY Early 1234'), [`${S} FAIL VERIFY ALREADY_AUTHENTICATED Early :You are already logged in as Early`]);
    c.send('USER early 0 * :Early Bird');
    c.send('CAP END');
    assert.equal(await c.waitLine(/ 001 /), `${S} 001 Early :Welcome to the Banter IRC Network Early!~early@banter`);
    await c.waitLine(/ (376|422) /);
    assert.equal(app.core.dir.user('Early')?.account, 'Early');
    c.close();
  });

  it('an existing account is ACCOUNT_EXISTS; VERIFY with nothing pending is INVALID_CODE', async () => {
    const web = await TestClient.login(app, 'Taken');
    await web.request('register', { password: PW });
    const watcher = await client('TakenWatch');
    await watcher.command('JOIN #lobby');
    web.close();
    // Once the account's owner has gone, the nick is free for a connection that has not logged in yet.
    await watcher.waitLine(/^:Taken!\S+ QUIT /);
    watcher.close();
    const c = await IrcClient.connect(app.ircPort!);
    c.send('NICK Taken');
    assert.deepEqual(await c.command(`REGISTER * * :${PW}`), [`${S} FAIL REGISTER ACCOUNT_EXISTS Taken :Registration failed: "Taken" is already registered`]);
    assert.deepEqual(await c.command('VERIFY Taken 1234'), [`${S} FAIL VERIFY INVALID_CODE Taken :No registration is waiting for verification: Banter registers accounts at once`]);
    c.close();
  });

  it('the core\'s registration throttle applies: TEMPORARILY_UNAVAILABLE', async () => {
    // Loopback is exempt from per-address limits unless told otherwise.
    const strict = await startTestServer({ 'irc.autoJoinLobby': false, 'limits.exemptLoopback': false, 'limits.perIp': 100, 'limits.connectBurst': 100, 'auth.registerBurst': 1, 'auth.registerPerHour': 0.01 });
    try {
      const one = await IrcClient.register(strict, 'First');
      assert.match((await one.command(`REGISTER * * :${PW}`)).at(-1)!, / REGISTER SUCCESS First /);
      const two = await IrcClient.register(strict, 'Second');
      const [line] = await two.command(`REGISTER * * :${PW}`);
      assert.match(line!, new RegExp(`^${S} FAIL REGISTER TEMPORARILY_UNAVAILABLE Second :Registration failed: .+`));
      assert.equal(strict.core.dir.user('Second')?.account, undefined);
      one.close(); two.close();
    } finally {
      await strict.close();
    }
  });
});

describe('invite-notify', () => {
  it('members with invite-notify see who was invited; on +i channels only operators do; the inviter gets 341 only', async () => {
    const op = await client('InvOp', ['invite-notify']);
    const member = await client('InvMember', ['invite-notify']);
    const plain = await client('InvPlain');
    const guest = await client('InvGuest', ['invite-notify']);
    const guest2 = await client('InvGuest2');
    await op.command('JOIN #inv');
    await member.command('JOIN #inv');
    await plain.command('JOIN #inv');
    member.skip(); plain.skip();
    assert.deepEqual(await op.command('INVITE InvGuest #inv'), [`${S} 341 InvOp InvGuest #inv`]);
    assert.equal(await guest.waitLine(/ INVITE /), ':InvOp!~invop@banter INVITE InvGuest #inv');
    assert.equal(await member.waitLine(/ INVITE /), ':InvOp!~invop@banter INVITE InvGuest #inv');
    await plain.sync();
    assert.deepEqual(plain.rest(), []);
    // Invite-only: a plain member no longer hears of invitations; a second operator does.
    await member.command('PART #inv');
    await op.command('MODE #inv +i');
    const op2 = await client('InvOp2', ['invite-notify']);
    await op.command('INVITE InvOp2 #inv');
    await op2.command('JOIN #inv');
    await op.command('MODE #inv +o InvOp2');
    await op.command('INVITE InvMember #inv');
    await member.command('JOIN #inv');
    member.skip(); op2.skip();
    await op.command('INVITE InvGuest2 #inv');
    assert.equal(await op2.waitLine(/ INVITE InvGuest2 /), ':InvOp!~invop@banter INVITE InvGuest2 #inv');
    await member.sync();
    assert.deepEqual(member.rest().filter((l) => l.includes(' INVITE ')), []);
    for (const c of [op, member, plain, guest, guest2, op2]) c.close();
  });
});

describe('standard-replies', () => {
  it('an error no numeric fits is FAIL <command> <code> <target> for standard-replies clients, 400 for others', async () => {
    const sr = await client('StdReply', ['standard-replies']);
    const old = await client('OldReply');
    await sr.command('JOIN #lobby');
    await old.command('JOIN #lobby');
    const [fail] = await sr.command('PART #lobby');
    assert.match(fail!, new RegExp(`^${S} FAIL PART CANNOT_LEAVE_LOBBY #lobby :.+`));
    const [numeric] = await old.command('PART #lobby');
    assert.match(numeric!, new RegExp(`^${S} 400 OldReply PART :.+`));
    // Errors with a numeric keep it: clients and scripts rely on them.
    assert.deepEqual(await sr.command('PART #nowhere'), [`${S} 403 StdReply #nowhere :No such channel`]);
    sr.close(); old.close();
  });
});

describe('UTF8ONLY', () => {
  it('is advertised, and invalid UTF-8 is refused with FAIL <command> INVALID_UTF8 (or * when the command is unreadable), never relayed', async () => {
    const c = await IrcClient.connect(app.ircPort!);
    c.send('NICK Utf');
    c.write(Buffer.concat([Buffer.from('USER utf 0 * :Bad '), Buffer.from([0xff, 0xfe]), Buffer.from('\r\n')]));
    assert.equal(await c.waitLine(/ FAIL /), `${S} FAIL USER INVALID_UTF8 :Message rejected, your message contained invalid UTF-8`);
    c.send('USER utf 0 * :Good');
    assert.match(await c.waitLine(/ 005 .*UTF8ONLY/), / UTF8ONLY /);
    await c.waitLine(/ (376|422) /);
    const peer = await client('UtfPeer');
    await c.command('JOIN #utf');
    await peer.command('JOIN #utf');
    peer.skip();
    c.skip();
    c.write(Buffer.concat([Buffer.from('PRIVMSG #utf :caf'), Buffer.from([0xe9]), Buffer.from('\r\n')]));
    assert.equal(await c.waitLine(/ FAIL PRIVMSG /), `${S} FAIL PRIVMSG INVALID_UTF8 :Message rejected, your message contained invalid UTF-8`);
    c.write(Buffer.from([0xc3, 0x28, 0x0d, 0x0a]));
    assert.equal(await c.waitLine(/ FAIL \* /), `${S} FAIL * INVALID_UTF8 :Message rejected, your message contained invalid UTF-8`);
    // A command word broken by an invalid byte is no command: not `FAIL PRIV`.
    c.skip();
    c.write(Buffer.concat([Buffer.from('PRIV'), Buffer.from([0xff]), Buffer.from('MSG #utf :x\r\n')]));
    await c.sync();
    assert.deepEqual(c.rest(), [`${S} FAIL * INVALID_UTF8 :Message rejected, your message contained invalid UTF-8`]);
    await peer.sync();
    assert.deepEqual(peer.rest(), []);
    c.close(); peer.close();
  });
});
