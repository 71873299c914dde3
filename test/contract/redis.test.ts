/**
 * The Redis bus and presence store against the Bus and PresenceStore contracts, on a real
 * redis-server (test/helpers/services.ts), plus what only a network bus has: startup errors,
 * reconnection after a Redis restart, and cleanup of a dead node's names.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { RedisCluster, RedisOpenError } from '../../src/bus/redis.ts';
import { ChatError } from '../../src/core/errors.ts';
import type { Fact } from '../../src/core/facts.ts';
import type { Logger } from '../../src/core/ports.ts';
import { freePort, redisServer, redisSkip, type RedisServer } from '../helpers/services.ts';
import { runBusContract } from './bus-contract.ts';

const skip = redisSkip();
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
let redis: RedisServer | undefined;

before(async () => { if (!skip) redis = await redisServer(); });
after(async () => { await redis?.stop(); });

const LEASE = 600;
const openNode = (prefix: string, nodeId: string = randomUUID()): Promise<RedisCluster> =>
  RedisCluster.open({ url: redis!.url, nodeId, heartbeatMs: 100, leaseTtlMs: LEASE, log: quiet, prefix });

async function until(pred: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (skip) {
  it('Redis Bus and PresenceStore contracts', { skip }, () => undefined);
} else {
  runBusContract('redis', async (n) => {
    // A prefix per test: the suites share one server but not keys or channels.
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const clusters = await Promise.all(Array.from({ length: n }, () => openNode(prefix)));
    const killed = new Set<number>();
    return {
      nodes: clusters.map((c) => ({ bus: c.bus, presence: c.presence })),
      kill: async (i) => { killed.add(i); clusters[i]!.abandon(); },
      cleanup: async () => { for (const [i, c] of clusters.entries()) if (!killed.has(i)) await c.close(); },
    };
  });
}

it('redis: an unreachable server is a startup error naming redisUrl, without the password', { skip }, async () => {
  const port = await freePort();
  await assert.rejects(RedisCluster.open({ url: `redis://:s3cret@127.0.0.1:${port}`, nodeId: 'x', heartbeatMs: 100, leaseTtlMs: LEASE, log: quiet, connectTimeoutMs: 1000 }), (err: unknown) => {
    assert.ok(err instanceof RedisOpenError);
    assert.match(err.message, /^redisUrl: cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    assert.doesNotMatch(err.message, /s3cret/);
    return true;
  });
});

it('redis: after a Redis restart both nodes reconnect by themselves, report the gap, renew their leases and deliver again', { skip }, async () => {
  const prefix = `r${randomUUID().slice(0, 8)}:`;
  const a = await openNode(prefix);
  const b = await openNode(prefix);
  try {
    let gaps = 0;
    b.bus.onGap(() => { gaps++; });
    const got: string[] = [];
    b.bus.subscribe((f: Fact) => { if (f.kind === 'notice') got.push(f.text); });
    a.bus.publish({ kind: 'notice', text: 'before' });
    await until(() => got.length === 1);
    await redis!.kill();
    await assert.rejects(b.bus.ping(), 'not ready while Redis is down');
    a.bus.publish({ kind: 'notice', text: 'during' }); // dropped: at-most-once, never thrown
    await assert.rejects(a.presence.claim('zed', `${a.bus.nodeId}/1`), (e: unknown) => e instanceof ChatError && e.code === 'PRESENCE_UNAVAILABLE', 'a claim fails at once, with a clear code, instead of waiting');
    await redis!.start();
    await until(() => gaps === 1);
    await until(async () => { try { await b.bus.ping(); return true; } catch { return false; } });
    await until(async () => (await b.presence.deadNodes([a.bus.nodeId])).length === 0);
    a.bus.publish({ kind: 'notice', text: 'after' });
    await until(() => got.length === 2);
    assert.deepEqual(got, ['before', 'after']);
  } finally {
    await a.close();
    await b.close();
  }
});

it('redis: releaseNode deletes every name a dead node held, and nothing else', { skip }, async () => {
  const prefix = `d${randomUUID().slice(0, 8)}:`;
  const a = await openNode(prefix, 'node-a');
  const b = await openNode(prefix, 'node-b');
  const { Redis } = await import('ioredis');
  const raw = new Redis(redis!.url);
  try {
    assert.equal(await a.presence.claim('ann', 'node-a/1'), true);
    assert.equal(await a.presence.claim('amy', 'node-a/2'), true);
    assert.equal(await b.presence.claim('bea', 'node-b/1'), true);
    a.abandon();
    await until(async () => (await b.presence.deadNodes(['node-a'])).length === 1);
    await b.presence.releaseNode('node-a');
    assert.deepEqual((await raw.keys(`${prefix}name:*`)).sort(), [`${prefix}name:bea`]);
    assert.equal(await raw.exists(`${prefix}names:node-a`), 0);
  } finally {
    raw.disconnect();
    await b.close();
  }
});

it('redis: a node that finds its own lease expired (it stalled, or Redis lost it) is told, so it can re-announce itself', { skip }, async () => {
  const prefix = `l${randomUUID().slice(0, 8)}:`;
  const a = await openNode(prefix, 'node-l');
  const { Redis } = await import('ioredis');
  const raw = new Redis(redis!.url);
  try {
    let told = 0;
    a.presence.onReconnect(() => { told++; });
    await new Promise((r) => setTimeout(r, 300)); // a few heartbeats with the lease in place
    assert.equal(told, 0, 'not while the lease is renewed in time');
    await raw.del(`${prefix}node:node-l`); // what an expiry looks like to the node
    await until(() => told === 1);
    assert.equal(await raw.exists(`${prefix}node:node-l`), 1, 'and the lease is back');
  } finally {
    raw.disconnect();
    await a.close();
  }
});
