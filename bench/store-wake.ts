/**
 * What a call pays when the SQLite store worker (and the search worker) is stopped for
 * idleness (`sqlite.workerIdleMs`, `search.idleMs`): the store as the server builds it
 * (`createStorage` from dist/, as `banter serve` runs it: `npm run build:server` first; with
 * --sources the TypeScript sources, whose workers load Node's type stripper, slower), and for
 * `--rounds` rounds: wait until both workers have stopped, then time an append (starts the
 * store worker), a second append (warm), a search (starts a search worker inside it) and a
 * second search (warm). Prints p50/max per step, the load average beside them.
 *
 *   node bench/store-wake.ts [--rounds 5] [--idle-ms 300] [--sources]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RemoteSqliteStore } from '../src/storage/sqlite/remote-store.ts';
import { loadAverage } from './lib/servers.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, 'idle-ms': { type: 'string', default: '300' }, sources: { type: 'boolean', default: false } } });
const code = values.sources ? { root: '../src/', ext: '.ts' } : { root: '../dist/', ext: '.js' };
const mod = async <T>(path: string): Promise<T> => await import(new URL(`${code.root}${path}${code.ext}`, import.meta.url).href) as T;
const { systemClock } = await mod<typeof import('../src/core/ports.ts')>('core/ports');
const { loadConfig } = await mod<typeof import('../src/server/config.ts')>('server/config');
const { createStorage } = await mod<typeof import('../src/server/storage.ts')>('server/storage');
const idleMs = Number(values['idle-ms']);
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'banter-wake-'));
const { store, accounts, moderation } = await createStorage(loadConfig({ overrides: { dataDir: dir, 'sqlite.workerIdleMs': idleMs, 'search.idleMs': idleMs } }), systemClock, quiet);
const remote = store as unknown as RemoteSqliteStore;
const times: Record<string, number[]> = { 'append (worker stopped)': [], 'append (warm)': [], 'search (worker stopped)': [], 'search (warm)': [] };
const timed = async (k: string, f: () => Promise<unknown>): Promise<void> => {
  const t0 = performance.now();
  await f();
  times[k]!.push(performance.now() - t0);
};
try {
  for (let r = 0; r < Number(values.rounds); r++) {
    while (remote.running) await new Promise((res) => setTimeout(res, 20));
    await timed('append (worker stopped)', () => store.append({ conv: '#wake', to: '#wake', from: 'alice', text: `round ${r} deploy` }));
    await timed('append (warm)', () => store.append({ conv: '#wake', to: '#wake', from: 'alice', text: `round ${r} again` }));
    // The search worker (inside the store worker) is stopped too: it stopped with it, or after search.idleMs.
    await new Promise((res) => setTimeout(res, idleMs + 50));
    while (remote.running) await new Promise((res) => setTimeout(res, 20));
    await timed('search (worker stopped)', () => store.search({ words: ['deploy'], convs: ['#wake'], limit: 10 }));
    await timed('search (warm)', () => store.search({ words: ['deploy'], convs: ['#wake'], limit: 10 }));
  }
} finally {
  await store.close();
  await moderation.close?.();
  await accounts.close();
  rmSync(dir, { recursive: true, force: true });
}
const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
console.table(Object.entries(times).map(([step, xs]) => ({ step, p50Ms: Math.round(q(xs, 0.5)), maxMs: Math.round(Math.max(...xs)), n: xs.length, loadAvg: loadAverage() })));
console.log(`store workers started: ${remote.workersStarted}`);
