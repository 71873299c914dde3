/**
 * Ownership (src/core/owner.ts): private messages and room rights belong to an account or to
 * one live guest session, never to a bare name. Each case is an attack from the security
 * review (issue #11, items 2 and 4), run over real WebSocket and IRC connections: on the old
 * code every one of them read someone else's DMs or used someone else's rights.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage } from '../src/protocol/index.ts';
import type { App } from '../src/server/app.ts';
import { IrcClient, SERVER } from './helpers/irc.ts';
import { ReplyError, startTestServer, TestClient } from './helpers/server.ts';
import { get, sample } from './ops/helpers.ts';

let app: App;
before(async () => { app = await startTestServer({ 'auth.scryptLog2N': 10 }); });
after(async () => { await app.close(); });

const texts = (ms: ChatMessage[]): string[] => ms.map((m) => m.text);
const S = `:${SERVER}`;

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof ReplyError && err.code === code);
}

/** Logs out `c` and waits until the server has forgotten the name. */
async function leave(c: TestClient, watcher: TestClient, name: string): Promise<void> {
  const left = (): number => watcher.of('user_left').filter((e) => e.name === name).length;
  const before = left();
  c.close();
  await watcher.waitFor(() => left() > before);
}

describe('direct messages belong to an account or a live guest session', () => {
  it('a guest who takes an earlier guest\'s name reads none of that guest\'s DMs (history, search, locate)', async () => {
    const bob = await TestClient.login(app, 'OwnBob');
    const first = await TestClient.login(app, 'OwnGuest');
    const { msg } = await bob.request('send', { to: 'OwnGuest', text: 'first guest secret' });
    await first.request('send', { to: 'OwnBob', text: 'first guest reply' });
    // The live session reads its own DMs.
    assert.deepEqual(texts((await first.request('history', { to: 'OwnBob' })).messages), ['first guest secret', 'first guest reply']);
    assert.equal((await first.request('search', { query: 'secret' })).results.length, 1);
    await leave(first, bob, 'OwnGuest');

    const second = await TestClient.login(app, 'OwnGuest');
    assert.deepEqual((await second.request('history', { to: 'OwnBob' })).messages, []);
    assert.deepEqual((await second.request('history', { to: 'OwnBob', after: 0 })).messages, []);
    assert.deepEqual((await second.request('history', { to: 'OwnBob', before: 100 })).messages, []);
    assert.deepEqual((await second.request('search', { query: 'secret' })).results, []);
    assert.deepEqual((await second.request('search', { query: 'guest in:OwnBob' })).results, []);
    assert.equal((await second.request('locate', { to: 'OwnBob', msgid: msg.id })).found, false);
    // What is sent to the new session is the new session's.
    await bob.request('send', { to: 'OwnGuest', text: 'for the second guest' });
    assert.deepEqual(texts((await second.request('history', { to: 'OwnBob' })).messages), ['for the second guest']);
    // The other end, still the same live session, keeps its whole conversation.
    assert.deepEqual(texts((await bob.request('history', { to: 'OwnGuest' })).messages), ['first guest secret', 'first guest reply', 'for the second guest']);
    bob.close(); second.close();
  });

  it('registering a former guest name gives no access to DMs sent before the account existed', async () => {
    const carol = await TestClient.login(app, 'OwnCarol');
    const guest = await TestClient.login(app, 'OwnFormer');
    await carol.request('send', { to: 'OwnFormer', text: 'before the account existed' });
    await leave(guest, carol, 'OwnFormer');

    const owner = await TestClient.open(`ws://127.0.0.1:${app.port}/ws`);
    const { token } = await owner.request('register', { name: 'OwnFormer', password: 'a long password 1' });
    await carol.request('send', { to: 'OwnFormer', text: 'after the account existed' });
    const login = await owner.request('login', { name: 'OwnFormer', token });
    const offline = login.missed.flatMap((m) => texts(m.messages));
    assert.deepEqual(offline, ['after the account existed']);
    assert.deepEqual(login.unread.map((u) => [u.to, u.count]), [['OwnCarol', 1]]);
    assert.deepEqual((await owner.request('unread', {})).unread.map((u) => u.count), [1]);
    assert.deepEqual(texts((await owner.request('history', { to: 'OwnCarol' })).messages), ['after the account existed']);
    assert.deepEqual(texts((await owner.request('history', { to: 'OwnCarol', after: 0 })).messages), ['after the account existed']);
    assert.deepEqual(texts((await owner.request('search', { query: 'account existed' })).results), ['after the account existed']);
    assert.deepEqual(texts((await owner.request('search', { query: 'existed in:OwnCarol' })).results), ['after the account existed']);
    // Resuming the DM from seq 0 is no way around it either.
    await leave(owner, carol, 'OwnFormer');
    const again = await TestClient.open(`ws://127.0.0.1:${app.port}/ws`);
    const resumed = await again.request('login', { name: 'OwnFormer', token, resume: { OwnCarol: 0 } });
    assert.deepEqual(resumed.missed.flatMap((m) => texts(m.messages)), ['after the account existed']);
    again.close(); carol.close();
  });
});

