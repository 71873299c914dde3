/**
 * Images are processed in a worker thread (src/storage/files/sharp-worker.ts): sharp is never
 * loaded on the event loop's thread, not even for the first image (its load alone took about
 * 60 ms of the loop); the worker starts with the first image and stops when idle; a worker
 * that dies mid-job fails that upload only (IMAGE_UNAVAILABLE, nothing stored) and the next
 * image gets a fresh one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { SharpImages } from '../../src/storage/files/sharp-images.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { get, links, put, upload } from './helpers.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'banter-image-worker-'));
  dirs.push(d);
  return d;
}

/** Polls `f` until it holds (no fixed sleep; generous deadline for a loaded machine). */
async function eventually(f: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Calls `onJob` with the worker thread each image job is posted to (the pool's protocol:
 * `{ id, job }`). When it returns 'crash', the job is not delivered and the thread is ended,
 * as a crash in the middle of the job would end it (deterministically: the job cannot finish
 * first). Returns the undo.
 */
function watchImageJobs(onJob: (w: Worker) => 'crash' | undefined): () => void {
  const orig = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, msg: unknown, transfer?: Parameters<Worker['postMessage']>[1]) {
    if ((msg as { job?: { kind?: string } } | null)?.job?.kind === 'image' && onJob(this) === 'crash') {
      void this.terminate();
      return;
    }
    orig.call(this, msg, transfer);
  };
  return () => { Worker.prototype.postMessage = orig; };
}

const png = (width: number, height: number, colour = '#336699'): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();

it('never loads sharp on the event loop\'s thread: images and poster WebPs are made in the worker', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.png');
  writeFileSync(path, await png(640, 480));
  // A fresh process (this one loaded sharp to make the fixture), tracing what its main thread loads.
  const probe = `
    import { registerHooks } from 'node:module';
    import { readFileSync } from 'node:fs';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { SharpImages } = await import(${JSON.stringify(new URL('../../src/storage/files/sharp-images.ts', import.meta.url).href)});
    const images = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32 });
    const img = await images.process({ path: ${JSON.stringify(path)} }, 'image/png');
    const afterImage = loaded.slice();
    const webp = typeof images.webp === 'function' ? await images.webp(readFileSync(${JSON.stringify(path)}), 10_000_000) : new Uint8Array();
    await images.close?.();
    const riff = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).subarray(8, 12).toString('latin1');
    process.stdout.write(JSON.stringify({ afterImage, loaded, width: img.width, height: img.height, thumb: riff(img.thumb), stripped: img.stripped.byteLength, webp: riff(webp) }));`;
  const file = join(dir, 'probe.mjs');
  writeFileSync(file, probe);
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [file], { env, maxBuffer: 1 << 24, timeout: 120_000 }, (err, stdout, stderr) => err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout));
  });
  const r = JSON.parse(out) as { afterImage: string[]; loaded: string[]; width: number; height: number; thumb: string; stripped: number; webp: string };
  assert.ok(r.loaded.some((u) => u.endsWith('/src/storage/files/sharp-images.ts')), 'the trace works');
  assert.deepEqual([r.width, r.height, r.thumb], [640, 480, 'WEBP'], 'the image was processed: size and a WebP thumbnail');
  assert.ok(r.stripped > 0);
  const sharpModules = /[\\/]node_modules[\\/](sharp|@img)[\\/]/;
  assert.deepEqual(r.afterImage.filter((u) => sharpModules.test(u)), [], 'processing an image loaded no sharp module on the main thread');
  assert.equal(r.webp, 'WEBP', 'a poster frame (PNG) becomes a WebP in the worker');
  assert.deepEqual(r.loaded.filter((u) => sharpModules.test(u)), [], 'nor did the poster WebP');
});

