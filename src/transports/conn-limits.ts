/**
 * Per-IP connection limits shared by every listener (WebSocket now, IRC too): at most
 * `perIp` concurrent connections, and new connections throttled by a token bucket per IP.
 * Loopback can be exempted (a reverse proxy on the same host connects from there).
 * Buckets of idle addresses are dropped by `sweep()` so the map stays bounded.
 */
import { isLoopback, normalizeIp } from '../core/ip.ts';
import { TokenBucket } from '../core/rate-limit.ts';

export interface ConnLimitsConfig {
  perIp: number;
  connectBurst: number;
  connectRatePerSec: number;
  exemptLoopback: boolean;
}

export type Admission = { ok: true; release: () => void } | { ok: false; reason: string };

export class ConnLimits {
  private readonly open = new Map<string, number>();
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastUsed: number }>();
  private readonly config: ConnLimitsConfig;
  /** Counters for metrics. */
  readonly stats = { refusedPerIp: 0, refusedRate: 0 };

  constructor(config: ConnLimitsConfig) {
    this.config = config;
  }

  admit(rawIp: string | undefined, now: number): Admission {
    const ip = normalizeIp(rawIp);
    if (this.config.exemptLoopback && isLoopback(ip)) return { ok: true, release: () => undefined };
    const count = this.open.get(ip) ?? 0;
    if (count >= this.config.perIp) {
      this.stats.refusedPerIp++;
      return { ok: false, reason: `too many connections from ${ip} (limit ${this.config.perIp})` };
    }
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
    this.open.set(ip, count + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.open.get(ip) ?? 1) - 1;
        if (n <= 0) this.open.delete(ip);
        else this.open.set(ip, n);
      },
    };
  }

  /** Forgets rate buckets of addresses idle long enough to have refilled completely. */
  sweep(now: number): void {
    const full = (this.config.connectBurst / this.config.connectRatePerSec) * 1000;
    for (const [ip, e] of this.buckets) if (now - e.lastUsed > full) this.buckets.delete(ip);
  }
}
