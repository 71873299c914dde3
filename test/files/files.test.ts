/**
 * File sharing end to end over real sockets: WS `upload` -> HTTP PUT -> `send {files}` ->
 * `file_links` -> HTTP GET, with the access rules (members only, DMs: the two participants),
 * the security headers, ranges, and the limits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { FILE_CSP } from '../../src/server/files-http.ts';
import type { ChatMessage, FileRef } from '../../src/protocol/index.ts';
import { ReplyError, startTestServer, TestClient } from '../helpers/server.ts';
import { get, links, put, upload } from './helpers.ts';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('files: sharing and access', () => {
  let app: App;
  const clients: TestClient[] = [];
  const login = async (name: string): Promise<TestClient> => {
    const c = await TestClient.login(app, name);
    clients.push(c);
    return c;
  };
  before(async () => { app = await startTestServer(); });
  after(async () => {
    for (const c of clients) c.close();
    await app.close();
  });

  it('a room member uploads, sends, and another member opens the file; a non-member gets nothing', async () => {
    const alice = await login('alice');
    const bob = await login('bob');
    const eve = await login('eve');
    await alice.request('join', { room: '#team' });
    await bob.request('join', { room: '#team' });
    const f = await upload(app, alice, 'notes.txt', text('hello from a file\n'));
    assert.equal(f.type, 'text/plain');
    assert.equal(f.size, 18);
    const sent = await alice.request('send', { to: '#team', text: 'see attached', files: [f.id] });
    assert.deepEqual(sent.msg.files?.map((x) => x.id), [f.id]);
    const ev = await bob.waitFor((e) => e.type === 'message' && e.msg.to === '#team');
    assert.equal((ev as { msg: ChatMessage }).msg.files?.[0]?.name, 'notes.txt');

    const l = (await links(bob, [f.id]))[f.id];
    assert.ok(l, 'a member gets a link');
    const r = await get(app, l.url);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello from a file\n');
    assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('content-security-policy'), FILE_CSP);
    assert.match(r.headers.get('content-disposition')!, /^inline; filename="notes.txt"/);

    assert.deepEqual(await links(eve, [f.id]), {}, 'not in #team: no link');
    // A forged token (another file id, a changed expiry) is refused.
    const [path, token] = l.url.split('?t=') as [string, string];
    const [payload, sig] = token.split('.') as [string, string];
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { e: number };
    const longer = Buffer.from(JSON.stringify({ ...claim, e: claim.e + 1e9 })).toString('base64url');
    assert.equal((await get(app, `${path}?t=${longer}.${sig}`)).status, 403);
    assert.equal((await get(app, `${path}?t=x.y`)).status, 403);
    assert.equal((await get(app, path)).status, 403);
  });

  it('DM files are readable by the two participants only', async () => {
    const carol = await login('carol');
    const dave = await login('dave');
    const mallory = await login('mallory');
    const f = await upload(app, carol, 'secret.pdf', Buffer.concat([text('%PDF-1.4\n'), Buffer.alloc(100, 0x20)]));
    assert.equal(f.type, 'application/pdf');
    await carol.request('send', { to: 'dave', text: '', files: [f.id] });
    const l = (await links(dave, [f.id]))[f.id]!;
    const r = await get(app, l.url);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/octet-stream');
    assert.match(r.headers.get('content-disposition')!, /^attachment; filename="secret.pdf"/);
    assert.ok((await links(carol, [f.id]))[f.id]);
    assert.deepEqual(await links(mallory, [f.id]), {});
  });

  it('a file is attached once, by its uploader only; a resend of the same message is fine', async () => {
    const u1 = await login('uploader');
    const u2 = await login('thief');
    const f = await upload(app, u1, 'a.txt', text('a'));
    await assert.rejects(u2.request('send', { to: '#lobby', text: 'mine now', files: [f.id] }), (e: ReplyError) => e.code === 'NO_SUCH_FILE');
    const first = await u1.request('send', { to: '#lobby', text: 'one', files: [f.id] }, 'same-id');
    const again = await u1.request('send', { to: '#lobby', text: 'one', files: [f.id] }, 'same-id');
    assert.equal(again.msg.id, first.msg.id, 'a resend returns the first message');
    await assert.rejects(u1.request('send', { to: '#lobby', text: 'two', files: [f.id] }), (e: ReplyError) => e.code === 'NO_SUCH_FILE');
    await assert.rejects(u1.request('send', { to: '#lobby', text: 'x', files: [f.id, f.id] }), (e: ReplyError) => e.code === 'TOO_MANY_FILES');
    // Not attached yet: no link, not even for the uploader.
    const g = await upload(app, u1, 'b.txt', text('b'));
    assert.deepEqual(await links(u1, [g.id]), {});
  });

  it('a send refused as a reused request id leaves its files free for the next message', async () => {
    const u = await login('reuser');
    await u.request('send', { to: '#lobby', text: 'first' }, 'reused-id');
    const f = await upload(app, u, 'later.txt', text('later'));
    // Not a resend: another text under the same id. Nothing is sent, so nothing may be attached either.
    // (Sent raw: `request` would take the first reply, already received under this id.)
    u.sendRaw({ type: 'send', id: 'reused-id', to: '#lobby', text: 'second', files: [f.id] });
    const refused = await u.waitFor((e) => e.type === 'error' && e.id === 'reused-id');
    assert.equal(refused.type === 'error' && refused.code, 'REQUEST_ID_REUSED');
    assert.deepEqual(await links(u, [f.id]), {}, 'no link: the file is not attached to a message');
    const sent = await u.request('send', { to: '#lobby', text: 'second', files: [f.id] });
    assert.deepEqual(sent.msg.files?.map((x: FileRef) => x.id), [f.id]);
  });

  it('never serves SVG or HTML inline, whatever the client claims', async () => {
    const c = await login('svgsender');
    const svg = await upload(app, c, 'pic.svg', text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'));
    const html = await upload(app, c, 'page.png', text('<!DOCTYPE html><html><script>alert(1)</script></html>'));
    assert.equal(svg.type, 'image/svg+xml');
    assert.equal(html.type, 'text/html', 'sniffed from content, not from the .png name');
    await c.request('send', { to: '#lobby', text: 'x', files: [svg.id, html.id] });
    const l = await links(c, [svg.id, html.id]);
    for (const id of [svg.id, html.id]) {
      const r = await get(app, l[id]!.url);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'application/octet-stream');
      assert.match(r.headers.get('content-disposition')!, /^attachment;/);
      assert.match(r.headers.get('content-security-policy')!, /sandbox/);
    }
  });

  it('serves one byte range; refuses several, malformed or outside ones with 416', async () => {
    const c = await login('ranger');
    const f = await upload(app, c, 'digits.txt', text('0123456789'));
    await c.request('send', { to: '#lobby', text: 'r', files: [f.id] });
    const { url } = (await links(c, [f.id]))[f.id]!;
    let r = await get(app, url, { Range: 'bytes=2-4' });
    assert.equal(r.status, 206);
    assert.equal(r.body.toString(), '234');
    assert.equal(r.headers.get('content-range'), 'bytes 2-4/10');
    r = await get(app, url, { Range: 'bytes=-3' });
    assert.equal(r.body.toString(), '789');
    r = await get(app, url, { Range: 'bytes=7-' });
    assert.equal(r.body.toString(), '789');
    for (const bad of ['bytes=0-1,3-4', 'bytes=10-', 'bytes=5-2', 'items=0-1', 'bytes=-0']) {
      r = await get(app, url, { Range: bad });
      assert.equal(r.status, 416, bad);
      assert.equal(r.headers.get('content-range'), 'bytes */10');
    }
  });

  it('sanitises file names: no path traversal, no control characters', async () => {
    const c = await login('namer');
    const f = await upload(app, c, '../../etc/\u0000pass\u202ewd\r\n.txt', text('x'));
    assert.equal(f.name, '_.._etc_passwd .txt');
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(f.name, /[/\\\u0000-\u001f\u202e]/);
    assert.ok(!f.name.startsWith('.'));
  });
});

