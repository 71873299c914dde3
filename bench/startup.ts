/**
 * Cold start and idle memory: starts `banter serve` `--runs` times (default 3) on a fresh data
 * directory and reports the time from spawn to the "listening" log line and to the first
 * successful GET /readyz, and the server's RSS after `--idle` seconds (default 3) with no
 * clients, with its breakdown (see `memoryOf`). `--settle S` also reports it S seconds
 * after start (e.g. 65: past `sqlite.workerIdleMs`, `search.idleMs`, `calc.idleMs`, when
 * every on-demand worker thread has stopped). Also reports InspIRCd's and ngIRCd's idle RSS
 * with --peers.
 *
 *   node bench/startup.ts [--store sqlite|memory] [--runs 3] [--idle 3] [--settle 0] [--peers] [--verbose]
 *
 * BANTER_* variables and BENCH_BANTER_NODE_ARGS reach the server (A/B of a setting or flag).
 * Loopback only; every server it starts is stopped by PID.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadAverage, rssMb, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    runs: { type: 'string', default: '3' },
    idle: { type: 'string', default: '3' },
    settle: { type: 'string', default: '0' },
    peers: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const MB = 1024;
const round = (kb: number): number => Math.round((kb / MB) * 10) / 10;
/** glibc puts each thread arena in a 64 MiB-aligned reservation (HEAP_MAX_SIZE on 64-bit). */
const ARENA_ALIGN = 64 * 1024 * 1024;

/**
 * Where a process's resident memory is, from /proc/PID/status and /proc/PID/smaps (MiB):
 * file-backed (`node` binary pages and shared libraries: shared with every other node
 * process, but counted in RSS) and anonymous, split into the malloc arenas (the main one,
 * `[heap]`, and one per thread that allocated, recognised by their 64 MiB alignment) and the
 * rest (V8 heaps of every isolate in 256 KiB pages, thread stacks, SQLite's page cache is
 * malloc'd so it is in the arenas). Threads by name: MainThread, WorkerThread (the node:worker
 * threads), V8Worker (V8's platform pool), libuv-worker.
 */
function memoryOf(pid: number): Record<string, number | string> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  let nodeBinary = 0;
  let mainArena = 0;
  let threadArenas = 0;
  let arenas = 0;
  let cur: { lo: number; name: string; anonRw: boolean } | undefined;
  const lines = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      cur = { lo: parseInt(m[1]!, 16), name: m[4]!.trim(), anonRw: m[3] === 'rw-p' && m[4]!.trim() === '' };
      continue;
    }
    if (!cur || !line.startsWith('Rss:')) continue;
    const rss = Number(line.split(/\s+/)[1]);
    if (cur.name.endsWith('/bin/node')) nodeBinary += rss;
    else if (cur.name === '[heap]') mainArena += rss;
    else if (cur.anonRw && cur.lo % ARENA_ALIGN === 0) { threadArenas += rss; arenas++; }
  }
  const threads: Record<string, number> = {};
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
      threads[name] = (threads[name] ?? 0) + 1;
    } catch { /* the thread ended meanwhile */ }
  }
  return {
    rssMb: round(kb('VmRSS')), anonMb: round(kb('RssAnon')), fileMb: round(kb('RssFile')), nodeBinaryMb: round(nodeBinary),
    mallocMainMb: round(mainArena), mallocThreadsMb: round(threadArenas), arenas,
    otherAnonMb: round(kb('RssAnon') - mainArena - threadArenas),
    threads: Object.entries(threads).map(([k, v]) => `${k}×${v}`).join(' '),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rows: Record<string, unknown>[] = [];
const details: Record<string, unknown>[] = [];
for (let i = 0; i < Number(values.runs); i++) {
  const t0 = performance.now();
  const s = await startServer('banter', { store: values.store as 'sqlite' | 'memory' });
  const listeningMs = Math.round(performance.now() - t0);
  let readyMs = NaN;
  for (let k = 0; k < 200; k++) {
    const res = await fetch(`http://127.0.0.1:${s.httpPort}/readyz`).catch(() => undefined);
    if (res?.ok) { readyMs = Math.round(performance.now() - t0); break; }
    await sleep(10);
  }
  await sleep(Math.max(0, Number(values.idle) * 1000 - (performance.now() - t0)));
  const idle = memoryOf(s.pid);
  const row: Record<string, unknown> = { server: `banter (${values.store})`, listeningMs, readyMs, idleRssMb: Math.round(rssMb(s.pid)) };
  details.push({ run: i, at: `${values.idle} s`, ...idle, loadAvg: loadAverage() });
  if (Number(values.settle) > 0) {
    await sleep(Math.max(0, Number(values.settle) * 1000 - (performance.now() - t0)));
    const settled = memoryOf(s.pid);
    row.settledRssMb = Math.round(rssMb(s.pid));
    details.push({ run: i, at: `${values.settle} s`, ...settled, loadAvg: loadAverage() });
  }
  row.loadAvg = loadAverage();
  rows.push(row);
  await s.stop();
}
if (values.peers) {
  for (const kind of ['inspircd', 'ngircd'] as const) {
    const t0 = performance.now();
    const s = await startServer(kind, { store: 'memory' });
    const listeningMs = Math.round(performance.now() - t0);
    await sleep(Number(values.idle) * 1000);
    rows.push({ server: kind, listeningMs, idleRssMb: Math.round(rssMb(s.pid) * 10) / 10, loadAvg: loadAverage() });
    await s.stop();
  }
}
console.table(rows);
if (values.verbose) console.table(details);
