/**
 * Videos: sniffed from content (MP4 by its ISO brands, WebM by its EBML DocType; HEIF/AVIF
 * images, M4A audio and Matroska are not inline video), poster frames made by ffmpeg as a
 * bounded child process (thumbnail + size in the FileRef), and the fallback when there is no
 * decoder, the video is broken, or the decoder hangs: stored all the same, shown as a card.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { sniffType } from '../../src/core/files/sniff.ts';
import type { App } from '../../src/server/app.ts';
import { ffmpegSkip } from '../helpers/services.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';
import { get, links, upload } from './helpers.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
/** An ISO BMFF head: an ftyp box with a major brand and compatible brands, then some bytes. */
function ftyp(major: string, ...compatible: string[]): Buffer {
  const box = Buffer.concat([Buffer.alloc(4), Buffer.from('ftyp'), Buffer.from(major), Buffer.alloc(4), ...compatible.map((b) => Buffer.from(b))]);
  box.writeUInt32BE(box.length, 0);
  return Buffer.concat([box, Buffer.alloc(200, 0x11)]);
}

describe('video sniffing', () => {
  it('tells MP4 video from HEIF/AVIF images, M4A audio and QuickTime; WebM from Matroska', () => {
    assert.equal(sniffType(fixture('clip.mp4')).type, 'video/mp4');
    assert.equal(sniffType(fixture('clip.webm')).type, 'video/webm');
    assert.equal(sniffType(ftyp('mp42', 'isom', 'mp42')).type, 'video/mp4');
    assert.equal(sniffType(ftyp('XAVC', 'XAVC', 'mp42', 'iso2')).type, 'video/mp4', 'an unknown major brand compatible with MP4');
    assert.equal(sniffType(ftyp('heic', 'mif1', 'heic')).type, 'image/heif');
    assert.equal(sniffType(ftyp('mif1', 'mif1', 'avif')).type, 'image/avif');
    assert.equal(sniffType(ftyp('M4A ', 'M4A ', 'mp42', 'isom')).type, 'audio/mp4');
    assert.equal(sniffType(ftyp('qt  ', 'qt  ')).type, 'video/quicktime');
    assert.equal(sniffType(ftyp('zzzz', 'zzzz')).type, 'application/octet-stream');
    const mkv = Buffer.from(fixture('clip.webm'));
    const at = mkv.indexOf(Buffer.from([0x42, 0x82]));
    mkv.set(Buffer.from([0x88, ...Buffer.from('matroska')]), at + 2);
    assert.equal(sniffType(mkv.subarray(0, 64)).type, 'video/x-matroska');
  });
});

