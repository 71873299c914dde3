/**
 * Large rooms (docs/protocol.md, "Large rooms"): above `rooms.announceMax` members, the JSON
 * protocol gets member lists in pages and `room_members` summaries instead of one event per
 * join and leave, and user events go only to those who share a room with the user; IRC still
 * sees every JOIN/PART/QUIT and a complete NAMES. Small rooms behave as before (chat.test.ts).
 * Over real sockets, with announceMax = 3 so that a handful of users make a large room.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../src/server/app.ts';
import type { MemberInfo } from '../src/protocol/index.ts';
import { ReplyError, startTestServer, TestClient, wsUrl } from './helpers/server.ts';
import { IrcClient } from './helpers/irc.ts';

const MAX = 3;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ReplyError, String(err));
    return err.code;
  }
  return 'no error';
}

/** Every member of `room`, page by page of `limit`, checking each page's shape. */
async function allMembers(c: TestClient, room: string, limit?: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const r = await c.request('members', { room, ...(after !== undefined ? { after } : {}), ...(limit !== undefined ? { limit } : {}) });
    pages++;
    assert.ok(r.members.length <= (limit ?? MAX), `a page holds at most ${limit ?? MAX}`);
    names.push(...r.members.map((m: MemberInfo) => m.name));
    if (r.next === undefined) return { names, pages };
    after = r.next;
    assert.ok(pages < 100, 'paging ends');
  }
}

describe('large rooms: paged member lists', () => {
  let app: App;
  const clients: TestClient[] = [];
  before(async () => {
    app = await startTestServer({ 'rooms.announceMax': MAX, 'rooms.summaryMs': 50, 'irc.autoJoinLobby': false });
  });
  after(async () => {
    for (const c of clients) c.close();
    await app.close();
  });

  it('gives a login into a large #lobby one page of members, the count and a cursor; members pages through all of them once, in order', async () => {
    const names = ['Pa', 'pb', 'Pc', 'pd', 'Pe', 'pf', 'Pg'];
    for (const n of names) clients.push(await TestClient.login(app, n));
    const last = await TestClient.open(wsUrl(app));
    clients.push(last);
    const reply = await last.request('login', { name: 'ph' });
    const lobby = reply.rooms.find((r) => r.name === '#lobby')!;
    assert.equal(lobby.count, 8);
    assert.equal(lobby.members.length, MAX);
    assert.deepEqual(lobby.members.map((m) => m.name), ['Pa', 'pb', 'Pc']);
    assert.equal(typeof lobby.next, 'string');

    const { names: paged, pages } = await allMembers(last, '#lobby');
    assert.deepEqual(paged, [...names, 'ph']);
    assert.equal(pages, 3);
    const big = await allMembers(last, '#lobby', 1000);
    assert.deepEqual(big, { names: [...names, 'ph'], pages: 1 });
    // Continuing after a cursor that has since left still works: the next name after it.
    const r = await last.request('members', { room: '#lobby', after: 'pd0', limit: 2 });
    assert.deepEqual(r.members.map((m) => m.name), ['Pe', 'pf']);
  });

  it('pages the user list the same way', async () => {
    const c = clients[0]!;
    const first = await c.request('users', { limit: 5 });
    assert.equal(first.count, 8);
    assert.equal(first.users.length, 5);
    const rest = await c.request('users', { after: first.next!, limit: 5 });
    assert.equal(rest.next, undefined);
    assert.deepEqual([...first.users, ...rest.users].map((u) => u.name), ['Pa', 'pb', 'Pc', 'pd', 'Pe', 'pf', 'Pg', 'ph']);
    const dflt = await c.request('users', {});
    assert.equal(dflt.users.length, MAX);
  });

  it('refuses bad page arguments with BAD_REQUEST', async () => {
    const c = clients[0]!;
    assert.equal(await code(c.request('members', { room: '#lobby', limit: 0 })), 'BAD_REQUEST');
    assert.equal(await code(c.request('members', { room: '#lobby', limit: 1001 })), 'BAD_REQUEST');
    assert.equal(await code(c.request('members', { room: '#lobby', after: 'x'.repeat(129) })), 'BAD_REQUEST');
    assert.equal(await code(c.request('users', { limit: 2.5 })), 'BAD_REQUEST');
  });
});

