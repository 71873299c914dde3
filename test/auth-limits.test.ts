/**
 * Abuse of password hashing and of the wrong-password throttle, over real WebSocket and IRC
 * connections from several loopback addresses (127.0.0.x, so per-address limits can be
 * told apart; `limits.exemptLoopback` is off for that): an attacker cannot lock the owner
 * out, password spraying locks the sprayer's address, a distributed attack only slows the
 * name, hashes in flight are capped per connection, per address and server-wide, the
 * registrations of one address are rate-limited, and a connection that cannot log in
 * anyway has no password hashed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ipKey, remoteIp } from '../src/core/ip.ts';
import type { App } from '../src/server/app.ts';
import { IrcClient, SERVER } from './helpers/irc.ts';
import { ReplyError, startTestServer, TestClient, wsUrl } from './helpers/server.ts';

const PW = 'correct horse';
const S = `:${SERVER}`;
/** Per-address limits apply to loopback too here; connection limits are out of the way. */
const PER_ADDRESS = { 'limits.exemptLoopback': false, 'limits.perIp': 1000, 'limits.connectBurst': 1000 };

async function rejects(p: Promise<unknown>, code: string): Promise<ReplyError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ReplyError, `expected ReplyError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected error ${code}`);
}

const from = (app: App, localAddress: string): Promise<TestClient> => TestClient.open(wsUrl(app), { localAddress });

/** Registers `name` from `addr` (without staying online). */
async function account(app: App, name: string, addr = '127.0.0.1'): Promise<string> {
  const c = await from(app, addr);
  const { token } = await c.request('register', { name, password: PW });
  c.close();
  await c.waitClosed();
  return token;
}

const plain = (authcid: string, password: string): string => Buffer.from(`\0${authcid}\0${password}`).toString('base64');

