/**
 * The moderation rules of src/core/moderation.ts on the core alone (no sockets): every room
 * setting, list and role, server admins, the audit log, two nodes converging, and rooms an
 * account owns surviving a restart. Socket-level tests: test/moderation.test.ts (WebSocket),
 * test/irc/moderation.test.ts (IRC and across both).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalHub } from '../../src/bus/local.ts';
import { MemoryPresence } from '../../src/bus/memory-presence.ts';
import { MemoryModeration } from '../../src/core/moderation-memory.ts';
import { globMatch, normalizeMask } from '../../src/core/moderation.ts';
import { ipInRange, normalizeIpRange } from '../../src/core/ip.ts';
import { MemoryAccounts } from '../../src/storage/memory-accounts.ts';
import { MemoryStore } from '../../src/storage/memory.ts';
import type { ModeChange } from '../../src/protocol/index.ts';
import { code, Fake, HandClock, node, settle } from './fakes.ts';

const PW = 'long enough password';

function setup(config: Parameters<typeof node>[4] = {}) {
  const clock = new HandClock();
  const core = node('n1', new LocalHub(), clock, undefined, config);
  return { clock, core };
}

/** Registers `name` and returns a logged-in session of the account. */
async function account(core: ReturnType<typeof node>, name: string): Promise<Fake> {
  const reg = new Fake(core);
  const { token } = await reg.run('register', { name, password: PW });
  reg.close('quit');
  return Fake.as(core, name, { token });
}

const set = (mode: ModeChange['mode'], arg?: string): ModeChange => (arg === undefined ? { mode, on: true } : { mode, on: true, arg });
const unset = (mode: ModeChange['mode'], arg?: string): ModeChange => (arg === undefined ? { mode, on: false } : { mode, on: false, arg });