describe('files: limits and hostile uploads', () => {
  let app: App;
  const clients: TestClient[] = [];
  const login = async (name: string): Promise<TestClient> => {
    const c = await TestClient.login(app, name);
    clients.push(c);
    return c;
  };
  before(async () => {
    app = await startTestServer({ 'files.maxBytes': 1000, 'files.quotaBytes': 1500, 'files.perMessage': 2, 'files.uploadBurst': 50, 'files.totalBytes': 1_000_000 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await app.close();
  });

  it('refuses files over files.maxBytes before any byte is sent', async () => {
    const c = await login('big');
    await assert.rejects(c.request('upload', { name: 'big.bin', size: 1001 }), (e: ReplyError) => e.code === 'FILE_TOO_LARGE');
  });

  it('refuses a body longer or shorter than announced, and stores nothing', async () => {
    const c = await login('liar');
    let t = await c.request('upload', { name: 'a.txt', size: 10 });
    let r = await put(app, t.url, Buffer.alloc(900, 0x61));
    assert.equal(r.status, 400);
    assert.equal(r.json.code, 'FILE_INCOMPLETE');
    t = await c.request('upload', { name: 'a.txt', size: 10 });
    r = await put(app, t.url, Buffer.alloc(5, 0x61));
    assert.equal(r.json.code, 'FILE_INCOMPLETE');
    // Chunked (no Content-Length) and too long: cut off at the announced size.
    t = await c.request('upload', { name: 'a.txt', size: 10 });
    const res = await fetch(`http://127.0.0.1:${app.port}${t.url}`, {
      method: 'PUT', duplex: 'half',
      body: new ReadableStream({ start(ctl) { ctl.enqueue(Buffer.alloc(600, 0x61)); ctl.enqueue(Buffer.alloc(600, 0x61)); ctl.close(); } }),
    } as RequestInit);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, 'FILE_INCOMPLETE');
    // Nothing half-stored: the whole quota is still free.
    await upload(app, c, 'ok.txt', Buffer.alloc(1000, 0x62));
  });

  it('an upload URL works once', async () => {
    const c = await login('replayer');
    const t = await c.request('upload', { name: 'once.txt', size: 3 });
    assert.equal((await put(app, t.url, text('one'))).status, 201);
    const again = await put(app, t.url, text('one'));
    assert.equal(again.status, 403);
    assert.equal(again.json.code, 'LINK_INVALID');
  });

  it('enforces the per-user quota', async () => {
    const c = await login('hoarder');
    await upload(app, c, 'one.txt', Buffer.alloc(1000, 0x61));
    await assert.rejects(c.request('upload', { name: 'two.txt', size: 600 }), (e: ReplyError) => e.code === 'FILE_QUOTA_EXCEEDED');
    // Tickets taken before the quota filled up are checked again when the bytes arrive.
    const c2 = await login('racer');
    const t1 = await c2.request('upload', { name: '1.txt', size: 1000 });
    const t2 = await c2.request('upload', { name: '2.txt', size: 1000 });
    assert.equal((await put(app, t1.url, Buffer.alloc(1000, 0x61))).status, 201);
    const r = await put(app, t2.url, Buffer.alloc(1000, 0x63));
    assert.equal(r.status, 413);
    assert.equal(r.json.code, 'FILE_QUOTA_EXCEEDED');
  });

  it('limits files per message', async () => {
    const c = await login('many');
    const fs: FileRef[] = [];
    for (let i = 0; i < 3; i++) fs.push(await upload(app, c, `${i}.txt`, text(`${i}`)));
    await assert.rejects(c.request('send', { to: '#lobby', text: 'x', files: fs.map((f) => f.id) }), (e: ReplyError) => e.code === 'TOO_MANY_FILES');
    await c.request('send', { to: '#lobby', text: 'x', files: fs.slice(0, 2).map((f) => f.id) });
  });

  it('refuses executables by content and denied extensions by name', async () => {
    const c = await login('dropper');
    await assert.rejects(c.request('upload', { name: 'setup.EXE', size: 10 }), (e: ReplyError) => e.code === 'FILE_TYPE_DENIED');
    for (const [name, head] of [['innocent.txt', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])], ['photo.jpg', Buffer.from('MZ\x90\x00')], ['run.txt', text('#!/bin/sh\nrm -rf /\n')]] as const) {
      const t = await c.request('upload', { name, size: head.length });
      const r = await put(app, t.url, head);
      assert.equal(r.status, 415, name);
      assert.equal(r.json.code, 'FILE_TYPE_DENIED');
    }
  });

  it('answers bad upload tokens and unknown paths with stable codes', async () => {
    const r = await put(app, '/files/upload?t=nope', text('x'));
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'LINK_INVALID');
    const g = await get(app, '/files/AAAAAAAAAAAAAAAAAAAAAA/x.txt?t=a.b');
    assert.equal(g.status, 403);
    assert.equal((await get(app, '/files/..%2F..%2Fetc%2Fpasswd/x?t=a.b')).status, 404);
    assert.equal((await get(app, '/files/a/b/c')).status, 404);
    const m = await fetch(`http://127.0.0.1:${app.port}/files/upload?t=x`, { method: 'DELETE' });
    assert.equal(m.status, 405);
  });
});

