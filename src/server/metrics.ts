/**
 * Prometheus metrics (prom-client) behind the core's CoreMetrics port. A private Registry
 * (not prom-client's global one) so several servers in one process — the tests — never share
 * counters. docs/operations.md lists every metric; test/ops/metrics.test.ts checks that they
 * move with traffic.
 *
 * Label values are always from closed sets (request/event types, error codes, transport
 * kinds, disconnect buckets), never user input, so the series count stays bounded.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChatCore } from '../core/chat.ts';
import { ChatError } from '../core/errors.ts';
import type { CoreMetrics } from '../core/metrics.ts';
import type { Calculator, MessageDraft, MessageStore } from '../core/ports.ts';
import type { TransportKind } from '../core/session.ts';
import type { ChatEvent, ChatMessage, ErrorCode, RequestType } from '../protocol/index.ts';
import { LoopMonitor } from './loop-monitor.ts';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const CALC_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Disconnect reasons as the transports word them, bucketed into a closed label set. */
export function disconnectBucket(reason: string): string {
  const r = reason.toLowerCase();
  if (/^quit\b/.test(r)) return 'quit';
  if (r.includes('sendq')) return 'sendq';
  if (r.includes('flood')) return 'flood';
  if (r.includes('ping timeout')) return 'ping_timeout';
  if (r.includes('login timeout')) return 'login_timeout';
  if (r.includes('kicked') || r.includes('killed')) return 'kicked';
  if (r.includes('shutting down')) return 'shutdown';
  if (r.includes('lost') || r.includes('reset') || r.includes('error')) return 'lost';
  if (r.includes('too big')) return 'too_big';
  return 'other';
}

export class PromMetrics implements CoreMetrics {
  readonly registry = new Registry();
  private readonly received: Counter<'kind'>;
  private readonly requestErrors: Counter<'kind' | 'code'>;
  private readonly requestSeconds: Histogram<'kind'>;
  private readonly deliveredTotal: Counter<'kind'>;
  private readonly deliverySeconds: Histogram;
  private readonly disconnects: Counter<'transport' | 'reason'>;
  private readonly rateLimits: Counter<'transport'>;
  private readonly readPauses: Counter<'transport'>;
  private readonly calcTotal: Counter<'outcome'>;
  private readonly calcSeconds: Histogram;
  private readonly storeSeconds: Histogram;
  private readonly storeErrors: Counter;
  private readonly heapCompactions: Counter<'reason'>;
  private readonly heapCompactionSeconds: Counter<'reason'>;
  /**
   * Per request type: how many were received (a plain count, handed to prom-client at scrape
   * time by the counter's `collect`) and its duration histogram's label child. prom-client's own
   * `inc` hashes the labels into a new string and returns a new object on every call (about
   * 120 bytes of garbage per request and per fan-out).
   */
  private readonly byKind = new Map<string, { received: number; seconds: { observe(v: number): void } }>();
  /** Events queued to local sessions, by event type: plain counts, handed over at scrape time. */
  private readonly deliveredByKind = new Map<string, number>();
  /** Label-less histograms' observe, bound once (prom-client's `observe(v)` makes a closure and a label object per call). */
  private readonly observeDelivery: (v: number) => void;
  private readonly observeStore: (v: number) => void;
  private readonly loop: LoopMonitor;

