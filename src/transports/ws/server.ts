/**
 * The WebSocket listener: upgrades HTTP requests on `path`, creates a WsConnection per socket,
 * and runs the single sweeping timer for liveness (ping/pong) and login timeouts.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { LIMITS, PROTOCOL_VERSION } from '../../protocol/index.ts';
import type { ChatCore } from '../../core/chat.ts';
import { WsConnection } from './connection.ts';
import { normalizeIp } from '../../core/ip.ts';
import { ConnLimits, type ConnLimitsConfig } from '../conn-limits.ts';

export interface WsConfig {
  path: string;
  maxPayload: number;
  sendQueueBytes: number;
  pingIntervalMs: number;
  loginTimeoutMs: number;
  /** Origins allowed to connect; empty = only the server's own origin (same host). */
  allowedOrigins: readonly string[];
  limits: ConnLimitsConfig;
}

export class WsListener {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<string, WsConnection>();
  private readonly sweeper: NodeJS.Timeout;
  private lastPing = Date.now();
  private nextId = 1;
  private readonly core: ChatCore;
  private readonly config: WsConfig;
  private readonly serverName: string;
  readonly limits: ConnLimits;

  constructor(http: Server, core: ChatCore, config: WsConfig, serverName: string) {
    this.core = core;
    this.config = config;
    this.serverName = serverName;
    this.limits = new ConnLimits(config.limits);
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
   * Browsers send Origin; a page on another site must not open a socket with the user's
   * cookies or network position (cross-site WebSocket hijacking). Non-browser clients send
   * no Origin and are allowed.
   */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (this.config.allowedOrigins.length > 0) return this.config.allowedOrigins.includes(origin);
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== this.config.path) return refuse(socket, 404, 'Not Found', 'no WebSocket endpoint here');
    if (!this.originAllowed(req)) return refuse(socket, 403, 'Forbidden', 'origin not allowed');
    const admission = this.limits.admit(socket.remoteAddress, Date.now());
    if (!admission.ok) return refuse(socket, 429, 'Too Many Requests', admission.reason);
    socket.once('close', admission.release);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const id = `c${this.nextId++}`;
      const remote = `${normalizeIp(socket.remoteAddress)}:${socket.remotePort ?? 0}`;
      socket.setNoDelay(true);
      const conn = new WsConnection(id, ws, socket, remote, this.core, { sendQueueBytes: this.config.sendQueueBytes }, Date.now());
      this.conns.set(id, conn);
      ws.on('close', () => this.conns.delete(id));
      this.core.attach(conn);
      conn.sendOwn({
        type: 'hello', protocol: PROTOCOL_VERSION, server: this.serverName,
        limits: { nameMaxLength: LIMITS.nameMaxLength, roomMaxLength: LIMITS.roomMaxLength, textMaxLength: LIMITS.textMaxLength, exprMaxLength: LIMITS.exprMaxLength, maxPayload: this.config.maxPayload },
      });
    });
  }

  private sweep(): void {
    const now = Date.now();
    this.limits.sweep(now);
    const pingDue = now - this.lastPing >= this.config.pingIntervalMs;
    if (pingDue) this.lastPing = now;
    for (const c of this.conns.values()) {
      if (!c.loggedIn && now - c.connectedAt > this.config.loginTimeoutMs) {
        c.close('Login timeout', 'login_timeout');
        continue;
      }
      if (!pingDue) continue;
      if (!c.alive) {
        c.close('Ping timeout', 'ping_timeout');
        c.terminate();
        continue;
      }
      c.alive = false;
      c.ping();
    }
  }
}

function refuse(socket: Socket, status: number, text: string, body: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
