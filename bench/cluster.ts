/**
 * `npm run bench:cluster` — Banter in cluster mode on this machine: the same fan-out on one
 * node and on three nodes (deliveries/s and latency, with the honest-latency generator of
 * bench/load.ts), then the failover time when a node is SIGKILLed.
 *
 * Starts everything it measures and stops only that: a throwaway redis-server and PostgreSQL
 * (Debian's packages, as the cluster tests use: test/helpers/services.ts), a fresh database
 * per run, and the `banter serve` nodes (Redis bus, PostgreSQL store). The generator's clients
 * are spread over the nodes (client i on node i % n, senders too), so most deliveries cross
 * Redis. Server CPU and RSS are summed over the nodes.
 *
 * Failover: watchers on the surviving nodes, `--victims` users on the node that is killed.
 * Reported: SIGKILL → every victim shown as gone (`user_left`) on every watcher; and per
 * victim, reconnect to a surviving node → logged in again → back in the room with what it
 * missed after its last seen seq (join `since`), with no gap and no duplicate checked.
 *
 *   npm run bench:cluster -- --proto ws --clients 1500 --senders 15 --rate 5 --duration 10
 *   npm run bench:cluster -- --nodes 3 --failover-only --heartbeat-ms 500 --lease-ms 3000
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { postgresDatabase, redisServer, type PgDatabase } from '../test/helpers/services.ts';
import type { Proto } from './load-worker.ts';
import { LoadRun, type StepResult } from './lib/run.ts';
import { loadAverage, rssMb, startBanter, type RunningServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    proto: { type: 'string', default: 'ws' },
    nodes: { type: 'string', default: '1,3' },
    clients: { type: 'string', default: '1500' },
    channels: { type: 'string', default: '1' },
    senders: { type: 'string', default: '15' },
    rate: { type: 'string', default: '5' },
    size: { type: 'string', default: '64' },
    duration: { type: 'string', default: '10' },
    procs: { type: 'string', default: '3' },
    drain: { type: 'string', default: '10' },
    victims: { type: 'string', default: '20' },
    'heartbeat-ms': { type: 'string', default: '500' },
    'lease-ms': { type: 'string', default: '3000' },
    'failover-only': { type: 'boolean', default: false },
    'no-failover': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

function num(v: string | undefined, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`bench:cluster: --${name} must be a number in [${min}, ${max}]`);
    process.exit(2);
  }
  return n;
}

const proto = values.proto as Proto;
if (proto !== 'ws' && proto !== 'irc') {
  console.error('bench:cluster: --proto ws|irc');
  process.exit(2);
}
const nodeCounts = values.nodes!.split(',').map((n) => num(n, 'nodes', 1, 8));
const clients = num(values.clients, 'clients', 2, 50_000);
const channels = num(values.channels, 'channels', 1, 10_000);
const senders = num(values.senders, 'senders', 1, clients);
const rate = num(values.rate, 'rate', 0.1, 10_000);
const size = num(values.size, 'size', 16, 400);
const duration = num(values.duration, 'duration', 1, 600);
const procs = num(values.procs, 'procs', 1, 253);
const drainS = num(values.drain, 'drain', 0.5, 120);
const victims = num(values.victims, 'victims', 1, 5000);
const heartbeatMs = num(values['heartbeat-ms'], 'heartbeat-ms', 50, 60_000);
const leaseMs = num(values['lease-ms'], 'lease-ms', 100, 600_000);
const log = (line: string): void => { if (!values.json) console.log(line); };

interface Cluster {
  nodes: RunningServer[];
  stop(): Promise<void>;
}

async function startCluster(n: number, redisUrl: string, db: PgDatabase): Promise<Cluster> {
  const nodes: RunningServer[] = [];
  const tag = Math.random().toString(36).slice(2, 7);
  try {
    // One after another: the first migrates, and a loaded machine starts them more reliably so.
    for (let i = 0; i < n; i++) {
      nodes.push(await startBanter({
        store: 'memory', // overridden below: the env selects PostgreSQL
        env: {
          BANTER_STORE: 'postgres', BANTER_POSTGRES_URL: db.url, BANTER_BUS: 'redis', BANTER_REDIS_URL: redisUrl, BANTER_NODE_ID: `b${tag}${i + 1}`,
          BANTER_CLUSTER_HEARTBEAT_MS: String(heartbeatMs), BANTER_CLUSTER_LEASE_TTL_MS: String(leaseMs), BANTER_POSTGRES_POOL_MAX: '8',
          BANTER_CALC_WARM_WORKERS: '0',
        },
      }));
    }
  } catch (err) {
    for (const s of nodes) await s.stop();
    throw err;
  }
  return { nodes, stop: async () => { for (const s of nodes) await s.stop(); } };
}

async function fanOut(n: number, redisUrl: string): Promise<{ nodes: number; connectMs: number; step: StepResult }> {
  const db = await postgresDatabase();
  const cluster = await startCluster(n, redisUrl, db);
  const ports = cluster.nodes.map((s) => (proto === 'irc' ? s.ircPort : s.httpPort));
  const run = new LoadRun({
    proto, host: '127.0.0.1', port: ports[0]!, ports, wsPath: '/ws', clients, channels, senders, size, procs,
    drainMs: drainS * 1000, connectTimeoutMs: 120_000, serverPids: cluster.nodes.map((s) => s.pid), prefix: `n${n}_`, log,
  });
  try {
    log(`${n} node(s) over ${proto}: ${clients} clients in ${channels} channel(s), ${senders} senders × ${rate}/s, ${size}-byte messages (load ${loadAverage()})`);
    await run.connect();
    log(`  connected and joined in ${run.connectMs} ms`);
    const step = await run.step(rate, duration);
    log(`  ${step.deliveriesPerSec} deliveries/s (offered ${step.offeredDeliveriesPerSec}), p50 ${step.latencyMs.p50} ms, p99 ${step.latencyMs.p99} ms, max ${step.latencyMs.max} ms, `
      + `lost ${step.lost}, dupes ${step.dupes}, server CPU ${step.server?.cpuPct ?? '?'} % (all nodes), RSS ${step.server?.rssMbPeak ?? '?'} MB — ${step.verdict}`);
    return { nodes: n, connectMs: run.connectMs, step };
  } finally {
    await run.close();
    await cluster.stop();
    await db.drop();
  }
}

// ------------------------------------------------------------------ failover

interface Peer {
  ws: WebSocket;
  events: Record<string, unknown>[];
  request(type: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  waitFor(pred: (e: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  close(): void;
}

async function peer(port: number, name: string): Promise<Peer> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    events.push(JSON.parse(d.toString()) as Record<string, unknown>);
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  let id = 0;
  const waitFor = (pred: (e: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    let from = 0;
    const check = (): void => {
      for (; from < events.length; from++) {
        if (pred(events[from]!)) { done(); resolve(events[from]!); return; }
      }
    };
    const timer = setTimeout(() => { done(); reject(new Error(`${name}: nothing matched within ${timeoutMs} ms`)); }, timeoutMs);
    const done = (): void => { clearTimeout(timer); waiters.delete(check); };
    waiters.add(check);
    check();
  });
  const p: Peer = {
    ws, events, waitFor,
    request: async (type, body) => {
      const rid = `r${++id}`;
      ws.send(JSON.stringify({ type, id: rid, ...body }));
      const ev = await waitFor((e) => e.id === rid, 60_000);
      if (ev.type === 'error') throw new Error(`${name} ${type}: ${String(ev.code)} ${String(ev.message)}`);
      return ev.data as Record<string, unknown>;
    },
    close: () => ws.terminate(),
  };
  await p.request('login', { name, lobby: false });
  return p;
}

interface FailoverResult {
  nodes: number;
  victims: number;
  heartbeatMs: number;
  leaseMs: number;
  boundMs: number;
  /** SIGKILL → the last victim shown as gone on the last watcher. */
  goneMs: number;
  /** Per victim: reconnect to a surviving node, log in, rejoin with `since` its last seen seq. */
  resumeMs: { p50: number; max: number };
  gaps: number;
  dupes: number;
}

