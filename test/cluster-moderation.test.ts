/**
 * Moderation state in cluster mode, with real `banter serve` nodes on a real Redis and
 * PostgreSQL: a node that joins later learns every room's settings, lists and roles (from
 * the resync for any room, from PostgreSQL for rooms an account owns) and enforces them over
 * WebSocket and IRC; server bans, granted admins, registered rooms and the audit log live in
 * PostgreSQL, so a node started after all others stopped has them; so are file records and
 * the files attached to messages. Needs redis-server and
 * PostgreSQL (test/helpers/services.ts); without them it skips, in CI it fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startChildServer, type ChildServer } from './helpers/child-server.ts';
import { IrcClient } from './helpers/irc.ts';
import { upload } from './files/helpers.ts';
import type { App } from '../src/server/app.ts';
import { ReplyError, TestClient } from './helpers/server.ts';
import { postgresDatabase, redisServer, serviceSkip, type PgDatabase, type RedisServer } from './helpers/services.ts';

const skip = serviceSkip();
const PW = 'correct horse battery';
const TOKEN = 'cluster-admin-token-0123456789';

async function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(() => undefined, (e: unknown) => (e instanceof ReplyError ? e.code : String(e)));
}

/** Polls `check` (a request to a node) until it holds: nodes converge asynchronously. No fixed sleep. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('moderation state across cluster nodes (Redis + PostgreSQL)', { skip }, () => {
  let redis: RedisServer;
  let db: PgDatabase;
  let dir: string;
  const nodes: ChildServer[] = [];
  const clients: { close(): void }[] = [];

  const start = async (id: string): Promise<ChildServer> => {
    const n = await startChildServer(join(dir, id), 0, {
      BANTER_STORE: 'postgres', BANTER_POSTGRES_URL: db.url, BANTER_BUS: 'redis', BANTER_REDIS_URL: redis.url, BANTER_NODE_ID: id,
      BANTER_CLUSTER_HEARTBEAT_MS: '500', BANTER_CLUSTER_LEASE_TTL_MS: '3000', BANTER_AUTH_SCRYPT_LOG2_N: '10',
      BANTER_FLOOD_BURST: '500', BANTER_FLOOD_RATE_PER_SEC: '500', BANTER_ADMINS: 'root', BANTER_ADMIN_TOKEN: TOKEN,
      BANTER_FILES_LINK_SECRET: 'cluster-link-secret-0123456789abcdef',
    });
    nodes.push(n);
    return n;
  };
  const stop = async (n: ChildServer): Promise<void> => {
    n.proc.kill('SIGTERM');
    await n.exited;
  };
  const ws = async (n: ChildServer, name: string, password?: string, register = false): Promise<TestClient> => {
    const c = await TestClient.open(`ws://127.0.0.1:${n.port}/ws`);
    clients.push(c);
    await c.request('login', { name, ...(password !== undefined && !register ? { password } : {}) });
    if (register) await c.request('register', { password: password! });
    return c;
  };
  const irc = async (n: ChildServer, nick: string): Promise<IrcClient> => {
    const c = await IrcClient.register({ ircPort: n.ircPort } as Parameters<typeof IrcClient.register>[0], nick);
    clients.push(c);
    return c;
  };
  const modes = async (c: TestClient, room: string): Promise<string | undefined> => (await c.request('rooms', {})).rooms.find((r) => r.name === room)?.modes;

  before(async () => {
    redis = await redisServer();
    db = await postgresDatabase();
    dir = mkdtempSync(join(tmpdir(), 'banter-cluster-mod-'));
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) await stop(n);
    await redis?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a node that joins later sees the modes, bans and roles set on another node, and enforces them over WebSocket and IRC', async () => {
    const n1 = await start('m1');
    // A room a guest created: its state lives only in the nodes' memory (the resync carries it).
    const gus = await ws(n1, 'Gus');
    const vic = await ws(n1, 'Vic');
    await gus.request('join', { room: '#guest' });
    await vic.request('join', { room: '#guest' });
    await gus.request('mode', { room: '#guest', changes: [{ mode: 'key', on: true, arg: 'sesame' }, { mode: 'moderated', on: true }, { mode: 'voice', on: true, arg: 'Vic' }, { mode: 'mute', on: true, arg: 'late!*@*' }] });
    // A room an account owns: stored in PostgreSQL as well.
    const olga = await ws(n1, 'Olga', PW, true);
    await olga.request('join', { room: '#reg' });
    await olga.request('mode', { room: '#reg', changes: [{ mode: 'invite_only', on: true }, { mode: 'topic_lock', on: true }, { mode: 'ban', on: true, arg: 'spam!*@*' }] });

    const n2 = await start('m2');
    const late = await ws(n2, 'Late');
    await eventually(async () => (await modes(late, '#guest')) === '+kmn' && (await modes(late, '#reg')) === '+int', 'the late node to learn the rooms\' modes');
    assert.equal(await code(late.request('join', { room: '#guest' })), 'ROOM_KEY_REQUIRED');
    await late.request('join', { room: '#guest', key: 'sesame' });
    assert.equal(await code(late.request('send', { to: '#guest', text: 'hi' })), 'MUTED', 'the mute list came across too');
    const members = await late.request('members', { room: '#guest' });
    assert.deepEqual(members.members.map((m) => [m.name, m.role ?? 'member']), [['Gus', 'owner'], ['Late', 'member'], ['Vic', 'voice']]);
    const settings = await late.request('mode', { room: '#guest' });
    assert.deepEqual(settings.settings.mute.map((e) => e.mask), ['late!*@*']);

    // IRC on the late node: invite-only and bans set on the other node are refused with their numerics.
    const ian = await irc(n2, 'Ian');
    ian.send('JOIN #reg');
    await ian.waitLine(/ 473 Ian #reg :/);
    const spam = await irc(n2, 'spam');
    await olga.waitFor((e) => e.type === 'user_joined' && e.user.name === 'spam'); // n1 knows of spam before inviting it
    await olga.request('invite', { room: '#reg', name: 'spam' });
    await spam.waitLine(/ INVITE spam :?#reg$/); // the invitation has reached spam's node
    spam.send('JOIN #reg');
    await spam.waitLine(/ JOIN :?#reg$/); // an invitation lets one in past +b, as operators chose to
    spam.send('PRIVMSG #reg :hello');
    await spam.waitLine(/ 404 spam #reg :/);

    // Changes made after the join reach the late node as facts, as before.
    await gus.request('mode', { room: '#guest', changes: [{ mode: 'moderated', on: false }, { mode: 'mute', on: false, arg: 'late!*@*' }] });
    await eventually(async () => (await modes(late, '#guest')) === '+kn', 'the -m to arrive');
    await late.request('send', { to: '#guest', text: 'now I may' });
    for (const c of [gus, vic, olga, late, ian, spam]) c.close();
    await stop(n1);
    await stop(n2);
  });

  it('server bans, granted admins, registered rooms and the audit log are in PostgreSQL: a node started after the others stopped has them', async () => {
    const n1 = await start('p1');
    const troll = await ws(n1, 'Troll', PW, true);
    troll.close();
    const erin = await ws(n1, 'Erin', PW, true);
    erin.close();
    const root = await ws(n1, 'root', PW, true);
    await root.request('server_ban', { mask: '$a:troll', on: true, reason: 'spam' });
    const grant = await fetch(`http://127.0.0.1:${n1.port}/api/admin/admins/Erin`, { method: 'PUT', headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(grant.status, 200);
    const owner = await ws(n1, 'Odo', PW, true);
    await owner.request('join', { room: '#kept' });
    await owner.request('mode', { room: '#kept', changes: [{ mode: 'invite_only', on: true }, { mode: 'limit', on: true, arg: '5' }, { mode: 'registered_only', on: true }] });
    await owner.request('part', { room: '#kept' });
    root.close(); owner.close();
    await stop(n1);

    const n2 = await start('p2');
    const back = await ws(n2, 'Odo', PW);
    assert.equal(await modes(back, '#kept'), '+ilnR', 'the registered room came back from PostgreSQL, empty');
    const t = await TestClient.open(`ws://127.0.0.1:${n2.port}/ws`);
    clients.push(t);
    assert.equal(await code(t.request('login', { name: 'Troll', password: PW })), 'SERVER_BANNED');
    const e2 = await ws(n2, 'Erin', PW);
    const log = await e2.request('audit', {});
    assert.deepEqual(log.entries.slice(-5).map((e) => [e.actor, e.action, e.target]), [
      ['root (account root)', 'server_ban', '$a:troll'], ['admin-api', 'admin_grant', 'erin'], ['Odo (account Odo)', 'mode +invite_only', undefined], ['Odo (account Odo)', 'mode +limit', '5'],
      ['Odo (account Odo)', 'mode +registered_only', undefined],
    ], 'Erin is an admin on the new node, and reads what was audited on the old one');
    back.close(); e2.close();
  });

  it('files attached on one node are in history on every node, and any node hands out links to them (records in PostgreSQL)', async () => {
    const n1 = await start('f1');
    const n2 = await start('f2');
    const up = await ws(n1, 'Uploader');
    const down = await ws(n2, 'Reader');
    await up.request('join', { room: '#files' });
    await down.request('join', { room: '#files' });
    const file = await upload({ port: n1.port } as App, up, 'notes.txt', Buffer.from('shared across the cluster\n'));
    const { msg } = await up.request('send', { to: '#files', text: 'see attached', files: [file.id] });
    assert.deepEqual(msg.files, [file]);
    const live = await down.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
    assert.deepEqual(live.type === 'message' && live.msg.files, [file]);
    const hist = await down.request('history', { to: '#files', limit: 5 });
    assert.deepEqual(hist.messages.find((m) => m.id === msg.id)?.files, [file], 'the attachment is stored with the message in PostgreSQL');
    // The record is shared: the reader's node checks it and signs a link; the bytes are on the uploader's node.
    const links = (await down.request('file_links', { files: [file.id] })).links;
    assert.ok(links[file.id], 'a link from the other node');
    const res = await fetch(`http://127.0.0.1:${n1.port}${links[file.id]!.url}`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'shared across the cluster\n');
    up.close(); down.close();
    await stop(n1);
    await stop(n2);
  });
});