describe('wrong passwords cannot lock the owner out', () => {
  let app: App;
  before(async () => { app = await startTestServer({ 'auth.scryptLog2N': 10, ...PER_ADDRESS, 'auth.registerBurst': 100 }); });
  after(async () => { await app.close(); });

  it('locks the guessing address out of the name; the owner from another address still logs in', async () => {
    const token = await account(app, 'Owner');
    const attacker = await from(app, '127.0.0.2');
    for (let i = 0; i < 5; i++) await rejects(attacker.request('login', { name: 'Owner', password: `guess ${i}` }), 'AUTH_FAILED');
    const locked = await rejects(attacker.request('login', { name: 'Owner', password: PW }), 'AUTH_THROTTLED');
    assert.match(locked.message, /^AUTH_THROTTLED: too many wrong passwords for "Owner"; try again in \d+ s$/);

    // Another address with no failures: its wrong password is just wrong, not throttled…
    const other = await from(app, '127.0.0.3');
    await rejects(other.request('login', { name: 'Owner', password: 'typo horse' }), 'AUTH_FAILED');
    other.close();
    // …and the owner's right password gets in while the attacker is still locked.
    const owner = await from(app, '127.0.0.1');
    const ok = await owner.request('login', { name: 'Owner', password: PW });
    assert.equal(ok.name, 'Owner');
    assert.equal(ok.registered, true);
    await rejects(attacker.request('login', { name: 'Owner', password: PW }), 'AUTH_THROTTLED');
    owner.close();
    await owner.waitClosed();
    // A valid token works from the locked address too: tokens are never throttled.
    assert.equal((await attacker.request('login', { name: 'Owner', token })).name, 'Owner');
    attacker.close();
  });

  it('the same over IRC: SASL guesses from one address, PASS and SASL of the owner from others', async () => {
    await account(app, 'Ircowner');
    const attacker = await IrcClient.connect(app.ircPort!, '127.0.0.4');
    attacker.send('CAP LS 302');
    attacker.send('NICK guesser');
    attacker.send('USER guesser 0 * :G');
    attacker.send('CAP REQ :sasl');
    await attacker.take(/ CAP \* ACK /);
    for (let i = 0; i < 5; i++) {
      attacker.send('AUTHENTICATE PLAIN');
      assert.deepEqual(await attacker.command(`AUTHENTICATE ${plain('Ircowner', `guess ${i}`)}`), ['AUTHENTICATE +', `${S} 904 * :SASL authentication failed`]);
    }
    attacker.send('AUTHENTICATE PLAIN');
    const locked = await attacker.command(`AUTHENTICATE ${plain('Ircowner', PW)}`);
    assert.match(locked[1]!, /^:banter\.local 904 \* :SASL authentication failed: too many wrong passwords for "Ircowner"; try again in \d+ s$/);

    const owner = await IrcClient.connect(app.ircPort!, '127.0.0.5');
    owner.send(`PASS :${PW}`);
    owner.send('NICK Ircowner');
    owner.send('USER owner 0 * :O');
    assert.equal(await owner.waitLine(/ (900|464) /), `${S} 900 Ircowner Ircowner!~owner@banter Ircowner :You are now logged in as Ircowner`);
    owner.close();
    attacker.close();
  });

  it('password spraying: failures over many names lock the address out of every name, not the names', async () => {
    const spray = await startTestServer({ 'auth.scryptLog2N': 10, ...PER_ADDRESS, 'auth.registerBurst': 100, 'auth.ipFreeFailures': 3 });
    try {
      for (const n of ['Spray1', 'Spray2', 'Spray3', 'Spray4']) await account(spray, n);
      const sprayer = await from(spray, '127.0.1.1');
      for (const n of ['Spray1', 'Spray2', 'Spray3']) await rejects(sprayer.request('login', { name: n, password: 'password1' }), 'AUTH_FAILED');
      const locked = await rejects(sprayer.request('login', { name: 'Spray4', password: PW }), 'AUTH_THROTTLED');
      assert.match(locked.message, /^AUTH_THROTTLED: too many wrong passwords from your address; try again in \d+ s$/);
      // The names themselves are not locked.
      const owner = await from(spray, '127.0.1.2');
      assert.equal((await owner.request('login', { name: 'Spray4', password: PW })).name, 'Spray4');
      owner.close();
      sprayer.close();
    } finally {
      await spray.close();
    }
  });

  it('a distributed attack on one name only slows its password checks; the owner and tokens still get in', async () => {
    const slowMs = 1500;
    const dist = await startTestServer({ 'auth.scryptLog2N': 10, ...PER_ADDRESS, 'auth.accountSlowAfter': 3, 'auth.accountSlowMs': slowMs });
    try {
      const token = await account(dist, 'Target');
      const timed = async (c: TestClient, args: { password: string } | { token: string }): Promise<number> => {
        const t0 = performance.now();
        assert.equal((await c.request('login', { name: 'Target', ...args })).name, 'Target');
        const ms = performance.now() - t0;
        c.close();
        await c.waitClosed();
        return ms;
      };
      assert.ok((await timed(await from(dist, '127.0.2.9'), { password: PW })) < slowMs, 'not slowed before the attack');
      // One wrong password from each of three addresses: none of them is locked, the name is slowed.
      for (const a of ['127.0.2.1', '127.0.2.2', '127.0.2.3']) {
        const c = await from(dist, a);
        await rejects(c.request('login', { name: 'Target', password: 'botnet guess' }), 'AUTH_FAILED');
        c.close();
      }
      const slowed = await timed(await from(dist, '127.0.2.4'), { password: PW });
      assert.ok(slowed >= slowMs, `the owner's password check waited ${slowed} ms`);
      assert.ok((await timed(await from(dist, '127.0.2.5'), { token })) < slowMs, 'a token login is not slowed');
    } finally {
      await dist.close();
    }
  });
});