describe('videos over the protocol', () => {
  let app: App;
  let noDecoder: App;
  let hanging: App;
  const dir = mkdtempSync(join(tmpdir(), 'banter-video-test-'));
  const clients: TestClient[] = [];
  const login = async (a: App, name: string): Promise<TestClient> => {
    const c = await TestClient.login(a, name);
    clients.push(c);
    return c;
  };
  before(async () => {
    app = await startTestServer({ 'files.thumbSize': 64 });
    noDecoder = await startTestServer({ 'files.ffmpegPath': join(dir, 'no-such-ffmpeg') });
    // A decoder that answers -version, then hangs on every video: killed after the timeout.
    const fake = join(dir, 'hanging-ffmpeg');
    writeFileSync(fake, '#!/bin/sh\n[ "$2" = "-version" ] && { echo "ffmpeg version fake"; exit 0; }\nexec sleep 600\n');
    chmodSync(fake, 0o755);
    hanging = await startTestServer({ 'files.ffmpegPath': fake, 'files.videoTimeoutMs': 300 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([app.close(), noDecoder.close(), hanging.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('an HEIF image or M4A with an ftyp box is never served inline as video', async () => {
    const c = await login(noDecoder, 'heifer');
    const heif = await upload(noDecoder, c, 'photo.mp4', ftyp('heic', 'mif1', 'heic'));
    const m4a = await upload(noDecoder, c, 'song.mp4', ftyp('M4A ', 'M4A ', 'isom'));
    assert.deepEqual([heif.type, m4a.type], ['image/heif', 'audio/mp4']);
    await c.request('send', { to: '#lobby', text: '', files: [heif.id, m4a.id] });
    const l = await links(c, [heif.id, m4a.id]);
    for (const id of [heif.id, m4a.id]) {
      const r = await get(noDecoder, l[id]!.url);
      assert.equal(r.headers.get('content-type'), 'application/octet-stream');
      assert.match(r.headers.get('content-disposition')!, /^attachment;/);
    }
  });

  it('without a decoder a video is stored without a poster and served inline as video', async () => {
    const c = await login(noDecoder, 'nodecoder');
    const f = await upload(noDecoder, c, 'clip.mp4', fixture('clip.mp4'));
    assert.equal(f.type, 'video/mp4');
    assert.equal(f.thumb, undefined);
    await c.request('send', { to: '#lobby', text: '', files: [f.id] });
    const l = (await links(c, [f.id]))[f.id]!;
    assert.equal(l.thumb, undefined);
    const r = await get(noDecoder, l.url);
    assert.equal(r.headers.get('content-type'), 'video/mp4');
    assert.match(r.headers.get('content-disposition')!, /^inline;/);
    assert.deepEqual(r.body, fixture('clip.mp4'));
  });

  it('a decoder that hangs is killed after files.videoTimeoutMs; the upload succeeds without a poster', async () => {
    const c = await login(hanging, 'patient');
    const f = await upload(hanging, c, 'clip.webm', fixture('clip.webm'));
    assert.equal(f.type, 'video/webm');
    assert.equal(f.thumb, undefined);
  });

  it('poster frames are made one at a time: concurrent uploads never run two decoders at once', async () => {
    // A decoder that notes when another run is in progress (mkdir is atomic), then fails.
    const fake = join(dir, 'counting-ffmpeg');
    const state = join(dir, 'counting');
    writeFileSync(fake, `#!/bin/sh\n[ "$2" = "-version" ] && { echo "ffmpeg version fake"; exit 0; }\nmkdir "${state}.lock" 2>/dev/null || echo overlap >> "${state}.overlaps"\necho run >> "${state}.runs"\nsleep 0.2\nrmdir "${state}.lock" 2>/dev/null\nexit 1\n`);
    chmodSync(fake, 0o755);
    const one = await startTestServer({ 'files.ffmpegPath': fake });
    try {
      const c = await TestClient.login(one, 'crowd');
      const files = await Promise.all([0, 1, 2, 3].map((i) => upload(one, c, `c${i}.mp4`, Buffer.concat([fixture('clip.mp4'), Buffer.from([i])]))));
      c.close();
      assert.ok(files.every((f) => f.type === 'video/mp4' && f.thumb === undefined));
      assert.equal(readFileSync(`${state}.runs`, 'utf8').trim().split('\n').length, 4, 'every video was tried');
      assert.throws(() => readFileSync(`${state}.overlaps`), 'no two decoders ran at once');
    } finally {
      await one.close();
    }
  });

  it('ffmpeg runs at a lower CPU priority (files.nice, default 10) than the server', async () => {
    const fake = join(dir, 'nice-ffmpeg');
    const seen = join(dir, 'nice-seen');
    // Records its own nice value (coreutils `nice` without a command prints it), then fails: stored as a card.
    writeFileSync(fake, `#!/bin/sh\n[ "$2" = "-version" ] && { echo "ffmpeg version fake"; exit 0; }\nnice > "${seen}"\nexit 1\n`);
    chmodSync(fake, 0o755);
    const one = await startTestServer({ 'files.ffmpegPath': fake });
    try {
      const c = await TestClient.login(one, 'low-priority');
      const f = await upload(one, c, 'n.mp4', fixture('clip.mp4'));
      c.close();
      assert.equal(f.thumb, undefined);
      assert.equal(readFileSync(seen, 'utf8').trim(), '10');
    } finally {
      await one.close();
    }
  });

  it('MP4 and WebM get a poster frame (a WebP thumbnail and the video size); the video plays inline with ranges', { skip: ffmpegSkip() }, async () => {
    const alice = await login(app, 'director');
    const bob = await login(app, 'viewer');
    for (const name of ['clip.mp4', 'clip.webm']) {
      const bytes = fixture(name);
      const f = await upload(app, alice, name, bytes);
      assert.equal(f.thumb, true, name);
      assert.deepEqual([f.width, f.height], [160, 90]);
      assert.equal(f.size, bytes.length, 'the video itself is stored as it came');
      await alice.request('send', { to: '#lobby', text: '', files: [f.id] });
      const l = (await links(bob, [f.id]))[f.id]!;
      const t = await get(app, l.thumb!);
      assert.equal(t.headers.get('content-type'), 'image/webp');
      const meta = await sharp(t.body).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 64, 36]);
      const r = await get(app, l.url, { Range: 'bytes=0-99' });
      assert.equal(r.status, 206);
      assert.equal(r.headers.get('content-type'), name.endsWith('mp4') ? 'video/mp4' : 'video/webm');
      assert.deepEqual(r.body, bytes.subarray(0, 100));
    }
  });

  it('a broken video (right header, garbage after) is stored as a card without a poster', { skip: ffmpegSkip() }, async () => {
    const c = await login(app, 'breaker');
    const broken = Buffer.concat([fixture('clip.mp4').subarray(0, 40), Buffer.alloc(5000, 0xaa)]);
    const f = await upload(app, c, 'broken.mp4', broken);
    assert.equal(f.type, 'video/mp4');
    assert.equal(f.thumb, undefined);
  });
});
