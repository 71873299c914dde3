/**
 * Test helpers: a real server on port 0 and a raw WebSocket test client that records every
 * frame, so tests assert exactly what went over the wire. No fixed sleeps: waitFor polls
 * received events with a deadline.
 */
import { WebSocket as WsClient } from 'ws';
import { startApp, type App, type AppOptions } from '../../src/server/app.ts';
import { loadConfig, type ConfigKey } from '../../src/server/config.ts';
import { silentLogger } from '../../src/server/logger.ts';
import type { ArgsOf, ReplyData, RequestType, ServerEvent } from '../../src/protocol/index.ts';

export async function startTestServer(overrides: Partial<Record<ConfigKey, unknown>> = {}, opts: Partial<AppOptions> = {}): Promise<App> {
  // Flood control is generous here so that functional tests can fire requests freely;
  // test/abuse.test.ts sets the production defaults back where it tests them. One warm
  // calculator worker: a cold one can take longer to start on a loaded machine than the
  // helpers wait for a reply (test/calc.test.ts covers workers started on demand).
  const config = loadConfig({ overrides: { host: '127.0.0.1', port: 0, 'irc.port': 0, 'irc.floodRate': 0, 'calc.workers': 1, 'calc.warmWorkers': 1, 'flood.burst': 10_000, 'flood.calcBurst': 10_000, store: 'memory', ...overrides } });
  return startApp(config, { log: silentLogger(), ...opts });
}

export function wsUrl(app: App): string {
  return `ws://127.0.0.1:${app.port}/ws`;
}

export class ReplyError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

let counter = 0;

export class TestClient {
  readonly events: ServerEvent[] = [];
  readonly ws: WebSocket;
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.onmessage = (e: MessageEvent) => {
      this.events.push(JSON.parse(String(e.data)) as ServerEvent);
      this.wake();
    };
    ws.onclose = (e: CloseEvent) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake();
    };
  }

  /**
   * Connects and waits for the server's hello. `localAddress` (e.g. 127.0.0.2) makes the
   * connection come from another loopback address, for per-address limits.
   */
  static async open(url: string, opts: { localAddress?: string } = {}): Promise<TestClient> {
    const ws = opts.localAddress === undefined ? new WebSocket(url) : new WsClient(url, { localAddress: opts.localAddress }) as unknown as WebSocket;
    const c = new TestClient(ws);
    await c.waitFor((e) => e.type === 'hello');
    return c;
  }

  /** Connects and logs in. */
  static async login(app: App, name: string): Promise<TestClient> {
    const c = await TestClient.open(wsUrl(app));
    await c.request('login', { name });
    return c;
  }

  sendRaw(data: string | object): void {
    this.ws.send(typeof data === 'string' ? data : JSON.stringify(data));
  }

  /** Sends a request and resolves with its reply data, or rejects with ReplyError. */
  async request<T extends RequestType>(type: T, args: ArgsOf<T>, id = `t${++counter}`): Promise<ReplyData[T]> {
    this.sendRaw({ type, id, ...args });
    const ev = await this.waitFor((e) => (e.type === 'reply' || e.type === 'error') && e.id === id);
    if (ev.type === 'error') throw new ReplyError(ev.code, ev.message);
    return (ev as unknown as { data: ReplyData[T] }).data;
  }

  /** The first received event matching `pred` (already received or arriving within timeoutMs). */
  async waitFor<E extends ServerEvent = ServerEvent>(pred: (e: ServerEvent) => boolean, timeoutMs = 15_000): Promise<E> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found) return found as E;
      if (this.closed) throw new Error(`connection closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting; received: ${JSON.stringify(this.events.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  async waitClosed(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for close');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    return this.closed;
  }

  of<T extends ServerEvent['type']>(type: T): Extract<ServerEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<ServerEvent, { type: T }>[];
  }

  /** Proves the absence of something: a ping round trip after it guarantees earlier events have arrived. */
  async sync(): Promise<void> {
    await this.request('ping', {});
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
