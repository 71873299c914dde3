/**
 * The chat core: users, rooms, messages and presence, independent of any transport.
 *
 * Transports call `attach`, `execute` and `detach`; the core answers with return values,
 * `ChatError`s and events delivered through `Session.deliver`. All shared state changes go
 * through `emit(fact)`: applied locally, then published on the bus for other nodes.
 */
import {
  foldName, type ClientRequest, type MemberInfo, type ReplyData,
  type RequestType, type RoomState, type UserInfo,
} from '../protocol/index.ts';
import { COMMANDS } from './commands/index.ts';
import type { Command } from './commands/command.ts';
import { CommandRun, type RunHost } from './command-run.ts';
import { Directory, isRoomOperator, type RoomEntry, type UserEntry } from './directory.ts';
import { ChatError } from './errors.ts';
import type { Fact } from './facts.ts';
import type { AccountStore, Bus, Calculator, Clock, Logger, MessageStore, ModerationStore, PresenceStore, ServerBan } from './ports.ts';
import { MemoryModeration } from './moderation-memory.ts';
import { FloodGuard, type FloodConfig } from './rate-limit.ts';
import { noopMetrics, type CoreMetrics } from './metrics.ts';
import type { Session } from './session.ts';
import { Accounts, DEFAULT_ACCOUNTS_CONFIG, NO_ACCOUNTS, type AccountsConfig } from './accounts/service.ts';
import { OWASP_SCRYPT, type ScryptParams } from './accounts/password.ts';
import { applyFact, type ApplyTarget } from './apply.ts';
import { ANNOUNCE_DEFAULTS, Delivery, REPLY_MEMBERS, type AnnounceConfig, type Conn } from './delivery.ts';
import { PagedSet, pageOf } from './page.ts';
import { NameBinding } from './names.ts';
import { convKey } from './conv.ts';
import { ConversationSequencer } from './sequencer.ts';
import { DEFAULT_MAX_LIST_ENTRIES, isAdmin, isRegistered, restoreRoom, roleOf } from './moderation.ts';
import { ipInRange, remoteIp } from './ip.ts';
import type { FileService } from './files/service.ts';

const SUMMARY_INTERVAL_MS = 250;
const SUMMARY_MAX_ENTRIES = 100;

export interface CoreConfig {
  /** Rooms that exist even when empty and that nobody can leave. */
  permanentRooms: readonly string[];
  /** How many rooms one user may be in (including #lobby). */
  maxRoomsPerUser: number;
  /** How many rooms may exist at once on the server. */
  maxRooms: number;
  flood: FloodConfig;
  /** Durable history settings (defaults: HISTORY_DEFAULTS). */
  history?: HistoryConfig;
  /** Password hashing parameters (default: OWASP's scrypt minimum). */
  scrypt?: ScryptParams;
  /** Hashing budget, wrong-password throttles and registration limits (default: DEFAULT_ACCOUNTS_CONFIG). */
  auth?: Partial<Omit<AccountsConfig, 'scrypt'>>;
  /**
   * Cluster mode: deliver each conversation's messages in seq order, holding one that
   * arrives ahead of a hole for at most this long before reading the missing ones from the
   * store (src/core/sequencer.ts). Absent: delivered as they arrive (one node).
   */
  reorderMs?: number;
  /** Folded account names of the server administrators (moderation.ts; default: none). */
  admins?: readonly string[];
  /** Entries per ban/exception/invite/mute list and pending invites per room (default DEFAULT_MAX_LIST_ENTRIES). */
  maxListEntries?: number;
  /**
   * Large rooms (delivery.ts; default ANNOUNCE_DEFAULTS): above `announceMax` members, JSON
   * sessions get a `room_members` summary per `summaryMs` instead of each join and leave;
   * `announceMax` is also the default page of member and user lists.
   */
  announce?: AnnounceConfig;
  /** Edits, reactions and threads (default MESSAGES_DEFAULTS). */
  messages?: MessagesConfig;
}

/** Limits of the message features (config `messages.*`, docs/config.md). */
export interface MessagesConfig {
  /** How long after sending its author may edit a message, in seconds; 0: never. */
  editWindowSeconds: number;
  /** How long previous versions of an edited message are kept for moderators, in days. */
  editRetentionDays: number;
  /** Previous versions kept per message at most (the newest ones). */
  editVersionsMax: number;
  /** Different emoji one message may carry. */
  reactionsPerMessage: number;
  /** Replies a reply chain may be deep below its root. */
  threadMaxDepth: number;
}

