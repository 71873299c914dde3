/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- --prof DIR`, which runs Banter with
 * `--cpu-prof`): self time by function and by area (Node internals, a dependency, a Banter
 * source folder, GC, native/idle), as a share of the busy (non-idle) time, and — given the
 * number of deliveries made while profiling — the busy time per delivery.
 *
 *   node bench/profile-summary.ts DIR/file.cpuprofile [--deliveries N] [--window FROM:TO] [--top 25] [--turns]
 *
 * --window keeps only samples between two instants on the machine's monotonic clock, in µs
 * (V8's profile clock is the same as process.hrtime): `npm run bench` prints each step's
 * window, so start-up and connection set-up can be left out.
 *
 * --turns: the busy stretches between two idle samples (what holds the event loop at once: one
 * turn, or several back to back), their length distribution in ms of samples (the process's
 * running time; sampled wall time, which includes waiting for a CPU, is shown beside it), and
 * what the longest ones spent their time in.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { deliveries: { type: 'string' }, window: { type: 'string' }, top: { type: 'string', default: '25' }, turns: { type: 'boolean', default: false } } });
const file = positionals[0];
if (!file) {
  console.error('usage: node bench/profile-summary.ts FILE.cpuprofile [--deliveries N] [--window FROM:TO] [--top 25]');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const [from, to] = values.window ? values.window.split(':').map(Number) as [number, number] : [-Infinity, Infinity];
const selfUs = new Map<number, number>();
let at = prof.startTime;
for (let i = 0; i < prof.samples.length; i++) {
  at += prof.timeDeltas[i] ?? 0;
  if (at < from || at > to) continue;
  selfUs.set(prof.samples[i]!, (selfUs.get(prof.samples[i]!) ?? 0) + (prof.timeDeltas[i] ?? 0));
}

function area(n: Node): string {
  const { functionName, url } = n.callFrame;
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'native (program)';
  if (!url) return `native: ${functionName || '(anonymous)'}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `dep: ${nm[1]}`;
  const src = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  return src ? `banter: ${src[1]}` : url.replace(/^file:\/\//, '');
}

const fn = new Map<string, number>();
const areas = new Map<string, number>();
let total = 0, idle = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  total += us;
  const a = area(n);
  if (a === '(idle)') { idle += us; continue; }
  areas.set(a, (areas.get(a) ?? 0) + us);
  const where = n.callFrame.url ? `${n.callFrame.url.replace(/^file:\/\/.*?\/(src|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : '';
  const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
  fn.set(key, (fn.get(key) ?? 0) + us);
}
const busy = total - idle;
const top = Number(values.top);
const pct = (us: number): string => `${((us / busy) * 100).toFixed(1)} %`;
console.log(`profile: ${(total / 1e6).toFixed(2)} s sampled, busy ${(busy / 1e6).toFixed(2)} s (${((busy / total) * 100).toFixed(0)} %), idle ${(idle / 1e6).toFixed(2)} s`);
if (values.deliveries) {
  const d = Number(values.deliveries);
  console.log(`busy time per delivery: ${((busy / d) * 1000).toFixed(0)} ns (${d} deliveries)`);
}
console.log('\nby area (self time, share of busy):');
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(us).padStart(7)}  ${a}`);
console.log('\nby function (self time, share of busy):');
for (const [f, us] of [...fn].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(us).padStart(7)}  ${f}`);

if (values.turns) {
  // Consecutive non-idle samples form a stretch; its length is the sum of their deltas (wall,
  // includes time the thread waited for a CPU) and its sample count × the median delta (running).
  const deltas = prof.timeDeltas.filter((d) => d > 0).sort((a, b) => a - b);
  const tick = deltas[Math.floor(deltas.length / 2)] ?? 1000;
  const idleId = new Set(prof.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  interface Stretch { wallUs: number; samples: number; fns: Map<string, number> }
  const stretches: Stretch[] = [];
  let cur: Stretch | undefined;
  let t = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    const d = prof.timeDeltas[i] ?? 0;
    t += d;
    if (t < from || t > to) continue;
    const id = prof.samples[i]!;
    if (idleId.has(id)) { if (cur) stretches.push(cur); cur = undefined; continue; }
    cur ??= { wallUs: 0, samples: 0, fns: new Map() };
    cur.wallUs += d;
    cur.samples++;
    const a = area(byId.get(id)!);
    cur.fns.set(a, (cur.fns.get(a) ?? 0) + 1);
  }
  if (cur) stretches.push(cur);
  const runMs = (s: Stretch): number => (s.samples * tick) / 1000;
  const by = [...stretches].sort((a, b) => runMs(a) - runMs(b));
  const q = (p: number): string => (by.length ? runMs(by[Math.min(by.length - 1, Math.floor(p * by.length))]!).toFixed(1) : '—');
  const over = (ms: number): number => by.filter((s) => runMs(s) > ms).length;
  console.log(`\nbusy stretches: ${by.length} (sample interval ${(tick / 1000).toFixed(2)} ms); running length p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms; over 10 ms: ${over(10)}, over 5 ms: ${over(5)}`);
  console.log('longest stretches (running ms / sampled wall ms: areas by samples):');
  for (const s of by.slice(-Math.min(10, by.length)).reverse()) {
    const parts = [...s.fns].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([a, n]) => `${a} ${Math.round((n / s.samples) * 100)} %`);
    console.log(`  ${runMs(s).toFixed(1).padStart(6)} / ${(s.wallUs / 1000).toFixed(1).padStart(6)}: ${parts.join(', ')}`);
  }
}
