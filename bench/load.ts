/**
 * `npm run bench` — the load generator.
 *
 * Starts a real server (child process), spreads N clients over P worker processes, each on
 * its own source address (127.0.0.2, 127.0.0.3, …), all in #lobby; K of them send at R
 * messages/s each for D seconds. Reports deliveries/s, latency p50/p99/max (send →
 * receipt, measured by the receivers), server CPU and peak RSS.
 *
 *   npm run bench -- --clients 500 --senders 10 --rate 10 --duration 10 --procs 2
 *
 * Cluster mode: `--nodes 3` starts three servers sharing a throwaway redis-server and a
 * fresh PostgreSQL database (test/helpers/services.ts; BANTER_TEST_POSTGRES_URL or a local
 * PostgreSQL installation), the generator processes spread over them; `--cluster` runs one
 * node the same way, for the one-node-versus-three comparison. Server CPU and RSS are summed
 * over the nodes.
 *
 * Loopback only; bounded in time; stops by itself and ends only the processes it started.
 */
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { postgresDatabase, redisServer, type PgDatabase, type RedisServer } from '../test/helpers/services.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '500' },
    senders: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10' },
    duration: { type: 'string', default: '10' },
    procs: { type: 'string', default: '2' },
    url: { type: 'string' },
    nodes: { type: 'string', default: '1' },
    cluster: { type: 'boolean', default: false },
  },
});
const N = Number(values.clients);
const K = Number(values.senders);
const R = Number(values.rate);
const D = Number(values.duration) * 1000;
const P = Math.max(1, Math.min(Number(values.procs), 250));
const NODES = Math.max(1, Math.min(Number(values.nodes), 16));
const CLUSTER = values.cluster || NODES > 1;
if (![N, K, R, D, P, NODES].every((x) => Number.isFinite(x) && x > 0) || K > N) {
  console.error('bench: bad arguments');
  process.exit(2);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100/s on Linux)
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function main(): Promise<void> {
  const urls: string[] = values.url ? [values.url] : [];
  const servers: ReturnType<typeof spawn>[] = [];
  let redis: RedisServer | undefined;
  let db: PgDatabase | undefined;
  if (urls.length === 0) {
    const cluster: Record<string, string> = {};
    if (CLUSTER) {
      redis = await redisServer();
      db = await postgresDatabase();
      Object.assign(cluster, { BANTER_BUS: 'redis', BANTER_REDIS_URL: redis.url, BANTER_STORE: 'postgres', BANTER_POSTGRES_URL: db.url });
    }
    for (let i = 0; i < NODES; i++) {
      const port = await freePort();
      servers.push(spawn(process.execPath, ['src/cli.ts', 'serve', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--log-format', 'json'], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          // The benchmark measures fan-out, not flood control: lift per-connection limits.
          BANTER_FLOOD_BURST: '100000', BANTER_FLOOD_RATE_PER_SEC: '100000', BANTER_LIMITS_PER_IP: '100000', BANTER_LIMITS_CONNECT_BURST: '100000', BANTER_LIMITS_CONNECT_RATE_PER_SEC: '100000',
          BANTER_WS_SEND_QUEUE_BYTES: String(64 * 1024 * 1024), BANTER_IRC_PORT: '0', BANTER_STORE: process.env.BANTER_STORE ?? 'memory',
          BANTER_DATA_DIR: `./data/bench-node-${i}`, BANTER_NODE_ID: `bench-${i}`, ...cluster,
        },
      }));
      urls.push(`ws://127.0.0.1:${port}/ws`);
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/readyz`);
          if (res.ok) break;
        } catch { /* not up yet */ }
        if (Date.now() > deadline) throw new Error('server did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  const workers = Array.from({ length: P }, (_, i) => {
    const count = Math.floor(N / P) + (i < N % P ? 1 : 0);
    const senders = Math.floor(K / P) + (i < K % P ? 1 : 0);
    return fork(new URL('./load-worker.ts', import.meta.url), [JSON.stringify({ url: urls[i % urls.length], count, senders, rate: R, durationMs: D, localAddress: `127.0.0.${2 + i}`, prefix: `b${i}_` })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  });
  const t0 = Date.now();
  await Promise.all(workers.map((w) => new Promise<void>((res, rej) => {
    w.once('message', () => res());
    w.once('exit', (code) => rej(new Error(`worker exited ${code}`)));
  })));
  console.log(`${N} clients connected and logged in in ${Date.now() - t0} ms over ${P} processes and ${urls.length} node(s)`);

  const cpuAll = (): number => servers.reduce((sum, s) => sum + (s.pid ? cpuTicks(s.pid) : 0), 0);
  const cpu0 = cpuAll();
  let peakRss = 0;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, servers.reduce((sum, s) => sum + (s.pid ? rssMb(s.pid) : 0), 0)); }, 250);
  const started = Date.now();
  const results = workers.map((w) => new Promise<{ received: number; sent: number; acked: number; errors: number; maxLatency: number; buckets: number[] }>((res) => {
    w.once('message', (m) => res(m as never));
  }));
  for (const w of workers) w.send('start');
  const all = await Promise.all(results);
  const wall = (Date.now() - started) / 1000;
  clearInterval(sampler);
  const cpuSec = servers.length ? (cpuAll() - cpu0) / 100 : NaN;

  const buckets = new Array<number>(100_001).fill(0);
  let received = 0, sent = 0, acked = 0, errors = 0, max = 0;
  for (const r of all) {
    received += r.received; sent += r.sent; acked += r.acked; errors += r.errors; max = Math.max(max, r.maxLatency);
    r.buckets.forEach((b, i) => { buckets[i]! += b; });
  }
  const pct = (p: number): number => {
    const target = received * p;
    let acc = 0;
    for (let i = 0; i < buckets.length; i++) { acc += buckets[i]!; if (acc >= target) return i / 10; }
    return NaN;
  };
  const expected = sent * N;
  const sendSeconds = D / 1000;
  console.log(JSON.stringify({
    clients: N, senders: K, ratePerSender: R, durationS: sendSeconds, procs: P, nodes: urls.length, cluster: CLUSTER,
    sent, acked, errors, deliveries: received, expectedDeliveries: expected,
    deliveriesPerSec: Math.round(received / sendSeconds),
    latencyMs: { p50: pct(0.5), p99: pct(0.99), max: Math.round(max * 10) / 10 },
    serverCpuSec: cpuSec, serverCpuPct: Math.round((cpuSec / wall) * 100), serverPeakRssMb: Math.round(peakRss),
  }, null, 2));
  for (const s of servers) s.kill('SIGTERM');
  await Promise.all(servers.map((s) => new Promise((r) => { if (s.exitCode !== null) r(null); else s.once('exit', r); })));
  await redis?.stop();
  await db?.drop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
