/**
 * The ownership rules of src/core/owner.ts, on the core alone: no sockets, a clock the test
 * moves by hand, sessions that only collect events. The socket-level attacks are in
 * test/ownership.test.ts; here the exact boundaries are checked (a message in the same
 * millisecond as a login or a registration, renames, two nodes on one bus).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatCore, type CoreDeps } from '../../src/core/chat.ts';
import { ChatError } from '../../src/core/errors.ts';
import type { Clock } from '../../src/core/ports.ts';
import type { Session } from '../../src/core/session.ts';
import type { ArgsOf, ChatEvent, ClientRequest, ReplyData, RequestType } from '../../src/protocol/index.ts';
import { LocalHub } from '../../src/bus/local.ts';
import { MemoryPresence } from '../../src/bus/memory-presence.ts';
import { MemoryAccounts } from '../../src/storage/memory-accounts.ts';
import { MemoryStore } from '../../src/storage/memory.ts';

class HandClock implements Clock {
  t = 1_800_000_000_000;
  now(): number { return this.t; }
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function node(id: string, hub: LocalHub, clock: HandClock, shared?: Pick<CoreDeps, 'store' | 'accounts' | 'presence'>): ChatCore {
  return new ChatCore({
    store: shared?.store ?? new MemoryStore({ clock, maxPerConversation: 1000, idempotencyWindowMs: 600_000 }),
    accounts: shared?.accounts ?? new MemoryAccounts(),
    presence: shared?.presence ?? new MemoryPresence(),
    bus: hub.bus(id),
    calc: { evaluate: async () => '0', close: async () => {} },
    clock, log: silent,
    config: {
      permanentRooms: ['#lobby'], maxRoomsPerUser: 10, maxRooms: 100,
      flood: { requests: { burst: 1000, ratePerSec: 1000 }, calc: { burst: 10, ratePerSec: 10 }, maxDelayMs: 0, maxRefusals: 10, refusalWindowMs: 10_000 },
      scrypt: { log2N: 10, r: 8, p: 1 },
    },
  });
}

let counter = 0;
/** Lets the local bus deliver what was published (it hands facts over asynchronously). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A logged-in fake connection. */
class Fake implements Session {
  readonly id = `s${++counter}`;
  readonly transport = 'ws' as const;
  readonly remote = '192.0.2.1';
  readonly connectedAt = 0;
  readonly events: ChatEvent[] = [];
  readonly core: ChatCore;
  constructor(core: ChatCore) {
    this.core = core;
    core.attach(this);
  }
  deliver(ev: ChatEvent): void { this.events.push(ev); }
  queuedBytes(): number { return 0; }
  close(reason: string): void { this.core.detach(this.id, reason); }
  run<T extends RequestType>(type: T, args: ArgsOf<T>): Promise<ReplyData[T]> {
    return this.core.execute(this, { type, id: `r${++counter}`, ...args } as unknown as Extract<ClientRequest, { type: T }>);
  }
  static async as(core: ChatCore, name: string, extra: Partial<ArgsOf<'login'>> = {}): Promise<Fake> {
    const f = new Fake(core);
    await f.run('login', { name, ...extra });
    return f;
  }
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(() => undefined, (e: unknown) => (e instanceof ChatError ? e.code : String(e)));
}

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
    for (const n of [n1, n2]) assert.deepEqual(n.members(n.dir.room('#r')!).filter((m) => m.op), []);
  });
});