describe('password hashes in flight are capped', () => {
  let app: App;
  // Hashes slow enough (2^15: 32 MiB, tens of ms each) that requests sent together are all in flight at once.
  before(async () => {
    app = await startTestServer({ 'auth.scryptLog2N': 15, ...PER_ADDRESS, 'auth.registerBurst': 1000, 'auth.hashesPerIp': 3, 'auth.maxConcurrentHashes': 2, 'auth.maxQueuedHashes': 3 });
    for (let i = 0; i < 17; i++) await account(app, `Hash${i}`);
  });
  after(async () => { await app.close(); });

  /**
   * Fires one password login per (connection, account) pair at once; the error codes (or
   * 'ok'), sorted: which connection's frame the server reads first is up to the kernel.
   */
  async function burst(conns: TestClient[], names: string[]): Promise<{ codes: string[]; messages: string[] }> {
    const results = await Promise.allSettled(conns.map((c, i) => c.request('login', { name: names[i]!, password: PW })));
    for (const c of conns) c.close();
    return {
      codes: results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as ReplyError).code)).sort(),
      messages: results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as ReplyError).message] : [])),
    };
  }

  it('one hash per connection: requests pipelined behind it are refused with AUTH_BUSY', async () => {
    const c = await from(app, '127.0.3.1');
    const results = await Promise.allSettled(['Pipe1', 'Pipe2', 'Pipe3'].map((name) => c.request('register', { name, password: PW })));
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as ReplyError).code)), ['ok', 'AUTH_BUSY', 'AUTH_BUSY']);
    assert.match((results[1] as PromiseRejectedResult).reason.message, /^AUTH_BUSY: a password check for this connection is already running; try again in \d+ s$/);
    // Nothing was registered for the refused ones.
    assert.equal(await app.core.accounts.get('pipe2'), undefined);
    c.close();
  });

  it('one check per (name, address) at a time: guesses sent together from two connections cannot both run', async () => {
    const conns = await Promise.all([1, 2].map(() => from(app, '127.0.3.6')));
    const results = await Promise.allSettled(conns.map((c) => c.request('login', { name: 'Hash16', password: 'not the password' })));
    const codes = results.map((r) => (r as PromiseRejectedResult).reason as ReplyError).map((e) => e.code).sort();
    assert.deepEqual(codes, ['AUTH_BUSY', 'AUTH_FAILED']);
    for (const c of conns) c.close();
  });

  it('per address: beyond hashesPerIp concurrent logins from one address get AUTH_BUSY; other addresses do not', async () => {
    const conns = await Promise.all([1, 2, 3, 4, 5].map(() => from(app, '127.0.3.2')));
    const other = from(app, '127.0.3.9');
    const { codes, messages } = await burst([...conns, await other], ['Hash0', 'Hash1', 'Hash2', 'Hash3', 'Hash4', 'Hash15']);
    assert.deepEqual(codes, ['AUTH_BUSY', 'AUTH_BUSY', 'ok', 'ok', 'ok', 'ok']);
    for (const m of messages) assert.match(m, /^AUTH_BUSY: too many password checks from your address are running; try again in \d+ s$/);
  });

  it('server-wide: beyond maxConcurrentHashes + maxQueuedHashes, AUTH_BUSY from any address', async () => {
    const conns = await Promise.all(['127.0.3.3', '127.0.3.3', '127.0.3.3', '127.0.3.4', '127.0.3.4', '127.0.3.4'].map((a) => from(app, a)));
    const { codes, messages } = await burst(conns, ['Hash5', 'Hash6', 'Hash7', 'Hash8', 'Hash9', 'Hash10']);
    assert.deepEqual(codes, ['AUTH_BUSY', 'ok', 'ok', 'ok', 'ok', 'ok']);
    assert.match(messages[0]!, /^AUTH_BUSY: too many logins in progress; try again in \d+ s$/);
  });

  it('SASL shares the address budget: one of four checks from one address is refused, over IRC with 904 and the reason', async () => {
    const web = await Promise.all([1, 2, 3].map(() => from(app, '127.0.3.5')));
    const irc = await IrcClient.connect(app.ircPort!, '127.0.3.5');
    irc.send('CAP LS 302');
    irc.send('CAP REQ :sasl');
    await irc.waitLine(/ CAP \* ACK /);
    assert.deepEqual(await irc.command('AUTHENTICATE PLAIN'), ['AUTHENTICATE +']);
    const pending = Promise.allSettled(web.map((c, i) => c.request('login', { name: `Hash${11 + i}`, password: PW })));
    irc.send(`AUTHENTICATE ${plain('Hash14', PW)}`);
    const line = await irc.waitLine(/ 90[34] /);
    const webOk = (await pending).filter((r) => r.status === 'fulfilled').length;
    const refused = (await pending).flatMap((r) => (r.status === 'rejected' ? [(r.reason as ReplyError).message] : []));
    if (line.includes(' 904 ')) {
      assert.equal(webOk, 3);
      assert.match(line, /^:banter\.local 904 \* :SASL authentication failed: too many password checks from your address are running; try again in \d+ s$/);
    } else {
      assert.equal(webOk, 2, `SASL got ${line}`);
      assert.match(refused[0]!, /^AUTH_BUSY: too many password checks from your address/);
    }
    for (const c of web) c.close();
    irc.close();
  });
});

