/**
 * Latency histogram for the load generator: log-scaled buckets over microseconds, 32 per
 * doubling (each bucket is about 2.2 % wide), from 1 µs to 2^31 µs (about 36 minutes), so no
 * plausible latency falls off the end and a percentile is never clamped to an arbitrary cap.
 * The exact maximum is kept beside the buckets. Histograms from several processes merge by
 * adding their bucket arrays.
 */
export const SUB_BUCKETS = 32;
export const MAX_LOG2 = 31;
export const BUCKETS = SUB_BUCKETS * MAX_LOG2 + 1;

export interface HistogramData {
  buckets: number[];
  count: number;
  maxUs: number;
}

export class Histogram {
  readonly buckets = new Float64Array(BUCKETS);
  count = 0;
  maxUs = 0;

  /** Records one latency in microseconds (negative values, from clock skew, count as 0). */
  record(us: number): void {
    const v = us > 0 ? us : 0;
    this.buckets[bucketOf(v)]!++;
    this.count++;
    if (v > this.maxUs) this.maxUs = v;
  }

  toJSON(): HistogramData {
    return { buckets: Array.from(this.buckets), count: this.count, maxUs: this.maxUs };
  }

  static merge(parts: HistogramData[]): Histogram {
    const h = new Histogram();
    for (const p of parts) {
      for (let i = 0; i < BUCKETS; i++) h.buckets[i]! += p.buckets[i] ?? 0;
      h.count += p.count;
      if (p.maxUs > h.maxUs) h.maxUs = p.maxUs;
    }
    return h;
  }

  /** The upper edge, in µs, of the bucket holding quantile `q` (0 < q ≤ 1); NaN when empty. */
  quantileUs(q: number): number {
    if (this.count === 0) return NaN;
    const target = Math.max(1, Math.ceil(this.count * q));
    let acc = 0;
    for (let i = 0; i < BUCKETS; i++) {
      acc += this.buckets[i]!;
      if (acc >= target) return Math.min(upperEdgeUs(i), this.maxUs);
    }
    return this.maxUs;
  }
}

/** Bucket 0 holds [0, 1) µs; bucket i ≥ 1 holds [2^((i-1)/32), 2^(i/32)) µs. */
export function bucketOf(us: number): number {
  if (us < 1) return 0;
  const i = Math.floor(Math.log2(us) * SUB_BUCKETS) + 1;
  return i >= BUCKETS ? BUCKETS - 1 : i;
}

export function upperEdgeUs(i: number): number {
  return i === 0 ? 1 : 2 ** (i / SUB_BUCKETS);
}

/** Monotonic clock in µs shared by every process on the machine (CLOCK_MONOTONIC), unlike performance.now(). */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
