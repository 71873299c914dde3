/**
 * `node bench/promoted.ts` — what the server promotes to V8's old generation under real load, by
 * allocation site. The old generation's growth between two major GCs is most of the server's RSS
 * at a heavy fan-out, and how fast it grows (against how fast a major GC marks) sets how far V8
 * lets it grow before the next one: less promoted per message means a lower peak.
 *
 * Starts a Banter server in this process (bench environment: flood control off, `--store`
 * memory or sqlite in a temporary directory), prints its IRC and WebSocket ports, waits
 * `--wait` seconds (start `bench/load.ts --target 127.0.0.1:PORT` meanwhile), then samples
 * allocations for `--seconds` with V8's sampling heap profiler keeping objects a major GC
 * collected but dropping those a minor GC (scavenge) collected: what is left is what survived
 * the young generation, i.e. was promoted (or is still young at the end, a few MB at most).
 * Prints the top sites, with bytes per second, and stops by itself.
 *
 * The profiler costs CPU: a server it makes fall behind promotes what waits for it, so keep the
 * rate below the server's maximum and the sampling interval coarse (`--interval`, bytes, default 16384).
 *
 *   node bench/promoted.ts [--store memory] [--wait 8] [--seconds 6] [--top 30] [--interval 16384]
 *   node bench/load.ts --proto irc --target 127.0.0.1:PORT --clients 500 --channels 1 --senders 5 --rate 1280 --duration 12
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BANTER_BENCH_ENV } from './lib/servers.ts';
import { bytesBySite, heaviest, type ProfileNode } from './lib/heap-sites.ts';
import { startApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { silentLogger } from '../src/server/logger.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'memory' }, wait: { type: 'string', default: '8' }, seconds: { type: 'string', default: '6' }, top: { type: 'string', default: '30' }, interval: { type: 'string', default: '16384' } } });
const WAIT = Number(values.wait), SECONDS = Number(values.seconds), TOP = Number(values.top), INTERVAL = Number(values.interval);
if (!['memory', 'sqlite'].includes(values.store!) || ![WAIT, SECONDS, TOP].every((n) => Number.isFinite(n) && n > 0 && n <= 600) || !Number.isInteger(INTERVAL) || INTERVAL < 64) {
  console.error('promoted: --store memory|sqlite, --wait/--seconds/--top positive (≤ 600)');
  process.exit(2);
}
const dataDir = values.store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'banter-promoted-')) : undefined;
const config = loadConfig({ env: BANTER_BENCH_ENV, overrides: { host: '127.0.0.1', port: 0, 'irc.port': 0, store: values.store!, ...(dataDir !== undefined ? { dataDir } : {}) } });
const app = await startApp(config, { log: silentLogger() });
console.log(`irc 127.0.0.1:${app.ircPort} ws 127.0.0.1:${app.port} pid ${process.pid}; sampling in ${WAIT} s for ${SECONDS} s`);


const stop = setTimeout(() => { console.error('promoted: deadline'); process.exit(1); }, (WAIT + SECONDS + 60) * 1000);
try {
  await new Promise((r) => setTimeout(r, WAIT * 1000));
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const { profile } = await session.post('HeapProfiler.stopSampling') as unknown as { profile: { head: ProfileNode } };
  session.disconnect();
  const { bySite, total } = bytesBySite(profile.head);
  console.log(`survived the young generation: ${(total / SECONDS / 1e6).toFixed(2)} MB/s over ${SECONDS} s`);
  for (const [k, v] of heaviest(bySite, TOP)) console.log(`${(v / SECONDS / 1e3).toFixed(0).padStart(7)} KB/s  ${k}`);
} finally {
  clearTimeout(stop);
  await app.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
