/**
 * The load-generator driver behind `npm run bench` (bench/load.ts): spreads the clients over
 * worker processes (bench/load-worker.ts), each on its own source address, runs one
 * measurement step per rate and merges what the workers saw.
 *
 * Honest counting: deliveries/s counts only deliveries that *arrived* inside the send window
 * [t0, t0 + duration], divided by the window; later arrivals are reported as late and those
 * that never arrive (after `drainMs`) as lost. Latency is receipt time minus the time the
 * message was due by the schedule, on the machine-wide monotonic clock, into a log-scaled
 * histogram with no cap. Generator CPU is reported so a saturated generator is visible.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Proto, ResultReport, SentReport, WorkerJob } from '../load-worker.ts';
import { LoopMonitor } from '../../src/server/loop-monitor.ts';
import { Histogram, nowUs } from './hist.ts';
import { cpuSeconds, loadAverage, rssMb, runqueueWaitSeconds, writeSyscalls } from './servers.ts';
import { readTasks, summarizeTasks } from './task-timer.ts';

export interface LoadOptions {
  proto: Proto;
  host: string;
  port: number;
  wsPath: string;
  clients: number;
  channels: number;
  /** Senders in all; sender s is in channel s % channels. */
  senders: number;
  size: number;
  procs: number;
  /**
   * The senders get a generator process of their own (with 2 or more processes): their schedule
   * then does not wait behind the reads of hundreds of receivers, whose lateness would count as
   * the server's latency. Off: the clients are split evenly, senders in the first process.
   */
  senderProc?: boolean;
  drainMs: number;
  connectTimeoutMs: number;
  /** PID of the server, for CPU and RSS (omit for a server on another machine or unknown PID). */
  serverPid?: number;
  /** Several servers (cluster nodes on `host`): client i connects to ports[i % n]; `port` is then unused. */
  ports?: number[];
  /** Their PIDs: CPU and RSS are summed over them (instead of serverPid). */
  serverPids?: number[];
  /** Banter's /metrics URL: its event-loop lag (prom-client, reset at each scrape) is read before and after each step. */
  metricsUrl?: string;
  /** The file Banter's task timer writes (bench/lib/task-timer.ts, `load.ts --tasks`): each step reports the synchronous tasks inside its window. */
  tasksFile?: string;
  /** Nick prefix, so several runs against one server do not collide. */
  prefix?: string;
  log?: (line: string) => void;
}

export interface StepResult {
  ratePerSender: number;
  durationS: number;
  /** The send window on the machine's monotonic clock, µs (for bench/profile-summary.ts --window). */
  windowUs: [number, number];
  sent: number;
  expected: number;
  delivered: number;
  inWindow: number;
  late: number;
  lost: number;
  dupes: number;
  stale: number;
  bogus: number;
  acked: number;
  errors: number;
  disconnected: number;
  deliveriesPerSec: number;
  offeredDeliveriesPerSec: number;
  inWindowFraction: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /**
   * measuredMinS: the shortest part of the window any generator process measured its CPU and ELU over.
   * idleLagMs: how late a timer due every 2 ms ran, over the send window, in the tool's own
   * process, which does next to nothing meanwhile (the workers send and receive): the lag any
   * process on the machine had from waiting for a CPU, the floor under the server's loop lag.
   */
  generator: { cpuCoresMax: number; cpuCoresTotal: number; eluMax: number; sendLagP99Ms: number; saturated: boolean; measuredMinS: number; idleLagMs: { p99: number; max: number } };
  /**
   * cpuPct: the server's CPU over the send window. cpuUsPerDelivery: its CPU time from the
   * window's start until every delivery had arrived (or the drain ended), per delivery made:
   * work a loaded server does after the window counts too, so it compares servers and
   * versions at a fixed rate even when a shared machine makes their wall-clock rates noisy.
   * runqueueWaitMsPerSec: how long the server's main thread waited for a CPU per second of the
   * window (schedstat). tasks: with `tasksFile`, the main thread's synchronous tasks inside the
   * window (whole seconds of it), by wall and CPU time (bench/lib/task-timer.ts); workerTasks:
   * the same for the worker threads (the store's), which do not hold up the event loop.
   */
  server?: { cpuPct: number; runqueueWaitMsPerSec?: number; tasks?: ReturnType<typeof summarizeTasks>; workerTasks?: ReturnType<typeof summarizeTasks>; cpuUsPerDelivery: number; rssMbPeak: number; rssMbEnd: number; writeSyscallsPerSec?: number; eventLoopLagMs?: { p99: number; max: number; longestTurn: number; gc: { pauses: number; totalMs: number; over10ms: number; msByKind: Record<string, number> } } };
  loadAvg: string;
  sustainable: boolean;
  verdict: string;
}

