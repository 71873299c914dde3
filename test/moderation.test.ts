/**
 * Moderation over real WebSockets: refusals come back as stable error codes, admins ban and
 * disconnect, and a room an account owns keeps its settings, lists and roles across a
 * restart on a real SQLite file, with the audit log append-only in the database itself.
 * The rules one by one: test/core/moderation.test.ts; over IRC: test/irc/moderation.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { DB_FILE } from '../src/storage/sqlite/open.ts';
import type { App } from '../src/server/app.ts';
import { ReplyError, startTestServer, TestClient } from './helpers/server.ts';

const PW = 'correct horse battery';
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function errCode(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(() => undefined, (e: unknown) => (e instanceof ReplyError ? e.code : String(e)));
}

async function accountClient(app: App, name: string, register: boolean): Promise<TestClient> {
  const c = await TestClient.open(`ws://127.0.0.1:${app.port}/ws`);
  if (register) {
    await c.request('login', { name });
    await c.request('register', { password: PW });
  } else {
    await c.request('login', { name, password: PW });
  }
  return c;
}

describe('moderation over WebSocket', () => {
  it('join and send refusals are stable error codes; the owner sees role badges and settings', async () => {
    const app = await startTestServer();
    try {
      const owner = await TestClient.login(app, 'owner');
      await owner.request('join', { room: '#ws' });
      const a = await TestClient.login(app, 'alice');
      await a.request('join', { room: '#ws' });
      const r = await owner.request('mode', { room: '#ws', changes: [{ mode: 'key', on: true, arg: 'pw' }, { mode: 'moderated', on: true }, { mode: 'voice', on: true, arg: 'alice' }] });
      assert.deepEqual([r.settings.key, r.settings.moderated], ['pw', true]);
      const b = await TestClient.login(app, 'bob');
      assert.equal(await errCode(b.request('join', { room: '#ws' })), 'ROOM_KEY_REQUIRED');
      await b.request('join', { room: '#ws', key: 'pw' });
      assert.equal(await errCode(b.request('send', { to: '#ws', text: 'hi' })), 'ROOM_MODERATED');
      await a.request('send', { to: '#ws', text: 'voiced' });
      assert.equal(await errCode(b.request('mode', { room: '#ws', changes: [{ mode: 'secret', on: true }] })), 'NOT_ROOM_OPERATOR');
      assert.equal(await errCode(owner.request('mode', { room: '#ws', changes: [{ mode: 'ban', on: true, arg: 'x y' }] })), 'MODE_INVALID');
      const members = await owner.request('members', { room: '#ws' });
      assert.deepEqual(members.members.map((m) => [m.name, m.role ?? 'member', m.op ?? false]), [['alice', 'voice', false], ['bob', 'member', false], ['owner', 'owner', true]]);
      const rooms = await b.request('rooms', {});
      assert.equal(rooms.rooms.find((x) => x.name === '#ws')?.modes, '+kmn');
      for (const c of [owner, a, b]) c.close();
    } finally {
      await app.close();
    }
  });

  it('a muted or banned member has no side channel into the room: no typing, no topic, no rename; unmuted, all work again', async () => {
    const app = await startTestServer();
    try {
      const owner = await TestClient.login(app, 'owner');
      const watcher = await TestClient.login(app, 'watcher');
      const m = await TestClient.login(app, 'mutee');
      for (const c of [owner, watcher, m]) await c.request('join', { room: '#quiet' });
      await owner.request('mode', { room: '#quiet', changes: [{ mode: 'mute', on: true, arg: 'mutee' }] });
      assert.equal(await errCode(m.request('typing', { to: '#quiet' })), 'MUTED');
      assert.equal(await errCode(m.request('topic', { room: '#quiet', topic: 'buy my stuff' })), 'MUTED');
      assert.equal(await errCode(m.request('nick', { name: 'buy_my_stuff' })), 'NICK_LOCKED');
      // Typing to a person (a DM) is not the room's business.
      await m.request('typing', { to: 'watcher' });
      await watcher.waitFor((e) => e.type === 'typing' && e.from === 'mutee' && e.to === 'watcher');
      await watcher.sync();
      assert.deepEqual(watcher.events.filter((e) => (e.type === 'typing' && e.to === '#quiet') || e.type === 'room_topic' || e.type === 'user_renamed'), []);

      // +m: an unvoiced member may not show as typing either; a ban (member still in the room) locks the name.
      await owner.request('mode', { room: '#quiet', changes: [{ mode: 'mute', on: false, arg: 'mutee!*@*' }, { mode: 'moderated', on: true }] });
      assert.equal(await errCode(m.request('typing', { to: '#quiet' })), 'ROOM_MODERATED');
      await owner.request('mode', { room: '#quiet', changes: [{ mode: 'moderated', on: false }, { mode: 'ban', on: true, arg: 'mutee' }] });
      assert.equal(await errCode(m.request('nick', { name: 'other_name' })), 'NICK_LOCKED');
      assert.equal(await errCode(m.request('topic', { room: '#quiet', topic: 'x' })), 'BANNED_FROM_ROOM');
      await owner.request('mode', { room: '#quiet', changes: [{ mode: 'ban', on: false, arg: 'mutee!*@*' }] });
      await m.request('typing', { to: '#quiet' });
      await watcher.waitFor((e) => e.type === 'typing' && e.from === 'mutee' && e.to === '#quiet');
      await m.request('topic', { room: '#quiet', topic: 'fine now' });
      assert.equal((await m.request('nick', { name: 'renamed' })).name, 'renamed');
      for (const c of [owner, watcher, m]) c.close();
    } finally {
      await app.close();
    }
  });

  it('an admin bans an account server-wide (the user is disconnected and cannot log in) and kills a guest', async () => {
    const app = await startTestServer({ 'auth.scryptLog2N': 10, admins: 'root' });
    try {
      const root = await accountClient(app, 'root', true);
      const carol = await accountClient(app, 'carol', true);
      const guest = await TestClient.login(app, 'guest');
      assert.equal(await errCode(guest.request('kill', { name: 'carol' })), 'NOT_ADMIN');
      const r = await root.request('server_ban', { mask: '$a:Carol', on: true, reason: 'abuse' });
      assert.deepEqual(r.bans, ['$a:carol']);
      assert.deepEqual(await carol.waitClosed(), { code: 4005, reason: 'Banned from the server (abuse)' });
      const again = await TestClient.open(`ws://127.0.0.1:${app.port}/ws`);
      assert.equal(await errCode(again.request('login', { name: 'carol', password: PW })), 'SERVER_BANNED');
      await root.request('kill', { name: 'guest', reason: 'flooding' });
      assert.equal((await guest.waitClosed()).code, 4005);
      const log = await root.request('audit', {});
      assert.deepEqual(log.entries.map((e) => [e.action, e.target, e.reason]), [['server_ban', '$a:carol', 'abuse'], ['kill', 'guest', 'flooding']]);
      root.close(); again.close();
    } finally {
      await app.close();
    }
  });

  it('voice given to an operator or the owner is kept on top of their rank, across a restart (SQLite)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'banter-moderation-'));
    dirs.push(dataDir);
    const cfg = { store: 'sqlite', dataDir, 'auth.scryptLog2N': 10 } as const;
    const roles = async (c: TestClient): Promise<string[][]> => (await c.request('members', { room: '#both' })).members.map((m) => [m.name, m.role ?? 'member']);
    let app = await startTestServer(cfg);
    const owner = await accountClient(app, 'vowner', true);
    const erin = await accountClient(app, 'erin', true);
    await owner.request('join', { room: '#both' });
    await erin.request('join', { room: '#both' });
    await owner.request('mode', { room: '#both', changes: [{ mode: 'op', on: true, arg: 'erin' }, { mode: 'voice', on: true, arg: 'erin' }, { mode: 'voice', on: true, arg: 'vowner' }] });
    assert.deepEqual(await roles(owner), [['erin', 'op'], ['vowner', 'owner']], '+v does not take operator status away');
    owner.close(); erin.close();
    await app.close();

    app = await startTestServer(cfg);
    try {
      const owner2 = await accountClient(app, 'vowner', false);
      const erin2 = await accountClient(app, 'erin', false);
      await owner2.request('join', { room: '#both' });
      await erin2.request('join', { room: '#both' });
      assert.deepEqual(await roles(owner2), [['erin', 'op'], ['vowner', 'owner']]);
      const r = await owner2.request('mode', { room: '#both', changes: [{ mode: 'op', on: false, arg: 'erin' }, { mode: 'voice', on: true, arg: 'vowner' }] });
      assert.deepEqual(r.changes.map((c) => `${c.on ? '+' : '-'}${c.mode}`), ['-op'], 'the owner is still voiced: +v changes nothing');
      assert.deepEqual(await roles(owner2), [['erin', 'voice'], ['vowner', 'owner']], 'the voice outlives operator status');
      owner2.close(); erin2.close();
    } finally {
      await app.close();
    }
  });

  it('a room an account owns survives a restart on SQLite: settings, lists, roles, audit log', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'banter-moderation-'));
    dirs.push(dataDir);
    const cfg = { store: 'sqlite', dataDir, 'auth.scryptLog2N': 10 } as const;
    let app = await startTestServer(cfg);
    const owner = await accountClient(app, 'owner', true);
    const dave = await accountClient(app, 'dave', true);
    await owner.request('join', { room: '#kept' });
    await dave.request('join', { room: '#kept' });
    await owner.request('topic', { room: '#kept', topic: 'rules apply' });
    await owner.request('mode', { room: '#kept', changes: [{ mode: 'invite_only', on: true }, { mode: 'slow', on: true, arg: '5' }, { mode: 'ban', on: true, arg: '$a:troll' }, { mode: 'op', on: true, arg: 'dave' }] });
    owner.close(); dave.close();
    await app.close();

    app = await startTestServer(cfg);
    try {
      const stranger = await TestClient.login(app, 'stranger');
      assert.equal(await errCode(stranger.request('join', { room: '#kept' })), 'ROOM_INVITE_ONLY');
      const dave2 = await accountClient(app, 'dave', false);
      const state = await dave2.request('join', { room: '#kept' });
      assert.equal(state.topic, 'rules apply');
      const { settings } = await dave2.request('mode', { room: '#kept' });
      assert.deepEqual([settings.invite_only, settings.slow, settings.ban.map((e) => e.mask)], [true, 5, ['$a:troll']]);
      // dave is still an operator: he may invite.
      await dave2.request('invite', { room: '#kept', name: 'stranger' });
      await stranger.request('join', { room: '#kept' });
      const log = await dave2.request('audit', { room: '#kept' });
      assert.deepEqual(log.entries.map((e) => [e.action, e.target ?? '']), [
        ['mode +invite_only', ''], ['mode +slow', '5'], ['mode +ban', '$a:troll'], ['mode +op', 'dave'], ['invite', 'stranger'],
      ]);
      stranger.close(); dave2.close();
    } finally {
      await app.close();
    }
    const db = new DatabaseSync(join(dataDir, DB_FILE));
    try {
      assert.throws(() => db.exec('UPDATE audit_log SET actor = \'nobody\''), /append-only/);
      assert.throws(() => db.exec('DELETE FROM audit_log'), /append-only/);
    } finally {
      db.close();
    }
  });
});
