/**
 * Compacting the server's heap at the two moments V8 leaves memory behind: once start-up has
 * settled, and once a busy spell (a login storm, a burst of traffic) has ended and the server
 * has gone idle.
 *
 * V8 keeps the young generation at the size a burst grew it to and leaves the old generation
 * fragmented by what the burst allocated, while the server idles: 19,500 idle IRC connections
 * opened at 1,000/s held 4.0–4.1 KB of RSS each, and 3.6–3.7 KB after one compacting
 * (memory-reducing) full GC (docs/benchmarks.md, "Compacting when idle"). That GC is one
 * synchronous pause (60–160 ms at that size), so it runs only while the event loop is idle and
 * only after the heap has grown since the last one: a busy server never pays it, an idle one
 * pays it once per burst.
 *
 * Needs `--expose-gc`, which bin/banter.js gives `banter serve`; without it (BANTER_NODE_FLAGS
 * without it, in-process tests) nothing happens.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { Logger } from '../core/ports.ts';

/** How long after start-up the heap is compacted once (`compactAfterStart`). */
export const COMPACT_AFTER_START_MS = 1000;
/** How often the idle compactor looks at the event loop and the heap. */
export const IDLE_CHECK_MS = 1000;
/** Event-loop utilisation at or below which a check counts as idle (5 %). */
export const IDLE_UTILISATION = 0.05;

type GcFn = (opts: { type: 'major'; flavor: 'last-resort' }) => void;

/** V8's `gc()` when the process was started with `--expose-gc`, else undefined. */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: GcFn }).gc;
  return typeof gc === 'function' ? () => gc({ type: 'major', flavor: 'last-resort' }) : undefined;
}

/** What one compaction did. */
export interface Compaction {
  reason: 'start' | 'idle';
  heapBefore: number;
  heapAfter: number;
  ms: number;
}

function compact(gc: () => void, heapBytes: () => number, reason: Compaction['reason']): Compaction {
  const heapBefore = heapBytes();
  const t0 = performance.now();
  gc();
  return { reason, heapBefore, heapAfter: heapBytes(), ms: performance.now() - t0 };
}

/**
 * The heap the compactor watches: V8's committed old generation (all spaces but the young one)
 * plus what the young generation holds. The young generation's committed size is left out:
 * any activity after a compaction grows it back to its maximum (4 MiB semi-spaces: 8 MB),
 * which is no reason to compact again; what it holds counts, since on an idle server new
 * objects (a burst's connections) can sit there until the next scavenge.
 */
export function watchedHeapBytes(): number {
  let bytes = 0;
  for (const s of v8.getHeapSpaceStatistics()) bytes += s.space_name === 'new_space' ? s.space_used_size : s.space_size;
  return bytes;
}

/**
 * Once start-up has settled, one compacting full GC: loading the modules left the old
 * generation fragmented and the young generation grown to its maximum (≈ 6 MB of RSS;
 * docs/benchmarks.md, "Idle RSS"). One pause of a few tens of ms, before any client can have
 * connected in most deployments.
 */
export function compactAfterStart(log: Logger, onCompact: (c: Compaction) => void = () => {}, delayMs = COMPACT_AFTER_START_MS): void {
  const gc = exposedGc();
  if (gc === undefined) return;
  const timer = setTimeout(() => {
    const c = compact(gc, () => process.memoryUsage().heapTotal, 'start');
    log.debug({ heapTotalBefore: c.heapBefore, heapTotalAfter: c.heapAfter, ms: Math.round(c.ms) }, 'heap compacted after start-up');
    onCompact(c);
  }, delayMs);
  timer.unref();
}

export interface IdleCompactorOptions {
  /** Checks in a row (one per `IDLE_CHECK_MS`) with the loop idle before compacting. */
  idleChecks: number;
  /** Least growth of the heap (`watchedHeapBytes`), in bytes, over its lowest point since the last compaction. */
  growthBytes: number;
  gc: () => void;
  /** The heap now, in bytes (`watchedHeapBytes`). */
  heapBytes: () => number;
  /** The event loop's utilisation (0–1) since the previous call. */
  utilisation: () => number;
  onCompact: (c: Compaction) => void;
}

/**
 * Decides, one `check()` at a time, when to compact: after `idleChecks` idle checks in a row,
 * if the heap has grown by `growthBytes` over the lowest it was since the previous
 * compaction (so a heap that shrank on its own and grew again counts its growth from the bottom).
 * Pure logic over its inputs; `startIdleCompactor` gives it the real ones and a timer.
 */
export class IdleCompactor {
  private quiet = 0;
  private low: number;
  private readonly opts: IdleCompactorOptions;
  /** Takes the heap's size now as its first low point (before any client can have connected). */
  constructor(opts: IdleCompactorOptions) {
    this.opts = opts;
    this.low = opts.heapBytes();
  }

  /** One check; returns the compaction it made, if any. */
  check(): Compaction | undefined {
    const o = this.opts;
    const busy = o.utilisation() > IDLE_UTILISATION;
    const heap = o.heapBytes();
    if (heap < this.low) this.low = heap;
    if (busy) { this.quiet = 0; return undefined; }
    if (++this.quiet < o.idleChecks || heap - this.low < o.growthBytes) return undefined;
    const c = compact(o.gc, o.heapBytes, 'idle');
    this.low = c.heapAfter;
    this.quiet = 0;
    o.onCompact(c);
    return c;
  }
}

/** Event-loop utilisation since the previous call (Node's counters, no timer of their own). */
export function loopUtilisation(): () => number {
  let prev: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const d = performance.eventLoopUtilization(now, prev);
    prev = now;
    return d.utilization;
  };
}

/**
 * Runs an `IdleCompactor` on a timer (unref'd) that checks every `IDLE_CHECK_MS`; returns its
 * stop function. Nothing when `idleSec` is 0 or gc is not exposed.
 */
export function startIdleCompactor(opts: { idleSec: number; growthMb: number; log: Logger; onCompact?: (c: Compaction) => void }): () => void {
  const gc = exposedGc();
  if (opts.idleSec === 0 || gc === undefined) return () => {};
  const compactor = new IdleCompactor({
    idleChecks: Math.max(1, Math.round((opts.idleSec * 1000) / IDLE_CHECK_MS)),
    growthBytes: opts.growthMb * 1024 * 1024,
    gc,
    heapBytes: watchedHeapBytes,
    utilisation: loopUtilisation(),
    onCompact: (c) => {
      opts.log.info({ heapBefore: c.heapBefore, heapAfter: c.heapAfter, ms: Math.round(c.ms) }, 'heap compacted while idle');
      opts.onCompact?.(c);
    },
  });
  const timer = setInterval(() => compactor.check(), IDLE_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
