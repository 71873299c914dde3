/**
 * Cold start and idle memory: starts `banter serve` `--runs` times (default 3) on a fresh data
 * directory and reports the time from spawn to the "listening" log line and to the first
 * successful GET /readyz, and the server's RSS after `--idle` seconds (default 3) with no
 * clients. Also reports InspIRCd's and ngIRCd's idle RSS with --peers.
 *
 *   node bench/startup.ts [--store sqlite|memory] [--runs 3] [--idle 3] [--peers]
 *
 * Loopback only; every server it starts is stopped by PID.
 */
import { parseArgs } from 'node:util';
import { loadAverage, rssMb, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    runs: { type: 'string', default: '3' },
    idle: { type: 'string', default: '3' },
    peers: { type: 'boolean', default: false },
  },
});

const rows: Record<string, unknown>[] = [];
for (let i = 0; i < Number(values.runs); i++) {
  const t0 = performance.now();
  const s = await startServer('banter', { store: values.store as 'sqlite' | 'memory' });
  const listeningMs = Math.round(performance.now() - t0);
  let readyMs = NaN;
  for (let k = 0; k < 200; k++) {
    const res = await fetch(`http://127.0.0.1:${s.httpPort}/readyz`).catch(() => undefined);
    if (res?.ok) { readyMs = Math.round(performance.now() - t0); break; }
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, Number(values.idle) * 1000));
  rows.push({ server: `banter (${values.store})`, listeningMs, readyMs, idleRssMb: Math.round(rssMb(s.pid)), loadAvg: loadAverage() });
  await s.stop();
}
if (values.peers) {
  for (const kind of ['inspircd', 'ngircd'] as const) {
    const t0 = performance.now();
    const s = await startServer(kind, { store: 'memory' });
    const listeningMs = Math.round(performance.now() - t0);
    await new Promise((r) => setTimeout(r, Number(values.idle) * 1000));
    rows.push({ server: kind, listeningMs, idleRssMb: Math.round(rssMb(s.pid) * 10) / 10, loadAvg: loadAverage() });
    await s.stop();
  }
}
console.table(rows);