export const MESSAGES_DEFAULTS: MessagesConfig = { editWindowSeconds: 3600, editRetentionDays: 30, editVersionsMax: 20, reactionsPerMessage: 20, threadMaxDepth: 10 };

export interface HistoryConfig {
  /** Messages a join (or opening a DM with `history`) returns by default. */
  onJoin: number;
  /** Most messages one `history` request returns. */
  pageMax: number;
  /** Most missed messages sent per conversation on resume; beyond it the reply says `gap`. */
  resumeMax: number;
}

export const HISTORY_DEFAULTS: HistoryConfig = { onJoin: 50, pageMax: 200, resumeMax: 500 };

export interface CoreDeps {
  store: MessageStore;
  bus: Bus;
  presence: PresenceStore;
  calc: Calculator;
  clock: Clock;
  log: Logger;
  config: CoreConfig;
  /** Where the core reports counters and latencies (default: no-op). */
  metrics?: CoreMetrics;
  /** Registered accounts; without one, every name is a guest name. */
  accounts?: AccountStore;
  /** Stored moderation state and the audit log (default: in memory). */
  moderation?: ModerationStore;
  /** File sharing (files/service.ts); without it `upload` answers FILES_DISABLED. */
  files?: FileService;
}

/** A conversation-ordered fact (a message or a change to one) with its seq, for the cluster sequencer. */
export interface SequencedFact {
  seq: number;
  fact: Extract<Fact, { kind: 'message' | 'message_update' }>;
}

/**
 * What the store holds of a conversation between two seqs, as facts: its messages, and the
 * messages whose latest change falls in the range as `message_update` facts. A change that a
 * later change of the same message superseded is not returned (the later one carries the
 * state); the sequencer skips its seq.
 */
async function storedSince(store: MessageStore, conv: string, afterSeq: number, beforeSeq: number | undefined, limit: number): Promise<SequencedFact[]> {
  const range = { afterSeq, ...(beforeSeq !== undefined ? { beforeSeq } : {}), limit };
  const [messages, changed] = await Promise.all([store.history(conv, range), store.changes(conv, range)]);
  const out: SequencedFact[] = messages.map((msg) => ({ seq: msg.seq, fact: { kind: 'message', msg } }));
  for (const c of changed) {
    out.push({ seq: c.seq, fact: { kind: 'message_update', update: { type: 'message_update', seq: c.seq, action: c.action, by: c.by, ...(c.emoji !== undefined ? { emoji: c.emoji } : {}), msg: c.msg } } });
  }
  return out.sort((a, b) => a.seq - b.seq).slice(0, limit);
}

export interface ConnInfo {
  id: string;
  name: string | undefined;
  transport: string;
  remote: string;
  connectedAt: number;
  rooms: string[];
  queuedBytes: number;
}

export class ChatCore {
  readonly dir = new Directory();
  readonly deps: CoreDeps;
  readonly metrics: CoreMetrics;
  readonly accounts: Accounts;
  readonly history: HistoryConfig;
  readonly moderation: ModerationStore;
  readonly maxListEntries: number;
  /** Server bans in force (from the store at `restore`, then from facts). */
  serverBans: ServerBan[] = [];
  /** Folded accounts made admins with `banter admin grant` (the moderation store), besides config `admins`. */
  grantedAdmins: string[] = [];
  private readonly conns = new Map<string, Conn>();
  readonly delivery: Delivery;
  /** Cluster mode only: per-conversation seq order (see CoreConfig.reorderMs). */
  readonly sequencer: ConversationSequencer<SequencedFact> | undefined;
  private readonly names: NameBinding;
  private readonly applyTarget: ApplyTarget;
  /** What every running command shares (command-run.ts). */
  private readonly runHost: RunHost;
  private readonly unsubscribe: () => void;
  private summaryTimer: NodeJS.Timeout | undefined;