interface WorkerHandle { child: ChildProcess; next<T>(): Promise<T> }

const ms = (us: number): number => Math.round(us / 100) / 10;

export class LoadRun {
  private readonly o: LoadOptions;
  private workers: WorkerHandle[] = [];
  private stepNo = 0;
  connectMs = 0;

  constructor(o: LoadOptions) {
    this.o = o;
  }

  /** Forks the workers and waits until every client is connected and in its channel. */
  async connect(): Promise<void> {
    const { o } = this;
    const P = Math.max(1, Math.min(o.procs, 253, o.clients));
    const t0 = Date.now();
    let from = 0;
    const own = o.senderProc === true && P >= 2 && o.senders < o.clients;
    const rest = own ? o.clients - o.senders : o.clients, restP = own ? P - 1 : P;
    for (let i = 0; i < P; i++) {
      const r = own ? i - 1 : i;
      const count = own && i === 0 ? o.senders : Math.floor(rest / restP) + (r < rest % restP ? 1 : 0);
      const job: WorkerJob = {
        proto: o.proto, host: o.host, port: o.port, wsPath: o.wsPath, from, to: from + count, clients: o.clients, channels: o.channels,
        senders: o.senders, size: o.size, drainMs: o.drainMs, localAddress: `127.0.0.${2 + i}`, prefix: o.prefix ?? 'b', connectTimeoutMs: o.connectTimeoutMs,
        ...(o.ports ? { ports: o.ports } : {}),
      };
      from += count;
      // BENCH_GEN_NODE_ARGS: extra node flags for the generator processes only (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile them).
      const genArgs = (process.env.BENCH_GEN_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
      const child = fork(new URL('../load-worker.ts', import.meta.url), [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...genArgs] });
      const queue: unknown[] = [];
      const waiting: { resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];
      let dead: Error | undefined;
      child.on('message', (m) => { const w = waiting.shift(); if (w) w.resolve(m); else queue.push(m); });
      child.once('exit', (code) => {
        dead = new Error(`load worker ${i} exited (${code})`);
        for (const w of waiting.splice(0)) w.reject(dead);
      });
      this.workers.push({
        child,
        next: <T>() => new Promise<T>((resolve, reject) => {
          if (queue.length) resolve(queue.shift() as T);
          else if (dead) reject(dead);
          else waiting.push({ resolve: resolve as (m: unknown) => void, reject });
        }),
      });
    }
    await Promise.all(this.workers.map((w) => w.next()));
    this.connectMs = Date.now() - t0;
  }