describe('files: upload rate and storage total', () => {
  it('throttles uploads per user and refuses when the server is full', async () => {
    const app = await startTestServer({ 'files.uploadBurst': 2, 'files.uploadsPerHour': 1, 'files.totalBytes': 100 });
    const c = await TestClient.login(app, 'rapid');
    try {
      await c.request('upload', { name: 'a.txt', size: 1 });
      await c.request('upload', { name: 'b.txt', size: 1 });
      await assert.rejects(c.request('upload', { name: 'c.txt', size: 1 }), (e: ReplyError) => e.code === 'FILE_UPLOAD_THROTTLED');
      const d = await TestClient.login(app, 'filler');
      await assert.rejects(d.request('upload', { name: 'big.txt', size: 101 }), (e: ReplyError) => e.code === 'FILE_STORAGE_FULL');
      d.close();
    } finally {
      c.close();
      await app.close();
    }
  });

  it('answers FILES_DISABLED when file sharing is off', async () => {
    const app = await startTestServer({ 'files.enabled': false });
    const c = await TestClient.login(app, 'nofiles');
    try {
      await assert.rejects(c.request('upload', { name: 'a.txt', size: 1 }), (e: ReplyError) => e.code === 'FILES_DISABLED');
      assert.equal((await put(app, '/files/upload?t=x', text('x'))).status, 404);
    } finally {
      c.close();
      await app.close();
    }
  });
});
