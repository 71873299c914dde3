/**
 * Cluster connections benchmark (issue #12): `--nodes` Banter nodes (default 3) on one
 * machine sharing a throwaway Redis and PostgreSQL (as in docs/cluster.md), `--conns`
 * WebSocket clients (default 50,000) logged in round-robin over the nodes and into #lobby,
 * then **one broadcast** to #lobby from one more client on the first node: reports how many
 * logged in, how many received the broadcast and how long it took to reach all of them, and
 * each node's RSS and CPU. One process here holds at most about 20,000 sockets (its open-file
 * limit), so 50,000 need at least three nodes.
 *
 *   node bench/cluster-conns.ts [--nodes 3] [--conns 50000] [--procs 5] [--rate 0] [--prof DIR]
 *
 * `--prof DIR` runs the nodes with `--cpu-prof` (see bench/profile-summary.ts).
 *
 * Needs Debian's `redis-server` and `postgresql` (the same as the cluster tests; see
 * test/helpers/services.ts). Loopback only; bounded (logins time out after --timeout s, the
 * opening phase ends after --deadline s, the broadcast wait after --wait s, and the run stops
 * if a node's RSS passes --rss-limit MB); it stops the nodes, Redis and PostgreSQL it started,
 * by PID, and nothing else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { redisServer, startPostgres } from '../test/helpers/services.ts';
import { runConns } from './lib/conns.ts';
import { cpuSeconds, loadAverage, rssMb, startServer, type RunningServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    conns: { type: 'string', default: '50000' },
    procs: { type: 'string', default: '5' },
    rate: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '100' },
    timeout: { type: 'string', default: '120' },
    deadline: { type: 'string', default: '300' },
    wait: { type: 'string', default: '60' },
    hold: { type: 'string', default: '5' },
    'rss-limit': { type: 'string', default: '3000' },
    prof: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const log = (line: string): void => { if (!values.json) console.log(line); };

/** A WebSocket client logged in on `port`, able to send one message and wait for its reply. */
async function caster(port: number): Promise<{ send(text: string): Promise<void>; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
  const replies = new Map<string, (ok: boolean, data: string) => void>();
  ws.on('message', (d: Buffer) => {
    const ev = JSON.parse(d.toString()) as { type: string; id?: string };
    if ((ev.type === 'reply' || ev.type === 'error') && ev.id !== undefined) replies.get(ev.id)?.(ev.type === 'reply', d.toString());
  });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const request = (id: string, body: object): Promise<void> => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${id}: no reply`)), 60_000);
    replies.set(id, (ok, data) => { clearTimeout(t); if (ok) resolve(); else reject(new Error(data)); });
    ws.send(JSON.stringify({ id, ...body }));
  });
  await request('login', { type: 'login', name: 'broadcaster' });
  return { send: (text) => request('send', { type: 'send', to: '#lobby', text }), close: () => ws.close() };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'banter-cluster-bench-'));
  const nodes: RunningServer[] = [];
  log(`cluster: ${values.nodes} nodes, Redis + PostgreSQL, ${values.conns} WebSocket logins into #lobby, then one broadcast`);
  const pg = await startPostgres(dir);
  const redis = await redisServer();
  try {
    for (let i = 0; i < Number(values.nodes); i++) {
      nodes.push(await startServer('banter', {
        store: 'memory', ...(values.prof !== undefined ? { profDir: values.prof } : {}),
        env: { BANTER_STORE: 'postgres', BANTER_POSTGRES_URL: pg.url, BANTER_BUS: 'redis', BANTER_REDIS_URL: redis.url, BANTER_NODE_ID: `bench${i + 1}` },
      }));
    }
    log(`  nodes on ports ${nodes.map((n) => n.httpPort).join(', ')} (PIDs ${nodes.map((n) => n.pid).join(', ')})`);
    const rss0 = nodes.map((n) => rssMb(n.pid));
    const cpu0 = nodes.map((n) => cpuSeconds(n.pid));
    let peak = 0;
    const guard = setInterval(() => {
      for (const n of nodes) {
        const r = rssMb(n.pid);
        peak = Math.max(peak, r);
        if (r > Number(values['rss-limit'])) {
          log(`  node ${n.pid} passed ${values['rss-limit']} MB RSS: stopping`);
          for (const m of nodes) void m.stop();
        }
      }
    }, 500);
    const r = await runConns({
      proto: 'ws', host: '127.0.0.1', port: nodes[0]!.httpPort, ports: nodes.map((n) => n.httpPort), wsPath: '/ws', conns: Number(values.conns),
      ratePerSec: Number(values.rate), concurrency: Number(values.concurrency), procs: Number(values.procs), lobby: true,
      timeoutMs: Number(values.timeout) * 1000, holdMs: Number(values.hold) * 1000, deadlineMs: Number(values.deadline) * 1000,
      rssLimitMb: Number(values['rss-limit']), prefix: 'cc', serverPid: nodes[0]!.pid, log,
      onHold: async (probe) => {
        const before = await probe();
        const c = await caster(nodes[0]!.httpPort);
        const t0 = performance.now();
        await c.send('one broadcast to everyone');
        const ackMs = Math.round(performance.now() - t0);
        const deadline = t0 + Number(values.wait) * 1000;
        let p = await probe();
        while (p.messages - before.messages < before.open && performance.now() < deadline) {
          await new Promise((res) => setTimeout(res, 100));
          p = await probe();
        }
        c.close();
        const received = p.messages - before.messages;
        log(`  broadcast: ${received} of ${before.open} open clients received it`);
        return { openWhenSent: before.open, received, ackMs, allReceivedMs: received >= before.open ? Math.round(performance.now() - t0) : null };
      },
    });
    clearInterval(guard);
    const perNode = nodes.map((n, i) => ({ pid: n.pid, rssBeforeMb: Math.round(rss0[i]!), rssAfterMb: Math.round(rssMb(n.pid)), cpuSec: Math.round((cpuSeconds(n.pid) - cpu0[i]!) * 10) / 10 }));
    const { server: _first, ...rest } = r;
    console.log(JSON.stringify({ nodes: Number(values.nodes), ...rest, perNode, nodeRssPeakMb: Math.round(peak), loadAvgEnd: loadAverage() }, null, values.json ? undefined : 2));
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await redis.stop();
    pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
