/**
 * `npm run bench` — the fan-out load generator, for Banter and for the peers it is compared with.
 *
 * Steady multi-sender shape: `clients` clients spread over `channels` channels (client i in
 * channel i % channels), the first `senders` of them each sending `rate` messages/s of `size`
 * bytes, one line (IRC) or frame (WebSocket) per packet, for `duration` seconds. Reports
 * deliveries/s inside the window, loss, duplicates, latency p50/p90/p99/max, generator CPU,
 * server CPU and RSS. With --ramp it raises the rate until a step is not sustainable
 * (any loss, duplicate, error or disconnect; p99 > 1 s; < 95 % delivered inside the window)
 * and reports the highest sustainable deliveries/s.
 *
 *   npm run bench -- --proto irc --clients 500 --senders 5 --rate 100 --duration 10
 *   npm run bench -- --proto irc --server inspircd --ramp
 *   npm run bench -- --proto ws --server socketio --ramp           (--proto sio is implied)
 *   npm run bench -- --proto irc --target 127.0.0.1:6667 --server-pid 1234
 *
 * --server banter|inspircd|ngircd|socketio|none (default banter; none with --target);
 * --store sqlite|memory (Banter, default sqlite); --prof DIR writes Banter's --cpu-prof there.
 * --tasks: Banter runs with bench/lib/task-timer.ts preloaded, and each step reports its main
 * thread's synchronous tasks (longest by wall and CPU time, how many over 5 and 10 ms).
 * --sender-proc on|off: the senders in a generator process of their own (default on for ws and
 * sio, off for irc), so that their schedule does not wait behind the receivers' reads.
 * --warmup S [--warmup-rate R]: first S seconds at R msg/s per sender (default --rate) that are
 * not counted: a fresh server's first run has a worse p99 than its later ones (docs/benchmarks.md).
 * Loopback only; bounded in time; ends only the processes it started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Proto } from './load-worker.ts';
import { LoadRun, type StepResult } from './lib/run.ts';
import { loadAverage, rssMb, startServer, type RunningServer, type ServerKind } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    proto: { type: 'string', default: 'ws' },
    server: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    target: { type: 'string' },
    'server-pid': { type: 'string' },
    'ws-path': { type: 'string' },
    clients: { type: 'string', default: '500' },
    channels: { type: 'string', default: '1' },
    senders: { type: 'string', default: '5' },
    rate: { type: 'string', default: '20' },
    size: { type: 'string', default: '64' },
    duration: { type: 'string', default: '10' },
    procs: { type: 'string', default: '2' },
    'sender-proc': { type: 'string' },
    drain: { type: 'string', default: '5' },
    ramp: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '0' },
    'warmup-rate': { type: 'string' },
    'ramp-factor': { type: 'string', default: '1.6' },
    'ramp-steps': { type: 'string', default: '10' },
    prof: { type: 'string' },
    tasks: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

function num(name: keyof typeof values, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`bench: --${name} must be a number in [${min}, ${max}]`);
    process.exit(2);
  }
  return n;
}

const clients = num('clients', 2, 100_000);
const channels = num('channels', 1, 10_000);
const senders = num('senders', 1, clients);
const rate = num('rate', 0.1, 100_000);
const size = num('size', 16, 400);
const duration = num('duration', 1, 600);
const procs = num('procs', 1, 253);
const drainS = num('drain', 0.5, 120);
const warmupS = num('warmup', 0, 600);
const warmupRate = values['warmup-rate'] !== undefined ? num('warmup-rate', 0.1, 100_000) : rate;
const kind = (values.server ?? (values.target ? 'none' : values.proto === 'sio' ? 'socketio' : 'banter')) as ServerKind | 'none';
let proto = values.proto as Proto;
if (kind === 'socketio') proto = 'sio';
if (!['ws', 'irc', 'sio'].includes(proto) || !['banter', 'inspircd', 'ngircd', 'socketio', 'none'].includes(kind) || !['sqlite', 'memory'].includes(values.store!)) {
  console.error('bench: bad --proto, --server or --store');
  process.exit(2);
}
if ((kind === 'inspircd' || kind === 'ngircd') && proto !== 'irc') {
  console.error(`bench: ${kind} speaks IRC only (--proto irc)`);
  process.exit(2);
}
if (kind === 'none' && !values.target) {
  console.error('bench: --server none needs --target host:port');
  process.exit(2);
}

// The senders in a process of their own: default for WebSocket and Socket.IO (docs/benchmarks.md, "WebSocket generator and write path").
const senderProc = values['sender-proc'] === undefined ? proto !== 'irc' : values['sender-proc'] === 'on';
if (values['sender-proc'] !== undefined && !['on', 'off'].includes(values['sender-proc'])) {
  console.error('bench: --sender-proc on|off');
  process.exit(2);
}

const log = (line: string): void => { if (!values.json) console.log(line); };
const tasksFile = values.tasks ? join(mkdtempSync(join(tmpdir(), 'banter-tasks-')), 'tasks.json') : undefined;

async function main(): Promise<void> {
  let server: RunningServer | undefined;
  let host: string, port: number;
  const wsPath = values['ws-path'] ?? (proto === 'sio' ? '/socket.io/' : '/ws');
  let pid = values['server-pid'] ? Number(values['server-pid']) : undefined;
  let idleRss: number | undefined;
  if (kind !== 'none') {
    server = await startServer(kind, { store: values.store as 'sqlite' | 'memory', ...(values.prof ? { profDir: values.prof } : {}), ...(tasksFile ? { taskFile: tasksFile } : {}) });
    host = server.host;
    port = proto === 'irc' ? server.ircPort : server.httpPort;
    pid = server.pid;
    idleRss = Math.round(rssMb(pid));
  } else {
    const m = /^([^:]+):(\d+)$/.exec(values.target!);
    if (!m) throw new Error('--target must be host:port');
    host = m[1]!;
    port = Number(m[2]);
  }
  const label = `${kind === 'none' ? values.target : kind}${kind === 'banter' ? ` (${values.store})` : ''} over ${proto}`;
  const run = new LoadRun({ proto, host, port, wsPath, clients, channels, senders, size, procs, senderProc, drainMs: drainS * 1000, connectTimeoutMs: 60_000, ...(pid ? { serverPid: pid } : {}), ...(server?.kind === 'banter' ? { metricsUrl: `http://127.0.0.1:${server.httpPort}/metrics`, ...(tasksFile ? { tasksFile } : {}) } : {}), log });
  let result: { steps: StepResult[]; best?: StepResult } | undefined;
  // Interrupted: still stop the workers and the server this run started.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => { void run.close().then(() => server?.stop()).finally(() => process.exit(130)); });
  }
  try {
    log(`${label}: ${clients} clients in ${channels} channel(s), ${senders} senders, ${size}-byte messages, ${procs} generator processes${senderProc && procs >= 2 ? ', the senders in one of their own' : ''} (load ${loadAverage()})`);
    await run.connect();
    const connectedRss = pid ? Math.round(rssMb(pid)) : undefined;
    log(`  connected and joined in ${run.connectMs} ms; server RSS idle ${idleRss ?? '?'} MB, with clients ${connectedRss ?? '?'} MB`);
    if (warmupS > 0) {
      // A fresh server's first seconds under load (JIT, heap growth, the store's worker) are not its steady state.
      const w = await run.step(warmupRate, warmupS);
      log(`  warm-up, not counted: ${warmupS} s at ${warmupRate}/s per sender, ${w.deliveriesPerSec} deliveries/s, p99 ${w.latencyMs.p99} ms`);
    }
    if (values.ramp) result = await run.ramp(rate, Number(values['ramp-factor']), duration, Number(values['ramp-steps']));
    else {
      const r = await run.step(rate, duration);
      result = { steps: [r], ...(r.sustainable ? { best: r } : {}) };
      log(`  rate ${rate}/s per sender: ${r.deliveriesPerSec} deliveries/s (offered ${r.offeredDeliveriesPerSec}), p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms${r.server?.eventLoopLagMs ? `, loop lag p99 ${r.server.eventLoopLagMs.p99} ms, max ${r.server.eventLoopLagMs.max} ms, longest turn ${r.server.eventLoopLagMs.longestTurn} ms, GC ${r.server.eventLoopLagMs.gc.totalMs} ms in ${r.server.eventLoopLagMs.gc.pauses} pauses (${r.server.eventLoopLagMs.gc.over10ms} over 10 ms)` : ''}, idle-process lag p99 ${r.generator.idleLagMs.p99} ms, max ${r.generator.idleLagMs.max} ms — ${r.verdict}`);
    }
    const summary = {
      server: label, clients, channels, senders, size, procs, senderProc, connectMs: run.connectMs, serverRssIdleMb: idleRss, serverRssConnectedMb: connectedRss,
      maxSustainableDeliveriesPerSec: result.best?.deliveriesPerSec ?? 0, best: result.best, steps: result.steps,
    };
    if (values.json) console.log(JSON.stringify(summary));
    else {
      log(`  max sustainable: ${summary.maxSustainableDeliveriesPerSec} deliveries/s${result.best ? ` at ${result.best.ratePerSender} msg/s per sender` : ''}`);
      if (!values.ramp) console.log(JSON.stringify(result.steps[0], null, 2));
    }
  } finally {
    await run.close();
    await server?.stop();
    if (tasksFile) rmSync(dirname(tasksFile), { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