it('the image worker starts with the first image, stops after idleMs, and a fresh one serves the next image', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.png');
  writeFileSync(path, await png(300, 200));
  const images = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32, idleMs: 200 });
  const started: Worker[] = [];
  const undo = watchImageJobs((w) => { if (!started.includes(w)) started.push(w); return undefined; });
  try {
    assert.equal(images.workers, 0, 'no worker before the first image');
    assert.equal((await images.process({ path }, 'image/png')).width, 300);
    assert.equal(images.workers, 1, 'the first image started the worker');
    const exited = new Promise((r) => started[0]!.once('exit', r));
    await exited;
    await eventually(() => images.workers === 0, 'the idle worker is gone');
    assert.equal((await images.process({ path }, 'image/png')).height, 200);
    assert.equal(started.length, 2, 'the next image ran in a new worker');
  } finally {
    undo();
    await images.close();
  }
});

it('never runs more images at once than `parallel`: one job per worker thread, at most `parallel` threads', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.png');
  writeFileSync(path, await png(800, 600));
  for (const parallel of [1, 2]) {
    const images = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32, parallel });
    const threads = new Set<Worker>();
    let most = 0;
    const undo = watchImageJobs((w) => { threads.add(w); return undefined; });
    const watch = setInterval(() => { most = Math.max(most, images.workers); }, 1);
    try {
      const all = await Promise.all(Array.from({ length: 6 }, () => images.process({ path }, 'image/png')));
      for (const r of all) assert.equal(r.width, 800);
      most = Math.max(most, images.workers);
      assert.equal(threads.size, parallel, `six images ran on ${parallel} worker thread(s)`);
      assert.ok(most <= parallel, `at most ${parallel} workers alive (saw ${most})`);
    } finally {
      clearInterval(watch);
      undo();
      await images.close();
    }
  }
});

it('a worker that dies mid-job fails that upload only (503 IMAGE_UNAVAILABLE, nothing stored); the next one gets a fresh worker', async () => {
  const dir = tempDir();
  const app = await startTestServer({ store: 'sqlite', dataDir: dir, 'sqlite.synchronous': 'normal' });
  const c = await TestClient.login(app, 'photographer');
  const other = await TestClient.login(app, 'bystander');
  let kill = true;
  const undo = watchImageJobs(() => {
    if (!kill) return undefined;
    kill = false;
    return 'crash'; // the first image's worker ends with its job in flight
  });
  try {
    const blobs = (): number => readdirSync(join(dir, 'files'), { recursive: true }).filter((f) => statSync(join(dir, 'files', String(f))).isFile() && !String(f).endsWith('link.key')).length;
    const before = blobs();
    const a = await png(400, 300, '#aa0000');
    const b = await png(200, 100, '#00aa00');
    const ta = await c.request('upload', { name: 'a.png', size: a.length });
    const tb = await c.request('upload', { name: 'b.png', size: b.length });
    // Both at once: whichever reaches the worker first has its worker die; the other waits, and gets a fresh worker.
    const [ra, rb] = await Promise.all([put(app, ta.url, a), put(app, tb.url, b)]);
    const [failed, ok, okSize] = ra.status === 201 ? [rb, ra, [400, 300]] : [ra, rb, [200, 100]];
    assert.equal(failed.status, 503, JSON.stringify(failed.json));
    assert.equal(failed.json.code, 'IMAGE_UNAVAILABLE');
    assert.match(failed.json.error ?? '', /nothing was stored/);
    assert.equal(ok.status, 201, `the other upload is unaffected: ${JSON.stringify(ok.json)}`);
    assert.deepEqual([ok.json.file?.width, ok.json.file?.height, ok.json.file?.thumb], [...okSize, true]);
    await other.request('ping', {});
    // The next upload works too, with its thumbnail; the failed one left nothing behind.
    const f = await upload(app, c, 'c.png', await png(120, 90, '#0000aa'));
    assert.deepEqual([f.width, f.height, f.thumb], [120, 90, true]);
    await c.request('send', { to: '#lobby', text: 'two pictures', files: [ok.json.file!.id, f.id] });
    const l = await links(c, [f.id]);
    const th = await get(app, l[f.id]!.thumb!);
    assert.equal(th.status, 200);
    assert.equal((await sharp(th.body).metadata()).format, 'webp');
    assert.equal(await app.core.deps.files!.sweep(), 0, 'no record of the failed upload');
    assert.equal(blobs() - before, 4, 'two images and two thumbnails stored: nothing of the failed upload');
  } finally {
    undo();
    c.close();
    other.close();
    await app.close();
  }
});
