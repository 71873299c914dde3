/**
 * The original classroom app's behaviours, end to end over real WebSocket connections:
 * join/leave announcements, broadcast, rooms, direct messages, user list, presence, calc.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../src/server/app.ts';
import { ReplyError, startTestServer, TestClient, wsUrl } from './helpers/server.ts';

let app: App;
before(async () => { app = await startTestServer(); });
after(async () => { await app.close(); });

async function rejects(p: Promise<unknown>, code: string): Promise<ReplyError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ReplyError, `expected ReplyError, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected error ${code}`);
}

describe('connect and login', () => {
  it('announces the protocol version on connect', async () => {
    const c = await TestClient.open(wsUrl(app));
    const hello = c.of('hello')[0]!;
    assert.equal(hello.protocol, 1);
    assert.match(hello.server, /^banter\//);
    assert.equal(hello.limits.maxPayload, 65536);
    c.close();
  });

  it('logs in and lands in #lobby', async () => {
    const c = await TestClient.open(wsUrl(app));
    const reply = await c.request('login', { name: 'Lander' });
    assert.equal(reply.name, 'Lander');
    assert.deepEqual(reply.rooms.map((r) => r.name), ['#lobby']);
    assert.ok(reply.rooms[0]!.members.some((m) => m.name === 'Lander'));
    c.close();
  });

  it('refuses taken names case-insensitively and lets the client retry on the same connection', async () => {
    const a = await TestClient.login(app, 'Taken');
    const b = await TestClient.open(wsUrl(app));
    const err = await rejects(b.request('login', { name: 'tAKEN' }), 'NAME_TAKEN');
    assert.match(err.message, /taken/);
    const ok = await b.request('login', { name: 'Taken2' });
    assert.equal(ok.name, 'Taken2');
    a.close(); b.close();
  });

  it('refuses invalid names with NAME_INVALID and a reason', async () => {
    const c = await TestClient.open(wsUrl(app));
    for (const bad of ['', '1abc', '-abc', 'a b', 'x'.repeat(33), 'héllo', 'calc']) {
      await rejects(c.request('login', { name: bad }), 'NAME_INVALID');
    }
    assert.equal((await c.request('login', { name: 'a[]\\^{}|_-9' })).name, 'a[]\\^{}|_-9');
    c.close();
  });

  it('refuses bidi controls and invisible characters in names, saying so (login, nick, register)', async () => {
    const c = await TestClient.open(wsUrl(app));
    const hidden = ['\u202E', '\u202A', '\u2066', '\u2069', '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u2060', '\uFEFF', '\u00AD', '\u061C', '\u{E0041}'];
    for (const ch of hidden) {
      for (const name of [`ali${ch}ce`, `${ch}alice`, `alice${ch}`]) {
        const err = await rejects(c.request('login', { name }), 'NAME_INVALID');
        assert.match(err.message, /invisible or text-direction characters/, JSON.stringify(name));
      }
    }
    const me = await TestClient.login(app, 'PlainName');
    const err = await rejects(me.request('nick', { name: 'Plain\u202EName' }), 'NAME_INVALID');
    assert.match(err.message, /U\+202E/);
    await rejects(me.request('register', { name: 'Plain\u200BName', password: 'correct horse battery' }), 'NAME_INVALID');
    c.close(); me.close();
  });

  it('requires a login before chat requests', async () => {
    const c = await TestClient.open(wsUrl(app));
    await rejects(c.request('send', { to: '#lobby', text: 'hi' }), 'NOT_LOGGED_IN');
    await rejects(c.request('users', {}), 'NOT_LOGGED_IN');
    c.close();
  });

  it('refuses a second login on the same connection', async () => {
    const c = await TestClient.login(app, 'Twice');
    await rejects(c.request('login', { name: 'Twice2' }), 'ALREADY_LOGGED_IN');
    c.close();
  });
});

describe('announcements and broadcast', () => {
  it('tells everyone else when a user joins and leaves', async () => {
    const a = await TestClient.login(app, 'AnnA');
    const b = await TestClient.login(app, 'AnnB');
    const joined = await a.waitFor((e) => e.type === 'user_joined' && e.user.name === 'AnnB');
    assert.deepEqual(joined, { type: 'user_joined', user: { name: 'AnnB', presence: 'online', rooms: 1 } });
    await b.sync();
    assert.equal(b.of('user_joined').filter((e) => e.user.name === 'AnnB').length, 0, 'no announcement of yourself');
    b.ws.close();
    const left = await a.waitFor((e) => e.type === 'user_left' && e.name === 'AnnB');
    assert.equal(left.type, 'user_left');
    a.close();
  });

  it('announces a dropped connection as left', async () => {
    const a = await TestClient.login(app, 'DropA');
    const b = await TestClient.login(app, 'DropB');
    // Terminate without a close handshake: the server still announces the departure.
    (b.ws as unknown as { close: (code?: number) => void }).close(4999);
    await a.waitFor((e) => e.type === 'user_left' && e.name === 'DropB');
    a.close();
  });

  it('broadcasts #lobby messages to everyone, echoing to the sender with id and timestamp', async () => {
    const clients = await Promise.all(['BcA', 'BcB', 'BcC'].map((n) => TestClient.login(app, n)));
    const [a] = clients as [TestClient, TestClient, TestClient];
    const before = Date.now();
    const { msg } = await a.request('send', { to: '#lobby', text: 'hello all' });
    assert.equal(typeof msg.id, 'string');
    assert.ok(msg.seq >= 1);
    assert.ok(msg.ts >= before - 1000 && msg.ts <= Date.now() + 1000);
    for (const c of clients) {
      const got = await c.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
      assert.deepEqual(got, { type: 'message', msg: { id: msg.id, seq: msg.seq, to: '#lobby', from: 'BcA', text: 'hello all', ts: msg.ts } });
    }
    for (const c of clients) c.close();
  });

  it('orders messages in a conversation by seq', async () => {
    const a = await TestClient.login(app, 'SeqA');
    const replies = await Promise.all([1, 2, 3, 4, 5].map((i) => a.request('send', { to: '#lobby', text: `n${i}` })));
    const seqs = replies.map((r) => r.msg.seq);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1);
    a.close();
  });

  it('refuses empty, oversized and control-character text', async () => {
    const a = await TestClient.login(app, 'TextA');
    await rejects(a.request('send', { to: '#lobby', text: '   ' }), 'TEXT_EMPTY');
    await rejects(a.request('send', { to: '#lobby', text: 'x'.repeat(4001) }), 'TEXT_TOO_LONG');
    await rejects(a.request('send', { to: '#lobby', text: 'bell\u0007' }), 'TEXT_INVALID');
    const ok = await a.request('send', { to: '#lobby', text: 'line1\r\nline2' });
    assert.equal(ok.msg.text, 'line1\nline2');
    a.close();
  });
});

describe('rooms', () => {
  it('delivers room messages to exactly its members', async () => {
    const a = await TestClient.login(app, 'RoomA');
    const b = await TestClient.login(app, 'RoomB');
    const c = await TestClient.login(app, 'RoomC');
    const state = await a.request('join', { room: '#dev' });
    assert.equal(state.name, '#dev');
    await b.request('join', { room: '#DEV' });
    await a.waitFor((e) => e.type === 'room_joined' && e.room === '#dev' && e.name === 'RoomB');
    const { msg } = await b.request('send', { to: '#dev', text: 'dev only' });
    await a.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
    await b.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
    await c.sync();
    assert.equal(c.of('message').filter((e) => e.msg.id === msg.id).length, 0, 'non-member must not receive');
    assert.equal(c.of('room_joined').length, 0);
    await rejects(c.request('send', { to: '#dev', text: 'let me in' }), 'NOT_IN_ROOM');
    a.close(); b.close(); c.close();
  });

  it('lists rooms with member counts and a room\'s members', async () => {
    const a = await TestClient.login(app, 'ListA');
    const b = await TestClient.login(app, 'ListB');
    await a.request('join', { room: '#listing' });
    await b.request('join', { room: '#listing' });
    const { rooms } = await a.request('rooms', {});
    assert.equal(rooms.find((r) => r.name === '#listing')?.members, 2);
    assert.ok(rooms.some((r) => r.name === '#lobby'));
    const m = await a.request('members', { room: '#listing' });
    assert.deepEqual(m.members.map((x) => x.name), ['ListA', 'ListB']);
    await rejects(a.request('members', { room: '#nope-not-here' }), 'NO_SUCH_ROOM');
    a.close(); b.close();
  });

  it('leaves rooms, but never #lobby; empty rooms disappear', async () => {
    const a = await TestClient.login(app, 'PartA');
    await a.request('join', { room: '#tmp' });
    await rejects(a.request('part', { room: '#lobby' }), 'CANNOT_LEAVE_LOBBY');
    assert.deepEqual(await a.request('part', { room: '#tmp' }), { room: '#tmp' });
    await a.waitFor((e) => e.type === 'room_left' && e.room === '#tmp' && e.name === 'PartA');
    const { rooms } = await a.request('rooms', {});
    assert.equal(rooms.some((r) => r.name === '#tmp'), false);
    await rejects(a.request('part', { room: '#tmp' }), 'NO_SUCH_ROOM');
    await rejects(a.request('join', { room: 'nohash' }), 'ROOM_INVALID');
    a.close();
  });

  it('sets a topic that members see', async () => {
    const a = await TestClient.login(app, 'TopA');
    const b = await TestClient.login(app, 'TopB');
    await a.request('join', { room: '#topical' });
    await b.request('join', { room: '#topical' });
    await a.request('topic', { room: '#topical', topic: 'release day' });
    const ev = await b.waitFor((e) => e.type === 'room_topic');
    assert.deepEqual(ev, { type: 'room_topic', room: '#topical', topic: 'release day', by: 'TopA' });
    a.close(); b.close();
  });
});

describe('direct messages', () => {
  it('reaches only the addressee, with an echo to the sender', async () => {
    const a = await TestClient.login(app, 'DmA');
    const b = await TestClient.login(app, 'DmB');
    const c = await TestClient.login(app, 'DmC');
    const { msg } = await a.request('send', { to: 'dmb', text: 'psst' });
    assert.equal(msg.to, 'DmB');
    await b.waitFor((e) => e.type === 'message' && e.msg.id === msg.id && e.msg.from === 'DmA');
    await a.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
    await c.sync();
    assert.equal(c.of('message').filter((e) => e.msg.id === msg.id).length, 0);
    a.close(); b.close(); c.close();
  });

  it('reports an unknown or offline name to the sender only', async () => {
    const a = await TestClient.login(app, 'DmErrA');
    const b = await TestClient.login(app, 'DmErrB');
    const err = await rejects(a.request('send', { to: 'Nobody', text: 'hello?' }), 'NO_SUCH_USER');
    assert.match(err.message, /Nobody/);
    await b.sync();
    assert.equal(b.of('error').length, 0);
    a.close(); b.close();
  });
});

describe('users and presence', () => {
  it('lists connected users with presence and room counts', async () => {
    const a = await TestClient.login(app, 'UsrA');
    const b = await TestClient.login(app, 'UsrB');
    await b.request('join', { room: '#usr' });
    await b.request('away', { message: 'lunch' });
    const { users } = await a.request('users', {});
    assert.deepEqual(users.find((u) => u.name === 'UsrA'), { name: 'UsrA', presence: 'online', rooms: 1 });
    assert.deepEqual(users.find((u) => u.name === 'UsrB'), { name: 'UsrB', presence: 'away', away: 'lunch', rooms: 2 });
    const ev = await a.waitFor((e) => e.type === 'user_presence' && e.name === 'UsrB');
    assert.deepEqual(ev, { type: 'user_presence', name: 'UsrB', presence: 'away', away: 'lunch' });
    await b.request('back', {});
    await a.waitFor((e) => e.type === 'user_presence' && e.name === 'UsrB' && e.presence === 'online');
    a.close(); b.close();
  });
});

describe('calculator', () => {
  it('answers the requester only', async () => {
    const a = await TestClient.login(app, 'CalcA');
    const b = await TestClient.login(app, 'CalcB');
    const r = await a.request('calc', { expr: '2^10+1' });
    assert.deepEqual(r, { expr: '2^10+1', result: '1025' });
    await b.sync();
    assert.equal(JSON.stringify(b.events).includes('2^10+1'), false, 'nobody else sees the expression');
    assert.equal(JSON.stringify(b.events).includes('1025'), false, 'nobody else sees the result');
    a.close(); b.close();
  });

  it('refuses hostile expressions with a clear error while others keep chatting', async () => {
    const a = await TestClient.login(app, 'Hostile');
    const b = await TestClient.login(app, 'Bystander');
    // Runs for far longer than calc.timeoutMs: the worker is killed and replaced.
    const hostile = a.request('calc', { expr: 'combinations(10^15, 10^7)' }).catch((e: unknown) => e);
    const t0 = Date.now();
    const { msg } = await b.request('send', { to: '#lobby', text: 'still here' });
    await b.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
    assert.ok(Date.now() - t0 < 500, 'chat is not blocked by the calculation');
    const err = await hostile;
    assert.ok(err instanceof ReplyError);
    assert.equal(err.code, 'CALC_TIMEOUT');
    await rejects(a.request('calc', { expr: 'factorial(100000)' }), 'CALC_ERROR');
    await rejects(a.request('calc', { expr: '9^9^9^9' }), 'CALC_ERROR');
    await rejects(a.request('calc', { expr: '1:1e9' }), 'CALC_FORBIDDEN');
    await rejects(a.request('calc', { expr: 'zeros(1e5,1e5)' }), 'CALC_FORBIDDEN');
    await rejects(a.request('calc', { expr: '__proto__' }), 'CALC_FORBIDDEN');
    await rejects(a.request('calc', { expr: 'cos.constructor' }), 'CALC_FORBIDDEN');
    await rejects(a.request('calc', { expr: '('.repeat(1000) + '1' + ')'.repeat(1000) }), 'CALC_TOO_LONG');
    await rejects(a.request('calc', { expr: '2 +' }), 'CALC_SYNTAX');
    a.close(); b.close();
  });
});

describe('malformed input', () => {
  it('answers bad frames with stable error codes and keeps the connection', async () => {
    const c = await TestClient.login(app, 'Malformed');
    c.sendRaw('{not json');
    await c.waitFor((e) => e.type === 'error' && e.code === 'BAD_JSON');
    c.sendRaw({ type: 'explode', id: 'x1' });
    const unk = await c.waitFor((e) => e.type === 'error' && e.code === 'UNKNOWN_TYPE');
    assert.equal(unk.type === 'error' && unk.id, 'x1');
    c.sendRaw({ type: 'send', id: 'x2', to: '#lobby', text: 42 });
    const bad = await c.waitFor((e) => e.type === 'error' && e.id === 'x2');
    assert.equal(bad.type === 'error' && bad.code, 'BAD_REQUEST');
    c.sendRaw('[]');
    c.sendRaw('null');
    c.sendRaw({ id: 'x3' });
    c.ws.send(new Uint8Array([1, 2, 3]));
    await c.waitFor((e) => e.type === 'error' && e.code === 'BAD_REQUEST' && e.message.includes('binary'));
    // Still usable afterwards.
    await c.request('send', { to: '#lobby', text: 'still fine' });
    c.close();
  });

  it('closes with 1009 when a frame exceeds maxPayload', async () => {
    const c = await TestClient.login(app, 'Bigframe');
    c.sendRaw({ type: 'send', id: 'big', to: '#lobby', text: 'x'.repeat(70_000) });
    const closed = await c.waitClosed();
    assert.equal(closed.code, 1009);
  });
});
