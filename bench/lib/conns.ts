/**
 * Driver for the connection benchmarks (bench/idle-conns.ts, bench/login-storm.ts): forks
 * bench/conn-worker.ts processes, gives each a share of the connections and of the source
 * addresses 127.0.0.2–254, and reports how many registered, timed out or failed, how long it
 * took, the bytes the clients received, and the server's CPU and RSS. A guard stops the run
 * (and the server, which the benchmark started) if the server's RSS passes `rssLimitMb`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ConnJob, ConnTally } from '../conn-worker.ts';
import { Histogram } from './hist.ts';
import { cpuSeconds, loadAverage, rssMb } from './servers.ts';

export interface ConnOptions {
  proto: 'irc' | 'ws';
  host: string;
  port: number;
  /** Several servers (cluster nodes): connections go round-robin over these ports. */
  ports?: number[];
  wsPath: string;
  conns: number;
  /** Opening rate over all workers, per second; 0: unpaced. */
  ratePerSec: number;
  /** In-flight registrations per worker. */
  concurrency: number;
  procs: number;
  lobby: boolean;
  timeoutMs: number;
  holdMs: number;
  /** Overall bound on the opening phase: workers then report what they have (the rest as unfinished). */
  deadlineMs: number;
  serverPid?: number;
  rssLimitMb: number;
  prefix: string;
  log: (line: string) => void;
  /**
   * Runs once every connection is registered, before the hold (bench/cluster-conns.ts sends
   * a broadcast here); `probe` asks every worker for its open connections, bytes and the
   * `message` events received since login. What it returns is reported as `onHold`.
   */
  onHold?: (probe: () => Promise<Probe>) => Promise<Record<string, unknown>>;
}

export interface Probe {
  open: number;
  bytes: number;
  messages: number;
}

export interface ConnResult {
  conns: number;
  registered: number;
  timedOut: number;
  unfinished: number;
  failed: Record<string, number>;
  allRegisteredMs: number;
  registerMs: { p50: number; p99: number; max: number };
  stillOpenAfterHold: number;
  clientBytesReceived: number;
  bytesPerConn: number;
  generatorCpuSec: number;
  server?: { rssBeforeMb: number; rssAfterMb: number; rssPeakMb: number; kbPerConn: number; cpuSec: number };
  loadAvg: { before: string; after: string };
  aborted?: string;
  onHold?: Record<string, unknown>;
}

