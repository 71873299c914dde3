/**
 * docs/cluster.md's HAProxy example, run as written (only the ports are replaced by free
 * ones): WebSocket and IRC clients that go through the balancer land on different nodes of
 * a three-node cluster and talk to each other. Needs haproxy, redis-server and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startChildServer, type ChildServer } from './helpers/child-server.ts';
import { IrcClient } from './helpers/irc.ts';
import { TestClient } from './helpers/server.ts';
import { binary, freePort, haproxySkip, postgresDatabase, redisServer, type PgDatabase, type RedisServer } from './helpers/services.ts';

const skip = haproxySkip();
const DOC = new URL('../docs/cluster.md', import.meta.url);

/** The config between the example markers, without the code fence. */
export function haproxyExample(): string {
  const doc = readFileSync(DOC, 'utf8');
  const body = doc.slice(doc.indexOf('<!-- BEGIN HAPROXY EXAMPLE -->'), doc.indexOf('<!-- END HAPROXY EXAMPLE -->'));
  return body.split('\n').filter((l) => !l.startsWith('```') && !l.startsWith('<!--')).join('\n');
}

let redis: RedisServer | undefined;
let db: PgDatabase | undefined;
let dir = '';
const nodes: ChildServer[] = [];
let proxy: ChildProcess | undefined;
let webPort = 0;
let ircPort = 0;

before(async () => {
  if (skip) return;
  redis = await redisServer();
  db = await postgresDatabase();
  dir = mkdtempSync(join(tmpdir(), 'banter-proxy-'));
  const env = { BANTER_STORE: 'postgres', BANTER_POSTGRES_URL: db.url, BANTER_BUS: 'redis', BANTER_REDIS_URL: redis.url };
  nodes.push(...await Promise.all(['n1', 'n2', 'n3'].map((id) => startChildServer(join(dir, id), 0, { ...env, BANTER_NODE_ID: id }))));
  webPort = await freePort();
  ircPort = await freePort();
  let cfg = haproxyExample()
    .replace('bind 127.0.0.1:8080', `bind 127.0.0.1:${webPort}`)
    .replace('bind 127.0.0.1:6667', `bind 127.0.0.1:${ircPort}`);
  nodes.forEach((n, i) => {
    cfg = cfg.replace(`127.0.0.1:808${i + 1}`, `127.0.0.1:${n.port}`).replace(`127.0.0.1:667${i + 1}`, `127.0.0.1:${n.ircPort}`);
  });
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const p = spawn(binary('haproxy')!, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  proxy = p;
  let perr = '';
  p.stderr!.on('data', (d: Buffer) => { perr += d.toString(); });
  p.stdout!.resume();
  // Ready once /readyz answers through it.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${webPort}/readyz`)).status === 200) break;
    } catch { /* not listening yet */ }
    if (p.exitCode !== null) throw new Error(`haproxy exited with ${p.exitCode}: ${perr}`);
    assert.ok(Date.now() < deadline, 'haproxy did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  proxy?.kill('SIGKILL');
  for (const n of nodes) { n.proc.kill('SIGTERM'); await n.exited; }
  await redis?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('the documented HAProxy config balances WebSocket and IRC clients over the nodes, which act as one chat', { skip }, async () => {
  const web = await Promise.all(['ViaA', 'ViaB', 'ViaC'].map(async (name) => {
    const c = await TestClient.open(`ws://127.0.0.1:${webPort}/ws`);
    await c.request('login', { name });
    return c;
  }));
  const ircClient = await IrcClient.register({ ircPort } as Parameters<typeof IrcClient.register>[0], 'ViaIrc');
  try {
    await web[0]!.waitFor((e) => e.type === 'user_joined' && e.user.name === 'ViaIrc');
    // Round robin put the three WebSocket clients on three different nodes.
    const perNode = await Promise.all(nodes.map(async (n) => (await (await fetch(`http://127.0.0.1:${n.port}/healthz`)).json() as { connections: number }).connections));
    assert.deepEqual(perNode.filter((x) => x > 0).length, 3, `connections per node: ${perNode.join(', ')}`);
    const { msg } = await web[0]!.request('send', { to: '#lobby', text: 'through the balancer' });
    for (const c of web.slice(1)) await c.waitFor((e) => e.type === 'message' && e.msg.id === msg.id);
    await ircClient.waitLine(/:ViaA!\S+ PRIVMSG #lobby :through the balancer$/);
    ircClient.send('PRIVMSG #lobby :irc via tcp proxy');
    await web[2]!.waitFor((e) => e.type === 'message' && e.msg.text === 'irc via tcp proxy');
  } finally {
    for (const c of web) c.close();
    ircClient.close();
  }
});
