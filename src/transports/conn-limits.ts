/**
 * Per-IP connection limits shared by every listener (HTTP, WebSocket, IRC, IRC over TLS): at
 * most `perIp` concurrent connections, and new connections throttled by a token bucket per IP.
 * Loopback can be exempted (a reverse proxy on the same host connects from there).
 * Buckets of idle addresses are dropped by `sweep()` so the map stays bounded.
 *
 * Sockets count from the moment they are accepted (`countAccepted`), not from a later
 * milestone: an HTTP keep-alive socket that never upgrades and a TLS handshake in progress
 * hold a slot as much as a chat connection does.
 */
import type { Server, Socket } from 'node:net';
import { isLoopback, normalizeIp } from '../core/ip.ts';
import { TokenBucket } from '../core/rate-limit.ts';

const ADMITTED = { ok: true } as const;

export interface ConnLimitsConfig {
  perIp: number;
  connectBurst: number;
  connectRatePerSec: number;
  exemptLoopback: boolean;
}

export type Admission = { ok: true } | { ok: false; reason: string };

/** The address key a socket holds a concurrency slot under, until its 'close' (see `admit`). */
const kHeld = Symbol('banter.connLimits.held');
type Held = Socket & { [kHeld]?: string };

export class ConnLimits {
  private readonly open = new Map<string, number>();
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastUsed: number }>();
  private readonly config: ConnLimitsConfig;
  /** Counters for metrics. */
  readonly stats = { refusedPerIp: 0, refusedRate: 0 };
  /**
   * One 'close' listener for every socket this instance admitted: it releases the slot named
   * by the socket's own `kHeld` key, so an open socket costs a string reference, not a closure,
   * its context and a `once` wrapper (docs/benchmarks.md, "Idle connection memory").
   */
  private readonly releaseOnClose: (this: Held) => void;

  constructor(config: ConnLimitsConfig) {
    this.config = config;
    const open = this.open;
    this.releaseOnClose = function (this: Held): void {
      const ip = this[kHeld];
      if (ip === undefined) return;
      this[kHeld] = undefined;
      const n = (open.get(ip) ?? 1) - 1;
      if (n <= 0) open.delete(ip);
      else open.set(ip, n);
    };
  }

  /**
   * Takes a concurrency slot for a new connection on `socket` (from its remote address),
   * held until the socket closes, and (unless `rate` is false) a token of the address's
   * new-connection bucket. Plain HTTP sockets take no token: one page load opens several,
   * and the WebSocket upgrade on such a socket is throttled by `throttle()`.
   */
  admit(socket: Socket, now: number, opts: { rate?: boolean } = {}): Admission {
    const rawIp = socket.remoteAddress;
    const ip = normalizeIp(rawIp);
    if (this.exempt(ip)) return ADMITTED;
    const count = this.open.get(ip) ?? 0;
    if (count >= this.config.perIp) {
      this.stats.refusedPerIp++;
      return { ok: false, reason: `too many connections from ${ip} (limit ${this.config.perIp})` };
    }
    if (opts.rate !== false) {
      const throttled = this.throttle(rawIp, now);
      if (!throttled.ok) return throttled;
    }
    this.open.set(ip, count + 1);
    (socket as Held)[kHeld] = ip;
    socket.on('close', this.releaseOnClose);
    return ADMITTED;
  }

  /** Takes a token of `rawIp`'s new-connection bucket (a WebSocket on an already counted HTTP socket). */
  throttle(rawIp: string | undefined, now: number): { ok: true } | { ok: false; reason: string } {
    const ip = normalizeIp(rawIp);
    if (this.exempt(ip)) return { ok: true };
    let entry = this.buckets.get(ip);
    if (!entry) {
      entry = { bucket: new TokenBucket({ burst: this.config.connectBurst, ratePerSec: this.config.connectRatePerSec }, now), lastUsed: now };
      this.buckets.set(ip, entry);
    }
    entry.lastUsed = now;
    if (entry.bucket.reserve(now, 0) < 0) {
      this.stats.refusedRate++;
      return { ok: false, reason: `connecting too fast from ${ip}` };
    }
    return { ok: true };
  }

  /** Connections `rawIp` holds now (0 for an exempt address). */
  openFrom(rawIp: string | undefined): number {
    return this.open.get(normalizeIp(rawIp)) ?? 0;
  }

  private exempt(ip: string): boolean {
    return this.config.exemptLoopback && isLoopback(ip);
  }

  /** Forgets rate buckets of addresses idle long enough to have refilled completely. */
  sweep(now: number): void {
    const full = (this.config.connectBurst / this.config.connectRatePerSec) * 1000;
    for (const [ip, e] of this.buckets) if (now - e.lastUsed > full) this.buckets.delete(ip);
  }
}

/** Which accepted sockets were refused, and why (see `countAccepted`). */
export interface AcceptedSockets {
  refusal(socket: object): string | undefined;
}

/**
 * Counts every socket `server` accepts against `limits` from accept until it closes
 * (`'connection'` is the raw TCP socket, before any TLS handshake). A refused socket is
 * destroyed at once when `onRefused` is `'destroy'` (TLS: nothing can be said before a
 * handshake, and it is not worth paying for one), or remembered when it is `'answer'` so its
 * first request can be answered 429 (plain HTTP; the socket stays no longer than the
 * listener's header timeout allows).
 */
export function countAccepted(server: Server, limits: ConnLimits, opts: { rate: boolean; onRefused: 'destroy' | 'answer' }): AcceptedSockets {
  const refused = new WeakMap<object, string>();
  server.on('connection', (socket: Socket) => {
    const admission = limits.admit(socket, Date.now(), { rate: opts.rate });
    if (admission.ok) return;
    if (opts.onRefused === 'destroy') socket.destroy();
    else refused.set(socket, admission.reason);
  });
  return { refusal: (socket) => refused.get(socket) };
}