  constructor(deps: CoreDeps) {
    this.deps = deps;
    this.accounts = new Accounts(deps.accounts ?? NO_ACCOUNTS, deps.clock, { ...DEFAULT_ACCOUNTS_CONFIG, ...deps.config.auth, scrypt: deps.config.scrypt ?? OWASP_SCRYPT });
    this.history = deps.config.history ?? HISTORY_DEFAULTS;
    this.metrics = deps.metrics ?? noopMetrics;
    this.moderation = deps.moderation ?? new MemoryModeration();
    this.maxListEntries = deps.config.maxListEntries ?? DEFAULT_MAX_LIST_ENTRIES;
    this.delivery = new Delivery(this.metrics, deps.config.announce ?? ANNOUNCE_DEFAULTS);
    this.names = new NameBinding({
      dir: this.dir, presence: deps.presence, local: this.delivery.local, clock: deps.clock, log: deps.log,
      nodeId: () => this.nodeId, permanentRooms: deps.config.permanentRooms,
      attached: (id) => this.conns.has(id), emit: (f) => this.emit(f), loggedIn: () => this.logSummary(),
    });
    this.runHost = {
      core: this, delivery: this.delivery, names: this.names, metrics: this.metrics, log: deps.log,
      serverBanOf: (remote, account) => this.serverBanOf(remote, account),
      attached: (id) => this.conns.has(id),
    };
    this.applyTarget = {
      dir: this.dir, delivery: this.delivery, metrics: this.metrics, clock: deps.clock,
      isPermanent: (r) => this.isPermanent(r), userInfo: (u) => this.userInfo(u),
      maxListEntries: this.maxListEntries,
      serverBan: (mask, on, by, reason) => this.applyServerBan(mask, on, by, reason),
      serverAdmin: (account, on) => {
        this.grantedAdmins = on ? [...new Set([...this.grantedAdmins, account])] : this.grantedAdmins.filter((a) => a !== account);
      },
      kill: (name, by, reason) => {
        const conn = this.delivery.local.get(foldName(name));
        if (!conn) return;
        this.deps.log.info({ conn: conn.session.id, name, by, reason }, 'killed by an admin');
        conn.session.close(`Killed (${by} (${reason}))`, 'kicked');
      },
    };
    for (const r of deps.config.permanentRooms) this.dir.rooms.set(foldName(r), { name: r, folded: foldName(r), topic: '', members: new PagedSet(), creator: '' });
    this.sequencer = deps.config.reorderMs === undefined ? undefined : new ConversationSequencer<SequencedFact>({
      deliver: (e) => applyFact(this.applyTarget, e.fact), reorderMs: deps.config.reorderMs, log: deps.log, fetchMax: this.history.resumeMax,
      fetch: (conv, afterSeq, beforeSeq, limit) => storedSince(deps.store, conv, afterSeq, beforeSeq, limit),
    });
    this.unsubscribe = deps.bus.subscribe((fact) => this.apply(fact));
  }

  /**
   * Loads stored moderation state: registered rooms (settings, lists, roles; moderation.ts)
   * and server bans. Call once before accepting connections.
   */
  async restore(): Promise<void> {
    await this.reloadServerState();
    for (const rec of await this.moderation.rooms()) {
      const folded = foldName(rec.name);
      if (this.dir.rooms.has(folded) && this.dir.rooms.get(folded)!.members.size > 0) continue;
      const room: RoomEntry = this.dir.rooms.get(folded) ?? { name: rec.name, folded, topic: '', members: new PagedSet(), creator: '' };
      restoreRoom(room, rec);
      if (isRegistered(room) || this.isPermanent(room)) this.dir.rooms.set(folded, room);
    }
  }

  /**
   * Re-reads server bans and granted admins from the moderation store (at start, and in
   * cluster mode after a bus gap, when facts may have been lost); local users a new ban
   * matches are disconnected.
   */
  async reloadServerState(): Promise<void> {
    const [bans, admins] = await Promise.all([this.moderation.serverBans(), this.moderation.admins()]);
    this.grantedAdmins = admins;
    const added = bans.filter((b) => !this.serverBans.some((x) => x.mask === b.mask));
    this.serverBans = bans.filter((b) => !added.includes(b));
    for (const b of added) this.applyServerBan(b.mask, true, b.by, b.reason, b.at);
  }

  /** Whether the user is a server administrator (config `admins`, or granted with `banter admin grant`). */
  isAdmin(user: UserEntry | undefined): boolean {
    return isAdmin(this.deps.config.admins, user) || isAdmin(this.grantedAdmins, user);
  }

