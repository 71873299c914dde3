/**
 * The WebSocket listener: upgrades HTTP requests on `path`, creates a WsConnection per socket,
 * and runs the single sweeping timer for liveness (ping/pong) and login timeouts.
 */
import { FlushScheduler } from '../outbound-queue.ts';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { LIMITS, PROTOCOL_VERSION } from '../../protocol/index.ts';
import { MESSAGES_DEFAULTS, type ChatCore } from '../../core/chat.ts';
import { WsConnection, type WsLimits } from './connection.ts';
import { frame } from './encode.ts';
import { normalizeIp } from '../../core/ip.ts';
import type { AcceptedSockets, ConnLimits } from '../conn-limits.ts';
import { hostRefusal, originAllowed, rawResponse, requestTarget, type HostPolicy } from '../http-guard.ts';

export interface WsConfig {
  path: string;
  maxPayload: number;
  sendQueueBytes: number;
  /** Received frames not yet run; past half of it reading pauses (transports/inbound-pump.ts). */
  readQueueBytes: number;
  /** Rounds of socket writes, shared with the other listeners so a turn's bytes leave together (absent: a round every turn). */
  flusher?: FlushScheduler;
  pingIntervalMs: number;
  loginTimeoutMs: number;
  /** Origins allowed to connect; empty = only the server's own origin (same host). */
  allowedOrigins: readonly string[];
  /** Host names the listener answers to (DNS-rebinding defence, http.allowedHosts). */
  hosts: HostPolicy;
}

export class WsListener {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<string, WsConnection>();
  private readonly sweeper: NodeJS.Timeout;
  private lastPing = Date.now();
  private nextId = 1;
  /** The hello frame, encoded on the first connection. */
  private hello: Buffer | undefined;
  private readonly core: ChatCore;
  private readonly config: WsConfig;
  private readonly serverName: string;
  readonly limits: ConnLimits;
  private readonly accepted: AcceptedSockets;

  /**
   * `limits` and `accepted`: the per-IP limits, and the listener's accept-time count of its
   * sockets (the concurrency slot is taken there; an upgrade only takes a rate token).
   */
  /** Flushes every connection's outbound queue in rounds (one write per socket per round). */
  private readonly flusher: FlushScheduler;
  /** Shared by every connection of this listener. */
  private readonly connLimits: WsLimits;

  constructor(http: Server, core: ChatCore, config: WsConfig, serverName: string, limits: ConnLimits, accepted: AcceptedSockets) {
    this.flusher = config.flusher ?? new FlushScheduler(0);
    this.core = core;
    this.config = config;
    this.serverName = serverName;
    this.limits = limits;
    this.accepted = accepted;
    this.connLimits = {
      sendQueueBytes: config.sendQueueBytes, readQueueBytes: config.readQueueBytes, maxPayload: config.maxPayload,
      flusher: this.flusher, closed: (c) => { this.conns.delete(c.id); },
    };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayload, perMessageDeflate: false, clientTracking: false });
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    // One timer for every connection; its period bounds login-timeout precision.
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, config.pingIntervalMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.conns.size;
  }

  connection(id: string): WsConnection | undefined {
    return this.conns.get(id);
  }

  close(reason: string): void {
    clearInterval(this.sweeper);
    for (const c of this.conns.values()) c.close(reason, 'shutdown');
    this.wss.close();
  }

  /**
   * Nothing a client sends may throw past this handler: a failure is logged and closes that
   * socket only.
   */
  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', ignoreError);
    try {
      this.upgrade(req, socket, head);
    } catch (err) {
      this.core.deps.log.error({ err, remote: socket.remoteAddress }, 'WebSocket upgrade failed');
      socket.destroy();
    }
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const refusal = this.accepted.refusal(socket);
    if (refusal !== undefined) return refuse(socket, 429, 'Too Many Requests', refusal);
    const url = requestTarget(req.url);
    if (!url) return refuse(socket, 400, 'Bad Request', 'malformed request target');
    if (!this.config.hosts.allowsRequest(req.headers.host, req.url, url)) return refuse(socket, 421, 'Misdirected Request', hostRefusal(req.headers.host));
    if (url.pathname !== this.config.path) return refuse(socket, 404, 'Not Found', 'no WebSocket endpoint here');
    if (!originAllowed(req.headers.origin, req.headers.host, this.config.hosts, this.config.allowedOrigins)) return refuse(socket, 403, 'Forbidden', 'origin not allowed');
    const throttled = this.limits.throttle(socket.remoteAddress, Date.now());
    if (!throttled.ok) return refuse(socket, 429, 'Too Many Requests', throttled.reason);
    // The 101 response and the hello leave in one write: a syscall less per connection
    // (docs/benchmarks.md, "Logins"). The hello is the connection's first frame, so it may
    // bypass the (still empty) outbound queue.
    socket.cork();
    try {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        // The WebSocket handles the socket's errors from here on.
        socket.off('error', ignoreError);
        const id = `c${this.nextId++}`;
        const remote = `${normalizeIp(socket.remoteAddress)}:${socket.remotePort ?? 0}`;
        socket.setNoDelay(true);
        const conn = new WsConnection(id, ws, socket, remote, this.core, this.connLimits, Date.now());
        this.conns.set(id, conn);
        this.core.attach(conn);
        // The same for every connection: encoded once.
        this.hello ??= frame({
          type: 'hello', protocol: PROTOCOL_VERSION, server: this.serverName,
          limits: { nameMaxLength: LIMITS.nameMaxLength, roomMaxLength: LIMITS.roomMaxLength, textMaxLength: LIMITS.textMaxLength, exprMaxLength: LIMITS.exprMaxLength, maxPayload: this.config.maxPayload,
            textMaxLines: LIMITS.textMaxLines, editWindowSeconds: (this.core.deps.config.messages ?? MESSAGES_DEFAULTS).editWindowSeconds },
        });
        socket.write(this.hello);
      });
    } finally {
      socket.uncork();
    }
  }

  private sweep(): void {
    const now = Date.now();
    this.limits.sweep(now);
    const pingDue = now - this.lastPing >= this.config.pingIntervalMs;
    if (pingDue) this.lastPing = now;
    for (const c of this.conns.values()) {
      c.compact();
      if (!c.loggedIn && now - c.connectedAt > this.config.loginTimeoutMs) {
        c.close('Login timeout', 'login_timeout');
        continue;
      }
      if (!pingDue) continue;
      // A connection whose reading the server paused cannot have its pong read: not its fault.
      if (!c.alive && !c.readPaused) {
        c.close('Ping timeout', 'ping_timeout');
        c.terminate();
        continue;
      }
      c.alive = false;
      c.ping();
    }
  }
}

/** Errors of a socket being upgraded: the peer may be gone; 'close' cleans up. */
function ignoreError(): void {
  // nothing to do
}

function refuse(socket: Socket, status: number, text: string, body: string): void {
  socket.end(rawResponse(status, text, body));
}
