/**
 * The IRC listener: accepts TCP connections, owns the per-node view of IRC identities
 * (username and real name from USER, for masks and WHOIS), and runs the one sweeping timer
 * for registration timeouts, PING/PONG liveness and dropping idle connections' spare state
 * (IrcConnection.compact).
 */
import { FlushScheduler } from '../outbound-queue.ts';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { foldName, type FileRef } from '../../protocol/index.ts';
import type { ChatCore } from '../../core/chat.ts';
import { countAccepted, type ConnLimits } from '../conn-limits.ts';
import { IrcConnection } from './connection.ts';
import { USER_HOST } from './isupport.ts';
import type { Masks } from './translate.ts';

export interface IrcConfig {
  host: string;
  port: number;
  /** Our name as a message source (a hostname-like word with a dot). */
  serverName: string;
  network: string;
  motd: string;
  autoJoinLobby: boolean;
  sendQueueBytes: number;
  readQueueBytes: number;
  pingIntervalMs: number;
  registrationTimeoutMs: number;
  /** Flood control: lines a client may send at once, then lines per second (0: off). */
  floodBurst: number;
  floodRate: number;
  /** Rounds of socket writes, shared with the other listeners so a turn's bytes leave together (absent: a round every turn). */
  flusher?: FlushScheduler;
  historyLimit: number;
  maxRoomsPerUser: number;
  version: string;
  /** Password of OPER (with an admin account); empty or absent: OPER is refused. */
  operPassword?: string;
  /** A second listener speaking TLS (IRC over TLS, usually port 6697). */
  /**
   * `stsDuration`: IRCv3 STS (caps.ts): seconds of the persistence policy the TLS listener
   * advertises; the plain listener points at the TLS port. Negative or absent: no `sts` cap.
   */
  tls?: { port: number; certificate: Certificate; stsDuration?: number };
  /** Absolute signed links to attached files, shown in messages (src/server/files-http.ts). */
  fileLink?: (file: FileRef) => string | undefined;
  /** Accept queue length of the listeners (config `listenBacklog`; Node's default is 511). */
  backlog?: number;
}

/** TLS material that can change under a running server (src/server/tls.ts reloads it on SIGHUP). */
export interface Certificate {
  serverOptions(): { cert: Buffer; key: Buffer };
  /** Keeps the server's certificate in step with reloads. */
  attach(server: TlsServer): void;
}

interface Ident {
  owner: IrcConnection;
  user: string;
  realname: string;
}


export class IrcServer implements Masks {
  readonly core: ChatCore;
  readonly config: IrcConfig;
  readonly createdAt = new Date();
  private readonly net: Server;
  private readonly tlsNet: TlsServer | undefined;
  /** Per-IP connection limits, shared with the other listeners. */
  private readonly limits: ConnLimits | undefined;
  private readonly conns = new Map<string, IrcConnection>();
  private readonly idents = new Map<string, Ident>();
  private sweeper: NodeJS.Timeout | undefined;
  private nextId = 1;
  private registered = 0;
  /** Registered connections with user mode +i (LUSERS, on every registration: a counter, not a pass). */
  private invisible = 0;
  private maxLocal = 0;
  private maxGlobal = 0;
  /** Recently gone nicks for WHOWAS, oldest first, at most WHOWAS_MAX. */
  private readonly whowasLog: WhowasEntry[] = [];
  private readonly whowasSeen = new WeakSet<object>();

  /** Flushes every connection's outbound queue in rounds (one write per socket per round). */
  readonly flusher: FlushScheduler;

  constructor(core: ChatCore, config: IrcConfig, limits?: ConnLimits) {
    this.flusher = config.flusher ?? new FlushScheduler(0);
    this.core = core;
    this.config = config;
    this.limits = limits;
    this.net = createServer((s) => this.onSocket(s));
    if (config.tls) {
      this.tlsNet = createTlsServer({ ...config.tls.certificate.serverOptions(), handshakeTimeout: config.registrationTimeoutMs }, (s) => this.onSocket(s, true));
      this.tlsNet.on('tlsClientError', () => { /* a failed handshake never becomes a connection */ });
      // A handshake in progress holds a per-IP slot from accept (counted on the raw socket);
      // a refused one is dropped before any TLS work.
      if (limits) countAccepted(this.tlsNet, limits, { rate: true, onRefused: 'destroy' });
      config.tls.certificate.attach(this.tlsNet);
    }
  }

  get name(): string {
    return this.config.serverName;
  }

  get size(): number {
    return this.conns.size;
  }

  get port(): number {
    return (this.net.address() as AddressInfo).port;
  }

  /** The TLS port, when TLS is configured. */
  get tlsPort(): number | undefined {
    return this.tlsNet ? (this.tlsNet.address() as AddressInfo).port : undefined;
  }

