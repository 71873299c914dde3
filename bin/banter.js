#!/usr/bin/env node
// @ts-check
// The package's bin. Runs the built JavaScript (dist/, `npm run build`) when it was built from
// exactly the sources beside it, else the TypeScript sources (Node 24 strips their types).
// The built code starts faster and uses less memory: no type stripper is loaded
// (docs/benchmarks.md, "Build step and idle memory"). BANTER_SOURCES=1 forces the sources.
import { fileURLToPath } from 'node:url';
import { buildIsFresh } from './build-stamp.js';

/**
 * V8 flags for the server process (`banter serve`), which can only be given when a process
 * starts: a 4 MiB semi-space keeps the young generation small (V8's default grows it to
 * 16 MiB, which costs more RSS and more GC pauses over 10 ms under load), yet large enough that
 * the messages in flight under heavy fan-out die young instead of being promoted: at 10
 * channels × 100 IRC clients it sustained 1.25 M deliveries/s against 0.94 M with 2 MiB
 * (docs/benchmarks.md, "The young generation under load"). `--expose-gc` lets the server
 * compact its heap once start-up has settled and again once it goes idle after a busy spell
 * (src/server/heap-compactor.ts; docs/benchmarks.md, "Idle RSS" and "Compacting when idle").
 * BANTER_NODE_FLAGS replaces them ("" for V8's defaults). Applied by
 * replacing this process with one started with them (process.execve: same PID, same stdio,
 * signals and exit code); the new process has them in its execArgv, so it does not do it again,
 * and a flag already given on the command line (`node --max-semi-space-size=8 bin/banter.js`) wins.
 */
const DEFAULT_SERVER_FLAGS = '--max-semi-space-size=4 --expose-gc';
/**
 * glibc's malloc arenas for the server process, read by glibc when a process starts (so set
 * through the same execve): by default each thread that allocates gets its own arena (up to
 * 8 per core), each keeping what it once held; 2 (the main thread's and one shared by the
 * others: V8's GC helpers, libuv's pool, the worker threads) is ≈ 1.5 MB less idle RSS
 * (docs/benchmarks.md, "Idle RSS"). A MALLOC_ARENA_MAX in the environment wins.
 */
const DEFAULT_MALLOC_ARENA_MAX = '2';
if (process.argv[2] === 'serve' && typeof process.execve === 'function') {
  const flags = (process.env.BANTER_NODE_FLAGS ?? DEFAULT_SERVER_FLAGS).split(' ').filter((f) => f !== '');
  const given = new Set(process.execArgv.map((a) => a.split('=')[0]));
  const add = flags.filter((f) => !given.has(f.split('=')[0]));
  const arenas = process.env.MALLOC_ARENA_MAX === undefined;
  if (add.length > 0 || arenas) {
    try {
      const env = arenas ? { ...process.env, MALLOC_ARENA_MAX: DEFAULT_MALLOC_ARENA_MAX } : process.env;
      process.execve(process.execPath, [process.execPath, ...add, ...process.execArgv, ...process.argv.slice(1)], env);
    } catch (err) {
      // Only reached when the exec itself failed: serve with V8's defaults rather than not at all.
      process.stderr.write(`banter: could not apply ${[...add, ...(arenas ? [`MALLOC_ARENA_MAX=${DEFAULT_MALLOC_ARENA_MAX}`] : [])].join(' ')} (${err instanceof Error ? err.message : String(err)}); serving with V8's and glibc's defaults\n`);
    }
  }
}

const root = fileURLToPath(new URL('..', import.meta.url));
if (process.env.BANTER_SOURCES !== '1' && buildIsFresh(root)) await import('../dist/cli.js');
else await import('../src/cli.ts');
