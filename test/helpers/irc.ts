/**
 * A raw IRC test client over TCP: records every line exactly as received (without CRLF) so
 * tests assert the wire. No fixed sleeps: waits poll the received lines with a deadline, and
 * `sync` proves the absence of a line with a PING round trip (replies come in order).
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { App } from '../../src/server/app.ts';

export const SERVER = 'banter.local';

export class IrcClient {
  readonly lines: string[] = [];
  readonly socket: Socket;
  /** Raw bytes received, to check byte-level properties. */
  readonly raw: Buffer[] = [];
  closed = false;
  /** Answer server PINGs automatically (like a real client). */
  autoPong = false;
  private buf = '';
  private waiters: (() => void)[] = [];
  private syncs = 0;
  /** Index of the first line not yet consumed by `next`. */
  private cursor = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.raw.push(d);
      this.buf += d.toString('utf8');
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) !== -1) {
        const line = this.buf.slice(0, i);
        this.lines.push(line);
        if (this.autoPong && line.startsWith('PING ')) this.send(`PONG ${line.slice(5)}`);
        this.buf = this.buf.slice(i + 2);
      }
      this.wake();
    });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => { /* close follows */ });
  }

  /** Connects to 127.0.0.1, from `localAddress` when given (another loopback address, for per-address limits). */
  static connect(port: number, localAddress?: string): Promise<IrcClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1', ...(localAddress !== undefined ? { localAddress } : {}) }, () => resolve(new IrcClient(s)));
      s.once('error', reject);
    });
  }

  /** Connects with TLS, trusting `ca` (a PEM certificate). */
  static connectTls(port: number, ca: Buffer): Promise<IrcClient> {
    return new Promise((resolve, reject) => {
      const s = connectTls({ port, host: '127.0.0.1', ca, servername: 'localhost' }, () => resolve(new IrcClient(s)));
      s.once('error', reject);
    });
  }

  /** Connects, registers with NICK/USER (after CAP REQ when caps are given) and waits for the end of the welcome burst. */
  static async register(app: App, nick: string, caps: string[] = []): Promise<IrcClient> {
    const c = await IrcClient.connect(app.ircPort!);
    if (caps.length) {
      c.send('CAP LS 302');
      c.send(`CAP REQ :${caps.join(' ')}`);
      await c.waitLine(/ CAP \S+ ACK /);
      c.send('CAP END');
    }
    c.send(`NICK ${nick}`);
    c.send(`USER ${nick.toLowerCase().slice(0, 8)} 0 * :Real ${nick}`);
    await c.waitLine(/ (376|422) /);
    await c.sync();
    c.skip();
    return c;
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The first line matching `re` (already received or arriving within timeoutMs). */
  async waitLine(re: RegExp, timeoutMs = 15_000): Promise<string> {
    return this.until(() => this.lines.find((l) => re.test(l)), timeoutMs, `a line matching ${re}`);
  }

  /** Lines received since the last `skip`/`take`, once `re` matches one of them; consumes up to and including it. */
  async take(re: RegExp, timeoutMs = 15_000): Promise<string[]> {
    const idx = await this.until(() => {
      const i = this.lines.findIndex((l, k) => k >= this.cursor && re.test(l));
      return i === -1 ? undefined : i;
    }, timeoutMs, `a line matching ${re}`);
    const out = this.lines.slice(this.cursor, idx + 1);
    this.cursor = idx + 1;
    return out;
  }

  /** Lines not yet consumed, consuming them. */
  rest(): string[] {
    const out = this.lines.slice(this.cursor);
    this.cursor = this.lines.length;
    return out;
  }

  /** Marks every line received so far as consumed. */
  skip(): void {
    this.cursor = this.lines.length;
  }

  /** Round trip: every line the server sent before answering this PING has arrived. Consumes the PONG. */
  async sync(): Promise<void> {
    const token = `sync${++this.syncs}`;
    this.send(`PING ${token}`);
    const re = new RegExp(` PONG \\S+ :?${token}$`);
    await this.waitLine(re);
    const i = this.lines.findIndex((l) => re.test(l));
    this.lines.splice(i, 1);
  }

  /** Sends a command and returns every line it produced (sync after it). */
  async command(line: string): Promise<string[]> {
    this.skip();
    this.send(line);
    await this.sync();
    return this.rest();
  }

  async waitClosed(timeoutMs = 15_000): Promise<void> {
    await this.until(() => (this.closed ? true : undefined), timeoutMs, 'close');
  }

  close(): void {
    this.socket.destroy();
  }

  private async until<T>(f: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = f();
      if (v !== undefined) return v;
      if (this.closed) throw new Error(`connection closed while waiting for ${what}; last lines: ${JSON.stringify(this.lines.slice(-8))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; last lines: ${JSON.stringify(this.lines.slice(-8))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
