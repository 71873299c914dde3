/**
 * Accounts over real WebSocket connections: registration, password and token login, wrong
 * passwords and their throttle, logout and password change revoking tokens, and guests not
 * being able to take a registered name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword, OWASP_SCRYPT, verifyPassword } from '../src/core/accounts/password.ts';
import { Accounts, DEFAULT_ACCOUNTS_CONFIG } from '../src/core/accounts/service.ts';
import { MemoryAccounts } from '../src/storage/memory-accounts.ts';
import type { App } from '../src/server/app.ts';
import { ReplyError, startTestServer, TestClient, wsUrl } from './helpers/server.ts';

let app: App;
// Cheap hashes keep the suite fast; the parameters are stored with each hash, and the
// default (OWASP's N = 2^17) is checked separately below.
before(async () => { app = await startTestServer({ 'auth.scryptLog2N': 10 }); });
after(async () => { await app.close(); });

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

async function open(): Promise<TestClient> {
  return TestClient.open(wsUrl(app));
}

describe('registration and login', () => {
  it('registers a guest name; afterwards the name needs its password or a token', async () => {
    const a = await TestClient.login(app, 'Regina');
    const reg = await a.request('register', { password: 'correct horse' });
    assert.equal(reg.name, 'Regina');
    assert.match(reg.token, /^[A-Za-z0-9_-]{43}$/);
    a.close();
    await a.waitClosed();

    const guest = await open();
    await rejects(guest.request('login', { name: 'regina' }), 'AUTH_REQUIRED');
    await rejects(guest.request('login', { name: 'regina', password: 'wrong horse' }), 'AUTH_FAILED');
    await rejects(guest.request('login', { name: 'regina', token: 'x'.repeat(43) }), 'AUTH_FAILED');
    const ok = await guest.request('login', { name: 'regina', password: 'correct horse' });
    assert.equal(ok.name, 'Regina', 'the registered spelling is used');
    assert.equal(ok.registered, true);
    assert.ok(ok.token && ok.token !== reg.token);
    guest.close();
    await guest.waitClosed();

    const byToken = await open();
    const t = await byToken.request('login', { name: 'Regina', token: reg.token });
    assert.equal(t.registered, true);
    assert.equal(t.token, undefined, 'a token login issues no new token');
    byToken.close();
  });

  it('registers before logging in, and refuses taken or registered names', async () => {
    const c = await open();
    const reg = await c.request('register', { name: 'Prereg', password: 'pa55word!' });
    assert.equal(reg.name, 'Prereg');
    await rejects(c.request('register', { name: 'prereg', password: 'another one' }), 'NAME_REGISTERED');
    const online = await TestClient.login(app, 'Onliner');
    await rejects(c.request('register', { name: 'onliner', password: 'pa55word!' }), 'NAME_TAKEN');
    await rejects(online.request('register', { name: 'Someone', password: 'pa55word!' }), 'NAME_INVALID');
    await rejects(c.request('register', { name: '9bad', password: 'pa55word!' }), 'NAME_INVALID');
    await rejects(c.request('login', { name: 'Unregistered', password: 'pa55word!' }), 'AUTH_FAILED');
    assert.equal((await c.request('login', { name: 'Prereg', password: 'pa55word!' })).registered, true);
    c.close(); online.close();
  });

  it('caps password length in bytes before hashing', async () => {
    const c = await TestClient.login(app, 'Lengthy');
    await rejects(c.request('register', { password: 'short' }), 'PASSWORD_INVALID');
    await rejects(c.request('register', { password: 'é'.repeat(513) }), 'PASSWORD_INVALID'); // 1026 bytes
    await rejects(c.request('register', { password: 'x'.repeat(5000) }), 'BAD_REQUEST');
    assert.equal((await c.request('register', { password: 'é'.repeat(512) })).name, 'Lengthy'); // 1024 bytes
    c.close();
  });

  it('a guest cannot take a registered name, even when its owner is offline', async () => {
    const owner = await TestClient.login(app, 'Owned');
    await owner.request('register', { password: 'my secret' });
    await rejects((await open()).request('login', { name: 'OWNED' }), 'AUTH_REQUIRED');
    owner.close();
    await owner.waitClosed();
    await rejects((await open()).request('login', { name: 'owned' }), 'AUTH_REQUIRED');
  });
});

describe('throttling', () => {
  it('locks a name after repeated wrong passwords, then lets the right one in', async () => {
    const c = await open();
    await c.request('register', { name: 'Throttled', password: 'right password' });
    // Five wrong passwords are answered AUTH_FAILED; the fifth starts a lock.
    for (let i = 0; i < 5; i++) await rejects(c.request('login', { name: 'Throttled', password: `wrong ${i}` }), 'AUTH_FAILED');
    const locked = await rejects(c.request('login', { name: 'Throttled', password: 'right password' }), 'AUTH_THROTTLED');
    assert.match(locked.message, /try again in \d+ s/);
    // Other names are not affected.
    await c.request('register', { name: 'Unthrottled', password: 'right password' });
    // The lock expires (1 s for the first locked failure).
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        assert.equal((await c.request('login', { name: 'Throttled', password: 'right password' })).name, 'Throttled');
        break;
      } catch (err) {
        assert.ok(err instanceof ReplyError && err.code === 'AUTH_THROTTLED', String(err));
        assert.ok(Date.now() < deadline, 'lock did not expire');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    c.close();
  });
});

describe('tokens', () => {
  it('logout revokes the token; reusing it fails', async () => {
    const c = await open();
    const { token } = await c.request('register', { name: 'Leaver', password: 'leaving now' });
    const s = await open();
    await s.request('login', { name: 'Leaver', token });
    assert.equal((await s.request('logout', {})).revoked, 1);
    s.close();
    await s.waitClosed();
    await rejects((await open()).request('login', { name: 'Leaver', token }), 'AUTH_FAILED');
    const guest = await TestClient.login(app, 'GuestLeaver');
    await rejects(guest.request('logout', {}), 'NOT_REGISTERED');
    c.close(); guest.close();
  });

  it('logout all and change_password revoke every session', async () => {
    const c = await open();
    const first = await c.request('register', { name: 'Changer', password: 'old password' });
    const a = await open();
    const loginA = await a.request('login', { name: 'Changer', password: 'old password' });
    await rejects(a.request('change_password', { old: 'not it at all', new: 'new password' }), 'AUTH_FAILED');
    await rejects(a.request('change_password', { old: 'old password', new: 'short' }), 'PASSWORD_INVALID');
    const changed = await a.request('change_password', { old: 'old password', new: 'new password' });
    assert.equal(changed.revoked, 2);
    a.close();
    await a.waitClosed();
    for (const t of [first.token, loginA.token!]) await rejects((await open()).request('login', { name: 'Changer', token: t }), 'AUTH_FAILED');
    await rejects((await open()).request('login', { name: 'Changer', password: 'old password' }), 'AUTH_FAILED');
    const b = await open();
    await b.request('login', { name: 'Changer', token: changed.token });
    await b.request('logout', { all: true });
    b.close();
    await b.waitClosed();
    await rejects((await open()).request('login', { name: 'Changer', token: changed.token }), 'AUTH_FAILED');
    assert.equal((await (await open()).request('login', { name: 'Changer', password: 'new password' })).registered, true);
    c.close();
  });

  it('stores only a self-describing scrypt hash, never the password or the token', async () => {
    const c = await open();
    const { token } = await c.request('register', { name: 'Hashed', password: 'plain text pw' });
    const rec = await app.core.accounts.store.get('hashed');
    assert.ok(rec);
    assert.match(rec.hash, /^scrypt\$10\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.ok(!rec.hash.includes('plain text pw'));
    assert.equal(await app.core.accounts.store.sessionUser(token), undefined, 'tokens are stored hashed');
    c.close();
  });
});

it('hashes at OWASP parameters by default (scrypt N=2^17, r=8, p=1) and verifies in constant time', async () => {
  assert.deepEqual(OWASP_SCRYPT, { log2N: 17, r: 8, p: 1 });
  const h = await hashPassword('correct horse', OWASP_SCRYPT);
  assert.match(h, /^scrypt\$17\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse', h), true);
  assert.equal(await verifyPassword('correct horsf', h), false);
  assert.equal(await verifyPassword('x', 'not a hash'), false);
});

it('bounds the password hashes computing and waiting at once', async () => {
  const accounts = new Accounts(new MemoryAccounts(), { now: () => 0 }, {
    ...DEFAULT_ACCOUNTS_CONFIG, scrypt: { log2N: 10, r: 8, p: 1 }, maxConcurrentHashes: 1, maxQueuedHashes: 1,
  });
  // Three connections from three addresses, so only the server-wide bound applies.
  const results = await Promise.allSettled(['a', 'b', 'c'].map((n, i) => accounts.register(n, n, 'long enough', { id: n, remote: `10.0.0.${i}:1000` })));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected']);
  const busy = (results[2] as PromiseRejectedResult).reason as { code: string; message: string };
  assert.equal(busy.code, 'AUTH_BUSY');
  assert.match(busy.message, /try again in \d+ s$/);
});
