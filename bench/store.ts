/**
 * Storage benchmark (`npm run bench:store`):
 *
 * 1. Appends/s the store sustains with durable acknowledgement: each append's promise
 *    resolves only after its transaction committed (SQLite: fsynced with synchronous=full).
 *    Measured with 1 append in flight (every append pays a whole commit) and with many in
 *    flight (group commit: appends of one event-loop turn share one transaction).
 * 2. Latency the store adds to a broadcast: a real server (in this process) with one sender
 *    and N receivers in #lobby; each message is sent after the previous one arrived
 *    everywhere, and the send→receipt latency is compared between the memory and the
 *    SQLite store.
 *
 * Options: --messages N (default 5000), --receivers N (default 50), --rounds N (default 500).
 * Writes in a temporary directory on the same disk as os.tmpdir().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock, type MessageStore } from '../src/core/ports.ts';
import { startApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { silentLogger } from '../src/server/logger.ts';
import { MemoryStore } from '../src/storage/memory.ts';
import { SqliteHandle, type Synchronous } from '../src/storage/sqlite/open.ts';
import { SqliteStore } from '../src/storage/sqlite/store.ts';

const { values } = parseArgs({ options: { messages: { type: 'string' }, receivers: { type: 'string' }, rounds: { type: 'string' } } });
const MESSAGES = Number(values.messages ?? 5000);
const RECEIVERS = Number(values.receivers ?? 50);
const ROUNDS = Number(values.rounds ?? 500);

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'banter-bench-'));
  dirs.push(d);
  return d;
}

type Kind = 'memory' | Synchronous;
function makeStore(kind: Kind): MessageStore {
  if (kind === 'memory') return new MemoryStore({ clock: systemClock, maxPerConversation: 1e9, idempotencyWindowMs: 600_000 });
  return new SqliteStore(new SqliteHandle({ dataDir: tempDir(), synchronous: kind }), { clock: systemClock, idempotencyWindowMs: 600_000 });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function appends(kind: Kind, inflight: number): Promise<{ perSec: number; p50: number; p99: number }> {
  const store = makeStore(kind);
  const lat: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: inflight }, async (_, w) => {
    while (next < MESSAGES) {
      const i = next++;
      const t0 = performance.now();
      await store.append({ conv: '#lobby', to: '#lobby', from: `user${w}`, text: `benchmark message number ${i} with some words to index`, clientKey: `user${w}\n${i}` });
      lat.push(performance.now() - t0);
    }
  }));
  const secs = (performance.now() - started) / 1000;
  await store.close();
  lat.sort((a, b) => a - b);
  return { perSec: MESSAGES / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

async function broadcast(store: 'memory' | 'sqlite'): Promise<{ p50: number; p99: number; ackP50: number }> {
  const config = loadConfig({ overrides: { host: '127.0.0.1', port: 0, store, dataDir: tempDir(), 'calc.workers': 1, 'flood.burst': 1_000_000, 'flood.ratePerSec': 1_000_000 } });
  const app = await startApp(config, { log: silentLogger() });
  const url = `ws://127.0.0.1:${app.port}/ws`;
  const open = (name: string): Promise<WebSocket> => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'login', id: 'l', name }));
    ws.onmessage = (e) => { if (String(e.data).includes('"id":"l"')) resolve(ws); };
    ws.onerror = () => reject(new Error('connect failed'));
  });
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, (_, i) => open(`r${i}`)));
  const sender = await open('sender');
  const lat: number[] = [];
  const ack: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const text = `round ${round}`;
    const t0 = performance.now();
    const arrivals = receivers.map((ws) => new Promise<void>((resolve) => {
      ws.onmessage = (e) => { if (String(e.data).includes(`"text":"${text}"`)) { lat.push(performance.now() - t0); resolve(); } };
    }));
    const acked = new Promise<void>((resolve) => {
      sender.onmessage = (e) => { if (String(e.data).includes(`"id":"s${round}"`)) { ack.push(performance.now() - t0); resolve(); } };
    });
    sender.send(JSON.stringify({ type: 'send', id: `s${round}`, to: '#lobby', text }));
    await Promise.all([...arrivals, acked]);
  }
  for (const ws of [...receivers, sender]) ws.close();
  await app.close();
  lat.sort((a, b) => a - b);
  ack.sort((a, b) => a - b);
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99), ackP50: pct(ack, 0.5) };
}

const f = (n: number, d = 2): string => n.toFixed(d);
console.log(`## appends (${MESSAGES} per run; durable ack = promise resolved after commit)\n`);
console.log('| store | in flight | appends/s | append latency p50 / p99 (ms) |');
console.log('| --- | --- | --- | --- |');
for (const kind of ['memory', 'full', 'normal'] as const) {
  for (const inflight of [1, 16, 256]) {
    const r = await appends(kind, inflight);
    const label = kind === 'memory' ? 'memory' : `sqlite, synchronous=${kind}`;
    console.log(`| ${label} | ${inflight} | ${Math.round(r.perSec).toLocaleString('en-US')} | ${f(r.p50, 3)} / ${f(r.p99, 3)} |`);
  }
}
console.log(`\n## broadcast latency (1 sender, ${RECEIVERS} receivers, ${ROUNDS} messages one at a time)\n`);
console.log('| store | send→receipt p50 / p99 (ms) | send→ack p50 (ms) |');
console.log('| --- | --- | --- |');
for (const store of ['memory', 'sqlite'] as const) {
  const r = await broadcast(store);
  console.log(`| ${store} | ${f(r.p50)} / ${f(r.p99)} | ${f(r.ackP50)} |`);
}
for (const d of dirs) rmSync(d, { recursive: true, force: true });