describe('moderation rules in the core', () => {
  it('roles: the owner gives op, operators give voice but not op, nobody acts on an equal or higher role', async () => {
    const { core } = setup();
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#r' });
    const op = await Fake.as(core, 'op');
    const v = await Fake.as(core, 'v');
    const m = await Fake.as(core, 'm');
    for (const f of [op, v, m]) await f.run('join', { room: '#r' });
    assert.equal(await code(op.run('mode', { room: '#r', changes: [set('voice', 'v')] })), 'NOT_ROOM_OPERATOR');
    await owner.run('mode', { room: '#r', changes: [set('op', 'op')] });
    assert.equal(await code(op.run('mode', { room: '#r', changes: [set('op', 'm')] })), 'RANK_TOO_LOW');
    assert.deepEqual((await op.run('mode', { room: '#r', changes: [set('voice', 'v')] })).changes, [set('voice', 'v')]);
    assert.equal(await code(op.run('kick', { room: '#r', name: 'owner' })), 'RANK_TOO_LOW');
    assert.equal(await code(op.run('mode', { room: '#r', changes: [unset('op', 'owner')] })), 'RANK_TOO_LOW');
    const roles = Object.fromEntries(core.members(core.dir.room('#r')!).members.map((x) => [x.name, x.role ?? 'member']));
    assert.deepEqual(roles, { m: 'member', op: 'op', owner: 'owner', v: 'voice' });
    // An operator may step down; the event reaches the room.
    await op.run('mode', { room: '#r', changes: [unset('op', 'op')] });
    await settle();
    assert.ok(m.events.some((e) => e.type === 'room_operator' && e.name === 'op' && !e.op));
    assert.ok(m.events.some((e) => e.type === 'room_mode' && e.by === 'op' && e.changes[0]!.mode === 'voice'));
  });

  it('a role belongs to the session or account, not the name: the next guest called "op" has none', async () => {
    const { core } = setup();
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#r' });
    const first = await Fake.as(core, 'op');
    await first.run('join', { room: '#r' });
    await owner.run('mode', { room: '#r', changes: [set('op', 'op')] });
    first.close('quit');
    const next = await Fake.as(core, 'op');
    await next.run('join', { room: '#r' });
    assert.equal(await code(next.run('mode', { room: '#r', changes: [set('moderated')] })), 'NOT_ROOM_OPERATOR');
  });

  it('+i: only invited users or matching invite exceptions join; only operators invite', async () => {
    const { core } = setup();
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#i' });
    const member = await Fake.as(core, 'member');
    await member.run('join', { room: '#i' });
    await owner.run('mode', { room: '#i', changes: [set('invite_only'), set('invex', 'friend*')] });
    const out = await Fake.as(core, 'outsider');
    assert.equal(await code(out.run('join', { room: '#i' })), 'ROOM_INVITE_ONLY');
    assert.equal(await code(member.run('invite', { room: '#i', name: 'outsider' })), 'NOT_ROOM_OPERATOR');
    await owner.run('invite', { room: '#i', name: 'outsider' });
    assert.equal(await code(out.run('join', { room: '#i' })), undefined);
    await out.run('part', { room: '#i' });
    assert.equal(await code(out.run('join', { room: '#i' })), 'ROOM_INVITE_ONLY', 'an invitation is used up by the join');
    const friend = await Fake.as(core, 'friendly');
    assert.equal(await code(friend.run('join', { room: '#i' })), undefined, 'the invite exception matches friendly!*@*');
  });

  it('+k needs the key, +l refuses joins beyond the limit', async () => {
    const { core } = setup();
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#k' });
    await owner.run('mode', { room: '#k', changes: [set('key', 'sesame'), set('limit', '2')] });
    const a = await Fake.as(core, 'a');
    const b = await Fake.as(core, 'b');
    assert.equal(await code(a.run('join', { room: '#k' })), 'ROOM_KEY_REQUIRED');
    assert.equal(await code(a.run('join', { room: '#k', key: 'wrong' })), 'ROOM_KEY_REQUIRED');
    assert.equal(await code(a.run('join', { room: '#k', key: 'sesame' })), undefined);
    assert.equal(await code(b.run('join', { room: '#k', key: 'sesame' })), 'ROOM_FULL');
    // Outsiders see that there is a key, not the key.
    assert.equal((await b.run('mode', { room: '#k' })).settings.key, '*');
    assert.equal((await a.run('mode', { room: '#k' })).settings.key, 'sesame');
    assert.equal(await code(owner.run('mode', { room: '#k', changes: [set('key', 'has space')] })), 'MODE_INVALID');
    assert.equal(await code(owner.run('mode', { room: '#k', changes: [set('limit', '-3')] })), 'MODE_INVALID');
  });

  it('+m: only voiced members and operators speak; +t: only operators set the topic', async () => {
    const { core } = setup();
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#m' });
    const a = await Fake.as(core, 'a');
    await a.run('join', { room: '#m' });
    await owner.run('mode', { room: '#m', changes: [set('moderated'), set('topic_lock')] });
    assert.equal(await code(a.run('send', { to: '#m', text: 'hi' })), 'ROOM_MODERATED');
    assert.equal(await code(a.run('topic', { room: '#m', topic: 'mine' })), 'NOT_ROOM_OPERATOR');
    assert.equal(await code(owner.run('send', { to: '#m', text: 'hi' })), undefined);
    await owner.run('mode', { room: '#m', changes: [set('voice', 'a')] });
    assert.equal(await code(a.run('send', { to: '#m', text: 'now I may' })), undefined);
    await owner.run('mode', { room: '#m', changes: [unset('topic_lock')] });
    assert.equal(await code(a.run('topic', { room: '#m', topic: 'mine' })), undefined);
  });

  it('+s hides the room from outsiders\' room list and member list; -n lets outsiders send', async () => {
    const { core } = setup();
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#s' });
    const out = await Fake.as(core, 'out');
    assert.equal(await code(out.run('send', { to: '#s', text: 'knock' })), 'NOT_IN_ROOM');
    await owner.run('mode', { room: '#s', changes: [set('secret'), unset('no_outside')] });
    assert.deepEqual((await out.run('rooms', {})).rooms.map((r) => r.name), ['#lobby']);
    assert.equal((await owner.run('rooms', {})).rooms.find((r) => r.name === '#s')?.modes, '+s');
    assert.equal(await code(out.run('members', { room: '#s' })), 'NO_SUCH_ROOM');
    assert.equal(await code(out.run('send', { to: '#s', text: 'knock' })), undefined);
    await settle();
    assert.ok(owner.events.some((e) => e.type === 'message' && e.msg.text === 'knock'));
  });

  it('bans by mask and by account keep users out and silence members; exceptions override; mutes silence', async () => {
    const { core } = setup();
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#b' });
    const troll = await Fake.as(core, 'troll');
    troll.ident = 'trollident';
    await troll.run('join', { room: '#b' });
    const acct = await account(core, 'carol');
    await acct.run('join', { room: '#b' });
    const quiet = await Fake.as(core, 'quiet');
    await quiet.run('join', { room: '#b' });
    await owner.run('mode', { room: '#b', changes: [set('ban', '*!~trollid*@*'), set('ban', '$a:Carol'), set('mute', 'quiet')] });
    assert.equal(await code(troll.run('send', { to: '#b', text: 'x' })), 'BANNED_FROM_ROOM');
    assert.equal(await code(acct.run('send', { to: '#b', text: 'x' })), 'BANNED_FROM_ROOM');
    assert.equal(await code(quiet.run('send', { to: '#b', text: 'x' })), 'MUTED');
    await troll.run('part', { room: '#b' });
    assert.equal(await code(troll.run('join', { room: '#b' })), 'BANNED_FROM_ROOM');
    // Renaming does not dodge an account ban; while in the room, a banned member cannot rename at all.
    assert.equal(await code(acct.run('nick', { name: 'carol2' })), 'NICK_LOCKED');
    await acct.run('part', { room: '#b' });
    await acct.run('nick', { name: 'carol2' });
    assert.equal(await code(acct.run('join', { room: '#b' })), 'BANNED_FROM_ROOM');
    await owner.run('mode', { room: '#b', changes: [set('except', '$a:carol')] });
    await acct.run('join', { room: '#b' });
    assert.equal(await code(acct.run('send', { to: '#b', text: 'back' })), undefined);
    const list = (await owner.run('mode', { room: '#b' })).settings;
    assert.deepEqual(list.ban.map((e) => [e.mask, e.by]), [['*!~trollid*@*', 'owner'], ['$a:carol', 'owner']]);
    assert.deepEqual(list.mute.map((e) => e.mask), ['quiet!*@*']);
    await owner.run('mode', { room: '#b', changes: [unset('mute', 'quiet!*@*')] });
    assert.equal(await code(quiet.run('send', { to: '#b', text: 'free' })), undefined);
  });

  it('lists are bounded; masks are checked', async () => {
    const { core } = setup({ maxListEntries: 3 });
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#l' });
    await owner.run('mode', { room: '#l', changes: [set('ban', 'a'), set('ban', 'b'), set('ban', 'c')] });
    assert.equal(await code(owner.run('mode', { room: '#l', changes: [set('ban', 'd')] })), 'LIST_FULL');
    assert.equal(await code(owner.run('mode', { room: '#l', changes: [set('ban', 'a b')] })), 'MODE_INVALID');
    assert.equal(await code(owner.run('mode', { room: '#l', changes: [set('ban', '$a:')] })), 'MODE_INVALID');
    assert.equal(normalizeMask('Bob'), 'bob!*@*');
    assert.equal(normalizeMask('x@y'), '*!x@y');
    assert.equal(normalizeMask('a!b!c@d'), undefined);
  });

  it('slow mode: one message per N seconds below operator', async () => {
    const { core, clock } = setup();
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#w' });
    const a = await Fake.as(core, 'a');
    await a.run('join', { room: '#w' });
    await owner.run('mode', { room: '#w', changes: [set('slow', '10')] });
    assert.equal(await code(a.run('send', { to: '#w', text: '1' })), undefined);
    clock.t += 9_000;
    assert.equal(await code(a.run('send', { to: '#w', text: '2' })), 'SLOW_MODE');
    assert.equal(await code(owner.run('send', { to: '#w', text: 'ops are exempt' })), undefined);
    assert.equal(await code(owner.run('send', { to: '#w', text: 'ops are exempt' })), undefined);
    clock.t += 1_000;
    assert.equal(await code(a.run('send', { to: '#w', text: '3' })), undefined);
    // Pipelined sends in the same instant: one gets through.
    clock.t += 10_000;
    const codes = await Promise.all([a.run('send', { to: '#w', text: '4' }), a.run('send', { to: '#w', text: '5' })].map(code));
    assert.deepEqual(codes.sort(), ['SLOW_MODE', undefined].sort());
  });

  it('server admins: moderate any room, kill, notice everyone, ban accounts and address ranges, read the audit log', async () => {
    const { core } = setup({ admins: ['root'] });
    const root = await account(core, 'root');
    const owner = await Fake.as(core, 'owner');
    await owner.run('join', { room: '#x' });
    const a = await Fake.as(core, 'a', {}, '203.0.113.7:4000');
    await a.run('join', { room: '#x' });
    assert.equal(await code(owner.run('kill', { name: 'a' })), 'NOT_ADMIN');
    assert.equal(await code(owner.run('audit', {})), 'NOT_ADMIN');
    // An admin who is not in the room moderates it.
    await root.run('mode', { room: '#x', changes: [set('moderated')] });
    await root.run('kick', { room: '#x', name: 'owner', reason: 'testing' });
    await root.run('wallops', { text: 'maintenance at noon' });
    await settle();
    assert.ok(a.events.some((e) => e.type === 'notice' && e.text === 'Server notice from root: maintenance at noon'));
    await root.run('server_ban', { mask: '203.0.113.0/24', on: true, reason: 'spam' });
    assert.equal(a.closed, 'Banned from the server (spam)');
    assert.equal(await code(Fake.as(core, 'a2', {}, '203.0.113.99:1')), 'SERVER_BANNED');
    assert.equal(await code(Fake.as(core, 'a3', {}, '198.51.100.1:1')), undefined);
    const carol = await account(core, 'carol');
    await root.run('server_ban', { mask: '$a:carol', on: true });
    assert.equal(carol.closed, 'Banned from the server ()');
    assert.equal(await code(account(core, 'carol')), 'NAME_REGISTERED');
    const b = await Fake.as(core, 'b');
    await root.run('kill', { name: 'b', reason: 'bye' });
    assert.equal(b.closed, 'Killed (root (bye))');
    const log = (await root.run('audit', {})).entries.map((e) => [e.action, e.room ?? '', e.target ?? '']);
    assert.deepEqual(log, [
      ['mode +moderated', '#x', ''], ['kick', '#x', 'owner'], ['wallops', '', ''],
      ['server_ban', '', '203.0.113.0/24'], ['server_ban', '', '$a:carol'], ['kill', '', 'b'],
    ]);
    assert.equal((await root.run('audit', {})).entries[0]!.actor, 'root (account root)');
    // Room operators read their room's log, nobody else's.
    await owner.run('join', { room: '#y' });
    await owner.run('mode', { room: '#y', changes: [set('secret')] });
    assert.deepEqual((await owner.run('audit', { room: '#y' })).entries.map((e) => e.action), ['mode +secret']);
    assert.equal(await code(owner.run('audit', { room: '#lobby' })), 'NOT_ROOM_OPERATOR');
  });

  it('two nodes converge: settings set on one are enforced on the other', async () => {
    const clock = new HandClock();
    const hub = new LocalHub();
    const shared = { store: new MemoryStore({ clock, maxPerConversation: 1000, idempotencyWindowMs: 600_000 }), accounts: new MemoryAccounts(), presence: new MemoryPresence() };
    const n1 = node('n1', hub, clock, shared);
    const n2 = node('n2', hub, clock, shared);
    const owner = await Fake.as(n1, 'owner');
    await owner.run('join', { room: '#c' });
    const a = await Fake.as(n2, 'a');
    await a.run('join', { room: '#c' });
    await settle();
    await owner.run('mode', { room: '#c', changes: [set('moderated'), set('ban', 'late*')] });
    await settle();
    assert.equal(await code(a.run('send', { to: '#c', text: 'x' })), 'ROOM_MODERATED');
    await owner.run('mode', { room: '#c', changes: [set('voice', 'a')] });
    await settle();
    assert.equal(await code(a.run('send', { to: '#c', text: 'x' })), undefined);
    const late = await Fake.as(n2, 'latecomer');
    assert.equal(await code(late.run('join', { room: '#c' })), 'BANNED_FROM_ROOM');
  });

  it('a room an account owns keeps its settings, lists and account roles across a restart; a guest\'s room does not', async () => {
    const clock = new HandClock();
    const moderation = new MemoryModeration();
    const shared = { store: new MemoryStore({ clock, maxPerConversation: 1000, idempotencyWindowMs: 600_000 }), accounts: new MemoryAccounts(), presence: new MemoryPresence(), moderation };
    const first = node('n1', new LocalHub(), clock, shared);
    const owner = await account(first, 'owner');
    await owner.run('join', { room: '#kept' });
    const dave = await account(first, 'dave');
    await dave.run('join', { room: '#kept' });
    await owner.run('mode', { room: '#kept', changes: [set('invite_only'), set('key', 'k1'), set('ban', 'spam*'), set('op', 'dave')] });
    const guest = await Fake.as(first, 'guest');
    await guest.run('join', { room: '#guests' });
    await guest.run('mode', { room: '#guests', changes: [set('secret')] });
    for (const f of [owner, dave, guest]) f.close('quit');
    assert.ok(first.dir.room('#kept'), 'a registered room stays when empty');
    assert.equal(first.dir.room('#guests'), undefined);
    await first.close('restart');

    const second = node('n1', new LocalHub(), clock, { ...shared, presence: new MemoryPresence() });
    await second.restore();
    assert.equal(second.dir.room('#guests'), undefined);
    const outside = (await (await Fake.as(second, 'x')).run('mode', { room: '#kept' })).settings;
    assert.deepEqual([outside.invite_only, outside.key, outside.ban], [true, '*', []], 'outsiders see neither the key nor the lists');
    const dave2 = await Fake.as(second, 'dave', { password: PW });
    assert.equal(await code(dave2.run('join', { room: '#kept' })), undefined, 'an operator gets in past +i and +k');
    const s = (await dave2.run('mode', { room: '#kept' })).settings;
    assert.deepEqual([s.key, s.ban.map((e) => e.mask)], ['k1', ['spam*!*@*']]);
    assert.equal(await code(dave2.run('mode', { room: '#kept', changes: [set('moderated')] })), undefined, 'dave is still an operator');
    const stranger = await Fake.as(second, 'stranger');
    assert.equal(await code(stranger.run('join', { room: '#kept' })), 'ROOM_INVITE_ONLY');
  });

  it('mask matching has no backtracking blow-up; IP ranges match by prefix', () => {
    const t0 = performance.now();
    assert.equal(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(200)), false);
    assert.ok(performance.now() - t0 < 200);
    assert.equal(globMatch('bo?!*@*', 'bob!~bob@banter'), true);
    assert.equal(ipInRange('203.0.113.7', '203.0.113.0/24'), true);
    assert.equal(ipInRange('203.0.114.7', '203.0.113.0/24'), false);
    assert.equal(ipInRange('2001:db8::1', '2001:db8::/32'), true);
    assert.equal(ipInRange('203.0.113.7', '2001:db8::/32'), false);
    assert.equal(normalizeIpRange('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(normalizeIpRange('10.0.0.0/33'), undefined);
    assert.equal(normalizeIpRange('bob'), undefined);
  });
});
