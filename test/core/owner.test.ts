/**
 * The ownership rules of src/core/owner.ts, on the core alone: no sockets, a clock the test
 * moves by hand, sessions that only collect events. The socket-level attacks are in
 * test/ownership.test.ts; here the exact boundaries are checked (a message in the same
 * millisecond as a login or a registration, renames, two nodes on one bus).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, Fake, HandClock, node, settle } from './fakes.ts';
import { LocalHub } from '../../src/bus/local.ts';
import { MemoryPresence } from '../../src/bus/memory-presence.ts';
import { MemoryAccounts } from '../../src/storage/memory-accounts.ts';
import { MemoryStore } from '../../src/storage/memory.ts';

describe('owner rules in the core', () => {
  it('a guest session reads DMs from its login on; a message in the login\'s millisecond is not its', async () => {
    const clock = new HandClock();
    const core = node('n1', new LocalHub(), clock);
    const bob = await Fake.as(core, 'bob');
    const g1 = await Fake.as(core, 'guest');
    clock.t += 5;
    await bob.run('send', { to: 'guest', text: 'to the first guest' });
    assert.deepEqual((await g1.run('history', { to: 'bob' })).messages.map((m) => m.text), ['to the first guest']);
    g1.close('quit');
    // The next guest logs in within the same millisecond as the first guest's last DM.
    const g2 = await Fake.as(core, 'guest');
    assert.deepEqual((await g2.run('history', { to: 'bob' })).messages, []);
    assert.deepEqual((await g2.run('search', { query: 'first' })).results, []);
    clock.t += 1;
    await bob.run('send', { to: 'guest', text: 'later' });
    assert.deepEqual((await g2.run('history', { to: 'bob' })).messages.map((m) => m.text), ['later']);
  });

  it('a guest\'s login answers only once its DM history has begun, so a DM it sends at once is its own', async () => {
    const clock = new HandClock();
    const core = node('n1', new LocalHub(), clock);
    await Fake.as(core, 'peer');
    // The clock moves on (as a real one does within a millisecond) while the login waits for it.
    const moved = new Promise<void>((resolve) => setTimeout(() => { clock.t += 1; resolve(); }, 1));
    const g = await Fake.as(core, 'quick');
    // At once, as a script does (the clock may or may not have moved: the login waited for it).
    const { msg } = await g.run('send', { to: 'peer', text: 'sent right after the login' });
    assert.ok(msg.ts >= core.dir.user('quick')!.dmSince, 'stamped inside the sender\'s DM history');
    // Its sender can act on it: before, this was NO_SUCH_MESSAGE (the message was older than dmSince).
    await g.run('react', { to: 'peer', msgid: msg.id, emoji: '👍', on: true });
    await g.run('delete', { to: 'peer', msgid: msg.id });
    assert.deepEqual((await g.run('history', { to: 'peer' })).messages.map((m) => m.deleted), [true]);
    await moved;
  });

  it('no guest can take a name while it is being registered', async () => {
    const clock = new HandClock();
    const core = node('n1', new LocalHub(), clock);
    const reg = new Fake(core);
    const registering = reg.run('register', { name: 'erin', password: 'long enough password' });
    // The login races the password hash of the registration.
    const guest = new Fake(core);
    assert.equal(await code(guest.run('login', { name: 'erin' })), 'NAME_TAKEN');
    await registering;
    assert.equal(await code(guest.run('login', { name: 'erin' })), 'AUTH_REQUIRED');
  });

  it('an account reads DMs from its creation on; renames keep ownership; the old name owns nothing', async () => {
    const clock = new HandClock();
    const core = node('n1', new LocalHub(), clock);
    const bob = await Fake.as(core, 'bob');
    const guest = await Fake.as(core, 'dora');
    await bob.run('send', { to: 'dora', text: 'guest era' });
    guest.close('quit');
    clock.t += 10;
    const reg = new Fake(core);
    const { token } = await reg.run('register', { name: 'dora', password: 'long enough password' });
    clock.t += 10;
    await bob.run('send', { to: 'dora', text: 'account era' });
    const dora = await Fake.as(core, 'dora', { token });
    assert.deepEqual((await dora.run('history', { to: 'bob' })).messages.map((m) => m.text), ['account era']);
    assert.deepEqual((await dora.run('unread', {})).unread.map((u) => u.count), [1]);
    // Rooms a session created stay its own across a rename.
    await dora.run('join', { room: '#doras' });
    await bob.run('join', { room: '#doras' });
    await dora.run('nick', { name: 'dora2' });
    assert.equal(await code(dora.run('kick', { room: '#doras', name: 'bob' })), undefined);
  });

  it('room rights follow the principal across nodes: a guest on another node taking the name gets none', async () => {
    const clock = new HandClock();
    const hub = new LocalHub();
    const shared = { store: new MemoryStore({ clock, maxPerConversation: 1000, idempotencyWindowMs: 600_000 }), accounts: new MemoryAccounts(), presence: new MemoryPresence() };
    const n1 = node('n1', hub, clock, shared);
    const n2 = node('n2', hub, clock, shared);
    const boss = await Fake.as(n1, 'boss');
    await boss.run('join', { room: '#r' });
    const member = await Fake.as(n2, 'member');
    await member.run('join', { room: '#r' });
    await settle();
    assert.equal(await code(boss.run('op', { room: '#r', name: 'member', op: true })), undefined);
    assert.equal(await code(member.run('op', { room: '#r', name: 'member', op: false })), undefined);
    boss.close('quit');
    await settle();
    const impostor = await Fake.as(n2, 'boss');
    await impostor.run('join', { room: '#r' });
    await settle();
    assert.equal(await code(impostor.run('kick', { room: '#r', name: 'member' })), 'NOT_ROOM_OPERATOR');
    // Both nodes agree nobody is an operator now.
    for (const n of [n1, n2]) assert.deepEqual(n.members(n.dir.room('#r')!).members.filter((m) => m.op), []);
  });
});