  /** One measurement: every sender sends `rate` msg/s for `durationS`, then the workers drain. */
  async step(rate: number, durationS: number): Promise<StepResult> {
    const { o } = this;
    const step = this.stepNo++;
    const durationMs = durationS * 1000;
    const lag0 = o.metricsUrl ? await scrapeLag(o.metricsUrl) : undefined; // resets the server's lag histogram
    const t0Us = nowUs() + 300_000; // all workers start on the same tick of the shared clock
    const pids = o.serverPids ?? (o.serverPid ? [o.serverPid] : []);
    const pid = pids.length > 0;
    const cpuAll = (): number => pids.reduce((a, p) => a + cpuSeconds(p), 0);
    const rssAll = (): number => pids.reduce((a, p) => a + rssMb(p), 0);
    const syscwAll = (): number => pids.reduce((a, p) => a + writeSyscalls(p), 0);
    const rqAll = (): number => pids.reduce((a, p) => a + runqueueWaitSeconds(p), 0);
    let cpu0 = 0, wall0 = 0, rssPeak = 0, syscw0 = 0, rq0 = 0;
    const epoch0 = Date.now() + 300;
    const startTimer = setTimeout(() => { if (pid) { cpu0 = cpuAll(); syscw0 = syscwAll(); rq0 = rqAll(); wall0 = nowUs(); } }, 300);
    const sampler = setInterval(() => { if (pid) rssPeak = Math.max(rssPeak, rssAll()); }, 200);
    // This process's own loop lag over the window: Banter's loop monitor, the same measure as the server's.
    let floor: LoopMonitor | undefined;
    const floorTimer = setTimeout(() => { floor = new LoopMonitor(2); }, 300);
    for (const w of this.workers) w.child.send({ type: 'start', step, t0Us, rate, durationMs });
    const sentReports = await Promise.all(this.workers.map((w) => w.next<SentReport>()));
    clearTimeout(floorTimer);
    const floorStats = floor?.take();
    floor?.close();
    const idleLagMs = { p99: round2(floorStats?.lagMs.p99 ?? 0), max: round2(floorStats?.lagMs.max ?? 0) };
    const cpu1 = pid ? cpuAll() : 0;
    const syscw1 = pid ? syscwAll() : 0;
    const rq1 = pid ? rqAll() : 0;
    const wall1 = nowUs();
    const lag1 = o.metricsUrl ? await scrapeLag(o.metricsUrl) : undefined;
    const lagMs = lag1 && lag0 ? {
      p99: lag1.p99, max: lag1.max, longestTurn: lag1.longestTurn,
      gc: {
        pauses: lag1.gc.count - lag0.gc.count, totalMs: round2(lag1.gc.sumMs - lag0.gc.sumMs), over10ms: lag1.gc.over10 - lag0.gc.over10,
        msByKind: Object.fromEntries(Object.entries(lag1.sumByKind).map(([k, v]) => [k, round2(v - (lag0.sumByKind[k] ?? 0))])),
      },
    } : undefined;
    const sent = new Array<number>(o.senders).fill(0);
    for (const r of sentReports) r.sent.forEach((n, i) => { sent[i]! += n; });
    for (const w of this.workers) w.child.send({ type: 'expect', sent });
    const results = await Promise.all(this.workers.map((w) => w.next<ResultReport>()));
    const cpu2 = pid && wall0 ? cpuAll() : 0;
    clearTimeout(startTimer);
    clearInterval(sampler);
    const rssEnd = pid ? rssAll() : 0;
    // The task timer rewrites its file every 250 ms: by now it holds the whole window.
    const taskBuckets = o.tasksFile ? readTasks(o.tasksFile) : undefined;
    const taskWindow = (b: Parameters<typeof summarizeTasks>[0]): ReturnType<typeof summarizeTasks> => summarizeTasks(b, Math.ceil(epoch0 / 1000), Math.floor((epoch0 + durationMs) / 1000));
    const tasks = taskBuckets ? taskWindow(taskBuckets.main) : undefined;
    const workerTasks = taskBuckets?.workers.length ? taskWindow(taskBuckets.workers) : undefined;

    const lat = Histogram.merge(results.map((r) => r.latency));
    const lag = Histogram.merge(sentReports.map((r) => r.sendLag));
    const sum = (k: keyof Omit<ResultReport, 'type' | 'latency'>): number => results.reduce((a, r) => a + r[k], 0);
    const expected = sum('expected');
    const delivered = sum('unique');
    const inWindow = sum('inWindow');
    const lost = expected - delivered;
    const dupes = sum('dupes');
    const cpuCoresMax = Math.max(...sentReports.map((r) => r.cpuCores));
    const eluMax = Math.max(...sentReports.map((r) => r.elu));
    const sendLagP99Ms = ms(lag.quantileUs(0.99));
    // A generator process near a full core cannot keep its schedule: the step then measures it, not the server.
    // (Send lag alone is no proof: on a shared machine it is mostly waiting for a CPU; it is in the latency anyway.)
    const saturated = cpuCoresMax > 0.9 || eluMax > 0.95;
    const p99 = ms(lat.quantileUs(0.99));
    const inWindowFraction = expected ? inWindow / expected : 0;
    const errors = sum('errors');
    const disconnected = sum('disconnected');
    const problems: string[] = [];
    if (lost > 0) problems.push(`${lost} lost`);
    if (dupes > 0) problems.push(`${dupes} duplicated`);
    if (errors > 0) problems.push(`${errors} errors`);
    if (disconnected > 0) problems.push(`${disconnected} disconnected`);
    if (!(p99 <= 1000)) problems.push(`p99 ${p99} ms > 1000 ms`);
    if (inWindowFraction < 0.95) problems.push(`only ${(inWindowFraction * 100).toFixed(1)} % inside the window`);
    if (expected === 0) problems.push('nothing expected');
    const sustainable = problems.length === 0;
    const membersPerMsg = expected / Math.max(1, sent.reduce((a, b) => a + b, 0));
    return {
      ratePerSender: rate, durationS, windowUs: [t0Us, t0Us + durationMs * 1000], sent: sent.reduce((a, b) => a + b, 0), expected, delivered, inWindow, late: delivered - inWindow, lost, dupes,
      stale: sum('stale'), bogus: sum('bogus'), acked: sum('acked'), errors, disconnected,
      deliveriesPerSec: Math.round(inWindow / durationS),
      offeredDeliveriesPerSec: Math.round(rate * o.senders * membersPerMsg),
      inWindowFraction: Math.round(inWindowFraction * 10000) / 10000,
      latencyMs: { p50: ms(lat.quantileUs(0.5)), p90: ms(lat.quantileUs(0.9)), p99, max: ms(lat.maxUs) },
      generator: { cpuCoresMax: round2(cpuCoresMax), cpuCoresTotal: round2(sentReports.reduce((a, r) => a + r.cpuCores, 0)), eluMax: round2(eluMax), sendLagP99Ms, saturated, measuredMinS: round2(Math.min(...sentReports.map((r) => r.measuredUs)) / 1e6), idleLagMs },
      ...(pid ? { server: { cpuPct: wall0 ? Math.round(((cpu1 - cpu0) / ((wall1 - wall0) / 1e6)) * 100) : NaN, cpuUsPerDelivery: wall0 && delivered > 0 ? round2(((cpu2 - cpu0) * 1e6) / delivered) : NaN, rssMbPeak: Math.round(rssPeak), rssMbEnd: Math.round(rssEnd), ...(wall0 && rq1 ? { runqueueWaitMsPerSec: round2(((rq1 - rq0) * 1000) / ((wall1 - wall0) / 1e6)) } : {}), ...(tasks ? { tasks } : {}), ...(workerTasks ? { workerTasks } : {}), ...(wall0 && syscw1 ? { writeSyscallsPerSec: Math.round((syscw1 - syscw0) / ((wall1 - wall0) / 1e6)) } : {}), ...(lagMs ? { eventLoopLagMs: lagMs } : {}) } } : {}),
      loadAvg: loadAverage(),
      sustainable,
      verdict: sustainable ? (saturated ? 'ok (generator saturated: a lower bound)' : 'ok') : problems.join(', '),
    };
  }

