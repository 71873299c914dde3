/**
 * Per-file link revocation over real sockets (`file_revoke`): the uploader, the room's
 * operators and server admins revoke a file's links; every link handed out before (web
 * links, thumbnails, the long-lived links IRC users saw) then answers 410 LINK_REVOKED, fresh
 * ones from `file_links` work, others are refused with stable codes, and each revocation is
 * in the audit log. The revocation survives a restart (SQLite).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { IrcClient } from '../helpers/irc.ts';
import { ReplyError, startTestServer, TestClient } from '../helpers/server.ts';
import { get, links, pngWithGps, upload } from './helpers.ts';

const PW = 'correct horse battery';
const code = (e: unknown): string => (e as ReplyError).code;

async function account(app: App, name: string): Promise<TestClient> {
  const c = await TestClient.login(app, name);
  await c.request('register', { password: PW });
  return c;
}

describe('files: revoking links', () => {
  let app: App;
  const clients: (TestClient | IrcClient)[] = [];
  const login = async (name: string): Promise<TestClient> => {
    const c = await TestClient.login(app, name);
    clients.push(c);
    return c;
  };
  before(async () => { app = await startTestServer({ 'auth.scryptLog2N': 10, admins: 'root' }); });
  after(async () => {
    for (const c of clients) c.close();
    await app.close();
  });

  it('the uploader revokes: old links (file, thumbnail, IRC) answer 410 LINK_REVOKED, fresh ones work', async () => {
    const alice = await login('alice');
    const bob = await login('bob');
    await alice.request('join', { room: '#pics' });
    await bob.request('join', { room: '#pics' });
    const irc = await IrcClient.register(app, 'IrcViewer');
    clients.push(irc);
    await irc.command('JOIN #pics');
    const f = await upload(app, alice, 'chart.png', await pngWithGps());
    assert.equal(f.thumb, true);
    await alice.request('send', { to: '#pics', text: 'chart', files: [f.id] });
    const ircLine = await irc.waitLine(/\[file\] chart\.png/);
    const ircUrl = new URL(/(https?:\/\/\S+)/.exec(ircLine)![1]!);
    const old = (await links(bob, [f.id]))[f.id]!;
    for (const u of [old.url, old.thumb!, ircUrl.pathname + ircUrl.search]) assert.equal((await get(app, u)).status, 200, u);

    // Browsers must revalidate every use (a cached copy would outlive a revocation): no-cache + ETag.
    const cached = await get(app, old.url);
    assert.equal(cached.headers.get('cache-control'), 'private, no-cache');
    const etag = cached.headers.get('etag')!;
    const revalidated = await get(app, old.url, { 'If-None-Match': etag });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.body.length, 0);

    const r = await alice.request('file_revoke', { file: f.id, reason: 'posted by mistake' });
    assert.equal((await get(app, old.url, { 'If-None-Match': etag })).status, 410, 'a revalidation is refused too');
    assert.equal(r.file, f.id);
    for (const u of [old.url, old.thumb!, ircUrl.pathname + ircUrl.search]) {
      const g = await get(app, u);
      assert.equal(g.status, 410, u);
      assert.equal((JSON.parse(g.body.toString()) as { code: string }).code, 'LINK_REVOKED');
    }
    // Members get fresh links, which work; the message still names the file.
    const fresh = (await links(bob, [f.id]))[f.id]!;
    assert.equal((await get(app, fresh.url)).status, 200);
    assert.equal((await get(app, fresh.thumb!)).status, 200);
    // Revoking again revokes the fresh ones too.
    await alice.request('file_revoke', { file: f.id });
    assert.equal((await get(app, fresh.url)).status, 410);
    assert.equal((await get(app, (await links(bob, [f.id]))[f.id]!.url)).status, 200);
  });

  it('room operators and admins may revoke; other members get FILE_REVOKE_DENIED, outsiders NO_SUCH_FILE; all of it is audit-logged', async () => {
    const root = await account(app, 'root');
    clients.push(root);
    const owner = await login('roomowner');
    const member = await login('member');
    const poster = await login('poster');
    const outsider = await login('outsider');
    await owner.request('join', { room: '#ops' });
    await member.request('join', { room: '#ops' });
    await poster.request('join', { room: '#ops' });
    const f = await upload(app, poster, 'log.txt', Buffer.from('secret log\n'));
    await poster.request('send', { to: '#ops', text: '', files: [f.id] });

    assert.equal(code(await member.request('file_revoke', { file: f.id }).catch((e: unknown) => e)), 'FILE_REVOKE_DENIED');
    assert.equal(code(await outsider.request('file_revoke', { file: f.id }).catch((e: unknown) => e)), 'NO_SUCH_FILE');
    assert.equal(code(await outsider.request('file_revoke', { file: 'AAAAAAAAAAAAAAAAAAAAAA' }).catch((e: unknown) => e)), 'NO_SUCH_FILE');
    const l1 = (await links(member, [f.id]))[f.id]!;
    assert.equal((await get(app, l1.url)).status, 200, 'a refused revoke changed nothing');

    await owner.request('file_revoke', { file: f.id, reason: 'leaked' });
    assert.equal((await get(app, l1.url)).status, 410, 'the room operator revoked it');

    // An admin revokes a DM file, in a conversation the admin cannot read.
    const dm = await upload(app, poster, 'dm.txt', Buffer.from('between us\n'));
    await poster.request('send', { to: 'member', text: '', files: [dm.id] });
    const l2 = (await links(member, [dm.id]))[dm.id]!;
    assert.deepEqual(await links(root, [dm.id]), {}, 'the admin gets no link to the DM file');
    await root.request('file_revoke', { file: dm.id });
    assert.equal((await get(app, l2.url)).status, 410);

    const log = await root.request('audit', {});
    const entries = log.entries.filter((e) => e.action === 'file_revoke').map((e) => [e.actor, e.room, e.target, e.reason]);
    assert.deepEqual(entries.slice(-2), [
      ['roomowner (guest)', '#ops', `file ${f.id} (log.txt)`, 'leaked'],
      ['root (account root)', undefined, `file ${dm.id} (dm.txt)`, undefined],
    ]);
    const roomLog = await owner.request('audit', { room: '#ops' });
    assert.ok(roomLog.entries.some((e) => e.action === 'file_revoke' && e.target === `file ${f.id} (log.txt)`), 'the room operator sees it in the room log');
  });

  it('deleting a message takes its files: old links answer 403 LINK_INVALID (the file is gone), no fresh links, the bytes go with the sweep', async () => {
    const carol = await login('carol');
    const dave = await login('dave');
    await carol.request('join', { room: '#gone' });
    await dave.request('join', { room: '#gone' });
    const f = await upload(app, carol, 'secret.png', await pngWithGps());
    const sent = await carol.request('send', { to: '#gone', text: 'oops', files: [f.id] });
    const old = (await links(dave, [f.id]))[f.id]!;
    assert.equal((await get(app, old.url)).status, 200);
    await carol.request('delete', { to: '#gone', msgid: sent.msg.id });
    for (const u of [old.url, old.thumb!]) {
      const g = await get(app, u);
      assert.equal(g.status, 403, u);
      assert.equal((JSON.parse(g.body.toString()) as { code: string }).code, 'LINK_INVALID');
    }
    // Members get no fresh link (file_links leaves out what they cannot read); nor does the uploader.
    assert.deepEqual(await links(dave, [f.id]), {});
    const own = (await links(carol, [f.id]))[f.id];
    if (own) assert.notEqual((await get(app, own.url)).status, 200);
  });
});

describe('files: a revocation survives a restart', () => {
  it('links revoked before a restart stay revoked; fresh ones work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'banter-revoke-'));
    const cfg = { store: 'sqlite', dataDir: dir };
    let app = await startTestServer(cfg);
    try {
      const c = await TestClient.login(app, 'keeper');
      const f = await upload(app, c, 'k.txt', Buffer.from('kept\n'));
      await c.request('send', { to: '#lobby', text: '', files: [f.id] });
      const old = (await links(c, [f.id]))[f.id]!;
      await c.request('file_revoke', { file: f.id });
      c.close();
      await app.close();
      app = await startTestServer(cfg);
      assert.equal((await get(app, old.url)).status, 410);
      const c2 = await TestClient.login(app, 'keeper');
      assert.equal((await get(app, (await links(c2, [f.id]))[f.id]!.url)).status, 200);
      c2.close();
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
