/**
 * Where an idle connection's memory goes: starts Banter (child process, `--heapsnapshot-signal`),
 * takes a heap snapshot with no clients, opens `--conns` idle IRC or WebSocket connections
 * (bench/lib/conns.ts, registered/logged in), takes a second snapshot, and prints the
 * difference per connection by node type and constructor (self sizes; a snapshot is taken
 * after a full GC, so this is live memory), next to the RSS per connection and the V8 heap
 * numbers of /proc and `process.memoryUsage()`-like totals.
 *
 *   node bench/conn-heap.ts --proto irc --conns 3000 [--top 30] [--keep DIR]
 *
 * Loopback only; ends only the processes it started; the snapshots go to a temporary
 * directory that is removed unless --keep is given.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runConns } from './lib/conns.ts';
import { loadAverage, rssMb, startServer } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    proto: { type: 'string', default: 'irc' },
    conns: { type: 'string', default: '3000' },
    rate: { type: 'string', default: '1000' },
    top: { type: 'string', default: '30' },
    store: { type: 'string', default: 'sqlite' },
    keep: { type: 'string' },
    /** Extra environment for the server, KEY=VALUE (e.g. MALLOC_ARENA_MAX=2); repeatable. */
    env: { type: 'string', multiple: true, default: [] },
    'no-snapshot': { type: 'boolean', default: false },
    /** Seconds to wait once all are registered before measuring (V8 shrinks its young generation only after a while idle). */
    settle: { type: 'string', default: '0' },
    /** Also list who holds the new objects of these kinds (`type:name`, e.g. closure, object:Object). */
    retainers: { type: 'string', multiple: true, default: [] },
  },
});
const proto = values.proto as 'irc' | 'ws';
const conns = Number(values.conns);

interface Tally { count: number; bytes: number }

/** Self sizes by `type:name` (constructor for objects, function name for closures). */
function summarise(file: string): { byKey: Map<string, Tally>; total: number } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const F = fields.length, T = fields.indexOf('type'), N = fields.indexOf('name'), S = fields.indexOf('self_size');
  const byKey = new Map<string, Tally>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += F) {
    const type = types[snap.nodes[i + T]!]!;
    const size = snap.nodes[i + S]!;
    total += size;
    let name = type === 'object' || type === 'closure' || type === 'native' || type === 'hidden' || type === 'object shape' ? snap.strings[snap.nodes[i + N]!]! : '';
    if (name.length > 60) name = `${name.slice(0, 57)}...`;
    const key = `${type}${name ? `:${name}` : ''}`;
    const t = byKey.get(key) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += size;
    byKey.set(key, t);
  }
  return { byKey, total };
}

/** V8's own numbers from the server's /metrics (prom-client's default metrics). */
async function v8Numbers(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(nodejs_heap_size_total_bytes|nodejs_heap_size_used_bytes|nodejs_external_memory_bytes|nodejs_heap_space_size_(?:total|used)_bytes\{space="(?:old|new|code|large_object)"\}) (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Resident KB of a process's mappings: the brk heap (glibc's main arena), other anonymous memory, file-backed. */
function smaps(pid: number): Record<string, number> {
  const out: Record<string, number> = { brk: 0, anon: 0, file: 0 };
  let kind = 'file';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const h = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (h) {
      kind = h[1] === '[heap]' ? 'brk' : h[1] === '' || h[1]!.startsWith('[anon') ? 'anon' : 'file';
      continue;
    }
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (r) out[kind]! += Number(r[1]);
  }
  return out;
}

/**
 * For nodes of `kinds` that are in `file` but not in `baseFile` (node ids are stable within
 * one process), counts which edge of which holder points at them.
 */
