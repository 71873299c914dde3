/**
 * bench/lib/task-timer.ts, preloaded into a real child process (as `load.ts --tasks` preloads
 * it into Banter): a task is a depth-0 callback plus the promise continuations and nextTicks
 * that run after it, each thread reports its own, its wall time counts a wait off the CPU and its CPU time does not, and
 * summarizeTasks merges only the seconds asked for. The child's tasks take a known shape
 * (busy or blocked for a fixed time) so the bounds are on what the code did, not on how fast
 * the machine is.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { readTasks, summarizeTasks } from '../../bench/lib/task-timer.ts';

const run = promisify(execFile);
const timer = new URL('../../bench/lib/task-timer.ts', import.meta.url).pathname;

// busy(ms) spins; block(ms) sleeps the thread without using a CPU.
const CHILD = `
const busy = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };
const block = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
import { Worker } from 'node:worker_threads';
// A worker thread's task goes to a file of its own, not into the main thread's (a worker from
// a file, as the store's is: eval workers do not get --import).
new Worker(process.env.WORKER_FILE);
setTimeout(function spin() {
  setImmediate(function spinThenContinue() {
    busy(30);
    // A promise continuation and a nextTick after the immediate's callback: the same task.
    Promise.resolve().then(() => busy(25));
    process.nextTick(() => busy(5));
    setTimeout(function sleeper() { block(40); setTimeout(() => {}, 20); }, 30);
  });
}, 20);
`;

test('task timer: one task is a callback and its continuations; wall counts a wait the CPU does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-task-timer-'));
  try {
    const out = join(dir, 'tasks.json');
    const worker = join(dir, 'worker.mjs');
    writeFileSync(worker, 'setImmediate(function workerSpin() { const end = performance.now() + 15; while (performance.now() < end); });');
    const child = join(dir, 'child.mjs');
    writeFileSync(child, CHILD);
    await run(process.execPath, [`--import=${timer}`, child], { env: { ...process.env, BENCH_TASK_TIMER_OUT: out, WORKER_FILE: worker } });
    const { main: buckets, workers } = readTasks(out);
    assert.ok(buckets.length >= 1);
    const all = buckets.flatMap((b) => b.longest);
    assert.ok(!all.some((t) => t.what === 'Immediate:workerSpin'), 'the worker\'s task is not the main thread\'s');
    const inWorker = workers.flatMap((b) => b.longest).find((t) => t.what === 'Immediate:workerSpin');
    assert.ok(inWorker && inWorker.wallMs >= 15, `the worker's task is in its own file: ${JSON.stringify(workers)}`);
    const spin = all.find((t) => t.what === 'Immediate:spinThenContinue');
    assert.ok(spin, `the immediate is a task of its own: ${JSON.stringify(all)}`);
    // 30 ms in the callback, 25 in its promise continuation, 5 in its nextTick: one task.
    assert.ok(spin.wallMs >= 60, `continuations belong to the task: ${spin.wallMs} ms`);
    const sleeper = all.find((t) => t.what === 'Timeout:sleeper');
    assert.ok(sleeper, `the sleeping timer is a task of its own: ${JSON.stringify(all)}`);
    assert.ok(sleeper.wallMs >= 40, `wall time includes the wait: ${sleeper.wallMs} ms`);
    assert.ok(sleeper.cpuMs < sleeper.wallMs / 2, `CPU time does not: ${sleeper.cpuMs} of ${sleeper.wallMs} ms`);
    const total = summarizeTasks(buckets, 0, Number.MAX_SAFE_INTEGER);
    assert.equal(total.seconds, buckets.length);
    assert.ok(total.wallOver10 >= 2, `both long tasks are over 10 ms: ${total.wallOver10}`);
    assert.ok(total.cpuOver10 >= 1);
    assert.ok(total.maxWallMs >= 60);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('summarizeTasks: only the seconds in [from, to), the five longest across them', () => {
  const b = (s: number, maxWallMs: number, over10: number, longest: number[]): Parameters<typeof summarizeTasks>[0][number] => ({
    s, tasks: 10, maxWallMs, maxCpuMs: maxWallMs / 2, wallOver5: over10 + 1, wallOver10: over10, cpuOver5: 0, cpuOver10: 0,
    longest: longest.map((w) => ({ wallMs: w, cpuMs: w / 2, what: `t${s}` })),
  });
  const buckets = [b(99, 50, 3, [50, 40, 30]), b(100, 12, 1, [12, 6, 1]), b(101, 9, 0, [9, 8, 7]), b(102, 20, 2, [20, 11, 2]), b(103, 70, 5, [70, 60, 50])];
  const s = summarizeTasks(buckets, 100, 103);
  assert.equal(s.seconds, 3);
  assert.equal(s.tasks, 30);
  assert.equal(s.maxWallMs, 20);
  assert.equal(s.maxCpuMs, 10);
  assert.equal(s.wallOver10, 3);
  assert.equal(s.wallOver5, 6);
  assert.deepEqual(s.longest.map((t) => t.wallMs), [20, 12, 11, 9, 8]);
});
