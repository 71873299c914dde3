/**
 * Three real `banter serve` processes sharing a real Redis (bus, presence) and a real
 * PostgreSQL (history, accounts), with WebSocket and IRC clients spread over them: the
 * cluster behaves as one chat, a SIGKILLed node's users leave within the documented bound,
 * and a Redis restart loses no acknowledged message. Needs redis-server and PostgreSQL
 * (test/helpers/services.ts); without them it skips, in CI it fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage } from '../src/protocol/index.ts';
import { startChildServer, type ChildServer } from './helpers/child-server.ts';
import { IrcClient } from './helpers/irc.ts';
import { ReplyError, TestClient } from './helpers/server.ts';
import { spawn } from 'node:child_process';
import { redisServer, serviceSkip, startPostgres, type PgServer, type RedisServer } from './helpers/services.ts';

const skip = serviceSkip();
const HEARTBEAT_MS = 500;
const LEASE_MS = 3000;

describe('cluster of three nodes over Redis and PostgreSQL', { skip }, () => {
  let redis: RedisServer;
  // A PostgreSQL server of its own, so that the test can stop and start it.
  let pg: PgServer;
  let pgDir = '';
  let dir: string;
  const nodes: ChildServer[] = [];
  const clients: { close(): void }[] = [];

  const env = (id: string): Record<string, string> => ({
    BANTER_STORE: 'postgres', BANTER_POSTGRES_URL: pg.url, BANTER_CLUSTER_REORDER_MS: '1000', BANTER_BUS: 'redis', BANTER_REDIS_URL: redis.url, BANTER_NODE_ID: id,
    BANTER_CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS), BANTER_CLUSTER_LEASE_TTL_MS: String(LEASE_MS),
    BANTER_AUTH_SCRYPT_LOG2_N: '10', BANTER_FLOOD_BURST: '500', BANTER_FLOOD_RATE_PER_SEC: '500',
  });
  const start = async (id: string): Promise<ChildServer> => {
    const n = await startChildServer(join(dir, id), 0, env(id));
    nodes.push(n);
    return n;
  };
  const ws = async (n: ChildServer, name: string): Promise<TestClient> => {
    const c = await TestClient.open(`ws://127.0.0.1:${n.port}/ws`);
    clients.push(c);
    await c.request('login', { name });
    return c;
  };
  const irc = async (n: ChildServer, nick: string): Promise<IrcClient> => {
    const c = await IrcClient.register({ ircPort: n.ircPort } as Parameters<typeof IrcClient.register>[0], nick);
    clients.push(c);
    return c;
  };
  const names = async (c: TestClient): Promise<string[]> => (await c.request('users', {})).users.map((u) => u.name).sort();
  const ready = async (n: ChildServer): Promise<number> => (await fetch(`http://127.0.0.1:${n.port}/readyz`)).status;

  let n1: ChildServer;
  let n2: ChildServer;
  let n3: ChildServer;

  before(async () => {
    redis = await redisServer();
    dir = mkdtempSync(join(tmpdir(), 'banter-cluster-'));
    pgDir = mkdtempSync(join(tmpdir(), 'banter-cluster-pg-')); // not nested: the postgres user must reach it
    pg = await startPostgres(pgDir);
    // Two nodes start at once (one migrates, the other waits on the advisory lock).
    [n1, n2] = await Promise.all([start('n1'), start('n2')]) as [ChildServer, ChildServer];
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) { n.proc.kill('SIGTERM'); await n.exited; }
    await redis?.stop();
    pg?.stop();
    if (pgDir) rmSync(pgDir, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('one chat across nodes and transports: user list, broadcast, DMs, rooms, topics, unique names', async () => {
    const alice = await ws(n1, 'Alice');
    // A node that starts later learns who is already online (sync_request / sync_state).
    n3 = await start('n3');
    const bob = await ws(n2, 'Bob');
    const carol = await irc(n3, 'Carol');
    for (const c of [alice, bob]) {
      await c.waitFor((e) => e.type === 'user_joined' && e.user.name === 'Carol');
    }
    const dave = await ws(n3, 'Dave');
    assert.deepEqual(await names(dave), ['Alice', 'Bob', 'Carol', 'Dave'], 'the late node knows the earlier users');
    await alice.waitFor((e) => e.type === 'user_joined' && e.user.name === 'Dave');
    assert.deepEqual(await names(alice), ['Alice', 'Bob', 'Carol', 'Dave']);

    // Broadcast from WebSocket on n1 reaches WebSocket on n2 and IRC on n3, once.
    const { msg } = await alice.request('send', { to: '#lobby', text: 'hello cluster' });
    await bob.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
    await carol.waitLine(/:Alice!\S+ PRIVMSG #lobby :hello cluster$/);
    // IRC on n3 to WebSocket on n1.
    carol.send('PRIVMSG #lobby :from irc');
    await alice.waitFor((e) => e.type === 'message' && e.msg.text === 'from irc');

    // DM across nodes, and an offline-capable DM history shared through PostgreSQL.
    const dm = await bob.request('send', { to: 'Alice', text: 'psst' });
    await alice.waitFor((e) => e.type === 'message' && e.msg.id === dm.msg.id);
    carol.send('PRIVMSG Bob :irc dm');
    await bob.waitFor((e) => e.type === 'message' && e.msg.text === 'irc dm');

    // Rooms: join on two nodes, members, topic, messages only to members.
    await alice.request('join', { room: '#ops' });
    carol.send('JOIN #ops');
    await alice.waitFor((e) => e.type === 'room_joined' && e.room === '#ops' && e.name === 'Carol');
    const members = await bob.request('members', { room: '#ops' });
    assert.deepEqual(members.members.map((m) => m.name).sort(), ['Alice', 'Carol']);
    await alice.request('topic', { room: '#ops', topic: 'deploys' });
    await carol.waitLine(/ TOPIC #ops :deploys$/);
    carol.send('PRIVMSG #ops :members only');
    await alice.waitFor((e) => e.type === 'message' && e.msg.text === 'members only');
    await bob.sync(); await dave.sync();
    assert.equal(bob.events.some((e) => e.type === 'message' && e.msg.text === 'members only'), false);

    // Away crosses nodes.
    await bob.request('away', { message: 'lunch' });
    await alice.waitFor((e) => e.type === 'user_presence' && e.name === 'Bob' && e.presence === 'away');

    // Typing, operators and kicks cross nodes (the room's creator on n1 acts on an IRC user on n3).
    await bob.request('typing', { to: 'Alice' });
    await alice.waitFor((e) => e.type === 'typing' && e.from === 'Bob');
    await alice.request('op', { room: '#ops', name: 'Carol', op: true });
    await carol.waitLine(/:Alice!\S+ MODE #ops \+o Carol$/);
    await alice.request('op', { room: '#ops', name: 'Carol', op: false });
    await carol.waitLine(/:Alice!\S+ MODE #ops -o Carol$/);
    await alice.request('kick', { room: '#ops', name: 'Carol', reason: 'test' });
    await carol.waitLine(/:Alice!\S+ KICK #ops Carol :test$/);
    assert.deepEqual((await dave.request('members', { room: '#ops' })).members.map((m) => m.name), ['Alice']);
    carol.send('JOIN #ops');
    await alice.waitFor((e) => e.type === 'room_joined' && e.room === '#ops' && e.name === 'Carol' && alice.of('room_kicked').length > 0 && alice.events.indexOf(e) > alice.events.findIndex((x) => x.type === 'room_kicked'));

    // Names are unique cluster-wide (case-insensitively), whichever node asks.
    const dup = await TestClient.open(`ws://127.0.0.1:${n3.port}/ws`);
    clients.push(dup);
    await assert.rejects(dup.request('login', { name: 'ALICE' }), (e: unknown) => e instanceof ReplyError && e.code === 'NAME_TAKEN');
    const ircDup = await IrcClient.connect(n1.ircPort!);
    clients.push(ircDup);
    ircDup.send('NICK carol');
    ircDup.send('USER c 0 * :c');
    await ircDup.waitLine(/ 433 /);

    // Search and history come from the shared database, whichever node serves them.
    const found = await dave.request('search', { query: 'cluster' });
    assert.deepEqual(found.results.map((m: ChatMessage) => m.id), [msg.id]);
    for (const c of [alice, bob, dave]) c.close();
    carol.close();
  });

  it('orders seq strictly per conversation across nodes; every client gets each message exactly once', async () => {
    const a = await ws(n1, 'SeqA');
    const b = await ws(n2, 'SeqB');
    const c = await ws(n3, 'SeqC');
    for (const x of [a, b, c]) await x.request('join', { room: '#seq' });
    await a.waitFor((e) => e.type === 'room_joined' && e.room === '#seq' && e.name === 'SeqC');
    await a.waitFor((e) => e.type === 'room_joined' && e.room === '#seq' && e.name === 'SeqB');
    const sent = (await Promise.all([a, b, c].flatMap((x, i) => Array.from({ length: 20 }, (_, k) => x.request('send', { to: '#seq', text: `n${i}-${k}` }))))).map((r) => r.msg);
    const seqs = sent.map((m) => m.seq).sort((p, q) => p - q);
    assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => seqs[0]! + i), 'seqs are distinct and gapless');
    for (const x of [a, b, c]) {
      await x.waitFor(() => x.of('message').filter((e) => e.msg.to === '#seq').length >= 60);
      await x.sync();
      const got = x.of('message').filter((e) => e.msg.to === '#seq').map((e) => e.msg);
      assert.equal(got.length, 60, 'no duplicate');
      assert.equal(new Set(got.map((m) => m.id)).size, 60);
      assert.deepEqual(got.map((m) => m.seq), seqs, 'every client sees the conversation in seq order');
    }
    for (const x of [a, b, c]) x.close();
  });

  it('a SIGKILLed node\'s users leave everyone\'s lists within heartbeat + lease, and reconnect elsewhere without a gap', async (t) => {
    const watcher = await ws(n1, 'Watcher');
    const watcher3 = await ws(n3, 'Watcher3');
    const victim = await ws(n2, 'Victim');
    const ircVictim = await irc(n2, 'IrcVictim');
    await watcher.waitFor((e) => e.type === 'user_joined' && e.user.name === 'IrcVictim');
    const { msg: before } = await watcher.request('send', { to: '#lobby', text: 'before the crash' });
    await victim.waitFor((e) => e.type === 'message' && e.msg.id === before.id);
    const killedAt = Date.now();
    n2.proc.kill('SIGKILL');
    await n2.exited;
    // Sent while the victim is away: it must find it when it resumes on another node.
    const { msg: during } = await watcher.request('send', { to: '#lobby', text: 'while you were out' });
    const bound = HEARTBEAT_MS + LEASE_MS + HEARTBEAT_MS + 1500; // + one check period + slack for a loaded machine
    await watcher.waitFor((e) => e.type === 'user_left' && e.name === 'Victim', bound);
    await watcher.waitFor((e) => e.type === 'user_left' && e.name === 'IrcVictim', bound);
    // Every node drops them by itself; the node the client reconnects to too.
    await watcher3.waitFor((e) => e.type === 'user_left' && e.name === 'Victim', bound);
    const failoverMs = Date.now() - killedAt;
    assert.ok(failoverMs <= bound, `gone after ${failoverMs} ms`);
    t.diagnostic(`failover: users of the killed node shown as gone after ${failoverMs} ms (heartbeat ${HEARTBEAT_MS} ms, lease ${LEASE_MS} ms)`);
    assert.deepEqual((await names(watcher)).filter((n) => n.includes('Victim')), [], 'no ghost left behind');
    // The name is free again: the client reconnects to n3 and resumes by seq from PostgreSQL.
    const reconnectStart = Date.now();
    const again = await ws(n3, 'Victim');
    const hist = await again.request('history', { to: '#lobby', after: before.seq });
    assert.deepEqual(hist.messages.map((m) => m.id), [during.id], 'no gap, no duplicate');
    t.diagnostic(`failover: reconnected to another node and resumed in ${Date.now() - reconnectStart} ms`);
    ircVictim.close();
    watcher.close(); watcher3.close(); again.close();
  });

  it('a node that stalls for longer than its lease is declared gone, then comes back with its users by itself', async () => {
    const stalled = await ws(n1, 'Stalled');
    const obs = await ws(n3, 'Obs');
    assert.ok((await names(obs)).includes('Stalled'));
    n1.proc.kill('SIGSTOP');
    try {
      await obs.waitFor((e) => e.type === 'user_left' && e.name === 'Stalled', HEARTBEAT_MS + LEASE_MS + HEARTBEAT_MS + 5000);
    } finally {
      n1.proc.kill('SIGCONT');
    }
    // Its next heartbeat finds the lease expired: it re-takes its names and re-announces its users.
    await obs.waitFor((e) => e.type === 'user_joined' && e.user.name === 'Stalled' && obs.events.indexOf(e) > obs.events.findIndex((x) => x.type === 'user_left'));
    assert.ok((await names(obs)).includes('Stalled'));
    const dup = await TestClient.open(`ws://127.0.0.1:${n3.port}/ws`);
    clients.push(dup);
    await assert.rejects(dup.request('login', { name: 'Stalled' }), (e: unknown) => e instanceof ReplyError && e.code === 'NAME_TAKEN', 'its name is held again');
    const { msg } = await obs.request('send', { to: '#lobby', text: 'welcome back' });
    await stalled.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
    stalled.close(); obs.close();
  });

  it('a Redis restart: /readyz goes unready and back, and an acknowledged message sent meanwhile still reaches the other node', async () => {
    const a = await ws(n1, 'OutA');
    const c = await ws(n3, 'OutC');
    const { msg: warm } = await a.request('send', { to: '#lobby', text: 'warm up' });
    await c.waitFor((e) => e.type === 'message' && e.msg.id === warm.id);
    assert.equal(await ready(n1), 200);
    await redis.kill();
    const deadline = Date.now() + 10_000;
    while (await ready(n1) !== 503) assert.ok(Date.now() < deadline, '/readyz turns unready while Redis is down');
    // No name can be claimed: a login is refused with an explicit code, not left hanging.
    const late = await TestClient.open(`ws://127.0.0.1:${n3.port}/ws`);
    clients.push(late);
    await assert.rejects(late.request('login', { name: 'Late' }), (e: unknown) => e instanceof ReplyError && e.code === 'PRESENCE_UNAVAILABLE');
    // PostgreSQL is up: the send is committed and acknowledged; the bus cannot carry it now.
    const { msg: during } = await a.request('send', { to: '#lobby', text: 'during the outage' });
    await redis.start();
    // The other node catches up from PostgreSQL by seq after reconnecting.
    await c.waitFor((e) => e.type === 'message' && e.msg.id === during.id, 15_000);
    while (await ready(n1) !== 200) assert.ok(Date.now() < deadline + 10_000, '/readyz is ready again');
    const { msg: afterMsg } = await a.request('send', { to: '#lobby', text: 'after' });
    await c.waitFor((e) => e.type === 'message' && e.msg.id === afterMsg.id);
    await c.sync();
    assert.equal(c.of('message').filter((e) => e.msg.id === during.id).length, 1, 'exactly once');
    // Presence survived the restart: names are still held (re-taken after the reconnect).
    const dup = await TestClient.open(`ws://127.0.0.1:${n3.port}/ws`);
    clients.push(dup);
    await assert.rejects(dup.request('login', { name: 'OutA' }), (e: unknown) => e instanceof ReplyError && e.code === 'NAME_TAKEN');
    assert.ok((await names(c)).includes('OutA'), 'nobody was declared gone by the restart');
    a.close(); c.close();
  });

  it('PostgreSQL down: sends are refused with STORE_UNAVAILABLE (nothing acknowledged), /readyz is unready, and the node recovers by itself', async () => {
    const a = await ws(n1, 'PgA');
    const c = await ws(n3, 'PgC');
    pg.stop();
    await assert.rejects(a.request('send', { to: '#lobby', text: 'not stored' }, 'pg-1'), (e: unknown) => e instanceof ReplyError && e.code === 'STORE_UNAVAILABLE');
    assert.equal(await ready(n1), 503);
    pg.start();
    const deadline = Date.now() + 20_000;
    while (await ready(n1) !== 200) assert.ok(Date.now() < deadline, 'ready again once PostgreSQL is back');
    // The client resends with the same request id: stored once, delivered once.
    a.events.length = 0; // the refusal above carried the same request id
    const { msg } = await a.request('send', { to: '#lobby', text: 'not stored' }, 'pg-1');
    await c.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
    const hist = await c.request('history', { to: '#lobby', limit: 5 });
    assert.equal(hist.messages.filter((m) => m.text === 'not stored').length, 1);
    a.close(); c.close();
  });

  it('an unreachable PostgreSQL or Redis stops the start with exit code 2 and a line naming the setting, without the password', async () => {
    const run = (extra: Record<string, string>): Promise<{ code: number | null; out: string }> => new Promise((resolve) => {
      const childEnv: Record<string, string | undefined> = { ...process.env, ...env('bad'), BANTER_IRC_PORT: '0', BANTER_LOG_FORMAT: 'json', ...extra };
      delete childEnv.NODE_TEST_CONTEXT;
      const p = spawn(process.execPath, ['src/cli.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', join(dir, 'bad')], { cwd: new URL('..', import.meta.url), env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      p.once('exit', (code) => resolve({ code, out }));
    });
    const badPg = await run({ BANTER_POSTGRES_URL: 'postgres://banter:hunter22@127.0.0.1:1/banter' });
    assert.equal(badPg.code, 2);
    assert.match(badPg.out, /postgresUrl: cannot use PostgreSQL at postgres:\/\/banter@127\.0\.0\.1:1\/banter: connect ECONNREFUSED/);
    assert.doesNotMatch(badPg.out, /hunter22/);
    const badRedis = await run({ BANTER_REDIS_URL: 'redis://:hunter22@127.0.0.1:1' });
    assert.equal(badRedis.code, 2);
    assert.match(badRedis.out, /redisUrl: cannot use Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
    assert.doesNotMatch(badRedis.out, /hunter22/);
  });

  it('a node restarted under the same id right after a crash leaves no ghost and no stuck name', async (t) => {
    const phoenix = await ws(n1, 'Phoenix');
    const obs = await ws(n3, 'Obs2');
    assert.ok((await names(obs)).includes('Phoenix'));
    n1.proc.kill('SIGKILL');
    await n1.exited;
    phoenix.close();
    const restarted = Date.now();
    n1 = await start('n1'); // within the lease: its lease key is renewed at once, so nobody reaps the old run
    const left = await obs.waitFor((e) => e.type === 'user_left' && e.name === 'Phoenix', LEASE_MS + 10_000);
    t.diagnostic(`restart took ${Date.now() - restarted} ms; the old run's user left with reason "${left.type === 'user_left' ? left.reason : ''}"`);
    assert.ok(!(await names(obs)).includes('Phoenix'), 'no ghost');
    const back = await ws(n1, 'Phoenix'); // the name is free again
    await obs.waitFor((e) => e.type === 'user_joined' && e.user.name === 'Phoenix');
    back.close(); obs.close();
  });
});
