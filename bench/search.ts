/**
 * Search benchmark (`npm run bench:search`): worst-case `search` latency and event-loop
 * blocking on a large SQLite store.
 *
 * Builds (once; `--dir` keeps it for the next run) a store of `--messages` messages (default
 * 200,000) of 8–15 words each, drawn from a Zipf-distributed vocabulary of 20,000 made-up
 * words (40 % of messages also carry a number, as chat has ids and times), spread over 100
 * busy rooms and 300 DMs. The searcher is in one quiet room (`#mine`,
 * 0.25 % of the messages) and has 10 DMs, so every query has to skip the messages of other
 * people's conversations: the worst case for a full-text match that runs over the whole
 * table before filtering by conversation.
 *
 * For each query it reports what the search command answers, the wall time of `store.search`
 * and the longest event-loop stall during it (a 1 ms timer measures how late it fires).
 * Queries the command refuses (SEARCH_INVALID, when the code has that check: `searchWords`)
 * are still timed at the store with their raw words, to show what they would cost.
 *
 * Options: --messages N, --dir PATH (reuse or create the store there), --runs N (default 3;
 * the worst run is reported).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock, type SearchQuery } from '../src/core/ports.ts';
import { SqliteHandle } from '../src/storage/sqlite/open.ts';
import { SqliteStore } from '../src/storage/sqlite/store.ts';

const { values } = parseArgs({ options: { messages: { type: 'string' }, dir: { type: 'string' }, runs: { type: 'string' } } });
const MESSAGES = Number(values.messages ?? 200_000);
const RUNS = Number(values.runs ?? 3);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'banter-bench-search-'));
const fresh = !existsSync(join(dir, 'banter.db'));

/** Deterministic PRNG (mulberry32), so every run builds the same store. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const vocab = Array.from({ length: 20_000 }, () => Array.from({ length: 3 + Math.floor(rand() * 7) }, () => LETTERS[Math.floor(rand() * 26)]).join(''));
// Zipf(1): word i has weight 1/(i+1); sample through the cumulative weights.
const cumulative: number[] = [];
vocab.reduce((sum, _w, i) => { cumulative.push(sum + 1 / (i + 1)); return sum + 1 / (i + 1); }, 0);
function word(): string {
  const x = rand() * cumulative.at(-1)!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cumulative[mid]! < x) lo = mid + 1; else hi = mid; }
  return vocab[lo]!;
}

const opening = performance.now();
const store = new SqliteStore(new SqliteHandle({ dataDir: dir, synchronous: 'normal' }), { clock: systemClock, idempotencyWindowMs: 600_000 });
// Opening an existing store built by an older schema includes its migration (index backfill).
if (!fresh) console.log(`opened ${dir} in ${((performance.now() - opening) / 1000).toFixed(1)} s (including any pending migration)\n`);
const dmKey = (a: string, b: string): { conv: string; participants: string[] } => {
  const [x, y] = [a, b].sort() as [string, string];
  return { conv: `@${x}@${y}`, participants: [x, y] };
};

if (fresh) {
  const t0 = performance.now();
  const BATCH = 2000;
  for (let i = 0; i < MESSAGES; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(MESSAGES, i + BATCH); j++) {
      // Real chat has numbers, ids and links: many distinct tokens (40 % of messages have one).
      const words = Array.from({ length: 8 + Math.floor(rand() * 8) }, word);
      if (rand() < 0.4) words.push(String(Math.floor(rand() * 1_000_000)));
      const text = words.join(' ') + (j % 2 === 0 ? ' elsewhere' : '');
      const r = rand();
      if (r < 0.0025) batch.push(store.append({ conv: '#mine', to: '#mine', from: 'peer', text: text.replace(' elsewhere', '') }));
      else if (r < 0.01) {
        const dm = dmKey('seeker', `friend${Math.floor(rand() * 10)}`);
        batch.push(store.append({ ...dm, to: 'seeker', from: dm.participants.find((p) => p !== 'seeker')!, text: text.replace(' elsewhere', '') }));
      } else if (r < 0.1) {
        const dm = dmKey(`user${Math.floor(rand() * 20)}`, `user${20 + Math.floor(rand() * 10)}`);
        batch.push(store.append({ ...dm, to: dm.participants[1]!, from: dm.participants[0]!, text }));
      } else {
        const room = `#r${Math.floor(rand() * 100)}`;
        batch.push(store.append({ conv: room, to: room, from: `user${Math.floor(rand() * 50)}`, text }));
      }
    }
    await Promise.all(batch);
  }
  console.log(`built ${MESSAGES.toLocaleString('en-US')} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})\n`);
}

/** The search command's word check, where this version of the code has one. */
const command = await import('../src/core/commands/search.ts') as { searchWords?: (query: string) => string[] };