  /**
   * Marks a registered account as a server administrator, or unmarks it (`banter admin
   * grant|revoke`): stored in the moderation store, audited, and applied on every node by a
   * `server_admin` fact. Accounts listed in config `admins` stay admins whatever is stored.
   * Resolves with the granted list; rejects NO_SUCH_ACCOUNT for a name that is not registered.
   */
  async setAdmin(account: string, on: boolean, actor: string): Promise<string[]> {
    const folded = foldName(account.trim());
    if (on && (folded === '' || !(await this.accounts.get(folded)))) throw new ChatError('NO_SUCH_ACCOUNT', `"${account}" is not a registered account`);
    const stored = await this.moderation.admins();
    if (on && !stored.includes(folded) && stored.length >= this.maxListEntries) throw new ChatError('LIST_FULL', 'the list of granted admins is full');
    if (stored.includes(folded) !== on) await this.moderation.appendAudit({ ts: this.deps.clock.now(), actor, action: on ? 'admin_grant' : 'admin_revoke', target: folded });
    const next = await this.moderation.updateAdmins((list) => (on ? [...new Set([...list, folded])] : list.filter((a) => a !== folded)));
    this.emit({ kind: 'server_admin', account: folded, on });
    return next;
  }

  /** How many online users are server administrators (IRC LUSERS 252), without a pass over every user. */
  onlineAdmins(): number {
    let n = 0;
    for (const a of new Set([...(this.deps.config.admins ?? []), ...this.grantedAdmins])) n += this.dir.usersOfAccount(a);
    return n;
  }

  /** The server ban matching a connection (its address) or an account, if any. */
  serverBanOf(remote: string, account: string | undefined): ServerBan | undefined {
    const ip = remoteIp(remote);
    return this.serverBans.find((b) => (b.mask.startsWith('$a:') ? account !== undefined && foldName(account) === b.mask.slice(3) : ipInRange(ip, b.mask)));
  }

  private applyServerBan(mask: string, on: boolean, by: string, reason: string, at = this.deps.clock.now()): void {
    this.serverBans = this.serverBans.filter((b) => b.mask !== mask);
    if (!on) return;
    this.serverBans.push({ mask, by, at, reason });
    for (const conn of [...this.delivery.local.values()]) {
      const user = conn.user ? this.dir.users.get(conn.user) : undefined;
      if (this.serverBanOf(conn.session.remote, user?.account) === undefined) continue;
      this.deps.log.info({ conn: conn.session.id, mask, by }, 'disconnected by a server ban');
      conn.session.close(`Banned from the server (${reason})`, 'kicked');
    }
  }

  get nodeId(): string {
    return this.deps.bus.nodeId;
  }

  // ------------------------------------------------------------------ connection lifecycle

  attach(session: Session): void {
    // Every field from the start (held too): one set later would move them out of the object.
    this.conns.set(session.id, { session, user: undefined, loggingIn: false, flood: new FloodGuard(this.deps.config.flood, this.deps.clock.now()), held: undefined });
    this.deps.log.info({ conn: session.id, transport: session.transport, remote: session.remote }, 'connected');
    this.logSummary();
  }

  /** Forgets a connection; announces the user's departure if it had logged in. Idempotent. */
  detach(sessionId: string, reason: string): void {
    const conn = this.conns.get(sessionId);
    if (!conn) return;
    this.conns.delete(sessionId);
    const { session } = conn;
    const name = conn.user ? this.dir.users.get(conn.user)?.name : undefined;
    if (conn.user) {
      const folded = conn.user;
      conn.user = undefined;
      this.delivery.local.delete(folded);
      this.emit({ kind: 'user_offline', name: name ?? folded, reason });
      this.deps.presence.release(folded, this.names.owner(session)).catch((err: unknown) => this.deps.log.error({ err }, 'presence release failed'));
    }
    this.deps.log.info({ conn: session.id, name, transport: session.transport, remote: session.remote, reason }, 'disconnected');
    this.metrics.disconnect(session.transport, reason);
    this.logSummary();
  }