  async listen(): Promise<void> {
    await listenOn(this.net, this.config.port, this.config.host, this.config.backlog);
    if (this.tlsNet && this.config.tls) {
      try {
        await listenOn(this.tlsNet, this.config.tls.port, this.config.host, this.config.backlog);
      } catch (err) {
        this.net.close();
        throw err;
      }
    }
    // One timer for every connection; its period bounds timeout precision.
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, this.config.pingIntervalMs));
    this.sweeper.unref();
  }

  close(reason: string): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.net.close();
    this.tlsNet?.close();
    for (const c of this.conns.values()) c.close(reason);
  }

  forget(c: IrcConnection): void {
    if (this.conns.delete(c.id) && c.registered) {
      this.registered--;
      if (c.invisible) this.invisible--;
    }
  }

  /** Counts a connection that completed registration (for LUSERS). */
  onRegistered(c: IrcConnection): void {
    this.registered++;
    if (c.invisible) this.invisible++;
    // The peaks of 265/266 count every registration, not only those that asked LUSERS.
    this.peaks(this.registered, this.core.dir.users.size);
  }

  registeredCount(): number {
    return this.registered;
  }

  /** Registered connections with user mode +i (LUSERS). */
  invisibleCount(): number {
    return this.invisible;
  }

  /** User mode +i or -i of a connection (MODE). */
  setInvisible(c: IrcConnection, on: boolean): void {
    if (c.invisible === on) return;
    c.invisible = on;
    if (c.registered && this.conns.get(c.id) === c) this.invisible += on ? 1 : -1;
  }

  /** Online server administrators (LUSERS 252): the admins of the core, whichever transport. */
  operCount(): number {
    return this.core.onlineAdmins();
  }

  /** Highest local and global user counts seen (LUSERS 265/266). */
  peaks(local: number, global: number): { maxLocal: number; maxGlobal: number } {
    this.maxLocal = Math.max(this.maxLocal, local);
    this.maxGlobal = Math.max(this.maxGlobal, global);
    return { maxLocal: this.maxLocal, maxGlobal: this.maxGlobal };
  }

  // ---------------------------------------------------------------- identities

  /**
   * Records the username and real name for `nick`, owned by connection `c`. Done before the
   * core announces the user, so the first JOIN others see has the right mask. Fails when
   * another connection holds the nick's identity (a concurrent registration).
   */
  claimIdent(c: IrcConnection, nick: string, user: string, realname: string): boolean {
    const held = this.idents.get(foldName(nick));
    if (held && held.owner !== c) return false;
    this.idents.set(foldName(nick), { owner: c, user, realname });
    return true;
  }

  renameIdent(c: IrcConnection, from: string, to: string): void {
    const i = this.idents.get(foldName(from));
    if (!i || i.owner !== c) return;
    this.idents.delete(foldName(from));
    this.idents.set(foldName(to), i);
  }

  dropIdent(c: IrcConnection, nick: string | undefined): void {
    if (nick && this.idents.get(foldName(nick))?.owner === c) this.idents.delete(foldName(nick));
  }

  /** Records a nick that quit or was renamed away from; `ev` deduplicates per event object. */
  rememberWhowas(ev: object, nick: string): void {
    if (this.whowasSeen.has(ev)) return;
    this.whowasSeen.add(ev);
    const i = this.ident(nick);
    this.whowasLog.push({ nick, user: i?.user ?? userPart(nick), realname: i?.realname || nick, at: Date.now() });
    if (this.whowasLog.length > WHOWAS_MAX) this.whowasLog.shift();
  }

  /** Newest first. */
  whowas(nick: string, max: number): WhowasEntry[] {
    const f = foldName(nick);
    return this.whowasLog.filter((e) => foldName(e.nick) === f).reverse().slice(0, max);
  }

  /** The local IRC connection of a user, if the user is on this node's IRC listener. */
  connectionOf(name: string): IrcConnection | undefined {
    return this.idents.get(foldName(name))?.owner;
  }

  ident(name: string): Ident | undefined {
    return this.idents.get(foldName(name));
  }

  mask(name: string, alt?: string): string {
    const i = this.idents.get(foldName(name)) ?? (alt ? this.idents.get(foldName(alt)) : undefined);
    return `${name}!~${i?.user ?? userPart(name)}@${USER_HOST}`;
  }

  account(name: string): string | undefined {
    return this.core.dir.user(name)?.account;
  }

  realname(name: string): string {
    return this.idents.get(foldName(name))?.realname || name;
  }

  fileLink(file: FileRef): string | undefined {
    return this.config.fileLink?.(file);
  }

  // ---------------------------------------------------------------- connections

  /** `counted`: the socket already holds its per-IP slot (TLS sockets are counted at accept). */
  private onSocket(socket: Socket, counted = false): void {
    const admission = counted ? undefined : this.limits?.admit(socket, Date.now());
    if (admission && !admission.ok) {
      socket.on('error', () => { /* the peer may already be gone */ });
      socket.end(`ERROR :Closing Link: ${socket.remoteAddress ?? '?'} (${admission.reason})\r\n`);
      return;
    }
    socket.setNoDelay(true);
    const id = `i${this.nextId++}`;
    const conn = new IrcConnection(id, socket, this, Date.now());
    this.conns.set(id, conn);
    this.core.attach(conn);
  }

  private sweep(): void {
    const now = Date.now();
    const { pingIntervalMs, registrationTimeoutMs } = this.config;
    for (const c of this.conns.values()) {
      if (!c.registered) {
        if (now - c.connectedAt > registrationTimeoutMs) c.close('Registration timed out');
        continue;
      }
      if (c.pingSentAt !== 0) {
        // A connection whose reading the server paused cannot have its PONG read: not its fault.
        if (now - c.pingSentAt > pingIntervalMs && !c.readPaused) c.close(`Ping timeout: ${Math.round((now - c.lastActivity) / 1000)} seconds`);
      } else if (now - c.lastActivity > pingIntervalMs) {
        c.ping(now);
      }
      // The same pass lets idle connections drop the state they no longer need.
      c.compact(now);
    }
  }
}

export interface WhowasEntry {
  nick: string;
  user: string;
  realname: string;
  at: number;
}

/** WHOWAS remembers this many departures per node. */
const WHOWAS_MAX = 200;

function listenOn(server: Server, port: number, host: string, backlog: number | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ...(backlog !== undefined ? { backlog } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A username for users without an IRC ident (web, terminal): their name, cut to USERLEN. */
function userPart(name: string): string {
  return name.slice(0, 10);
}
