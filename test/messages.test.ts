/**
 * Message features over real WebSocket connections: edit, delete, reactions, replies and
 * threads, mentions, read marks by account, multi-line limits, resume with changes (also
 * across a server restart). Permissions and refusals are asserted by their stable codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage, MessageUpdateEvent, ReplyData } from '../src/protocol/index.ts';
import type { App } from '../src/server/app.ts';
import { ReplyError, startTestServer, TestClient, wsUrl } from './helpers/server.ts';

const PW = 'a long test password';
let app: App;
before(async () => { app = await startTestServer({ 'auth.scryptLog2N': 10, admins: 'root', 'messages.reactionsPerMessage': 3, 'messages.threadMaxDepth': 2 }); });
after(async () => { await app.close(); });

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof ReplyError && err.code === code, `expected ${code}`);
}

async function account(a: App, name: string): Promise<TestClient> {
  const c = await TestClient.login(a, name);
  await c.request('register', { password: PW });
  return c;
}

async function relogin(a: App, name: string): Promise<{ c: TestClient; reply: ReplyData['login'] }> {
  const c = await TestClient.open(wsUrl(a));
  const reply = await c.request('login', { name, password: PW });
  return { c, reply };
}

const update = (c: TestClient, pred: (u: MessageUpdateEvent) => boolean): Promise<MessageUpdateEvent> =>
  c.waitFor<MessageUpdateEvent>((e) => e.type === 'message_update' && pred(e));

describe('edit', () => {
  it('the author edits within the window; members get a message_update with its own seq; history shows the latest text', async () => {
    const alice = await TestClient.login(app, 'EdAlice');
    const bob = await TestClient.login(app, 'EdBob');
    await alice.request('join', { room: '#ed' });
    await bob.request('join', { room: '#ed' });
    const { msg } = await alice.request('send', { to: '#ed', text: 'teh plan' });
    const r = await alice.request('edit', { to: '#ed', msgid: msg.id, text: 'the plan' });
    assert.equal(r.seq, msg.seq + 1);
    assert.equal(r.msg.text, 'the plan');
    assert.ok(r.msg.editedAt! >= msg.ts);
    const ev = await update(bob, (u) => u.msg.id === msg.id);
    assert.deepEqual([ev.seq, ev.action, ev.by, ev.msg.text, ev.msg.seq], [r.seq, 'edit', 'EdAlice', 'the plan', msg.seq]);
    const next = await bob.request('send', { to: '#ed', text: 'ok' });
    assert.equal(next.msg.seq, r.seq + 1, 'messages and changes share the conversation seq');
    const hist = await bob.request('history', { to: '#ed' });
    assert.deepEqual(hist.messages.map((m) => [m.text, m.editedAt !== undefined]), [['the plan', true], ['ok', false]]);
    assert.deepEqual((await bob.request('search', { query: 'plan in:#ed' })).results.map((m) => m.text), ['the plan']);
    assert.deepEqual((await bob.request('search', { query: 'teh in:#ed' })).results, []);
    // The same text again: nothing changes, no seq, no event.
    assert.equal((await alice.request('edit', { to: '#ed', msgid: msg.id, text: 'the plan' })).seq, 0);
    await rejects(alice.request('edit', { to: '#ed', msgid: msg.id, text: '' }), 'TEXT_EMPTY');
    alice.close(); bob.close();
  });

  it('nobody else edits: not another member, not the room owner, not an admin, not a later guest with the same name', async () => {
    const owner = await TestClient.login(app, 'EdOwner');
    await owner.request('join', { room: '#ed2' });
    const root = await account(app, 'root');
    await root.request('join', { room: '#ed2' });
    const guest = await TestClient.login(app, 'EdGuest');
    await guest.request('join', { room: '#ed2' });
    const { msg } = await guest.request('send', { to: '#ed2', text: 'mine' });
    await rejects(owner.request('edit', { to: '#ed2', msgid: msg.id, text: 'theirs' }), 'NOT_MESSAGE_AUTHOR');
    await rejects(root.request('edit', { to: '#ed2', msgid: msg.id, text: 'admin words' }), 'NOT_MESSAGE_AUTHOR');
    await rejects(owner.request('edit', { to: '#ed2', msgid: 'no-such-message', text: 'x' }), 'NO_SUCH_MESSAGE');
    guest.close();
    await guest.waitClosed();
    // The name is free again; whoever takes it is another principal.
    const later = await TestClient.login(app, 'EdGuest');
    await later.request('join', { room: '#ed2' });
    await rejects(later.request('edit', { to: '#ed2', msgid: msg.id, text: 'hijacked' }), 'NOT_MESSAGE_AUTHOR');
    const outsider = await TestClient.login(app, 'EdOutsider');
    await rejects(outsider.request('edit', { to: '#ed2', msgid: msg.id, text: 'x' }), 'NOT_IN_ROOM');
    owner.close(); root.close(); later.close(); outsider.close();
  });

  it('an account edits its message from a later connection; the edit window closes', async () => {
    const a = await account(app, 'EdAcct');
    await a.request('join', { room: '#ed3' });
    const { msg } = await a.request('send', { to: '#ed3', text: 'v1' });
    a.close();
    await a.waitClosed();
    const { c } = await relogin(app, 'EdAcct');
    await c.request('join', { room: '#ed3' });
    assert.equal((await c.request('edit', { to: '#ed3', msgid: msg.id, text: 'v2' })).msg.text, 'v2');
    c.close();
    const off = await startTestServer({ 'messages.editWindowSeconds': 0 });
    try {
      const x = await TestClient.login(off, 'NoEdits');
      const sent = await x.request('send', { to: '#lobby', text: 'fixed forever' });
      await rejects(x.request('edit', { to: '#lobby', msgid: sent.msg.id, text: 'changed' }), 'EDIT_WINDOW_CLOSED');
      x.close();
    } finally {
      await off.close();
    }
  });
});

describe('delete', () => {
  it('the author deletes; a tombstone in history and events, gone from search; others may not', async () => {
    const alice = await TestClient.login(app, 'DelAlice');
    const bob = await TestClient.login(app, 'DelBob');
    await bob.request('join', { room: '#del' }); // bob creates the room: its owner
    await alice.request('join', { room: '#del' });
    const a1 = await alice.request('send', { to: '#del', text: 'oops secretword' });
    const b1 = await bob.request('send', { to: '#del', text: 'bob speaks' });
    await rejects(alice.request('delete', { to: '#del', msgid: b1.msg.id }), 'DELETE_FORBIDDEN');
    const d = await alice.request('delete', { to: '#del', msgid: a1.msg.id });
    assert.deepEqual(d.msg, { id: a1.msg.id, seq: a1.msg.seq, to: '#del', from: 'DelAlice', text: '', ts: a1.msg.ts, deleted: true });
    const ev = await update(bob, (u) => u.action === 'delete');
    assert.deepEqual([ev.seq, ev.msg.deleted, ev.msg.text, ev.by], [d.seq, true, '', 'DelAlice']);
    assert.deepEqual((await bob.request('history', { to: '#del' })).messages.map((m) => [m.text, m.deleted ?? false]), [['', true], ['bob speaks', false]]);
    assert.deepEqual((await bob.request('search', { query: 'secretword' })).results, []);
    assert.equal((await alice.request('delete', { to: '#del', msgid: a1.msg.id })).seq, 0, 'twice changes nothing');
    await rejects(alice.request('edit', { to: '#del', msgid: a1.msg.id, text: 'back' }), 'MESSAGE_DELETED');
    await rejects(bob.request('react', { to: '#del', msgid: a1.msg.id, emoji: '👍', on: true }), 'MESSAGE_DELETED');
    await rejects(bob.request('send', { to: '#del', text: 're', replyTo: a1.msg.id }), 'MESSAGE_DELETED');
    alice.close(); bob.close();
  });

  it('the room owner deletes anyone\'s message in their room, an admin in any room; both are in the audit log', async () => {
    const owner = await TestClient.login(app, 'DelOwner');
    await owner.request('join', { room: '#del2' });
    const member = await TestClient.login(app, 'DelMember');
    await member.request('join', { room: '#del2' });
    const m1 = await member.request('send', { to: '#del2', text: 'spam one' });
    const m2 = await member.request('send', { to: '#del2', text: 'spam two' });
    assert.equal((await owner.request('delete', { to: '#del2', msgid: m1.msg.id })).msg.deleted, true);
    await update(member, (u) => u.msg.id === m1.msg.id && u.by === 'DelOwner');
    // An admin who is not in the room.
    const root = await TestClient.open(wsUrl(app));
    await root.request('login', { name: 'root', password: PW });
    assert.equal((await root.request('delete', { to: '#del2', msgid: m2.msg.id })).msg.deleted, true);
    await update(member, (u) => u.msg.id === m2.msg.id && u.by === 'root');
    const log = await root.request('audit', { room: '#del2' });
    assert.deepEqual(log.entries.filter((e) => e.action === 'delete_message').map((e) => [e.actor.split(' ')[0], e.target]), [
      ['DelOwner', `DelMember ${m1.msg.id}`], ['root', `DelMember ${m2.msg.id}`],
    ]);
    // A member who is not an operator of this room cannot, in a room they do not own.
    const other = await TestClient.login(app, 'DelOther');
    await other.request('join', { room: '#del2' });
    const m3 = await owner.request('send', { to: '#del2', text: 'owner words' });
    await rejects(other.request('delete', { to: '#del2', msgid: m3.msg.id }), 'DELETE_FORBIDDEN');
    await rejects(other.request('delete', { to: '#nowhere', msgid: m3.msg.id }), 'NOT_IN_ROOM');
    owner.close(); member.close(); root.close(); other.close();
  });
});

describe('reactions', () => {
  it('add, count, who; one per emoji per user; bounded; taken back; refused emoji', async () => {
    const a = await TestClient.login(app, 'ReA');
    const b = await TestClient.login(app, 'ReB');
    await a.request('join', { room: '#re' });
    await b.request('join', { room: '#re' });
    const { msg } = await a.request('send', { to: '#re', text: 'ship it?' });
    const r1 = await b.request('react', { to: '#re', msgid: msg.id, emoji: '👍', on: true });
    assert.equal(r1.seq, msg.seq + 1);
    const ev = await update(a, (u) => u.action === 'react');
    assert.deepEqual([ev.by, ev.emoji, ev.msg.reactions], ['ReB', '👍', [{ emoji: '👍', count: 1, by: ['ReB'] }]]);
    assert.equal((await b.request('react', { to: '#re', msgid: msg.id, emoji: '👍', on: true })).seq, 0, 'one per emoji per user');
    await a.request('react', { to: '#re', msgid: msg.id, emoji: '👍', on: true });
    await a.request('react', { to: '#re', msgid: msg.id, emoji: '👨‍👩‍👧', on: true });
    const r4 = await a.request('react', { to: '#re', msgid: msg.id, emoji: ':tada:', on: true });
    assert.deepEqual(r4.msg.reactions?.map((x) => [x.emoji, x.count]), [['👍', 2], ['👨‍👩‍👧', 1], [':tada:', 1]]);
    await rejects(b.request('react', { to: '#re', msgid: msg.id, emoji: '🚀', on: true }), 'TOO_MANY_REACTIONS');
    for (const bad of ['', 'ab', '👍👍', ':Bad:', 'a\u202e', ' ', '1']) await rejects(b.request('react', { to: '#re', msgid: msg.id, emoji: bad, on: true }), 'REACTION_INVALID');
    const off = await b.request('react', { to: '#re', msgid: msg.id, emoji: '👍', on: false });
    assert.deepEqual(off.msg.reactions?.[0], { emoji: '👍', count: 1, by: ['ReA'] });
    await update(a, (u) => u.action === 'unreact' && u.by === 'ReB');
    assert.deepEqual((await a.request('history', { to: '#re', limit: 1 })).messages[0]!.reactions, off.msg.reactions);
    a.close(); b.close();
  });

  it('a muted member cannot react', async () => {
    const op = await TestClient.login(app, 'ReOp');
    await op.request('join', { room: '#remute' });
    const m = await TestClient.login(app, 'ReMuted');
    await m.request('join', { room: '#remute' });
    const { msg } = await op.request('send', { to: '#remute', text: 'hello' });
    await op.request('mode', { room: '#remute', changes: [{ mode: 'mute', on: true, arg: 'ReMuted!*@*' }] });
    await rejects(m.request('react', { to: '#remute', msgid: msg.id, emoji: '👍', on: true }), 'MUTED');
    op.close(); m.close();
  });
});

describe('replies and threads', () => {
  it('a reply names its parent and joins its thread; the thread view lists replies; depth is bounded', async () => {
    const a = await TestClient.login(app, 'ThA');
    const b = await TestClient.login(app, 'ThB');
    await a.request('join', { room: '#th' });
    await b.request('join', { room: '#th' });
    const root = await a.request('send', { to: '#th', text: 'question' });
    const r1 = await b.request('send', { to: '#th', text: 'answer', replyTo: root.msg.id });
    assert.deepEqual([r1.msg.replyTo, r1.msg.thread], [root.msg.id, root.msg.id]);
    const live = await a.waitFor<{ type: 'message'; msg: ChatMessage }>((e) => e.type === 'message' && e.msg.id === r1.msg.id);
    assert.equal(live.msg.replyTo, root.msg.id);
    const r2 = await a.request('send', { to: '#th', text: 'follow-up', replyTo: r1.msg.id });
    assert.equal(r2.msg.thread, root.msg.id);
    await rejects(b.request('send', { to: '#th', text: 'too deep', replyTo: r2.msg.id }), 'THREAD_TOO_DEEP');
    await rejects(b.request('send', { to: '#th', text: 'x', replyTo: 'unknown-id' }), 'NO_SUCH_MESSAGE');
    await b.request('join', { room: '#th-other' });
    await rejects(b.request('send', { to: '#th-other', text: 'x', replyTo: root.msg.id }), 'NO_SUCH_MESSAGE');
    const t = await b.request('thread', { to: '#th', msgid: r2.msg.id });
    assert.equal(t.root.id, root.msg.id);
    assert.equal(t.root.replies, 2);
    assert.deepEqual(t.replies.map((m) => m.text), ['answer', 'follow-up']);
    assert.deepEqual((await b.request('thread', { to: '#th', msgid: root.msg.id, after: r1.msg.seq })).replies.map((m) => m.text), ['follow-up']);
    assert.equal((await b.request('history', { to: '#th', limit: 3 })).messages[0]!.replies, 2);
    a.close(); b.close();
  });
});

describe('mentions and read marks', () => {
  it('@name is stored and counted; @room counts only from operators; the mentions view; marks by account across devices', async () => {
    const owner = await TestClient.login(app, 'MnOwner');
    await owner.request('join', { room: '#mn' });
    const carol = await account(app, 'MnCarol');
    await carol.request('join', { room: '#mn' });
    const dave = await TestClient.login(app, 'MnDave');
    await dave.request('join', { room: '#mn' });
    const m1 = await dave.request('send', { to: '#mn', text: 'hey @mncarol, mail me at dave@mncarol.example' });
    assert.deepEqual(m1.msg.mentions, ['mncarol'], 'an e-mail address is no mention');
    const m2 = await dave.request('send', { to: '#mn', text: '@room free cake' });
    assert.equal(m2.msg.mentions, undefined, '@room from a plain member is plain text');
    const m3 = await owner.request('send', { to: '#mn', text: '@here standup now' });
    assert.deepEqual(m3.msg.mentions, ['@room']);
    await carol.request('send', { to: '#mn', text: 'talking to myself @MnCarol' });
    const view = await carol.request('mentions', {});
    assert.deepEqual(view.messages.map((m) => m.text), ['talking to myself @MnCarol', '@here standup now', 'hey @mncarol, mail me at dave@mncarol.example']);
    const u1 = await carol.request('unread', {});
    assert.deepEqual(u1.mentions, [{ to: '#mn', count: 2, lastSeq: m3.msg.seq }], 'own messages never count');
    await carol.request('read', { to: '#mn', seq: m1.msg.seq });
    assert.deepEqual((await carol.request('unread', {})).mentions, [{ to: '#mn', count: 1, lastSeq: m3.msg.seq }]);
    // Another device of the account sees the mark and the count.
    carol.close();
    await carol.waitClosed();
    const { c, reply } = await relogin(app, 'MnCarol');
    await c.request('join', { room: '#mn' });
    const again = await c.request('unread', {});
    assert.deepEqual(again.mentions, [{ to: '#mn', count: 1, lastSeq: m3.msg.seq }]);
    assert.deepEqual(reply.read, {}, '#mn is not rejoined yet at login');
    c.close();
    await c.waitClosed();
    const lobby = await relogin(app, 'MnCarol');
    const said = await lobby.c.request('send', { to: '#lobby', text: 'anyone?' });
    await lobby.c.request('read', { to: '#lobby', seq: said.msg.seq });
    lobby.c.close();
    await lobby.c.waitClosed();
    const third = await relogin(app, 'MnCarol');
    assert.deepEqual(third.reply.read, { '#lobby': said.msg.seq }, 'the login reply carries the account\'s marks');
    third.c.close(); owner.close(); dave.close();
  });

  it('a guest\'s marks are not stored: a later account of the same name starts unmarked', async () => {
    const g = await TestClient.login(app, 'MkGuest');
    const poster = await TestClient.login(app, 'MkPoster');
    await poster.request('send', { to: '#lobby', text: 'hi @mkguest' });
    await g.request('read', { to: '#lobby', seq: 1_000_000 });
    g.close();
    await g.waitClosed();
    const acct = await account(app, 'MkGuest');
    const u = await acct.request('unread', {});
    assert.equal(u.mentions.find((m) => m.to === '#lobby')?.count, 1);
    acct.close(); poster.close();
  });

  it('counts unread replies in threads one takes part in', async () => {
    const asker = await account(app, 'TqAsker');
    const helper = await TestClient.login(app, 'TqHelper');
    await asker.request('join', { room: '#tq' });
    await helper.request('join', { room: '#tq' });
    const q = await asker.request('send', { to: '#tq', text: 'how do I?' });
    const other = await helper.request('send', { to: '#tq', text: 'unrelated' });
    await helper.request('send', { to: '#tq', text: 'like this', replyTo: q.msg.id });
    const last = await helper.request('send', { to: '#tq', text: 'or that', replyTo: q.msg.id });
    await helper.request('send', { to: '#tq', text: 'not yours', replyTo: other.msg.id });
    assert.deepEqual((await asker.request('unread', {})).threads, [{ to: '#tq', root: q.msg.id, count: 2, lastSeq: last.msg.seq }]);
    await asker.request('read', { to: '#tq', seq: last.msg.seq });
    assert.deepEqual((await asker.request('unread', {})).threads, []);
    asker.close(); helper.close();
  });

  it('earlier versions are for moderators only', async () => {
    const owner = await TestClient.login(app, 'VsOwner');
    await owner.request('join', { room: '#vs' });
    const w = await TestClient.login(app, 'VsWriter');
    await w.request('join', { room: '#vs' });
    const { msg } = await w.request('send', { to: '#vs', text: 'rude words' });
    await w.request('edit', { to: '#vs', msgid: msg.id, text: 'nice words' });
    await rejects(w.request('edits', { to: '#vs', msgid: msg.id }), 'NOT_MODERATOR');
    const v = await owner.request('edits', { to: '#vs', msgid: msg.id });
    assert.deepEqual(v.versions.map((x) => x.text), ['rude words']);
    await owner.request('delete', { to: '#vs', msgid: msg.id });
    assert.deepEqual((await owner.request('edits', { to: '#vs', msgid: msg.id })).versions, [], 'a deleted message keeps no versions');
    owner.close(); w.close();
  });
});

describe('multi-line', () => {
  it('takes up to 100 lines and refuses more with TEXT_TOO_MANY_LINES; the hello says the limits', async () => {
    const c = await TestClient.login(app, 'Lines');
    const hello = c.events.find((e) => e.type === 'hello');
    assert.equal(hello?.type === 'hello' && hello.limits.textMaxLines, 100);
    assert.equal(hello?.type === 'hello' && hello.limits.editWindowSeconds, 3600);
    const ok = await c.request('send', { to: '#lobby', text: Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\r\n') });
    assert.equal(ok.msg.text.split('\n').length, 100);
    await rejects(c.request('send', { to: '#lobby', text: '\n'.repeat(100) + 'x' }), 'TEXT_TOO_MANY_LINES');
    await rejects(c.request('edit', { to: '#lobby', msgid: ok.msg.id, text: 'a\n'.repeat(101) }), 'TEXT_TOO_MANY_LINES');
    c.close();
  });
});

describe('resume', () => {
  it('a reconnecting client gets the edits, deletions and reactions it missed, and nothing twice', async () => {
    const a = await account(app, 'RsA');
    const b = await TestClient.login(app, 'RsB');
    await a.request('join', { room: '#rs' });
    await b.request('join', { room: '#rs' });
    const m1 = await b.request('send', { to: '#rs', text: 'edit me' });
    const m2 = await b.request('send', { to: '#rs', text: 'delete me' });
    const m3 = await b.request('send', { to: '#rs', text: 'react to me' });
    await a.waitFor((e) => e.type === 'message' && e.msg.id === m3.msg.id);
    a.close();
    await a.waitClosed();
    await b.request('edit', { to: '#rs', msgid: m1.msg.id, text: 'edited' });
    await b.request('delete', { to: '#rs', msgid: m2.msg.id });
    const r = await b.request('react', { to: '#rs', msgid: m3.msg.id, emoji: '👀', on: true });
    const m4 = await b.request('send', { to: '#rs', text: 'new one' });
    const c = await TestClient.open(wsUrl(app));
    const reply = await c.request('login', { name: 'RsA', password: PW, resume: { '#rs': m3.msg.seq } });
    const joined = await c.request('join', { room: '#rs', since: m3.msg.seq });
    assert.deepEqual(joined.history.map((m) => m.text), ['new one']);
    assert.deepEqual(joined.updated?.map((m) => [m.id, m.text, m.deleted ?? false]), [[m1.msg.id, 'edited', false], [m2.msg.id, '', true], [m3.msg.id, 'react to me', false]]);
    assert.deepEqual(joined.updated?.[2]?.reactions, r.msg.reactions);
    assert.equal(reply.missed.length, 0, 'rooms not rejoined are resumed by join');
    // Changes after the reply arrive live, once.
    await b.request('react', { to: '#rs', msgid: m4.msg.id, emoji: '👍', on: true });
    await update(c, (u) => u.msg.id === m4.msg.id);
    await c.sync();
    assert.equal(c.of('message_update').length, 1);
    c.close(); b.close();
  });

  it('after a server restart, resume includes an edit, a deletion and a reaction (SQLite)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'banter-msgs-'));
    const server = (): Promise<App> => startTestServer({ store: 'sqlite', dataDir: dir, 'auth.scryptLog2N': 10 });
    try {
      let s = await server();
      const reader = await account(s, 'Reader');
      const writer = await account(s, 'Writer');
      await reader.request('join', { room: '#persist' });
      await writer.request('join', { room: '#persist' });
      const m1 = await writer.request('send', { to: '#persist', text: 'typo here' });
      const m2 = await writer.request('send', { to: '#persist', text: 'regret this' });
      const m3 = await writer.request('send', { to: '#persist', text: 'thumbs please' });
      await reader.waitFor((e) => e.type === 'message' && e.msg.id === m3.msg.id);
      const resumeFrom = m3.msg.seq;
      reader.close();
      await reader.waitClosed();
      await writer.request('edit', { to: '#persist', msgid: m1.msg.id, text: 'no typo here' });
      await writer.request('delete', { to: '#persist', msgid: m2.msg.id });
      await writer.request('react', { to: '#persist', msgid: m3.msg.id, emoji: '👍', on: true });
      writer.close();
      await s.close();
      s = await server();
      try {
        const c = await TestClient.open(wsUrl(s));
        await c.request('login', { name: 'Reader', password: PW });
        const joined = await c.request('join', { room: '#persist', since: resumeFrom });
        assert.deepEqual(joined.history, []);
        assert.deepEqual(joined.updated?.map((m) => [m.text, m.editedAt !== undefined, m.deleted ?? false, m.reactions?.map((x) => [x.emoji, x.count, x.by])]), [
          ['no typo here', true, false, undefined],
          ['', false, true, undefined],
          ['thumbs please', false, false, [['👍', 1, ['Writer']]]],
        ]);
        assert.deepEqual((await c.request('search', { query: 'regret' })).results, [], 'the deleted text is not in the index after a restart');
        const hist = await c.request('history', { to: '#persist' });
        assert.deepEqual(hist.messages.map((m) => m.text), ['no typo here', '', 'thumbs please']);
        // The conversation counter survived: the next message comes after the changes.
        const w = await TestClient.open(wsUrl(s));
        await w.request('login', { name: 'Writer', password: PW });
        await w.request('join', { room: '#persist' });
        assert.equal((await w.request('send', { to: '#persist', text: 'after restart' })).msg.seq, resumeFrom + 4);
        c.close(); w.close();
      } finally {
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('direct messages', () => {
  it('both people see changes; a later guest with a name cannot reach its predecessor\'s DMs by id', async () => {
    const a = await TestClient.login(app, 'DmA');
    // An account reads its DMs from its creation on (a guest only from 1 ms after its login).
    const b = await account(app, 'DmB');
    const { msg } = await a.request('send', { to: 'DmB', text: 'psst' });
    await b.request('react', { to: 'DmA', msgid: msg.id, emoji: '🤫', on: true });
    await update(a, (u) => u.msg.id === msg.id && u.action === 'react');
    await update(b, (u) => u.msg.id === msg.id && u.action === 'react');
    await rejects(b.request('delete', { to: 'DmA', msgid: msg.id }), 'DELETE_FORBIDDEN');
    const g = await TestClient.login(app, 'DmG');
    const toG = await a.request('send', { to: 'DmG', text: 'for the first DmG only' });
    g.close();
    await g.waitClosed();
    const impostor = await TestClient.login(app, 'DmG');
    await rejects(impostor.request('react', { to: 'DmA', msgid: toG.msg.id, emoji: '👍', on: true }), 'NO_SUCH_MESSAGE');
    await rejects(impostor.request('thread', { to: 'DmA', msgid: toG.msg.id }), 'NO_SUCH_MESSAGE');
    await rejects(impostor.request('send', { to: 'DmA', text: 'x', replyTo: toG.msg.id }), 'NO_SUCH_MESSAGE');
    a.close(); b.close(); impostor.close();
  });
});