  /** `loopResolutionMs`: how often the event-loop monitor samples (src/server/loop-monitor.ts). */
  constructor(version: string, loopResolutionMs = 2) {
    const registers = [this.registry];
    // Heap, RSS, CPU, GC, handles: prom-client's standard process metrics. Its event-loop
    // percentiles are the sampling interval (10 ms) plus the lag, so p99 never reads below
    // ~10 ms: they are replaced, under the same names, by the lag from our own monitor. Its
    // monitor then samples once a second only (its `nodejs_eventloop_lag_seconds`, a
    // setImmediate timed at scrape, stays).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
    this.loop = new LoopMonitor(loopResolutionMs);
    this.observeLoop();
    new Gauge({ name: 'banter_info', help: 'Build information (value is always 1).', labelNames: ['version'], registers }).set({ version }, 1);
    const byKind = this.byKind;
    this.received = new Counter({
      name: 'banter_messages_received_total', help: 'Requests received from clients, by request type (send, calc, join, ...).', labelNames: ['kind'], registers,
      collect() {
        this.reset();
        for (const [kind, c] of byKind) this.inc({ kind }, c.received);
      },
    });
    this.requestErrors = new Counter({ name: 'banter_request_errors_total', help: 'Requests answered with an error, by request type and error code.', labelNames: ['kind', 'code'], registers });
    this.requestSeconds = new Histogram({ name: 'banter_request_duration_seconds', help: 'Time from dispatch to reply, by request type.', labelNames: ['kind'], buckets: LATENCY_BUCKETS, registers });
    const deliveredByKind = this.deliveredByKind;
    this.deliveredTotal = new Counter({
      name: 'banter_messages_delivered_total', help: 'Events queued to local sessions, by event type (one per recipient).', labelNames: ['kind'], registers,
      collect() {
        this.reset();
        for (const [kind, n] of deliveredByKind) this.inc({ kind }, n);
      },
    });
    this.deliverySeconds = new Histogram({ name: 'banter_delivery_latency_seconds', help: 'Chat message store commit to queued for every local recipient (ms resolution).', buckets: LATENCY_BUCKETS, registers });
    this.disconnects = new Counter({ name: 'banter_disconnects_total', help: 'Closed connections by transport and reason (quit, lost, sendq, flood, ping_timeout, login_timeout, kicked, shutdown, too_big, other).', labelNames: ['transport', 'reason'], registers });
    this.readPauses = new Counter({ name: 'banter_read_pauses_total', help: 'Times reading from a connection paused because its requests were waiting for the server (backpressure instead of a disconnect), by transport.', labelNames: ['transport'], registers });
    this.rateLimits = new Counter({ name: 'banter_rate_limited_total', help: 'Requests or frames refused by flood control, by transport.', labelNames: ['transport'], registers });
    this.calcTotal = new Counter({ name: 'banter_calc_evaluations_total', help: 'Calculator evaluations by outcome (ok, error, timeout, busy).', labelNames: ['outcome'], registers });
    this.calcSeconds = new Histogram({ name: 'banter_calc_duration_seconds', help: 'Calculator latency including queueing.', buckets: CALC_BUCKETS, registers });
    this.storeSeconds = new Histogram({ name: 'banter_store_append_duration_seconds', help: 'Message store append (commit) latency.', buckets: LATENCY_BUCKETS, registers });
    this.storeErrors = new Counter({ name: 'banter_store_append_errors_total', help: 'Message store appends that failed.', registers });
    this.heapCompactions = new Counter({ name: 'banter_heap_compactions_total', help: 'Compacting full GCs the server ran by itself, by reason (start: once after start-up; idle: after the heap grew and the loop went idle, memory.idleCompactSec).', labelNames: ['reason'], registers });
    this.heapCompactionSeconds = new Counter({ name: 'banter_heap_compaction_seconds_total', help: 'Time the event loop spent in those compactions (each one pause), by reason.', labelNames: ['reason'], registers });
    this.observeDelivery = this.deliverySeconds.labels().observe;
    this.observeStore = this.storeSeconds.labels().observe;
  }

  // ---------------------------------------------------------------- CoreMetrics

  request(type: RequestType, seconds: number, error: ErrorCode | undefined): void {
    let child = this.byKind.get(type);
    if (!child) {
      child = { received: 0, seconds: this.requestSeconds.labels({ kind: type }) };
      this.byKind.set(type, child);
    }
    child.received++;
    child.seconds.observe(seconds);
    if (error !== undefined) {
      this.requestErrors.inc({ kind: type, code: error });
    }
  }

  delivered(event: ChatEvent['type'], recipients: number): void {
    if (recipients === 0) return;
    this.deliveredByKind.set(event, (this.deliveredByKind.get(event) ?? 0) + recipients);
  }

  deliveryLatency(seconds: number): void {
    this.observeDelivery(seconds);
  }

  disconnect(transport: TransportKind, reason: string): void {
    this.disconnects.inc({ transport, reason: disconnectBucket(reason) });
  }

  rateLimited(transport: TransportKind): void {
    this.rateLimits.inc({ transport });
  }

  /** One compaction of the heap (src/server/heap-compactor.ts). */
  countHeapCompaction(c: { reason: 'start' | 'idle'; ms: number }): void {
    this.heapCompactions.inc({ reason: c.reason });
    this.heapCompactionSeconds.inc({ reason: c.reason }, c.ms / 1000);
  }

  readPaused(transport: TransportKind): void {
    this.readPauses.inc({ transport });
  }

  // ---------------------------------------------------------------- state gauges and adapters

  /** Event-loop lag (how late a timer due every `loopResolutionMs` ran) and the longest turn, since the previous scrape. */
  private observeLoop(): void {
    const stats = ['min', 'mean', 'stddev', 'p50', 'p90', 'p99', 'max'] as const;
    const loop = this.loop;
    const lag: Gauge[] = [];
    // Registered first: a scrape reads metrics in registration order, and this one's collect sets them all.
    new Gauge({
      name: 'banter_event_loop_longest_turn_seconds',
      help: `Longest event-loop turn since the previous scrape: the longest gap between two timer checks, an upper bound (within ${loop.resolutionMs} ms) of the longest synchronous task.`,
      registers: [this.registry],
      collect() {
        const s = loop.take();
        this.set(s.longestTurnMs / 1000);
        stats.forEach((stat, i) => { lag[i]!.set(s.lagMs[stat] / 1000); });
      },
    });
    for (const stat of stats) {
      const name = `nodejs_eventloop_lag_${stat}_seconds`;
      this.registry.removeSingleMetric(name);
      lag.push(new Gauge({ name, help: `Event-loop lag ${stat} since the previous scrape: how late a timer due every ${loop.resolutionMs} ms ran (seconds).`, registers: [this.registry] }));
    }
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.loop.close();
  }