describe('large rooms: the first view in login and join replies', () => {
  let app: App;
  const clients: TestClient[] = [];
  before(async () => {
    app = await startTestServer({ 'rooms.announceMax': 5, 'rooms.replyMembers': 2, 'irc.autoJoinLobby': false });
  });
  after(async () => {
    for (const c of clients) c.close();
    await app.close();
  });

  it('lists rooms.replyMembers members of a large room in login and join replies, every member of a small one; members pages on from the cursor', async () => {
    const names = ['Ra', 'rb', 'Rc', 'rd'];
    for (const n of names) clients.push(await TestClient.login(app, n));
    // #lobby has 5 members with the next login: small, so its list is complete.
    const fifth = await TestClient.open(wsUrl(app));
    clients.push(fifth);
    const small = (await fifth.request('login', { name: 're' })).rooms.find((r) => r.name === '#lobby')!;
    assert.deepEqual(small.members.map((m) => m.name), [...names, 're']);
    assert.equal(small.next, undefined);
    // With the sixth it is large: the reply lists two, and the cursor continues in pages of 5.
    const sixth = await TestClient.open(wsUrl(app));
    clients.push(sixth);
    const large = (await sixth.request('login', { name: 'rf' })).rooms.find((r) => r.name === '#lobby')!;
    assert.equal(large.count, 6);
    assert.deepEqual(large.members.map((m) => m.name), ['Ra', 'rb']);
    assert.equal(large.next, 'rb');
    const rest = await sixth.request('members', { room: '#lobby', after: large.next });
    assert.deepEqual(rest.members.map((m) => m.name), ['Rc', 'rd', 're', 'rf']);
    assert.equal(rest.next, undefined);
    assert.equal((await sixth.request('members', { room: '#lobby' })).members.length, 5, 'members pages are rooms.announceMax');
    // A join reply of a large room is the same first view.
    for (const c of clients) await c.request('join', { room: '#big' });
    const joiner = await TestClient.login(app, 'rg');
    clients.push(joiner);
    const joined = await joiner.request('join', { room: '#big' });
    assert.equal(joined.count, 7);
    assert.deepEqual(joined.members.map((m) => m.name), ['Ra', 'rb']);
  });

  it('keeps NAMES complete for IRC in a large room', async () => {
    const irc = await IrcClient.register(app, 'rz');
    await irc.command('JOIN #big');
    const lines = await irc.command('NAMES #big');
    const listed = lines.filter((l) => / 353 /.test(l)).flatMap((l) => l.split(' :')[1]!.split(' ')).map((n) => n.replace(/^[@+]/, '')).sort();
    assert.deepEqual(listed, ['Ra', 'Rc', 'rb', 'rd', 're', 'rf', 'rg', 'rz'].sort());
    irc.close();
  });
});