describe('resends (idempotent send) cannot replay someone else\'s message', () => {
  it('a guest reusing an earlier guest\'s request id gets REQUEST_ID_REUSED, not the earlier message', async () => {
    const alice = await TestClient.login(app, 'OwnAlice');
    const first = await TestClient.login(app, 'OwnReplay');
    const sent = await first.request('send', { to: 'OwnAlice', text: 'replayable secret' }, 'fixed-id-1');
    // A genuine resend (same id, same message) is answered with the first message, stored once.
    const again = await first.request('send', { to: 'OwnAlice', text: 'replayable secret' }, 'fixed-id-1');
    assert.equal(again.msg.id, sent.msg.id);
    await leave(first, alice, 'OwnReplay');

    const second = await TestClient.login(app, 'OwnReplay');
    const err = await second.request('send', { to: '#lobby', text: 'hello' }, 'fixed-id-1').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ReplyError && err.code === 'REQUEST_ID_REUSED', String(err));
    assert.ok(!err.message.includes('replayable secret'));
    assert.equal(second.events.filter((e) => JSON.stringify(e).includes('replayable secret')).length, 0);
    assert.deepEqual(texts((await alice.request('history', { to: 'OwnReplay' })).messages), ['replayable secret']);
    alice.close(); second.close();
  });
});