  /** Gauges read from the core at scrape time (nothing to keep in step on the hot path). */
  observeCore(core: ChatCore): void {
    const registers = [this.registry];
    new Gauge({
      name: 'banter_connections', help: 'Open connections on this node, by transport.', labelNames: ['transport'], registers,
      collect() {
        this.reset();
        for (const c of core.connections()) this.inc({ transport: c.transport });
      },
    });
    new Gauge({ name: 'banter_users_online', help: 'Logged-in users (cluster-wide directory).', registers, collect() { this.set(core.dir.users.size); } });
    new Gauge({ name: 'banter_rooms', help: 'Rooms that exist (cluster-wide directory).', registers, collect() { this.set(core.dir.rooms.size); } });
    new Gauge({
      name: 'banter_outbound_queue_bytes', help: 'Bytes queued towards clients on this node: total (stat="sum") and the largest single connection (stat="max").', labelNames: ['stat'], registers,
      collect() {
        let sum = 0;
        let max = 0;
        for (const c of core.connections()) { sum += c.queuedBytes; max = Math.max(max, c.queuedBytes); }
        this.set({ stat: 'sum' }, sum);
        this.set({ stat: 'max' }, max);
      },
    });
  }

  /** Connections refused by the per-IP limits (shared by every listener), read at scrape time. */
  observeConnLimits(limits: { readonly stats: { refusedPerIp: number; refusedRate: number } }): void {
    new Counter({
      name: 'banter_connections_refused_total', help: 'Connections refused by the per-IP limits: too many open (reason="per_ip") or opening too fast (reason="rate").', labelNames: ['reason'], registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ reason: 'per_ip' }, limits.stats.refusedPerIp);
        this.inc({ reason: 'rate' }, limits.stats.refusedRate);
      },
    });
  }

  /** The store, with append latency and failures recorded. Every other member passes through. */
  timeStore<S extends MessageStore>(store: S): S {
    // performance.now(), not prom-client's startTimer: that one makes two closures, two hrtime
    // arrays and a label object per append (about 500 bytes per message).
    // Not an async function: a message waits here for its commit (20–50 ms with SQLite, longer
    // than a scavenge interval), and a suspended async frame keeps its whole register file
    // (448 B per waiting message, `bench/irc-alloc.ts --held`); two small closures keep t0.
    const observe = this.observeStore;
    const errors = this.storeErrors;
    return wrapMethod(store, 'append', (orig) => ((draft: MessageDraft): Promise<ChatMessage> => {
      const t0 = performance.now();
      let p: Promise<ChatMessage>;
      try {
        p = orig(draft) as Promise<ChatMessage>;
      } catch (err) {
        p = Promise.reject(err as Error);
      }
      return p.then((msg) => {
        observe((performance.now() - t0) / 1000);
        return msg;
      }, (err: unknown) => {
        errors.inc();
        observe((performance.now() - t0) / 1000);
        throw err;
      });
    }) as S['append']);
  }

  /** The calculator, with outcome counts and latency recorded. */
  timeCalculator<C extends Calculator>(calc: C): C {
    return wrapMethod(calc, 'evaluate', (orig) => async (expr) => {
      const end = this.calcSeconds.startTimer();
      try {
        const out = await orig(expr);
        this.calcTotal.inc({ outcome: 'ok' });
        return out;
      } catch (err) {
        const code = err instanceof ChatError ? err.code : 'INTERNAL';
        this.calcTotal.inc({ outcome: code === 'CALC_TIMEOUT' ? 'timeout' : code === 'CALC_BUSY' ? 'busy' : 'error' });
        throw err;
      } finally {
        end();
      }
    });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

type Fn = (...args: never[]) => unknown;

/**
 * `target` with one method replaced; a Proxy rather than a wrapper class so adapters that
 * grow extra members (an optional `ping`, a `flush`) keep them without this file changing.
 */
function wrapMethod<T extends object, K extends keyof T>(target: T, name: K, make: (orig: T[K] & Fn) => T[K]): T {
  const orig = (target[name] as T[K] & Fn).bind(target) as T[K] & Fn;
  const replacement = make(orig);
  return new Proxy(target, {
    get(t, p) {
      if (p === name) return replacement;
      const v: unknown = Reflect.get(t, p, t);
      return typeof v === 'function' ? (v as Fn).bind(t) : v;
    },
  });
}
