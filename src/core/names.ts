/**
 * Binding names to connections: login, rename, and holding a name during registration.
 * A name is claimed cluster-wide in the PresenceStore before it is used, and released when
 * the connection lets go of it.
 */
import { foldName, LOBBY } from '../protocol/index.ts';
import type { Conn } from './delivery.ts';
import type { Directory, UserEntry } from './directory.ts';
import { ChatError } from './errors.ts';
import type { Fact } from './facts.ts';
import type { Clock, Logger, PresenceStore } from './ports.ts';
import type { Session } from './session.ts';

export interface NameBindingDeps {
  dir: Directory;
  presence: PresenceStore;
  /** Local logged-in connections by folded name (shared with Delivery). */
  local: Map<string, Conn>;
  clock: Clock;
  log: Logger;
  nodeId(): string;
  permanentRooms: readonly string[];
  /** Whether the connection is still attached (it may close while a claim is in flight). */
  attached(sessionId: string): boolean;
  emit(fact: Fact): void;
  loggedIn(): void;
}

export class NameBinding {
  private readonly d: NameBindingDeps;

  constructor(deps: NameBindingDeps) {
    this.d = deps;
  }

  /** The PresenceStore owner string of a connection: unique across the cluster. */
  owner(session: Session): string {
    return `${this.d.nodeId()}/${session.id}`;
  }

  /**
   * Marks a login as running on the connection until the returned function is called (login
   * calls it right before `bind`, which takes over in the same turn); ALREADY_LOGGED_IN when
   * the connection has a name or another login is running, before any password is checked.
   */
  begin(conn: Conn): () => void {
    if (conn.user) throw new ChatError('ALREADY_LOGGED_IN');
    if (conn.loggingIn) throw new ChatError('ALREADY_LOGGED_IN', 'a login is already in progress');
    conn.loggingIn = true;
    let done = false;
    return () => {
      if (!done) conn.loggingIn = false;
      done = true;
    };
  }

  async bind(conn: Conn, name: string, opts?: { lobby?: boolean; account?: { name: string; createdAt: number } }): Promise<UserEntry> {
    const folded = foldName(name);
    if (conn.user) throw new ChatError('ALREADY_LOGGED_IN');
    if (conn.loggingIn) throw new ChatError('ALREADY_LOGGED_IN', 'a login is already in progress');
    if (this.d.dir.users.has(folded)) throw new ChatError('NAME_TAKEN', `the name "${name}" is taken`);
    const twin = this.d.dir.lookalike(name);
    if (twin) throw new ChatError('NAME_CONFUSABLE', `the name "${name}" looks too much like "${twin.name}"`);
    conn.loggingIn = true;
    try {
      const owner = this.owner(conn.session);
      if (!(await this.d.presence.claim(folded, owner))) throw new ChatError('NAME_TAKEN', `the name "${name}" is taken`);
      if (!this.d.attached(conn.session.id)) {
        await this.d.presence.release(folded, owner);
        throw new ChatError('INTERNAL', 'connection closed during login');
      }
      conn.user = folded;
      this.d.local.set(folded, conn);
    } finally {
      conn.loggingIn = false;
    }
    const lobby = opts?.lobby === false ? [] : [LOBBY];
    const account = opts?.account;
    // DM ownership (owner.ts): an account's DMs since it was created, a guest's from the
    // next millisecond on (a message in this very millisecond may be a predecessor's).
    const dmSince = account?.createdAt ?? this.d.clock.now() + 1;
    this.d.emit({
      kind: 'user_online', name, node: this.d.nodeId(), presence: 'online', session: conn.session.id, dmSince,
      rooms: [...lobby, ...this.d.permanentRooms.filter((r) => foldName(r) !== LOBBY)], ...(account ? { account: account.name } : {}),
    });
    this.d.log.info({ conn: conn.session.id, name, transport: conn.session.transport, remote: conn.session.remote }, 'logged in');
    this.d.loggedIn();
    // A guest's DMs start in the next millisecond: the login answers no sooner, so a message the
    // session sends after its reply is stamped inside its own DM history. Answered in the same
    // millisecond, a DM sent at once was stamped before it, and its sender could not react to,
    // edit or delete it (NO_SUCH_MESSAGE). At most 1 ms.
    const early = dmSince - this.d.clock.now();
    if (!account && early > 0) await new Promise((resolve) => setTimeout(resolve, early));
    return this.d.dir.users.get(folded)!;
  }

  async reserve<T>(conn: Conn, name: string, fn: () => Promise<T>): Promise<T> {
    const folded = foldName(name);
    const owner = `${this.owner(conn.session)}/reserve`;
    if (this.d.dir.users.has(folded) || !(await this.d.presence.claim(folded, owner))) throw new ChatError('NAME_TAKEN', `"${name}" is in use by someone else right now`);
    try {
      return await fn();
    } finally {
      await this.d.presence.release(folded, owner);
    }
  }

  async rename(conn: Conn, name: string): Promise<UserEntry> {
    const oldFolded = conn.user;
    const user = oldFolded ? this.d.dir.users.get(oldFolded) : undefined;
    if (!oldFolded || !user) throw new ChatError('NOT_LOGGED_IN');
    const folded = foldName(name);
    const owner = this.owner(conn.session);
    if (folded !== oldFolded) {
      if (this.d.dir.users.has(folded)) throw new ChatError('NAME_TAKEN', `the name "${name}" is taken`);
      const twin = this.d.dir.lookalike(name);
      if (twin && twin.folded !== oldFolded) throw new ChatError('NAME_CONFUSABLE', `the name "${name}" looks too much like "${twin.name}"`);
      if (!(await this.d.presence.claim(folded, owner))) throw new ChatError('NAME_TAKEN', `the name "${name}" is taken`);
      if (conn.user !== oldFolded || this.d.dir.users.has(folded)) {
        await this.d.presence.release(folded, owner);
        throw new ChatError('NAME_TAKEN', `the name "${name}" is taken`);
      }
      this.d.local.delete(oldFolded);
      conn.user = folded;
      this.d.local.set(folded, conn);
    }
    const from = user.name;
    this.d.emit({ kind: 'rename', from, to: name });
    if (folded !== oldFolded) this.d.presence.release(oldFolded, owner).catch((err: unknown) => this.d.log.error({ err }, 'presence release failed'));
    this.d.log.info({ conn: conn.session.id, from, to: name }, 'renamed');
    return this.d.dir.users.get(folded)!;
  }
}
