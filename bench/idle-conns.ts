/**
 * Idle-connections benchmark: opens `--conns` (default 19,500) IRC or WebSocket connections at
 * `--rate` per second (default 1,000) from the source addresses 127.0.0.2–254 spread over
 * `--procs` generator processes, registers each (IRC NICK/USER → 001; WebSocket login), holds
 * them idle for `--hold` seconds, and reports how many registered, timed out (`--timeout`,
 * default 30 s) or were refused/reset, whether they were all still open after the hold, the
 * server's RSS per connection and its CPU.
 *
 *   node bench/idle-conns.ts --proto irc --server banter|inspircd|ngircd [--store sqlite|memory]
 *   node bench/idle-conns.ts --proto ws --conns 19500
 *   node bench/idle-conns.ts --proto irc --target 127.0.0.1:6667 --server-pid 1234
 *
 * --prof DIR runs Banter with `--cpu-prof` into DIR (summarise with bench/profile-summary.ts).
 *
 * Banter runs with its per-IP limits lifted (the connections all come from loopback) and, like
 * the IRC peers, without auto-joining #lobby, so the number is the cost of an idle connection;
 * --lobby puts IRC and WebSocket clients in #lobby as Banter's defaults do.
 * Loopback only; bounded (the run stops when all are settled or timed out, after --deadline
 * seconds (default 120), and if the server's
 * RSS passes --rss-limit MB); ends only the processes it started.
 */
import { parseArgs } from 'node:util';
import { runConns } from './lib/conns.ts';
import { startServer, type RunningServer, type ServerKind } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    proto: { type: 'string', default: 'irc' },
    server: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    target: { type: 'string' },
    'server-pid': { type: 'string' },
    conns: { type: 'string', default: '19500' },
    rate: { type: 'string', default: '1000' },
    procs: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '5000' },
    deadline: { type: 'string', default: '120' },
    hold: { type: 'string', default: '10' },
    timeout: { type: 'string', default: '30' },
    lobby: { type: 'boolean', default: false },
    'rss-limit': { type: 'string', default: '4096' },
    json: { type: 'boolean', default: false },
    prof: { type: 'string' },
  },
});

const proto = values.proto as 'irc' | 'ws';
const kind = (values.server ?? (values.target ? 'none' : 'banter')) as ServerKind | 'none';
if (!['irc', 'ws'].includes(proto) || !['banter', 'inspircd', 'ngircd', 'none'].includes(kind) || (kind !== 'banter' && kind !== 'none' && proto !== 'irc')) {
  console.error('idle-conns: bad --proto or --server');
  process.exit(2);
}
const log = (line: string): void => { if (!values.json) console.log(line); };

async function main(): Promise<void> {
  let server: RunningServer | undefined;
  let host = '127.0.0.1', port: number, pid = values['server-pid'] ? Number(values['server-pid']) : undefined;
  if (kind !== 'none') {
    server = await startServer(kind, { store: values.store as 'sqlite' | 'memory', env: { BANTER_IRC_AUTO_JOIN_LOBBY: String(values.lobby), BANTER_WS_SEND_QUEUE_BYTES: String(1024 * 1024) }, ...(values.prof ? { profDir: values.prof } : {}) });
    port = proto === 'irc' ? server.ircPort : server.httpPort;
    pid = server.pid;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(values.target ?? '');
    if (!m) throw new Error('--target must be host:port');
    host = m[1]!;
    port = Number(m[2]);
  }
  try {
    // Let the server finish starting (workers, JIT) before taking its idle RSS.
    await new Promise((r) => setTimeout(r, 2000));
    log(`${kind === 'none' ? values.target : kind} over ${proto}: ${values.conns} connections at ${values.rate}/s`);
    const r = await runConns({
      proto, host, port, wsPath: '/ws', conns: Number(values.conns), ratePerSec: Number(values.rate), concurrency: Number(values.concurrency), procs: Number(values.procs),
      lobby: values.lobby, timeoutMs: Number(values.timeout) * 1000, holdMs: Number(values.hold) * 1000, deadlineMs: Number(values.deadline) * 1000, rssLimitMb: Number(values['rss-limit']), prefix: 'i',
      ...(pid ? { serverPid: pid } : {}), log,
    });
    console.log(JSON.stringify({ target: kind === 'none' ? values.target : kind, store: kind === 'banter' ? values.store : undefined, proto, lobby: values.lobby, ...r }, null, values.json ? undefined : 2));
  } finally {
    await server?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