describe('large rooms: announcements', () => {
  let app: App;
  before(async () => {
    app = await startTestServer({ 'rooms.announceMax': MAX, 'rooms.summaryMs': 50 });
  });
  after(async () => { await app.close(); });

  it('summarises joins and leaves of a large room for WebSocket members; IRC members and the joiner still see each one', async () => {
    const ws: TestClient[] = [];
    for (const n of ['Wa', 'Wb', 'Wc', 'Wd']) ws.push(await TestClient.login(app, n));
    const irc = await IrcClient.register(app, 'Ircy');
    const watcher = ws[0]!;
    await watcher.waitFor((e) => e.type === 'room_members' && e.room === '#lobby' && e.count === 5);
    const before = watcher.events.length;

    const late1 = await TestClient.login(app, 'Late1');
    const late2 = await TestClient.login(app, 'Late2');
    // IRC needs every JOIN, as an IRC server sends it.
    await irc.waitLine(/^:Late1!\S+ JOIN #lobby/);
    await irc.waitLine(/^:Late2!\S+ JOIN #lobby/);
    // One summary or two (they may fall into different windows), adding up to both logins.
    await watcher.waitFor((e) => e.type === 'room_members' && e.room === '#lobby' && e.count === 7);
    const summaries = watcher.events.slice(before).filter((e) => e.type === 'room_members');
    assert.equal(summaries.reduce((n, e) => n + (e.type === 'room_members' ? e.joined : 0), 0), 2);
    assert.ok(summaries.length <= 2);
    await watcher.sync();
    assert.deepEqual(watcher.events.slice(before).filter((e) => e.type === 'user_joined' || e.type === 'room_joined'), [], 'no event per login');

    // A leave is summarised too; IRC sees the QUIT.
    late1.close();
    await irc.waitLine(/^:Late1!\S+ QUIT /);
    await watcher.waitFor((e) => e.type === 'room_members' && e.room === '#lobby' && e.count === 6 && e.left === 1);
    await watcher.sync();
    assert.equal(watcher.events.slice(before).filter((e) => e.type === 'user_left').length, 0);

    // The user itself still sees its own room events in a large room.
    const part = await late2.request('join', { room: '#side' });
    assert.equal(part.count, 1);
    await late2.request('part', { room: '#side' });
    await late2.waitFor((e) => e.type === 'room_left' && e.room === '#side' && e.name === 'Late2');
    for (const c of [...ws, late2]) c.close();
    irc.close();
  });

  it('keeps small rooms exact in a large server: each join, leave and logout of a small room reaches its members, not everyone', async () => {
    const crowd: TestClient[] = [];
    for (const n of ['Ca', 'Cb', 'Cc', 'Cd', 'Ce']) crowd.push(await TestClient.login(app, n));
    const [a, b, outsider] = crowd as [TestClient, TestClient, TestClient];
    await a.request('join', { room: '#small' });
    await b.request('join', { room: '#small' });
    await a.waitFor((e) => e.type === 'room_joined' && e.room === '#small' && e.name === 'Cb');
    // Away and back: to those sharing a small room, and to the user itself.
    await b.request('away', { message: 'lunch' });
    await a.waitFor((e) => e.type === 'user_presence' && e.name === 'Cb' && e.presence === 'away');
    await b.waitFor((e) => e.type === 'user_presence' && e.name === 'Cb' && e.presence === 'away');
    b.close();
    const left = await a.waitFor((e) => e.type === 'user_left' && e.name === 'Cb');
    assert.deepEqual(left.type === 'user_left' ? [...(left.rooms ?? [])].sort() : [], ['#lobby', '#small']);
    await outsider.sync();
    assert.deepEqual(outsider.events.filter((e) => (e.type === 'user_left' || e.type === 'user_presence') && e.name === 'Cb'), [], 'only those sharing a small room');
    for (const c of crowd) c.close();
  });

  it('keeps IRC NAMES complete in a large channel', async () => {
    const ws: TestClient[] = [];
    for (const n of ['Na', 'Nb', 'Nc', 'Nd', 'Ne']) ws.push(await TestClient.login(app, n));
    const irc = await IrcClient.register(app, 'Namer');
    const lines = await irc.command('NAMES #lobby');
    const names = lines.filter((l) => / 353 /.test(l)).flatMap((l) => l.slice(l.lastIndexOf(':') + 1).split(' ')).map((n) => n.replace(/^[@+]/, ''));
    for (const n of ['Na', 'Nb', 'Nc', 'Nd', 'Ne', 'Namer']) assert.ok(names.includes(n), `${n} in NAMES`);
    for (const c of ws) c.close();
    irc.close();
  });
});
