/**
 * How image work shares the machine with chat.
 *
 * Jobs run `size` at a time in Slots (video poster frames; images run one per worker thread,
 * test/files/image-worker.test.ts): a caller arriving while a finished job hands its turn to
 * the next waiter must wait too. The old queue lowered its count first and woke the waiter a
 * microtask later, so a caller whose continuation was already queued then started alongside
 * the waiter: two jobs at once.
 *
 * The image work runs in a child process at a lower CPU priority (files.nice); the server's
 * own threads (event loop, libuv's pool) keep theirs: read from /proc, per thread.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import sharp from 'sharp';
import { Slots } from '../../src/core/slots.ts';
import { SharpImages } from '../../src/storage/files/sharp-images.ts';

it('Slots: a finishing job hands its slot to the next waiter; a caller arriving meanwhile waits', async () => {
  for (const size of [1, 2, 3]) {
    const slots = new Slots(size);
    let now = 0;
    let most = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const job = async (): Promise<void> => { now++; most = Math.max(most, now); await gate; now--; };
    const all: Promise<unknown>[] = Array.from({ length: size + 2 }, () => slots.run(job));
    assert.equal(slots.busy, size);
    assert.equal(slots.queued, 2);
    // Callers whose continuations are queued at each depth behind the jobs' ends.
    for (let depth = 0; depth < 8; depth++) {
      let q: Promise<unknown> = gate;
      for (let i = 0; i < depth; i++) q = q.then(() => undefined);
      all.push(q.then(() => slots.run(job)));
    }
    open();
    await Promise.all(all);
    assert.equal(most, size, `size ${size}: never more jobs at once`);
    assert.equal(slots.busy, 0);
    assert.equal(slots.queued, 0);
  }
  assert.throws(() => new Slots(0), RangeError);
});

/** Name and nice value of each thread of a process (Linux). */
function threads(pid: number | 'self' = 'self'): { tid: number; name: string; nice: number }[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      return [{ tid: Number(tid), name, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) }];
    } catch {
      return [];
    }
  });
}

it('image work runs at files.nice in its own process; every thread of the server keeps its priority', { skip: process.platform !== 'linux' && 'per-thread priorities are read from /proc' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-image-nice-'));
  let images: SharpImages | undefined;
  try {
    const path = join(dir, 'b.jpg');
    writeFileSync(path, await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#996633', noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).jpeg().toBuffer());
    images = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32, nice: 7 });
    const own = threads().map((t) => t.nice);
    for (let i = 0; i < 2; i++) assert.equal((await images.process({ path }, 'image/jpeg')).width, 1200);
    const [pid] = images.pids;
    assert.ok(pid !== undefined, 'a child process did the work');
    const child = threads(pid);
    assert.ok(child.some((t) => t.name === 'libvips worker'), `libvips made its workers in the child (${child.map((t) => t.name).join(', ')})`);
    assert.deepEqual(child.filter((t) => t.nice !== 7 + own[0]!).map((t) => t.name), [], 'every thread of the child is at nice 7');
    assert.deepEqual(threads().filter((t) => t.nice !== own[0]).map((t) => t.name), [], 'no thread of this process (event loop, libuv pool) was lowered');
  } finally {
    await images?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