  /**
   * Finds the highest rate per sender that is sustainable: multiplies by `factor` while steps
   * pass, then bisects `refine` times between the last pass and the first failure. Stops at
   * `maxSteps` or when clients were disconnected. Steps where the generator was saturated are
   * marked so in their verdict: their numbers are a lower bound for the server.
   */
  async ramp(startRate: number, factor: number, durationS: number, maxSteps: number, refine = 2): Promise<{ steps: StepResult[]; best?: StepResult }> {
    const steps: StepResult[] = [];
    let best: StepResult | undefined;
    let lo = 0, hi = Infinity, rate = startRate;
    for (let i = 0; i < maxSteps; i++) {
      const r = await this.step(rate, durationS);
      steps.push(r);
      this.o.log?.(`  rate ${rate}/s per sender: ${r.deliveriesPerSec} deliveries/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, gen ${r.generator.cpuCoresMax} cores, server ${r.server?.cpuPct ?? '?'} % CPU (${r.server?.cpuUsPerDelivery ?? '?'} µs per delivery), ${r.server?.rssMbPeak ?? '?'} MB${r.server?.eventLoopLagMs ? `, loop lag p99 ${r.server.eventLoopLagMs.p99} ms, longest turn ${r.server.eventLoopLagMs.longestTurn} ms, GC ${r.server.eventLoopLagMs.gc.totalMs} ms in ${r.server.eventLoopLagMs.gc.pauses} pauses (${r.server.eventLoopLagMs.gc.over10ms} over 10 ms)` : ''}, idle-process lag p99 ${r.generator.idleLagMs.p99} ms — ${r.verdict} (load ${r.loadAvg})`);
      if (r.sustainable) {
        lo = rate;
        if (!best || r.deliveriesPerSec > best.deliveriesPerSec) best = r;
      } else {
        hi = rate;
        if (r.disconnected > 0) break; // clients are gone: later steps would measure fewer of them
      }
      if (hi === Infinity) rate = Math.round(rate * factor);
      else if (refine-- > 0 && hi - lo > Math.max(1, lo * 0.05)) rate = Math.round((lo + hi) / 2);
      else break;
      if (rate <= lo && hi !== Infinity) break;
      if (!r.sustainable) await this.quiet(2000, 120_000); // a failed step can leave a backlog in the server
    }
    return best ? { steps, best } : { steps };
  }

