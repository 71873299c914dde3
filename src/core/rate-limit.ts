/**
 * Per-connection flood control, transport-agnostic (the WebSocket and IRC transports both
 * go through ChatCore.execute). Modelled on IRC fakelag: a token bucket allows a burst,
 * then a steady rate; a request beyond it is *delayed* until a token would be available, as
 * long as that is within `maxDelayMs`; beyond that it is refused (RATE_LIMITED). A
 * connection that keeps getting refused — `maxRefusals` within `refusalWindowMs` — is
 * disconnected with "Excess flood".
 *
 * The same TokenBucket also paces logins (accounts/service.ts: registrations per address,
 * wrong passwords per account) and new connections per address (transports/conn-limits.ts).
 */
export interface BucketConfig {
  /** Requests allowed at once. */
  burst: number;
  /** Steady requests per second. */
  ratePerSec: number;
}

export interface FloodConfig {
  requests: BucketConfig;
  /** The calculator's own, tighter budget (on top of the request budget). */
  calc: BucketConfig;
  maxDelayMs: number;
  maxRefusals: number;
  refusalWindowMs: number;
}

/**
 * A token bucket that hands out reservations: `reserve(now)` returns how long the caller
 * must wait (0 = now), or -1 when the wait would exceed `maxDelayMs`. Reservations are
 * granted in call order, so delayed requests keep their order.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly config: BucketConfig;

  constructor(config: BucketConfig, now: number) {
    this.config = config;
    this.tokens = config.burst;
    this.last = now;
  }

  reserve(now: number, maxDelayMs: number): number {
    const wait = this.waitMs(now);
    if (wait > maxDelayMs) return -1;
    this.tokens -= 1;
    return wait;
  }

  /** How long until a token is available (0 = one is available now), without taking it. */
  waitMs(now: number): number {
    const { burst, ratePerSec } = this.config;
    this.tokens = Math.min(burst, this.tokens + ((now - this.last) / 1000) * ratePerSec);
    this.last = now;
    // Tokens may go negative: each reservation beyond the burst waits one more interval.
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / ratePerSec) * 1000;
  }
}

export class FloodGuard {
  readonly requests: TokenBucket;
  /** Made on the first calculation: most connections never ask for one. */
  private calcBucket: TokenBucket | undefined;
  /** Times of recent refusals, oldest first; made on the first refusal. */
  private refusals: number[] | undefined;
  private readonly config: FloodConfig;

  constructor(config: FloodConfig, now: number) {
    this.config = config;
    this.requests = new TokenBucket(config.requests, now);
  }

  /** The calculator's bucket; a fresh one is full, as if it had been made with the connection. */
  get calc(): TokenBucket {
    return (this.calcBucket ??= new TokenBucket(this.config.calc, 0));
  }

  /** Records a refusal; true when the connection has now flooded long enough to be dropped. */
  refused(now: number): boolean {
    const refusals = (this.refusals ??= []);
    refusals.push(now);
    const since = now - this.config.refusalWindowMs;
    while (refusals.length > 0 && refusals[0]! < since) refusals.shift();
    return refusals.length >= this.config.maxRefusals;
  }
}