/** Runs fn while a 1 ms timer measures how late the event loop gets to it. */
async function measure(fn: () => Promise<unknown>): Promise<{ ms: number; stallMs: number; result: unknown }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 5));
  last = performance.now();
  const t0 = performance.now();
  let result: unknown;
  try {
    result = await fn();
  } catch (err) {
    result = err;
  }
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 2));
  clearInterval(timer);
  return { ms, stallMs: Math.max(stall, performance.now() - last), result };
}

const mine = { convs: ['#mine'], dmsOf: 'seeker', limit: 50 } satisfies Omit<SearchQuery, 'words'>;
const common3 = (() => {
  const counts = new Map<string, number>();
  for (const w of vocab.slice(0, 2000)) counts.set(w.slice(0, 3), (counts.get(w.slice(0, 3)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
})();
const cases: { label: string; query: string }[] = [
  { label: 'rare word', query: vocab[19_999]! },
  { label: 'most common word', query: vocab[0]! },
  { label: 'word only in others\' conversations (half of all messages)', query: 'elsewhere' },
  { label: 'two common words', query: `${vocab[0]} ${vocab[1]}` },
  { label: '1-letter prefix', query: 'a*' },
  { label: '1-digit prefix (numbers)', query: '1*' },
  { label: '16 × the same 1-digit prefix', query: Array(16).fill('1*').join(' ') },
  { label: '16 × the same 1-letter prefix', query: Array(16).fill('a*').join(' ') },
  { label: '16 different 1-letter prefixes', query: LETTERS.slice(0, 16).split('').map((c) => `${c}*`).join(' ') },
  { label: '2-letter prefix', query: `${common3.slice(0, 2)}*` },
  { label: `3-letter prefix (most common: ${common3}*)`, query: `${common3}*` },
  { label: '16 different 3-letter prefixes + elsewhere', query: [...new Set(vocab.slice(0, 200).map((w) => w.slice(0, 3)))].slice(0, 15).map((p) => `${p}*`).join(' ') + ' elsewhere' },
];

// The first search waits for the search worker to load (about 0.3 s after the store opens).
await store.search({ ...mine, words: ['warmup'] });
console.log(`| query | search command answers | store.search time (ms, worst of ${RUNS}) | longest event-loop stall (ms) |`);
console.log('| --- | --- | --- | --- |');
for (const c of cases) {
  let words = c.query.split(' ');
  let refused: string | undefined;
  try {
    if (command.searchWords) words = command.searchWords(c.query);
  } catch (err) {
    refused = (err as { code?: string }).code ?? String(err);
  }
  // A refused query is still timed at the store, with its raw words: what it would cost.
  let worst = { ms: 0, stallMs: 0, result: undefined as unknown };
  for (let i = 0; i < RUNS; i++) {
    const r = await measure(() => store.search({ ...mine, words }));
    if (r.ms > worst.ms) worst = r;
  }
  const res = Array.isArray(worst.result) ? `${worst.result.length} results` : `error: ${(worst.result as { code?: string }).code ?? String(worst.result)}`;
  console.log(`| ${c.label} | ${refused ? `refused: ${refused}` : res} | ${worst.ms.toFixed(1)}${refused ? ` (${res})` : ''} | ${worst.stallMs.toFixed(1)} |`);
}
await store.close();
if (!values.dir) rmSync(dir, { recursive: true, force: true });
