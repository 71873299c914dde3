/**
 * How image work shares the machine with chat.
 *
 * Images are processed `parallel` at a time (default 1, so a core stays free for the event
 * loop): a caller arriving while a finished job hands its turn to the next waiter must wait
 * too. The old queue lowered its count first and woke the waiter a microtask later, so a
 * caller whose continuation was already queued then started alongside the waiter: two
 * images decoded at once. Observed on real sharp: a spy counts its operations in flight.
 *
 * The threads that decode and encode run at a lower CPU priority (files.nice), the event
 * loop at its own: read from /proc, per thread.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import sharp from 'sharp';
import { Slots } from '../../src/core/slots.ts';
import { SharpImages } from '../../src/storage/files/sharp-images.ts';

type Op = (this: unknown, ...args: unknown[]) => Promise<unknown>;

it('never runs more images at once than `parallel`, whenever new callers arrive', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-image-slots-'));
  const proto = Object.getPrototypeOf(sharp()) as { toBuffer: Op; metadata: Op };
  const saved = { toBuffer: proto.toBuffer, metadata: proto.metadata };
  let inFlight = 0;
  let most = 0;
  /** Called as each sharp operation settles, before its caller resumes (the race's window). */
  let onSettle: ((p: Promise<unknown>) => void) | undefined;
  for (const name of ['toBuffer', 'metadata'] as const) {
    const orig = saved[name];
    proto[name] = function (this: unknown, ...args: unknown[]) {
      inFlight++;
      most = Math.max(most, inFlight);
      const p = orig.apply(this, args).finally(() => { inFlight--; });
      onSettle?.(p);
      return p;
    };
  }
  try {
    const path = join(dir, 'a.png');
    writeFileSync(path, await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } }).png().toBuffer());
    const images = new SharpImages({ maxPixels: 1_000_000, thumbSize: 16, parallel: 1 });
    await images.process({ path }, 'image/png'); // loads sharp: the measured runs start at once
    most = 0;
    const late: Promise<unknown>[] = [];
    // After every sharp operation settles, new callers start a few microtasks later, at each
    // depth: one of them lands between a job's end and the waiter it wakes.
    onSettle = (p) => {
      if (late.length >= 40) return;
      for (let depth = 0; depth < 8; depth++) {
        let q: Promise<unknown> = p;
        for (let i = 0; i < depth; i++) q = q.then(() => undefined, () => undefined);
        late.push(q.then(() => images.process({ path }, 'image/png')));
      }
    };
    const first = [images.process({ path }, 'image/png'), images.process({ path }, 'image/png')];
    await Promise.all(first);
    // Settle the callers that were added while others ran (they add no more past 40).
    for (let seen = 0; seen < late.length;) {
      const n = late.length;
      const results = await Promise.all(late.slice(seen));
      for (const r of results) assert.equal((r as { width: number }).width, 64);
      seen = n;
    }
    assert.ok(late.length >= 40, `the race was tried (${late.length} late callers)`);
    assert.equal(most, 1, `at most one sharp operation in flight with parallel = 1 (saw ${most})`);
  } finally {
    Object.assign(proto, saved);
    rmSync(dir, { recursive: true, force: true });
  }
});

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

/** Name and nice value of each thread of this process (Linux). */
function threads(): { tid: number; name: string; nice: number }[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      return [{ tid: Number(tid), name, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) }];
    } catch {
      return [];
    }
  });
}

it('image work runs at files.nice: libuv pool and libvips worker threads lowered, the event loop untouched', { skip: process.platform !== 'linux' && 'per-thread priorities are read from /proc' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-image-nice-'));
  try {
    const path = join(dir, 'b.jpg');
    writeFileSync(path, await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#996633', noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).jpeg().toBuffer());
    const images = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32, nice: 7 });
    // Twice: libvips makes its workers during the first image; any it made un-niced are lowered before the second.
    for (let i = 0; i < 2; i++) assert.equal((await images.process({ path }, 'image/jpeg')).width, 1200);
    const ts = threads();
    const workers = ts.filter((t) => t.name === 'libuv-worker' || t.name === 'libvips worker');
    assert.ok(workers.some((t) => t.name === 'libvips worker'), `libvips made workers (${ts.map((t) => t.name).join(', ')})`);
    assert.deepEqual(workers.filter((t) => t.nice !== 7), [], 'every image worker thread is at nice 7');
    assert.equal(ts.find((t) => t.tid === process.pid)?.nice, 0, 'the event loop (main thread) keeps its priority');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
