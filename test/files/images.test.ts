/** Images: EXIF/GPS stripped, thumbnails made off the event loop, bombs refused; IRC sees a URL; files survive a restart. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import sharp from 'sharp';
import { ReplyError, startTestServer, TestClient } from '../helpers/server.ts';
import { IrcClient } from '../helpers/irc.ts';
import { bombPng, get, jpegWithGps, links, put, storedBlobs, upload } from './helpers.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

it('strips EXIF (GPS included) from images and serves a thumbnail', async () => {
  const app = await startTestServer({ 'files.thumbSize': 32 });
  const c = await TestClient.login(app, 'photographer');
  try {
    const original = await jpegWithGps();
    assert.ok(original.includes('SECRET-EXIF-MARKER'), 'the fixture carries EXIF');
    assert.ok((await sharp(original).metadata()).exif, 'the fixture has an EXIF block');
    const f = await upload(app, c, 'holiday.jpg', original);
    assert.equal(f.type, 'image/jpeg');
    assert.equal(f.width, 80);
    assert.equal(f.height, 60);
    assert.equal(f.thumb, true);
    await c.request('send', { to: '#lobby', text: 'look', files: [f.id] });
    const l = (await links(c, [f.id]))[f.id]!;
    const full = await get(app, l.url);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('content-type'), 'image/jpeg');
    assert.match(full.headers.get('content-disposition')!, /^inline;/);
    assert.ok(!full.body.includes('SECRET-EXIF-MARKER'), 'EXIF text is gone');
    const meta = await sharp(full.body).metadata();
    assert.equal(meta.exif, undefined, 'no EXIF block (no GPS)');
    assert.equal(meta.width, 80);
    const th = await get(app, l.thumb!);
    assert.equal(th.status, 200);
    assert.equal(th.headers.get('content-type'), 'image/webp');
    const tm = await sharp(th.body).metadata();
    assert.ok(tm.width! <= 32 && tm.height! <= 32);
  } finally {
    c.close();
    await app.close();
  }
});

it('refuses decompression bombs and malformed images without storing anything, and keeps serving others', async () => {
  const app = await startTestServer({ 'files.maxPixels': 10_000_000 });
  const c = await TestClient.login(app, 'bomber');
  const other = await TestClient.login(app, 'bystander');
  try {
    for (const [name, bytes] of [['bomb.png', bombPng(100_000, 100_000)], ['broken.png', Buffer.concat([bombPng(10, 10).subarray(0, 40), Buffer.alloc(20)])]] as const) {
      const t = await c.request('upload', { name, size: bytes.length });
      const started = performance.now();
      const pinged = other.request('ping', {});
      const r = await put(app, t.url, bytes);
      assert.equal(r.status, 422, name);
      assert.equal(r.json.code, 'IMAGE_INVALID');
      await pinged;
      assert.ok(performance.now() - started < 10_000);
    }
    assert.equal(await app.core.deps.files!.sweep(), 0, 'no record was left behind');
  } finally {
    c.close();
    other.close();
    await app.close();
  }
});

it('an image whose metadata-free re-encoding is larger than files.maxBytes is refused with 413 FILE_TOO_LARGE; nothing of it is stored', async () => {
  // Re-encoding (at JPEG quality 90) makes a low-quality JPEG larger than it came; storing the
  // original instead would keep its EXIF (GPS), so it is refused. It was a 500 before.
  const original = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .withExif({ IFD0: { Copyright: 'SECRET-EXIF-MARKER' } }).jpeg({ quality: 30 }).toBuffer();
  const reencoded = (await sharp(original).rotate().jpeg({ quality: 90, mozjpeg: false }).toBuffer()).length;
  const maxBytes = original.length + 1024;
  assert.ok(reencoded > maxBytes, `the fixture grows when re-encoded (${original.length} -> ${reencoded} bytes)`);
  const dir = mkdtempSync(join(tmpdir(), 'banter-files-'));
  dirs.push(dir);
  const app = await startTestServer({ store: 'sqlite', dataDir: dir, 'sqlite.synchronous': 'normal', 'files.maxBytes': maxBytes });
  const c = await TestClient.login(app, 'lowquality');
  const stored = (): string[] => storedBlobs(dir);
  try {
    const t = await c.request('upload', { name: 'grainy.jpg', size: original.length });
    const r = await put(app, t.url, original);
    assert.equal(r.status, 413, JSON.stringify(r.json));
    assert.equal(r.json.code, 'FILE_TOO_LARGE');
    assert.match(r.json.error ?? '', /files\.maxBytes/);
    assert.match(r.json.error ?? '', /nothing was stored/);
    assert.deepEqual(stored(), [], 'no blob, staged or committed, is left');
    assert.equal(await app.core.deps.files!.sweep(), 0, 'no record was created');
    // The server goes on: a small image of the same user is stored.
    const f = await upload(app, c, 'fine.jpg', await jpegWithGps());
    assert.equal(f.thumb, true);
  } finally {
    c.close();
    await app.close();
  }
});

it('IRC users see the file name, size and a working signed URL; never the bytes', async () => {
  const app = await startTestServer();
  const irc = await IrcClient.register(app, 'IrcReader');
  const c = await TestClient.login(app, 'sharer');
  try {
    const f = await upload(app, c, 'report.txt', Buffer.from('quarterly numbers\n'));
    await c.request('send', { to: '#lobby', text: 'the report', files: [f.id] });
    const line = await irc.waitLine(/\[file\] report\.txt/);
    assert.match(line, /PRIVMSG #lobby :\[file\] report\.txt \(18 B, text\/plain\) http:\/\/127\.0\.0\.1:\d+\/files\//);
    assert.ok(!irc.lines.some((l) => l.includes('quarterly numbers')), 'no file bytes over IRC');
    const url = /(http:\/\/\S+)/.exec(line)![1]!;
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'quarterly numbers\n');
  } finally {
    c.close();
    irc.socket.destroy();
    await app.close();
  }
});

it('keeps uploaded files, their messages and links across a restart (sqlite + disk)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'banter-files-'));
  dirs.push(dir);
  let app = await startTestServer({ store: 'sqlite', dataDir: dir, 'sqlite.synchronous': 'normal' });
  let c = await TestClient.login(app, 'keeper');
  const f = await upload(app, c, 'keep.txt', Buffer.from('survives restarts'));
  await c.request('send', { to: '#lobby', text: 'kept', files: [f.id] });
  const before = (await links(c, [f.id]))[f.id]!;
  c.close();
  await app.close();

  app = await startTestServer({ store: 'sqlite', dataDir: dir, 'sqlite.synchronous': 'normal' });
  c = await TestClient.login(app, 'keeper2');
  try {
    const h = await c.request('history', { to: '#lobby' });
    const msg = h.messages.find((m) => m.text === 'kept');
    assert.deepEqual(msg?.files?.map((x) => [x.id, x.name, x.size]), [[f.id, 'keep.txt', 17]]);
    const l = (await links(c, [f.id]))[f.id]!;
    assert.equal((await get(app, l.url)).body.toString(), 'survives restarts');
    assert.equal((await get(app, before.url)).body.toString(), 'survives restarts', 'links from before the restart still work (link.key)');
    await assert.rejects(c.request('send', { to: '#lobby', text: 'again', files: [f.id] }), (e: ReplyError) => e.code === 'NO_SUCH_FILE');
  } finally {
    c.close();
    await app.close();
  }
});

it('garbage-collects uploads never attached to a message', async () => {
  const app = await startTestServer({ 'files.pendingTtlMs': 1000 });
  const c = await TestClient.login(app, 'forgetful');
  try {
    const f = await upload(app, c, 'draft.txt', Buffer.from('never sent'));
    assert.equal(await app.core.deps.files!.sweep(), 0, 'younger than files.pendingTtlMs: kept');
    const realNow = Date.now;
    Date.now = () => realNow() + 2000;
    try {
      assert.equal(await app.core.deps.files!.sweep(), 1);
    } finally {
      Date.now = realNow;
    }
    await assert.rejects(c.request('send', { to: '#lobby', text: 'late', files: [f.id] }), (e: ReplyError) => e.code === 'NO_SUCH_FILE');
  } finally {
    c.close();
    await app.close();
  }
});
