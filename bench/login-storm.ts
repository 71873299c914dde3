/**
 * Login-storm benchmark: `--clients` (default 10,000) WebSocket clients log in to Banter and
 * join #lobby (the default login) as fast as `--concurrency` in-flight logins per generator
 * process allow, from the source addresses 127.0.0.2–254. Reports the time until all are in,
 * login latency p50/p99/max, the bytes the clients received in all and per login (member
 * lists and join announcements: O(n²) when every login gets the whole list and is announced
 * to everyone), the server's CPU and peak RSS.
 *
 *   node bench/login-storm.ts [--clients 10000] [--store sqlite|memory] [--timeout 120] [--prof DIR]
 *
 * --prof DIR runs Banter with `--cpu-prof` into DIR (summarise with bench/profile-summary.ts).
 *
 * Banter runs with its default send queue (ws.sendQueueBytes) and per-IP limits lifted.
 * Bounded: each login times out after --timeout seconds, the opening phase ends after
 * --deadline seconds (default 180; the rest are reported as unfinished), and the run stops if the server's
 * RSS passes --rss-limit MB. Loopback only; ends only the processes it started.
 */
import { parseArgs } from 'node:util';
import { runConns } from './lib/conns.ts';
import { startServer, type RunningServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    store: { type: 'string', default: 'sqlite' },
    target: { type: 'string' },
    'server-pid': { type: 'string' },
    procs: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '200' },
    deadline: { type: 'string', default: '180' },
    hold: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '120' },
    'rss-limit': { type: 'string', default: '4096' },
    json: { type: 'boolean', default: false },
    prof: { type: 'string' },
  },
});
const log = (line: string): void => { if (!values.json) console.log(line); };

async function main(): Promise<void> {
  let server: RunningServer | undefined;
  let host = '127.0.0.1', port: number, pid = values['server-pid'] ? Number(values['server-pid']) : undefined;
  if (!values.target) {
    server = await startServer('banter', { store: values.store as 'sqlite' | 'memory', env: { BANTER_WS_SEND_QUEUE_BYTES: String(1024 * 1024) }, ...(values.prof ? { profDir: values.prof } : {}) });
    port = server.httpPort;
    pid = server.pid;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(values.target);
    if (!m) throw new Error('--target must be host:port');
    host = m[1]!;
    port = Number(m[2]);
  }
  try {
    log(`login storm: ${values.clients} WebSocket logins into #lobby`);
    const r = await runConns({
      proto: 'ws', host, port, wsPath: '/ws', conns: Number(values.clients), ratePerSec: 0, concurrency: Number(values.concurrency), procs: Number(values.procs),
      lobby: true, timeoutMs: Number(values.timeout) * 1000, holdMs: Number(values.hold) * 1000, deadlineMs: Number(values.deadline) * 1000, rssLimitMb: Number(values['rss-limit']), prefix: 'ls',
      ...(pid ? { serverPid: pid } : {}), log,
    });
    console.log(JSON.stringify({ target: values.target ?? 'banter', store: values.target ? undefined : values.store, ...r }, null, values.json ? undefined : 2));
  } finally {
    await server?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
