/**
 * Images are processed in a child process (src/storage/files/sharp-child.ts): sharp is never
 * loaded into the server's process, not even for the first image (its load alone took about
 * 60 ms of the event loop, and libvips' memory stayed in the server's RSS); the child starts
 * with the first image and exits when idle; a child that dies mid-job fails that upload only
 * (IMAGE_UNAVAILABLE, nothing stored) and the next image gets a fresh one.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import sharp from 'sharp';
import type { FileService } from '../../src/core/files/service.ts';
import { PRLIMIT } from '../../src/storage/files/bounded-command.ts';
import { SharpImages } from '../../src/storage/files/sharp-images.ts';
import { runProbe } from '../helpers/probe.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { get, links, put, storedBlobs, upload } from './helpers.ts';

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
    await new Promise((r) => setTimeout(r, 10));
  }
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

const png = (width: number, height: number, colour = '#336699'): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();

it('never loads sharp into the server\'s process: images and poster WebPs are made by the child', { skip: process.platform !== 'linux' && 'reads /proc/self/maps' }, async () => {
  const dir = tempDir();
  const path = join(dir, 'in.png');
  writeFileSync(path, await png(640, 480));
  // A fresh process (this one loaded sharp to make the fixture), tracing what it loads and maps.
  const probe = `
    import { registerHooks } from 'node:module';
    import { readFileSync } from 'node:fs';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { SharpImages } = await import(${JSON.stringify(new URL('../../src/storage/files/sharp-images.ts', import.meta.url).href)});
    const images = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32 });
    const img = await images.process({ path: ${JSON.stringify(path)} }, 'image/png');
    const afterImage = loaded.slice();
    const mapped = readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => /libvips|sharp/.test(l)).length;
    const webp = typeof images.webp === 'function' ? await images.webp(readFileSync(${JSON.stringify(path)}), 10_000_000) : new Uint8Array();
    await images.close?.();
    const riff = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).subarray(8, 12).toString('latin1');
    process.stdout.write(JSON.stringify({ afterImage, loaded, mapped, width: img.width, height: img.height, thumb: riff(img.thumb), stripped: img.stripped.reduce((n, p) => n + p.byteLength, 0), parts: img.stripped.length, webp: riff(webp) }));`;
  const out = await runProbe(dir, probe);
  const r = JSON.parse(out) as { afterImage: string[]; loaded: string[]; mapped: number; width: number; height: number; thumb: string; stripped: number; webp: string };
  assert.ok(r.loaded.some((u) => u.endsWith('/src/storage/files/sharp-images.ts')), 'the trace works');
  assert.deepEqual([r.width, r.height, r.thumb], [640, 480, 'WEBP'], 'the image was processed: size and a WebP thumbnail');
  assert.ok(r.stripped > 0);
  const sharpModules = /[\\/]node_modules[\\/](sharp|@img)[\\/]/;
  assert.deepEqual(r.afterImage.filter((u) => sharpModules.test(u)), [], 'processing an image loaded no sharp module into this process');
  assert.equal(r.mapped, 0, 'nor mapped libvips into it');
  assert.equal(r.webp, 'WEBP', 'a poster frame (PNG) becomes a WebP in the child');
  assert.deepEqual(r.loaded.filter((u) => sharpModules.test(u)), [], 'nor did the poster WebP');
});

it('the image worker process starts with the first image, exits after idleMs, and a fresh one serves the next image', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.png');
  writeFileSync(path, await png(300, 200));
  const images = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32, idleMs: 200 });
  try {
    assert.equal(images.workers, 0, 'no process before the first image');
    assert.equal((await images.process({ path }, 'image/png')).width, 300);
    assert.equal(images.workers, 1, 'the first image started one');
    const [first] = images.pids;
    assert.ok(first !== undefined && alive(first));
    await eventually(() => !alive(first) && images.workers === 0, 'the idle process has exited');
    assert.equal((await images.process({ path }, 'image/png')).height, 200);
    const [second] = images.pids;
    assert.ok(second !== undefined && second !== first, 'the next image ran in a new process');
  } finally {
    await images.close();
  }
});

it('never runs more images at once than `parallel`: one job per child process, at most `parallel` processes', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.png');
  writeFileSync(path, await png(800, 600));
  for (const parallel of [1, 2]) {
    const images = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32, parallel });
    const pids = new Set<number>();
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, images.workers, images.busy);
      for (const p of images.pids) pids.add(p);
    }, 1);
    try {
      const all = await Promise.all(Array.from({ length: 6 }, () => images.process({ path }, 'image/png')));
      for (const r of all) assert.equal(r.width, 800);
      for (const p of images.pids) pids.add(p);
      assert.equal(pids.size, parallel, `six images ran in ${parallel} process(es)`);
      assert.ok(most <= parallel, `at most ${parallel} processes alive (saw ${most})`);
    } finally {
      clearInterval(watch);
      await images.close();
    }
  }
});

it('a worker process that dies mid-job fails that upload only (503 IMAGE_UNAVAILABLE, nothing stored); the next one gets a fresh process', async () => {
  const dir = tempDir();
  const app = await startTestServer({ store: 'sqlite', dataDir: dir, 'sqlite.synchronous': 'normal' });
  const c = await TestClient.login(app, 'photographer');
  const other = await TestClient.login(app, 'bystander');
  const images = (app.core.deps.files as unknown as { deps: { images: SharpImages } }).deps.images;
  let stopped: number | undefined;
  try {
    const blobs = (): number => storedBlobs(dir).length;
    // A first image starts the process (it stays for files.imageIdleMs).
    const first = await upload(app, c, 'first.png', await png(64, 48));
    assert.equal(first.thumb, true);
    const before = blobs();
    const [pid] = images.pids;
    assert.ok(pid !== undefined);
    // Stopped, it takes the next job and cannot answer: killed then, it dies with that job in hand.
    process.kill(pid, 'SIGSTOP');
    stopped = pid;
    const a = await png(400, 300, '#aa0000');
    const b = await png(200, 100, '#00aa00');
    const ta = await c.request('upload', { name: 'a.png', size: a.length });
    const tb = await c.request('upload', { name: 'b.png', size: b.length });
    const ra = put(app, ta.url, a);
    await eventually(() => images.busy === 1, 'the first upload\'s image is in the stopped process');
    const rb = put(app, tb.url, b); // waits for the process
    await other.request('ping', {});
    process.kill(pid, 'SIGKILL');
    stopped = undefined;
    const [failed, ok] = await Promise.all([ra, rb]);
    assert.equal(failed.status, 503, JSON.stringify(failed.json));
    assert.equal(failed.json.code, 'IMAGE_UNAVAILABLE');
    assert.match(failed.json.error ?? '', /nothing was stored/);
    assert.equal(ok.status, 201, `the waiting upload is unaffected: ${JSON.stringify(ok.json)}`);
    assert.deepEqual([ok.json.file?.width, ok.json.file?.height, ok.json.file?.thumb], [200, 100, true]);
    assert.notEqual(images.pids[0], pid, 'in a fresh process');
    await other.request('ping', {});
    // The next upload works too, with its thumbnail; the failed one left nothing behind.
    const f = await upload(app, c, 'c.png', await png(120, 90, '#0000aa'));
    assert.deepEqual([f.width, f.height, f.thumb], [120, 90, true]);
    await c.request('send', { to: '#lobby', text: 'two pictures', files: [ok.json.file!.id, f.id] });
    const l = await links(c, [f.id]);
    const th = await get(app, l[f.id]!.thumb!);
    assert.equal(th.status, 200);
    assert.equal((await sharp(th.body).metadata()).format, 'webp');
    assert.equal(await (app.core.deps.files as FileService).sweep(), 0, 'no record of the failed upload');
    assert.equal(blobs() - before, 4, 'two images and two thumbnails stored: nothing of the failed upload');
  } finally {
    if (stopped !== undefined) process.kill(stopped, 'SIGKILL');
    c.close();
    other.close();
    await app.close();
  }
});

it('an image that needs more memory than files.imageMemoryBytes allows fails with 503 IMAGE_UNAVAILABLE (the server\'s limit, not a bad file), nothing stored', { skip: (process.platform !== 'linux' || !PRLIMIT) && 'needs /proc and util-linux prlimit' }, async () => {
  // The limit is set just above what a worker process takes to start and process a small
  // image (its VmPeak, measured here: it depends on how the server runs), so decoding a
  // 12000x12000 JPEG that must be rotated (EXIF orientation 6: the whole image in memory,
  // 432 MB) runs out of address space inside libvips. That was IMAGE_INVALID (422) before.
  const small = await png(64, 48);
  const probe = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32 });
  let peak: number;
  try {
    await probe.process({ bytes: small }, 'image/png');
    peak = Number(/VmPeak:\s+(\d+) kB/.exec(readFileSync(`/proc/${probe.pids[0]}/status`, 'utf8'))![1]) * 1024;
  } finally {
    await probe.close();
  }
  const big = await sharp({ create: { width: 12_000, height: 12_000, channels: 3, background: '#336699' } }).withMetadata({ orientation: 6 }).jpeg({ quality: 50 }).toBuffer();
  const dir = tempDir();
  const MiB = 1024 * 1024;
  // VmPeak varies by about 128 MiB from one process to the next (malloc arenas): 256 MiB over it.
  const limit = Math.max(4096 * MiB, Math.ceil(peak / MiB) * MiB + 256 * MiB);
  const app = await startTestServer({ store: 'sqlite', dataDir: dir, 'sqlite.synchronous': 'normal', 'files.maxPixels': 200_000_000, 'files.imageMemoryBytes': limit });
  const c = await TestClient.login(app, 'panoramist');
  try {
    const blobs = (): number => storedBlobs(dir).length;
    const first = await upload(app, c, 'first.png', small);
    assert.equal(first.thumb, true, 'a small image works within the limit');
    const before = blobs();
    const t = await c.request('upload', { name: 'huge.jpg', size: big.length });
    const r = await put(app, t.url, big);
    assert.equal(r.status, 503, JSON.stringify(r.json));
    assert.equal(r.json.code, 'IMAGE_UNAVAILABLE');
    assert.match(r.json.error ?? '', /files\.imageMemoryBytes/);
    assert.match(r.json.error ?? '', /nothing was stored/);
    assert.equal(blobs(), before, 'nothing of it was stored');
    assert.equal(await (app.core.deps.files as FileService).sweep(), 0, 'no record of it');
    const next = await upload(app, c, 'next.png', await png(80, 60, '#aa0000'));
    assert.deepEqual([next.width, next.height, next.thumb], [80, 60, true], 'the next image is processed');
  } finally {
    c.close();
    await app.close();
  }
});

it('a large image comes back from the process in parts that stage to the whole re-encoded image', async () => {
  const app = await startTestServer({ 'files.maxBytes': 64 * 1024 * 1024 });
  const c = await TestClient.login(app, 'panorama');
  try {
    const big = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
      .withExif({ IFD0: { Copyright: 'SECRET-EXIF-MARKER' } }).png().toBuffer();
    const images = (app.core.deps.files as unknown as { deps: { images: SharpImages } }).deps.images;
    const direct = await images.process({ bytes: big }, 'image/png');
    assert.ok(direct.stripped.length > 1, `several parts (${direct.stripped.length})`);
    const f = await upload(app, c, 'pano.png', big);
    await c.request('send', { to: '#lobby', text: 'wide', files: [f.id] });
    const full = await get(app, (await links(c, [f.id]))[f.id]!.url);
    assert.equal(full.status, 200);
    assert.equal(full.body.length, f.size);
    assert.deepEqual(full.body, Buffer.concat(direct.stripped), 'the stored bytes are the parts in order');
    const meta = await sharp(full.body).metadata();
    assert.deepEqual([meta.width, meta.height, meta.exif], [1600, 1200, undefined]);
    assert.ok(!full.body.includes('SECRET-EXIF-MARKER'));
  } finally {
    c.close();
    await app.close();
  }
});

it('an image that takes longer than timeoutMs fails with IMAGE_UNAVAILABLE; its process is killed and the next image gets a fresh one', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.png');
  writeFileSync(path, await png(320, 240));
  const images = new SharpImages({ maxPixels: 10_000_000, thumbSize: 32, timeoutMs: 5000 }); // ample for a small PNG, even on a loaded machine
  try {
    assert.equal((await images.process({ path }, 'image/png')).width, 320);
    const [pid] = images.pids;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGSTOP'); // it can never answer now: the deadline must end the job
    await assert.rejects(images.process({ path }, 'image/png'), (e: Error & { code?: string }) => e.code === 'IMAGE_UNAVAILABLE' && /files\.imageTimeoutMs/.test(e.message));
    await eventually(() => !alive(pid), 'the stuck process was killed');
    assert.equal((await images.process({ path }, 'image/png')).height, 240);
    assert.notEqual(images.pids[0], pid);
  } finally {
    await images.close();
  }
});