async function failover(n: number, redisUrl: string): Promise<FailoverResult> {
  if (n < 2) throw new Error('failover needs at least 2 nodes');
  const db = await postgresDatabase();
  const cluster = await startCluster(n, redisUrl, db);
  const peers: Peer[] = [];
  try {
    const [victimNode, ...survivors] = cluster.nodes as [RunningServer, ...RunningServer[]];
    const watchers = await Promise.all(survivors.map(async (s, i) => peers[peers.push(await peer(s.httpPort, `watch${i}`)) - 1]!));
    const vs: Peer[] = [];
    for (let i = 0; i < victims; i++) vs.push(peers[peers.push(await peer(victimNode.httpPort, `victim${i}`)) - 1]!);
    for (const v of [...watchers, ...vs]) await v.request('join', { room: '#fo' });
    // Every watcher knows every victim before the kill.
    for (const w of watchers) await w.waitFor((e) => e.type === 'room_joined' && e.name === `victim${victims - 1}`, 60_000);
    const sender = watchers[0]!;
    const before = (await sender.request('send', { to: '#fo', text: 'before' })).msg as { seq: number };
    for (const v of vs) await v.waitFor((e) => e.type === 'message' && (e.msg as { seq: number }).seq === before.seq, 60_000);
    const t0 = performance.now();
    process.kill(victimNode.pid, 'SIGKILL');
    const during: number[] = [];
    for (let i = 0; i < 3; i++) during.push(((await sender.request('send', { to: '#fo', text: `during ${i}` })).msg as { seq: number }).seq);
    const bound = heartbeatMs + leaseMs + heartbeatMs + 60_000;
    await Promise.all(watchers.flatMap((w) => vs.map((_, i) => w.waitFor((e) => e.type === 'user_left' && e.name === `victim${i}`, bound))));
    const goneMs = Math.round(performance.now() - t0);
    log(`  failover: ${victims} users of the SIGKILLed node shown as gone on ${watchers.length} other node(s) after ${goneMs} ms (heartbeat ${heartbeatMs} ms, lease ${leaseMs} ms)`);
    for (const v of vs) v.close();
    let gaps = 0, dupes = 0;
    const resume: number[] = [];
    for (let i = 0; i < victims; i++) {
      const t1 = performance.now();
      const again = await peer(survivors[i % survivors.length]!.httpPort, `victim${i}`);
      peers.push(again);
      // Back in the room, from the last seq it saw: what it missed comes with the join (as the web client resumes).
      const back = await again.request('join', { room: '#fo', since: before.seq });
      resume.push(performance.now() - t1);
      const seqs = (back.history as { seq: number }[]).map((m) => m.seq);
      if (back.gap === true) gaps++;
      if (new Set(seqs).size !== seqs.length) dupes++;
      if (!during.every((s) => seqs.includes(s))) gaps++;
    }
    resume.sort((a, b) => a - b);
    const r = { p50: Math.round(resume[Math.floor(resume.length / 2)]!), max: Math.round(resume.at(-1)!) };
    log(`  failover: each reconnected to another node and resumed in p50 ${r.p50} ms, max ${r.max} ms (one after another); gaps ${gaps}, duplicates ${dupes}`);
    return { nodes: n, victims, heartbeatMs, leaseMs, boundMs: leaseMs + heartbeatMs, goneMs, resumeMs: r, gaps, dupes };
  } finally {
    for (const p of peers) p.close();
    await cluster.stop();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const redis = await redisServer();
  const out: { fanOut: Awaited<ReturnType<typeof fanOut>>[]; failover?: FailoverResult; load: string; rssMbGenerator: number } = { fanOut: [], load: loadAverage(), rssMbGenerator: 0 };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void redis.stop().finally(() => process.exit(130)); });
  try {
    if (!values['failover-only']) for (const n of nodeCounts) out.fanOut.push(await fanOut(n, redis.url));
    if (!values['no-failover']) out.failover = await failover(Math.max(3, ...nodeCounts), redis.url);
    out.rssMbGenerator = Math.round(rssMb(process.pid));
    if (values.json) console.log(JSON.stringify(out));
  } finally {
    await redis.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
