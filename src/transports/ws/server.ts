/**
 * The WebSocket listener: upgrades HTTP requests on `path`, creates a WsConnection per socket,
 * and runs the single sweeping timer for liveness (ping/pong) and login timeouts.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { LIMITS, PROTOCOL_VERSION } from '../../protocol/index.ts';
import type { ChatCore } from '../../core/chat.ts';
import { CLOSE } from './close-codes.ts';
import { WsConnection } from './connection.ts';

export interface WsConfig {
  path: string;
  maxPayload: number;
  sendQueueBytes: number;
  pingIntervalMs: number;
  loginTimeoutMs: number;
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

  constructor(http: Server, core: ChatCore, config: WsConfig, serverName: string) {
    this.core = core;
    this.config = config;
    this.serverName = serverName;
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
    for (const c of this.conns.values()) c.close(reason, CLOSE.GOING_AWAY);
    this.wss.close();
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== this.config.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const id = `c${this.nextId++}`;
      const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
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
    const pingDue = now - this.lastPing >= this.config.pingIntervalMs;
    if (pingDue) this.lastPing = now;
    for (const c of this.conns.values()) {
      if (!c.loggedIn && now - c.connectedAt > this.config.loginTimeoutMs) {
        c.close('Login timeout', CLOSE.LOGIN_TIMEOUT);
        continue;
      }
      if (!pingDue) continue;
      if (!c.alive) {
        c.close('Ping timeout', CLOSE.PING_TIMEOUT);
        c.terminate();
        continue;
      }
      c.alive = false;
      c.ping();
    }
  }
}
