/**
 * Preloaded into a benchmarked Banter (`node --import ./bench/lib/task-timer.ts`, which
 * `load.ts --tasks` adds): how long each synchronous task of the main thread ran, the measure
 * behind issue #17's "no single synchronous task over 10 ms".
 *
 * A task is one callback the event loop made from native code (a socket read, a timer, an
 * immediate, a MessagePort message, a close…) together with the nextTicks and promise
 * continuations that run after it before the loop moves on: async_hooks' `before` of a
 * resource at depth 0 starts one, and it ends at the last `after` (of anything, promises and
 * ticks included) before the next one starts. So the resumption of a whole group commit's
 * answers (one MessagePort message, then each message's fan-out as a promise continuation) is
 * one task, and one poll phase of many socket reads is many. The loop monitor's longest turn
 * (`banter_event_loop_longest_turn_seconds`) is the longest gap between two timer checks: a
 * whole loop iteration, plus any time the thread waited for a CPU.
 *
 * Each task has its wall time and its thread CPU time (`process.threadCpuUsage`, read when a
 * task starts: a task's CPU is what the thread used from its start to the next task's start,
 * which adds the native work in between, libuv's and idle-time GC, so it is an upper bound).
 * Wall time over CPU time is time the thread was off the CPU: preempted on a shared machine.
 *
 * The hooks cost: every promise gets a `before` and an `after` (promise hooks on). At 800 msg/s
 * per sender, 10 × 100 × 10, the server's CPU per delivery was 1.23–1.30 µs with them against
 * 1.23 without (docs/benchmarks.md, session 15), so the durations are upper bounds of the
 * uninstrumented server's, by a little.
 *
 * Output: every 250 ms the file named by BENCH_TASK_TIMER_OUT (the main thread's; a worker
 * thread's is that name with `.thread<id>` after it) is rewritten with one bucket per
 * epoch second: tasks, the longest wall and CPU, how many were over 5 and 10 ms (wall and CPU),
 * and the three longest with what ran (the resource type and the callback's name). At most
 * MAX_BUCKETS seconds are kept (the oldest go), so a long run stays bounded.
 */
import { createHook, executionAsyncResource } from 'node:async_hooks';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, threadId } from 'node:worker_threads';

export interface TaskRecord { wallMs: number; cpuMs: number; what: string }
export interface TaskBucket {
  /** Epoch second the tasks started in. */
  s: number;
  tasks: number;
  maxWallMs: number;
  maxCpuMs: number;
  wallOver5: number;
  wallOver10: number;
  cpuOver5: number;
  cpuOver10: number;
  /** The three longest by wall time. */
  longest: TaskRecord[];
}

const MAX_BUCKETS = 3600;
/** Workers inherit `--import`: each thread writes a file of its own, the main thread's the named one. */
const out = process.env.BENCH_TASK_TIMER_OUT && (isMainThread ? process.env.BENCH_TASK_TIMER_OUT : `${process.env.BENCH_TASK_TIMER_OUT}.thread${threadId}`);

/** What a resource is, for the report: its type and, for timers and immediates, the callback's name. */
function describe(r: unknown): string {
  if (r === null || typeof r !== 'object') return String(r);
  const o = r as { constructor?: { name?: string }; _onTimeout?: { name?: string }; _onImmediate?: { name?: string }; callback?: { name?: string } };
  const type = o.constructor?.name ?? 'Object';
  const fn = o._onTimeout ?? o._onImmediate ?? o.callback;
  return fn && typeof fn === 'object' || typeof fn === 'function' ? `${type}:${(fn as { name?: string }).name || 'anonymous'}` : type;
}