  /** Waits until no bench message has arrived anywhere for `quietMs` (the server's backlog is gone), at most `maxMs`. */
  async quiet(quietMs: number, maxMs: number): Promise<void> {
    const until = Date.now() + maxMs;
    while (Date.now() < until) {
      const last = await Promise.all(this.workers.map((w) => { w.child.send({ type: 'quiet' }); return w.next<{ lastRecvUs: number }>(); }));
      const idleUs = nowUs() - Math.max(...last.map((l) => l.lastRecvUs));
      if (idleUs >= quietMs * 1000) return;
      this.o.log?.(`  waiting for the server's backlog to drain (last delivery ${Math.round(idleUs / 1000)} ms ago)`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      if (w.child.exitCode !== null) return resolve();
      w.child.once('exit', () => resolve());
      w.child.send({ type: 'stop' });
      setTimeout(() => w.child.kill('SIGKILL'), 5000).unref();
    })));
    this.workers = [];
  }
}

/**
 * Event-loop lag p99 and max and the longest loop turn since the previous scrape, in ms (Banter's
 * loop monitor, docs/operations.md), and the GC totals so far (prom-client's cumulative
 * `nodejs_gc_duration_seconds`, all kinds: pauses, their sum, those over 10 ms).
 */
async function scrapeLag(url: string): Promise<{ p99: number; max: number; longestTurn: number; gc: { count: number; sumMs: number; over10: number }; sumByKind: Record<string, number> } | undefined> {
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
    const get = (name: string): number => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
    const total = (re: RegExp): number => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
    const count = total(/^nodejs_gc_duration_seconds_count\{[^}]*\} ([0-9.e+-]+)/gm);
    const under10 = total(/^nodejs_gc_duration_seconds_bucket\{le="0\.01"[^}]*\} ([0-9.e+-]+)/gm);
    const sumByKind: Record<string, number> = {};
    for (const m of text.matchAll(/^nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} ([0-9.e+-]+)/gm)) sumByKind[m[1]!] = Number(m[2]) * 1000;
    return {
      sumByKind,
      p99: round2(get('nodejs_eventloop_lag_p99_seconds')), max: round2(get('nodejs_eventloop_lag_max_seconds')), longestTurn: round2(get('banter_event_loop_longest_turn_seconds')),
      gc: { count, sumMs: total(/^nodejs_gc_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)/gm) * 1000, over10: count - under10 },
    };
  } catch {
    return undefined;
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