function retainers(baseFile: string, file: string, kinds: string[]): Map<string, number> {
  type Snap = { snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } }; nodes: number[]; edges: number[]; strings: string[] };
  const ids = (snap: Snap): Set<number> => {
    const F = snap.snapshot.meta.node_fields.length, I = snap.snapshot.meta.node_fields.indexOf('id');
    const out = new Set<number>();
    for (let i = 0; i < snap.nodes.length; i += F) out.add(snap.nodes[i + I]!);
    return out;
  };
  const old = ids(JSON.parse(readFileSync(baseFile, 'utf8')) as Snap);
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snap;
  const m = snap.snapshot.meta;
  const F = m.node_fields.length, T = m.node_fields.indexOf('type'), N = m.node_fields.indexOf('name'), I = m.node_fields.indexOf('id'), EC = m.node_fields.indexOf('edge_count');
  const EF = m.edge_fields.length, ET = m.edge_fields.indexOf('type'), EN = m.edge_fields.indexOf('name_or_index'), TO = m.edge_fields.indexOf('to_node');
  const kindOf = (i: number): string => {
    const type = m.node_types[0][snap.nodes[i + T]!]!;
    return type === 'object' || type === 'closure' || type === 'hidden' || type === 'native' ? `${type}:${snap.strings[snap.nodes[i + N]!]}` : type;
  };
  const out = new Map<string, number>();
  let e = 0;
  for (let i = 0; i < snap.nodes.length; i += F) {
    const count = snap.nodes[i + EC]!;
    for (let k = 0; k < count; k++, e += EF) {
      const to = snap.edges[e + TO]!;
      const kind = kindOf(to);
      if (!kinds.some((x) => kind === x || kind === `${x}:`) || old.has(snap.nodes[to + I]!)) continue;
      const etype = m.edge_types[0][snap.edges[e + ET]!]!;
      const ename = etype === 'element' || etype === 'hidden' ? `[${etype}]` : snap.strings[snap.edges[e + EN]!];
      const key = `${kindOf(i)} .${ename} → ${kind}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  // The file appears when the write starts; it is complete once its size stops changing.
  for (let last = -1; ;) {
    await new Promise((r) => setTimeout(r, 1000));
    const f = readdirSync(dir).find((n) => !before.has(n) && n.endsWith('.heapsnapshot'));
    if (!f) continue;
    const size = statSync(join(dir, f)).size;
    if (size > 0 && size === last) return join(dir, f);
    last = size;
  }
}

async function main(): Promise<void> {
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'banter-heap-'));
  const server = await startServer('banter', {
    store: values.store as 'sqlite' | 'memory',
    env: {
      NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}`, BANTER_WS_SEND_QUEUE_BYTES: String(1024 * 1024),
      ...Object.fromEntries(values.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    },
  });
  try {
    await new Promise((r) => setTimeout(r, 2000));
    // RSS and mappings before each snapshot: writing one mallocs a lot.
    const rss0 = rssMb(server.pid);
    const v0 = await v8Numbers(server.httpPort), m0 = smaps(server.pid);
    const base = values['no-snapshot'] ? '' : await snapshot(server.pid, dir);
    let v1: Record<string, number> = {}, m1: Record<string, number> = {};
    let full = '';
    let rss1 = 0;
    const r = await runConns({
      proto, host: '127.0.0.1', port: proto === 'irc' ? server.ircPort : server.httpPort, wsPath: '/ws', conns, ratePerSec: Number(values.rate), concurrency: 5000, procs: 2,
      lobby: false, timeoutMs: 30_000, holdMs: 1000, deadlineMs: 120_000, rssLimitMb: 4096, prefix: 'h', serverPid: server.pid, log: () => undefined,
      onHold: async (probe) => {
        await new Promise((r) => setTimeout(r, Number(values.settle) * 1000));
        rss1 = rssMb(server.pid);
        v1 = await v8Numbers(server.httpPort);
        m1 = smaps(server.pid);
        if (!values['no-snapshot']) full = await snapshot(server.pid, dir);
        return { open: (await probe()).open };
      },
    });
    const open = (r.onHold?.open as number | undefined) ?? r.registered;
    console.log(`${proto}: ${r.registered} registered, ${open} open at the snapshot (${values.settle} s after); load ${loadAverage()}; server env ${values.env.join(' ') || '-'}`);
    console.log(`RSS ${rss0.toFixed(1)} → ${rss1.toFixed(1)} MB: ${((rss1 - rss0) * 1024 / open).toFixed(2)} KB per connection`);
    for (const k of Object.keys(v0)) console.log(`  ${k}: ${(v0[k]! / 2 ** 20).toFixed(1)} → ${(v1[k]! / 2 ** 20).toFixed(1)} MB, ${((v1[k]! - v0[k]!) / 1024 / open).toFixed(2)} KB per connection`);
    for (const k of Object.keys(m0)) console.log(`  RSS ${k}: ${(m0[k]! / 1024).toFixed(1)} → ${(m1[k]! / 1024).toFixed(1)} MB, ${((m1[k]! - m0[k]!) / open).toFixed(2)} KB per connection`);
    if (values['no-snapshot']) return;
    const a = summarise(base), b = summarise(full);
    console.log(`live heap ${(a.total / 2 ** 20).toFixed(1)} → ${(b.total / 2 ** 20).toFixed(1)} MB: ${((b.total - a.total) / 1024 / open).toFixed(2)} KB per connection`);
    const rows = [...new Set([...a.byKey.keys(), ...b.byKey.keys()])].map((k) => {
      const x = a.byKey.get(k) ?? { count: 0, bytes: 0 }, y = b.byKey.get(k) ?? { count: 0, bytes: 0 };
      return { k, count: (y.count - x.count) / open, bytes: (y.bytes - x.bytes) / open };
    }).sort((p, q) => q.bytes - p.bytes).slice(0, Number(values.top));
    console.log('per connection: bytes  objects  type:constructor');
    for (const row of rows) console.log(`${row.bytes.toFixed(0).padStart(7)} ${row.count.toFixed(2).padStart(8)}  ${row.k}`);
    if (values.retainers.length === 0) return;
    console.log('held by (per connection):');
    const held = [...retainers(base, full, values.retainers)].sort((p, q) => q[1] - p[1]).slice(0, Number(values.top));
    for (const [k, n] of held) console.log(`${(n / open).toFixed(2).padStart(8)}  ${k}`);
  } finally {
    await server.stop();
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