describe('room rights belong to an account or a live guest session', () => {
  it('a guest who takes a departed creator\'s name cannot kick or op', async () => {
    const creator = await TestClient.login(app, 'OwnBoss');
    await creator.request('join', { room: '#ownroom' });
    const member = await TestClient.login(app, 'OwnMember');
    await member.request('join', { room: '#ownroom' });
    await leave(creator, member, 'OwnBoss');

    const impostor = await TestClient.login(app, 'OwnBoss');
    await impostor.request('join', { room: '#ownroom' });
    const members = await impostor.request('members', { room: '#ownroom' });
    assert.deepEqual(members.members.filter((m) => m.op).map((m) => m.name), []);
    await rejects(impostor.request('kick', { room: '#ownroom', name: 'OwnMember' }), 'NOT_ROOM_OPERATOR');
    await rejects(impostor.request('op', { room: '#ownroom', name: 'OwnBoss', op: true }), 'NOT_ROOM_OPERATOR');
    await member.sync();
    assert.equal(member.of('room_kicked').length, 0);

    // Over IRC too: no @ in NAMES and MODE +o refused.
    const irc = await IrcClient.register(app, 'OwnIrcPeek');
    const names = await irc.command('NAMES #ownroom');
    assert.ok(names.some((l) => / 353 OwnIrcPeek = #ownroom :/.test(l) && !l.includes('@')), names.join('\n'));
    impostor.close(); member.close(); irc.close();
  });

  it('a registered creator keeps the room\'s rights across reconnects; a guest creator who registers keeps them too', async () => {
    const owner = await TestClient.open(`ws://127.0.0.1:${app.port}/ws`);
    const { token } = await owner.request('register', { name: 'OwnAcct', password: 'a long password 2' });
    await owner.request('login', { name: 'OwnAcct', token });
    await owner.request('join', { room: '#acctroom' });
    const member = await TestClient.login(app, 'OwnAcctMember');
    await member.request('join', { room: '#acctroom' });
    await leave(owner, member, 'OwnAcct');
    const back = await TestClient.open(`ws://127.0.0.1:${app.port}/ws`);
    await back.request('login', { name: 'OwnAcct', token });
    await back.request('join', { room: '#acctroom' });
    await back.request('kick', { room: '#acctroom', name: 'OwnAcctMember' });
    await member.waitFor((e) => e.type === 'room_kicked' && e.room === '#acctroom');

    // A guest creates a room, then registers its name: the rights move to the account.
    const g = await TestClient.login(app, 'OwnLater');
    await g.request('join', { room: '#laterroom' });
    const { token: t2 } = await g.request('register', { password: 'a long password 3' });
    await member.request('join', { room: '#laterroom' });
    await leave(g, member, 'OwnLater');
    const g2 = await TestClient.open(`ws://127.0.0.1:${app.port}/ws`);
    await g2.request('login', { name: 'OwnLater', token: t2 });
    await g2.request('join', { room: '#laterroom' });
    await g2.request('kick', { room: '#laterroom', name: 'OwnAcctMember' });
    await member.waitFor((e) => e.type === 'room_kicked' && e.room === '#laterroom');
    back.close(); member.close(); g2.close();
  });
});

describe('IRC requests go through the core\'s commands', () => {
  const ALL = ['server-time', 'message-tags', 'batch', 'draft/chathistory', 'sasl'];

  it('CHATHISTORY of a guest who reuses a name shows none of the predecessor\'s DMs', async () => {
    const web = await TestClient.login(app, 'OwnWebPeer');
    const first = await IrcClient.register(app, 'OwnIrcGuest', ALL);
    await web.request('send', { to: 'OwnIrcGuest', text: 'irc secret' });
    await first.waitLine(/irc secret/);
    const own = await first.command('CHATHISTORY LATEST ownwebpeer * 10');
    assert.equal(own.filter((l) => l.includes('irc secret')).length, 1, own.join('\n'));
    first.send('QUIT');
    await web.waitFor((e) => e.type === 'user_left' && e.name === 'OwnIrcGuest');

    const second = await IrcClient.register(app, 'OwnIrcGuest', ALL);
    for (const cmd of ['LATEST ownwebpeer * 10', `AFTER ownwebpeer timestamp=${new Date(0).toISOString()} 10`, `BEFORE ownwebpeer timestamp=${new Date(Date.now() + 60_000).toISOString()} 10`]) {
      const lines = await second.command(`CHATHISTORY ${cmd}`);
      assert.equal(lines.filter((l) => l.includes('PRIVMSG')).length, 0, `${cmd}: ${lines.join('\n')}`);
      // The batch names the peer as it is spelled, whatever case the request used.
      assert.match(lines[0]!, new RegExp(`^${S} BATCH \\+\\S+ chathistory OwnWebPeer$`));
    }
    second.close(); web.close();
  });

  it('CHATHISTORY and SASL are counted as core requests (flood control and metrics apply)', async () => {
    const metric = async (kind: string): Promise<number> => sample((await get(`${app.url}/metrics`)).body, 'banter_messages_received_total', { kind });
    const [h0, l0, a0] = [await metric('history'), await metric('locate'), await metric('authenticate')];
    const c = await IrcClient.register(app, 'OwnCounted', ALL);
    await c.command('JOIN #owncount');
    await c.command('CHATHISTORY LATEST #owncount * 5');
    await c.command(`CHATHISTORY AFTER #owncount timestamp=${new Date(0).toISOString()} 5`);
    assert.equal(await metric('history'), h0 + 2);
    assert.equal(await metric('locate'), l0 + 1);

    const s = await IrcClient.connect(app.ircPort!);
    s.send('CAP LS 302');
    s.send('NICK OwnSasl');
    s.send('USER ownsasl 0 * :x');
    s.send('CAP REQ :sasl');
    await s.take(/ CAP \* ACK /);
    s.send('AUTHENTICATE PLAIN');
    await s.waitLine(/^AUTHENTICATE \+$/);
    s.send(`AUTHENTICATE ${Buffer.from('\0nobody\0wrong password').toString('base64')}`);
    await s.waitLine(/ 904 /);
    assert.equal(await metric('authenticate'), a0 + 1);
    c.close(); s.close();
  });
});
