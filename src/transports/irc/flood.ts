/**
 * Flood control as IRC servers do it ("fake lag"): a token bucket per connection. A client
 * may send `burst` lines at once, then `rate` lines per second; lines beyond that wait
 * (they are not dropped), so a flooding client slows itself down and, if it keeps going,
 * fills its read queue and is disconnected with "ReadQ exceeded".
 */
export class FloodGate {
  private tokens: number;
  private last: number;
  private readonly burst: number;
  private readonly rate: number;

  /** `rate` 0 disables the gate. */
  constructor(burst: number, rate: number, now: number) {
    this.burst = burst;
    this.rate = rate;
    this.tokens = burst;
    this.last = now;
  }

  /** Whether the gate has refilled completely by `now`, so a fresh one would do the same. */
  full(now: number): boolean {
    return this.rate <= 0 || this.tokens + ((now - this.last) / 1000) * this.rate >= this.burst;
  }

  /** Milliseconds to wait before the next line may run (0: run it now); takes a token. */
  take(now: number): number {
    if (this.rate <= 0) return 0;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }
}