export async function runConns(o: ConnOptions): Promise<ConnResult> {
  const P = Math.max(1, Math.min(o.procs, 32));
  const addresses = Array.from({ length: 253 }, (_, i) => `127.0.0.${2 + i}`);
  const pid = o.serverPid;
  const loadBefore = loadAverage();
  const rssBefore = pid ? rssMb(pid) : 0;
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  let rssPeak = rssBefore;
  let aborted: string | undefined;
  const workers: ChildProcess[] = [];
  const progress = new Array<number>(P).fill(0);
  const t0 = Date.now();
  const tallies: Promise<ConnTally>[] = [];
  let from = 0;
  for (let i = 0; i < P; i++) {
    const count = Math.floor(o.conns / P) + (i < o.conns % P ? 1 : 0);
    const job: ConnJob = {
      proto: o.proto, host: o.host, port: o.port, ...(o.ports ? { ports: o.ports } : {}), wsPath: o.wsPath, from, count, ratePerSec: o.ratePerSec / P, concurrency: o.concurrency,
      addresses: addresses.filter((_, k) => k % P === i), prefix: o.prefix, lobby: o.lobby, timeoutMs: o.timeoutMs,
    };
    from += count;
    const child = fork(new URL('../conn-worker.ts', import.meta.url), [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    workers.push(child);
    tallies.push(new Promise((resolve, reject) => {
      child.on('message', (m: { type: string; registered?: number }) => {
        if (m.type === 'progress') progress[i] = m.registered!;
        else if (m.type === 'done') resolve(m as ConnTally);
      });
      child.once('exit', (code) => reject(new Error(`conn worker ${i} exited (${code})`)));
    }));
  }
  const stopAll = (): void => { for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL'); };
  const ticker = setInterval(() => {
    if (pid) rssPeak = Math.max(rssPeak, rssMb(pid));
    if (pid && rssPeak > o.rssLimitMb && !aborted) {
      aborted = `server RSS passed ${o.rssLimitMb} MB`;
      stopAll();
    }
  }, 200);
  const reporter = setInterval(() => o.log(`  ${((Date.now() - t0) / 1000).toFixed(1)} s: ${progress.reduce((a, b) => a + b, 0)} registered, server RSS ${pid ? Math.round(rssMb(pid)) : '?'} MB`), 2000);
  const deadline = setTimeout(() => { for (const w of workers) if (w.connected) w.send({ type: 'abort' }); }, o.deadlineMs);
  let results: ConnTally[] = [];
  try {
    results = await Promise.all(tallies);
  } catch (err) {
    if (!aborted) aborted = err instanceof Error ? err.message : String(err);
  }
  clearInterval(reporter);
  clearTimeout(deadline);
  const allRegisteredMs = Date.now() - t0;
  let stillOpen = 0, bytes = results.reduce((a, r) => a + r.bytes, 0);
  const probe = async (): Promise<Probe> => {
    const all = await Promise.all(workers.map((w) => new Promise<Probe>((resolve) => {
      w.once('message', (m) => resolve(m as Probe));
      w.send({ type: 'check' });
    })));
    return { open: all.reduce((a, r) => a + r.open, 0), bytes: all.reduce((a, r) => a + r.bytes, 0), messages: all.reduce((a, r) => a + r.messages, 0) };
  };
  let onHold: Record<string, unknown> | undefined;
  if (!aborted && o.onHold) onHold = await o.onHold(probe);
  if (!aborted) {
    // Hold: connections stay open and idle; the server must keep them (no ping timeouts, no resets).
    await new Promise((r) => setTimeout(r, o.holdMs));
    const open = await Promise.all(workers.map((w) => new Promise<{ open: number; bytes: number }>((resolve) => {
      w.once('message', (m) => resolve(m as { open: number; bytes: number }));
      w.send({ type: 'check' });
    })));
    stillOpen = open.reduce((a, r) => a + r.open, 0);
    bytes = open.reduce((a, r) => a + r.bytes, 0);
  }
  clearInterval(ticker);
  const rssAfter = pid ? rssMb(pid) : 0;
  const cpu1 = pid ? cpuSeconds(pid) : 0;
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    if (w.exitCode !== null || w.signalCode !== null) return resolve();
    w.once('exit', () => resolve());
    w.send({ type: 'stop' });
    setTimeout(() => w.kill('SIGKILL'), 5000).unref();
  })));
  const lat = Histogram.merge(results.map((r) => r.latency));
  const failed: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.failed)) failed[k] = (failed[k] ?? 0) + v;
  const registered = results.reduce((a, r) => a + r.registered, 0);
  const ms = (us: number): number => Math.round(us / 100) / 10;
  return {
    conns: o.conns, registered, timedOut: results.reduce((a, r) => a + r.timedOut, 0), unfinished: results.reduce((a, r) => a + r.unfinished, 0), failed,
    allRegisteredMs: Math.max(0, ...results.map((r) => r.elapsedMs)) || allRegisteredMs,
    registerMs: { p50: ms(lat.quantileUs(0.5)), p99: ms(lat.quantileUs(0.99)), max: ms(lat.maxUs) },
    stillOpenAfterHold: stillOpen, clientBytesReceived: bytes, bytesPerConn: registered ? Math.round(bytes / registered) : 0,
    generatorCpuSec: Math.round(results.reduce((a, r) => a + r.cpuSec, 0) * 10) / 10,
    ...(pid ? { server: { rssBeforeMb: Math.round(rssBefore), rssAfterMb: Math.round(rssAfter), rssPeakMb: Math.round(rssPeak), kbPerConn: (stillOpen || registered) ? Math.round(((rssAfter - rssBefore) * 1024 / (stillOpen || registered)) * 10) / 10 : 0, cpuSec: Math.round((cpu1 - cpu0) * 10) / 10 } } : {}),
    loadAvg: { before: loadBefore, after: loadAverage() },
    ...(aborted ? { aborted } : {}),
    ...(onHold ? { onHold } : {}),
  };
}