if (out) {
  const buckets = new Map<number, TaskBucket>();
  let depth = 0;
  let open = false;
  let start = 0;
  let startEpoch = 0;
  let lastAfter = 0;
  let cpuStart = 0;
  let what = '';
  const cpuNow = (): number => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000; };
  const close = (cpuEnd: number): void => {
    open = false;
    const wallMs = lastAfter - start;
    const cpuMs = cpuEnd - cpuStart;
    const s = Math.floor(startEpoch / 1000);
    let b = buckets.get(s);
    if (!b) {
      b = { s, tasks: 0, maxWallMs: 0, maxCpuMs: 0, wallOver5: 0, wallOver10: 0, cpuOver5: 0, cpuOver10: 0, longest: [] };
      buckets.set(s, b);
      if (buckets.size > MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
    }
    b.tasks++;
    if (wallMs > b.maxWallMs) b.maxWallMs = wallMs;
    if (cpuMs > b.maxCpuMs) b.maxCpuMs = cpuMs;
    if (wallMs > 5) b.wallOver5++;
    if (wallMs > 10) b.wallOver10++;
    if (cpuMs > 5) b.cpuOver5++;
    if (cpuMs > 10) b.cpuOver10++;
    if (b.longest.length < 3 || wallMs > b.longest[b.longest.length - 1]!.wallMs) {
      b.longest.push({ wallMs: Math.round(wallMs * 100) / 100, cpuMs: Math.round(cpuMs * 100) / 100, what });
      b.longest.sort((x, y) => y.wallMs - x.wallMs);
      if (b.longest.length > 3) b.longest.pop();
    }
  };
  // Callbacks that run after a task's own in the same synchronous stretch: promise reactions
  // (their resource is the promise), nextTicks and queueMicrotask callbacks (plain objects,
  // known only by the type init was given).
  const ticks = new WeakSet<object>();
  createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject' || type === 'Microtask') ticks.add(resource);
    },
    before() {
      if (depth++ > 0) return;
      const r = executionAsyncResource();
      // Promise continuations and nextTicks at depth 0 run after a task's callback returned: part of it.
      if (open && (r === undefined || r instanceof Promise || ticks.has(r))) return;
      const now = performance.now();
      const cpu = cpuNow();
      if (open) close(cpu);
      open = true;
      start = now;
      lastAfter = now;
      startEpoch = performance.timeOrigin + now;
      cpuStart = cpu;
      what = describe(r);
    },
    after() {
      depth = Math.max(0, depth - 1);
      if (depth === 0) lastAfter = performance.now();
    },
  }).enable();

  const write = (): void => {
    const tmp = `${out}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify([...buckets.values()]));
      renameSync(tmp, out);
    } catch { /* the reader retries; a full disk is not the server's problem */ }
  };
  setInterval(write, 250).unref();
  // A task is closed when the next one starts; at exit the last one has ended too.
  process.once('exit', () => { if (open && depth === 0) close(cpuNow()); write(); });
}

/** The buckets of the main thread (`file`) and, merged, of all worker threads (`file.thread<id>`). */
export function readTasks(file: string): { main: TaskBucket[]; workers: TaskBucket[] } {
  const read = (f: string): TaskBucket[] => { try { return JSON.parse(readFileSync(f, 'utf8')) as TaskBucket[]; } catch { return []; } };
  const prefix = `${basename(file)}.thread`;
  const workers = readdirSync(dirname(file)).filter((f) => f.startsWith(prefix) && !f.endsWith('.tmp')).flatMap((f) => read(join(dirname(file), f)));
  return { main: read(file), workers };
}

/** Merges the buckets of seconds [fromS, toS) into one summary (for load.ts). */
export function summarizeTasks(all: readonly TaskBucket[], fromS: number, toS: number): Omit<TaskBucket, 's'> & { seconds: number } {
  const sum = { seconds: 0, tasks: 0, maxWallMs: 0, maxCpuMs: 0, wallOver5: 0, wallOver10: 0, cpuOver5: 0, cpuOver10: 0, longest: [] as TaskRecord[] };
  for (const b of all) {
    if (b.s < fromS || b.s >= toS) continue;
    sum.seconds++;
    sum.tasks += b.tasks;
    sum.maxWallMs = Math.max(sum.maxWallMs, b.maxWallMs);
    sum.maxCpuMs = Math.max(sum.maxCpuMs, b.maxCpuMs);
    sum.wallOver5 += b.wallOver5; sum.wallOver10 += b.wallOver10; sum.cpuOver5 += b.cpuOver5; sum.cpuOver10 += b.cpuOver10;
    sum.longest.push(...b.longest);
  }
  sum.longest.sort((x, y) => y.wallMs - x.wallMs);
  sum.longest = sum.longest.slice(0, 5);
  sum.maxWallMs = Math.round(sum.maxWallMs * 100) / 100;
  sum.maxCpuMs = Math.round(sum.maxCpuMs * 100) / 100;
  return sum;
}