  /**
   * Runs one request for a connection. Resolves with the reply data or rejects with a
   * ChatError; never throws. Not an async function: a channel message waits in its command for
   * the store's commit, and a suspended frame here would keep its registers meanwhile
   * (command-run.ts).
   */
  execute<T extends RequestType>(session: Session, req: Extract<ClientRequest, { type: T }>): Promise<ReplyData[T]> {
    const conn = this.conns.get(session.id);
    if (!conn) return Promise.reject(new ChatError('INTERNAL', 'connection is closed'));
    let wait: number;
    try {
      wait = this.throttle(conn, req.type);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (wait === 0) return this.start(conn, req);
    return new Promise((resolve) => setTimeout(resolve, wait)).then(() => {
      // The connection may have gone while the request waited its turn.
      if (!this.conns.has(conn.session.id)) throw new ChatError('INTERNAL', 'connection closed');
      return this.start(conn, req);
    });
  }

  private start<T extends RequestType>(conn: Conn, req: Extract<ClientRequest, { type: T }>): Promise<ReplyData[T]> {
    const command = COMMANDS[req.type] as unknown as Command<T>;
    if (command.needsLogin && !conn.user) return Promise.reject(new ChatError('NOT_LOGGED_IN'));
    const user = conn.user ? this.dir.users.get(conn.user) : undefined;
    return new CommandRun(this.runHost, conn, user, req.type).start(command, req);
  }

  /**
   * Charges a frame the transport could not turn into a request (malformed, unknown type)
   * against the connection's budget, so garbage floods are cut off like request floods.
   * Returns false when the frame should be dropped without an answer.
   */
  chargeInvalid(sessionId: string): boolean {
    const conn = this.conns.get(sessionId);
    if (!conn) return false;
    const now = this.deps.clock.now();
    if (conn.flood.requests.reserve(now, 0) >= 0) return true;
    this.metrics.rateLimited(conn.session.transport);
    if (conn.flood.refused(now)) this.dropFlooder(conn);
    return true;
  }

  /**
   * Disconnects with "Excess flood" after the current turn, so that the answers to requests
   * already accepted (and the RATE_LIMITED errors) still reach the client first.
   */
  private dropFlooder(conn: Conn): void {
    this.deps.log.warn({ conn: conn.session.id, remote: conn.session.remote }, 'Excess flood');
    setImmediate(() => conn.session.close('Excess flood', 'flood'));
  }

  /**
   * Flood control (see rate-limit.ts): how long the request waits for its turn (ms, 0: none),
   * or RATE_LIMITED, and a connection that keeps flooding is dropped with "Excess flood".
   */
  private throttle(conn: Conn, type: RequestType): number {
    const { flood } = this.deps.config;
    const now = this.deps.clock.now();
    let wait = conn.flood.requests.reserve(now, flood.maxDelayMs);
    if (wait >= 0 && type === 'calc') {
      const calcWait = conn.flood.calc.reserve(now, flood.maxDelayMs);
      wait = calcWait < 0 ? -1 : Math.max(wait, calcWait);
    }
    if (wait < 0) {
      this.metrics.rateLimited(conn.session.transport);
      if (conn.flood.refused(now)) this.dropFlooder(conn);
      throw new ChatError('RATE_LIMITED', type === 'calc' ? 'slow down: too many calculations' : 'slow down: too many requests');
    }
    return Math.max(0, wait);
  }

  /**
   * Ends one local connection on an operator's request (admin API). The transport says why
   * in its own terms (WebSocket close 4005, IRC KILL); false when no such connection exists.
   */
  disconnect(connId: string, reason: string): boolean {
    const conn = this.conns.get(connId);
    if (!conn) return false;
    this.deps.log.info({ conn: connId, reason }, 'disconnected by operator');
    conn.session.close(reason, 'kicked');
    return true;
  }

  // ------------------------------------------------------------------ views

  connections(): ConnInfo[] {
    return [...this.conns.values()].map((c) => {
      const user = c.user ? this.dir.users.get(c.user) : undefined;
      return {
        id: c.session.id, name: user?.name, transport: c.session.transport, remote: c.session.remote,
        connectedAt: c.session.connectedAt, rooms: user ? [...user.rooms].map((r) => this.dir.rooms.get(r)?.name ?? r) : [],
        queuedBytes: c.session.queuedBytes(),
      };
    });
  }

  userInfo(u: UserEntry): UserInfo {
    return u.presence === 'away'
      ? { name: u.name, presence: u.presence, away: u.away, rooms: u.rooms.size }
      : { name: u.name, presence: u.presence, rooms: u.rooms.size };
  }

  /**
   * One page of the room's members, sorted by folded name with a plain comparison
   * (localeCompare made a 2,000-member #lobby's login reply dominate login time), after the
   * cursor `after`; `limit` defaults to `announceMax`. Complete for rooms up to that size.
   */
  members(room: RoomEntry, after?: string, limit?: number): { members: MemberInfo[]; count: number; next?: string } {
    const page = pageOf(room.members, after, limit ?? this.pageSize);
    const out: MemberInfo[] = [];
    for (const m of page.keys) {
      const u = this.dir.users.get(m);
      if (!u) continue;
      const role = roleOf(room, u);
      out.push(role === undefined ? { name: u.name, presence: u.presence } : isRoomOperator(room, u) ? { name: u.name, presence: u.presence, op: true, role } : { name: u.name, presence: u.presence, role });
    }
    return page.next !== undefined ? { members: out, count: room.members.size, next: page.next } : { members: out, count: room.members.size };
  }

  get pageSize(): number {
    return this.delivery.announce.announceMax;
  }

  /**
   * The room as a login or join reply shows it: the whole member list up to `announceMax`
   * members; of a large room the first `replyMembers` (a first view; `members` pages on).
   */
  roomState(room: RoomEntry): RoomState {
    const { announce } = this.delivery;
    const limit = this.delivery.isLarge(room) ? Math.min(announce.replyMembers ?? REPLY_MEMBERS, announce.announceMax) : undefined;
    return { name: room.name, topic: room.topic, ...this.members(room, undefined, limit) };
  }

  /**
   * The room's newest seq (messages and changes) for a login reply: everything up to it is
   * in the store, and every message or change after it reaches the room's members live. On
   * one node the store is read once per room and the room's facts, applied in commit order,
   * carry it on from there (a login into #lobby then costs no store round trip). In cluster
   * mode facts from other nodes may arrive late, so the store is read every time.
   */
  async roomLastSeq(room: RoomEntry): Promise<number> {
    if (this.sequencer === undefined && room.storedSeq !== undefined) return Math.max(room.storedSeq, room.factSeq ?? 0);
    const stored = await this.deps.store.lastSeq(room.folded);
    if (this.sequencer === undefined) room.storedSeq = Math.max(room.storedSeq ?? 0, stored);
    return Math.max(stored, room.factSeq ?? 0);
  }

  isPermanent(room: RoomEntry): boolean {
    return this.deps.config.permanentRooms.some((r) => foldName(r) === room.folded);
  }

  /** Shuts the core down: every connection is told why and closed. */
  async close(reason: string): Promise<void> {
    for (const conn of [...this.conns.values()]) {
      conn.session.deliver({ type: 'bye', reason });
      conn.session.close(reason, 'shutdown');
    }
    this.unsubscribe();
    this.sequencer?.close();
    this.delivery.close();
    if (this.summaryTimer) clearTimeout(this.summaryTimer);
  }

  // ------------------------------------------------------------------ facts

  /** Applies a fact locally and publishes it to other nodes. */
  emit(fact: Fact): void {
    this.apply(fact);
    this.deps.bus.publish(fact);
  }

  /** Applies a fact to the directory and delivers the resulting event to local sessions (apply.ts). */
  apply(fact: Fact): void {
    if (fact.kind === 'message' && this.sequencer) this.sequencer.push(convKey(fact.msg.from, fact.msg.to), { seq: fact.msg.seq, fact });
    else if (fact.kind === 'message_update' && this.sequencer) this.sequencer.push(convKey(fact.update.msg.from, fact.update.msg.to), { seq: fact.update.seq, fact });
    else applyFact(this.applyTarget, fact);
  }

  /**
   * Logs the connected clients (id + name), like the original server window. Coalesced to
   * at most one line per `summaryIntervalMs` so a burst of connections costs one line, and
   * capped at `summaryMaxEntries` entries so it stays readable with thousands of clients.
   */
  private logSummary(): void {
    if (this.summaryTimer) return;
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = undefined;
      const all = [...this.conns.values()];
      const clients = all.slice(0, SUMMARY_MAX_ENTRIES).map((c) => ({ id: c.session.id, name: c.user ? this.dir.users.get(c.user)?.name ?? null : null }));
      this.deps.log.info({ count: all.length, clients, more: Math.max(0, all.length - clients.length) }, 'clients');
    }, SUMMARY_INTERVAL_MS);
    this.summaryTimer.unref();
  }
}
