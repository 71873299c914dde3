/**
 * A ChatCore with fakes, for rule tests without sockets: a clock the test moves by hand, an
 * in-process bus, and sessions that only collect events.
 */
import { ChatCore, type CoreDeps } from '../../src/core/chat.ts';
import { ChatError } from '../../src/core/errors.ts';
import type { Clock } from '../../src/core/ports.ts';
import type { Session } from '../../src/core/session.ts';
import type { ArgsOf, ChatEvent, ClientRequest, ReplyData, RequestType } from '../../src/protocol/index.ts';
import { LocalHub } from '../../src/bus/local.ts';
import { MemoryPresence } from '../../src/bus/memory-presence.ts';
import { MemoryAccounts } from '../../src/storage/memory-accounts.ts';
import { MemoryStore } from '../../src/storage/memory.ts';

export class HandClock implements Clock {
  t = 1_800_000_000_000;
  now(): number { return this.t; }
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function node(id: string, hub: LocalHub, clock: HandClock, shared?: Pick<CoreDeps, 'store' | 'accounts' | 'presence' | 'moderation'>, config?: Partial<CoreDeps['config']>): ChatCore {
  return new ChatCore({
    store: shared?.store ?? new MemoryStore({ clock, maxPerConversation: 1000, idempotencyWindowMs: 600_000 }),
    accounts: shared?.accounts ?? new MemoryAccounts(),
    presence: shared?.presence ?? new MemoryPresence(),
    ...(shared?.moderation ? { moderation: shared.moderation } : {}),
    bus: hub.bus(id),
    calc: { evaluate: async () => '0', close: async () => {} },
    clock, log: silent,
    config: {
      permanentRooms: ['#lobby'], maxRoomsPerUser: 10, maxRooms: 100,
      flood: { requests: { burst: 1000, ratePerSec: 1000 }, calc: { burst: 10, ratePerSec: 10 }, maxDelayMs: 0, maxRefusals: 10, refusalWindowMs: 10_000 },
      scrypt: { log2N: 10, r: 8, p: 1 },
      ...config,
    },
  });
}

let counter = 0;
/** Lets the local bus deliver what was published (it hands facts over asynchronously). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A logged-in fake connection. */
export class Fake implements Session {
  readonly id = `s${++counter}`;
  readonly transport = 'ws' as const;
  remote = '192.0.2.1';
  ident?: string;
  readonly connectedAt = 0;
  readonly events: ChatEvent[] = [];
  readonly core: ChatCore;
  constructor(core: ChatCore, remote?: string) {
    this.core = core;
    if (remote !== undefined) this.remote = remote;
    core.attach(this);
  }
  deliver(ev: ChatEvent): void { this.events.push(ev); }
  queuedBytes(): number { return 0; }
  /** The reason the core (or the test) closed this session with. */
  closed: string | undefined;
  close(reason: string): void {
    this.closed = reason;
    this.core.detach(this.id, reason);
  }
  run<T extends RequestType>(type: T, args: ArgsOf<T>): Promise<ReplyData[T]> {
    return this.core.execute(this, { type, id: `r${++counter}`, ...args } as unknown as Extract<ClientRequest, { type: T }>);
  }
  static async as(core: ChatCore, name: string, extra: Partial<ArgsOf<'login'>> = {}, remote?: string): Promise<Fake> {
    const f = new Fake(core, remote);
    await f.run('login', { name, ...extra });
    return f;
  }
}

export async function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(() => undefined, (e: unknown) => (e instanceof ChatError ? e.code : String(e)));
}

