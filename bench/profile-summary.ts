/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- --prof DIR`, which runs Banter with
 * `--cpu-prof`): self time by function and by area (Node internals, a dependency, a Banter
 * source folder, GC, native/idle), as a share of the busy (non-idle) time, and — given the
 * number of deliveries made while profiling — the busy time per delivery.
 *
 *   node bench/profile-summary.ts DIR/file.cpuprofile [--deliveries N] [--window FROM:TO] [--top 25]
 *
 * --window keeps only samples between two instants on the machine's monotonic clock, in µs
 * (V8's profile clock is the same as process.hrtime): `npm run bench` prints each step's
 * window, so start-up and connection set-up can be left out.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { deliveries: { type: 'string' }, window: { type: 'string' }, top: { type: 'string', default: '25' } } });
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
