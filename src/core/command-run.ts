/**
 * One command running for one connection: its `CommandContext`, and what happens when it
 * settles (the request metric, errors mapped to what a client may see, the end of a hold).
 *
 * One small object per request, with methods instead of closures, and a promise chain instead
 * of an async frame: a channel message waits in its command for the store's commit (20–50 ms
 * with SQLite, longer than a scavenge interval), and everything it keeps meanwhile is copied
 * by each scavenge and then promoted (docs/benchmarks.md, "What a message holds while it
 * waits"). The context as an object of closures kept 437 B per waiting message, the
 * dispatcher's suspended async frame 619 B (`bench/irc-alloc.ts --held`).
 */
import type { ClientRequest, ReplyData, RequestType } from '../protocol/index.ts';
import type { Command, CommandContext, CommandCore } from './commands/command.ts';
import type { Conn, Delivery } from './delivery.ts';
import type { UserEntry } from './directory.ts';
import { ChatError } from './errors.ts';
import type { CoreMetrics } from './metrics.ts';
import type { NameBinding } from './names.ts';
import type { Logger, ServerBan } from './ports.ts';
import type { Session } from './session.ts';

/** What a running command needs of the core besides `CommandCore`: one per core, shared by every run. */
export interface RunHost {
  readonly core: CommandCore;
  readonly delivery: Pick<Delivery, 'hold' | 'release'>;
  readonly names: Pick<NameBinding, 'bind' | 'reserve' | 'rename' | 'begin'>;
  readonly metrics: Pick<CoreMetrics, 'request'>;
  readonly log: Logger;
  serverBanOf(remote: string, account: string | undefined): ServerBan | undefined;
  /** Whether the connection is still attached (held events are dropped for one that is gone). */
  attached(sessionId: string): boolean;
}

export class CommandRun implements CommandContext {
  readonly core: CommandCore;
  readonly session: Session;
  readonly user: UserEntry | undefined;
  private readonly host: RunHost;
  private readonly conn: Conn;
  private readonly type: RequestType;
  private readonly started = performance.now();
  /** This command asked for the hold (see `hold`): its end is one owner fewer. */
  private holding = false;

  constructor(host: RunHost, conn: Conn, user: UserEntry | undefined, type: RequestType) {
    this.host = host;
    this.core = host.core;
    this.conn = conn;
    this.session = conn.session;
    this.user = user;
    this.type = type;
  }

  /**
   * Runs the command. Never throws: a synchronous throw of the command becomes the rejection.
   * Resolves with the reply data or rejects with a ChatError (INTERNAL for anything else,
   * whose detail goes to the log only).
   */
  start<T extends RequestType>(command: Command<T>, req: Extract<ClientRequest, { type: T }>): Promise<ReplyData[T]> {
    let running: Promise<ReplyData[T]>;
    try {
      running = command.run(this, req);
    } catch (err) {
      running = Promise.reject(err as Error);
    }
    return running.then((data) => {
      this.end(undefined);
      return data;
    }, (err: unknown) => {
      // Only known errors reach a client; the detail stays in the log.
      if (!(err instanceof ChatError)) this.host.log.error({ err, conn: this.session.id, request: this.type }, 'command failed');
      const out = err instanceof ChatError ? err : new ChatError('INTERNAL');
      this.end(out);
      throw out;
    });
  }

  /** The request metric (with the error the client gets) and the end of the hold. */
  private end(failed: ChatError | undefined): void {
    this.host.metrics.request(this.type, (performance.now() - this.started) / 1000, failed?.code);
    // The transport writes the reply when the command's promise settles (a microtask); held
    // events follow it in the next macrotask, so they always arrive after the reply.
    // Pipelined commands may overlap: the hold ends when the last command that asked for it is done.
    const { conn, host } = this;
    if (this.holding && conn.held && --conn.held.owners === 0) setImmediate(() => host.delivery.release(conn, host.attached(conn.session.id)));
  }

  hold(): { cover(conv: string, seq: number): void } {
    const held = this.host.delivery.hold(this.conn);
    if (!this.holding) {
      this.holding = true;
      held.owners++;
    }
    return { cover: (conv: string, seq: number) => held.covered.set(conv, Math.max(seq, held.covered.get(conv) ?? 0)) };
  }

  bindUser(name: string, opts?: { lobby?: boolean; account?: { name: string; createdAt: number } }): Promise<UserEntry> {
    const ban = this.host.serverBanOf(this.session.remote, opts?.account?.name);
    if (ban) return Promise.reject(new ChatError('SERVER_BANNED', ban.reason !== '' ? `you are banned from this server: ${ban.reason}` : 'you are banned from this server'));
    return this.host.names.bind(this.conn, name, opts);
  }

  reserveName<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.host.names.reserve(this.conn, name, fn);
  }

  renameUser(name: string): Promise<UserEntry> {
    return this.host.names.rename(this.conn, name);
  }

  beginLogin(): () => void {
    return this.host.names.begin(this.conn);
  }
}