describe('registrations per address', () => {
  let app: App;
  before(async () => { app = await startTestServer({ 'auth.scryptLog2N': 10, ...PER_ADDRESS, 'auth.registerBurst': 3, 'auth.registerPerHour': 5 }); });
  after(async () => { await app.close(); });

  it('allows registerBurst registrations from one address, then REGISTRATION_THROTTLED; refused attempts cost nothing', async () => {
    const c = await from(app, '127.0.4.1');
    // Attempts refused before hashing do not count.
    await rejects(c.request('register', { name: 'Short', password: 'short' }), 'PASSWORD_INVALID');
    await rejects(c.request('register', { name: '9bad', password: PW }), 'NAME_INVALID');
    for (const name of ['Reg1', 'Reg2']) assert.equal((await c.request('register', { name, password: PW })).name, name);
    await rejects(c.request('register', { name: 'reg1', password: PW }), 'NAME_REGISTERED');
    // A new connection from the same address shares the address's budget.
    const d = await from(app, '127.0.4.1');
    assert.equal((await d.request('register', { name: 'Reg3', password: PW })).name, 'Reg3');
    const refused = await rejects(d.request('register', { name: 'Reg4', password: PW }), 'REGISTRATION_THROTTLED');
    // 5 per hour: the next one in 720 s.
    assert.match(refused.message, /^REGISTRATION_THROTTLED: too many registrations from your address; try again in 7[12]\d s$/);
    assert.equal(await app.core.accounts.get('reg4'), undefined);
    // Another address is not affected.
    const e = await from(app, '127.0.4.2');
    assert.equal((await e.request('register', { name: 'Reg4', password: PW })).name, 'Reg4');
    for (const x of [c, d, e]) x.close();
  });

  it('NickServ REGISTER over IRC counts against the same budget', async () => {
    const w = await from(app, '127.0.4.3');
    for (const name of ['Ns1', 'Ns2', 'Ns3']) await w.request('register', { name, password: PW });
    w.close();
    const c = await IrcClient.connect(app.ircPort!, '127.0.4.3');
    c.send('NICK Nsfour');
    c.send('USER ns 0 * :N');
    await c.waitLine(/ (376|422) /);
    await c.sync();
    c.skip();
    const reply = await c.command(`PRIVMSG NickServ :REGISTER ${PW.replace(' ', '-')}`);
    assert.equal(reply.length, 1, reply.join('\n'));
    assert.match(reply[0]!, /^:NickServ!NickServ@services NOTICE Nsfour :Registration failed: too many registrations from your address; try again in \d+ s$/);
    c.close();
  });
});

describe('login order', () => {
  let app: App;
  before(async () => { app = await startTestServer({ 'auth.scryptLog2N': 10 }); });
  after(async () => { await app.close(); });

  it('a connection that already has a name gets ALREADY_LOGGED_IN without its password being checked', async () => {
    await account(app, 'Ordered');
    const c = await TestClient.login(app, 'Guesty');
    // Checked first, these wrong passwords would be AUTH_FAILED and lock the name for this address.
    for (let i = 0; i < 8; i++) await rejects(c.request('login', { name: 'Ordered', password: `wrong ${i}` }), 'ALREADY_LOGGED_IN');
    const owner = await TestClient.open(wsUrl(app));
    assert.equal((await owner.request('login', { name: 'Ordered', password: PW })).name, 'Ordered');
    c.close(); owner.close();
  });

  it('a second login while the first is running gets ALREADY_LOGGED_IN, not a password check', async () => {
    await account(app, 'Piped');
    const c = await TestClient.open(wsUrl(app));
    const [first, second] = await Promise.allSettled([
      c.request('login', { name: 'Piped', password: PW }),
      c.request('login', { name: 'Piped', password: 'wrong password' }),
    ]);
    assert.equal(first.status, 'fulfilled');
    assert.equal(second.status, 'rejected');
    assert.equal((second.reason as ReplyError).code, 'ALREADY_LOGGED_IN');
    assert.match((second.reason as ReplyError).message, /a login is already in progress/);
    c.close();
  });

  it('authenticate (the SASL check) while a login is running gets ALREADY_LOGGED_IN, not a password check', async () => {
    const token = await account(app, 'Sasled');
    const c = await TestClient.open(wsUrl(app));
    const [first, second] = await Promise.allSettled([
      c.request('login', { name: 'Sasled', token }),
      c.request('authenticate', { name: 'Sasled', password: 'wrong password' }),
    ]);
    assert.equal(first.status, 'fulfilled');
    assert.equal((second as PromiseRejectedResult).reason.code, 'ALREADY_LOGGED_IN');
    c.close();
  });
});

it('keys addresses by IPv4 address and IPv6 /64, from a Session.remote', () => {
  assert.equal(remoteIp('203.0.113.7:51000'), '203.0.113.7');
  assert.equal(remoteIp('::ffff:203.0.113.7:51000'), '203.0.113.7');
  assert.equal(remoteIp('::1:6667'), '::1');
  assert.equal(remoteIp('?:0'), '?');
  assert.equal(ipKey('203.0.113.7'), '203.0.113.7');
  assert.equal(ipKey('2001:db8:aa:bb:1:2:3:4'), '2001:db8:aa:bb::/64');
  assert.equal(ipKey('2001:db8:aa:bb::9'), '2001:db8:aa:bb::/64');
  assert.equal(ipKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(ipKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(ipKey('::1'), '0:0:0:0::/64');
});
