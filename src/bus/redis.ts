/**
 * Redis adapters for cluster mode: the Bus (pub/sub) and the PresenceStore with node leases.
 * The `ioredis` client is loaded only when `bus = "redis"` (why ioredis: docs/cluster.md).
 *
 * Exactly two connections per node, however many users: `cmd` for publishing, name claims
 * and the lease heartbeat, `sub` in subscriber mode (a subscribed Redis connection can run
 * nothing else). Both reconnect by themselves with capped exponential backoff. Commands are
 * never queued while disconnected (`enableOfflineQueue: false`): a claim fails at once, a
 * fact is dropped (the Bus is at-most-once; see src/core/ports.ts).
 *
 * Keys (prefix `banter:`): `node:<id>` a node's lease (PX leaseTtlMs, renewed every
 * heartbeat); `name:<folded>` the owner `nodeId/connId` of a name; `names:<id>` the set of
 * names a node holds, to free them when it dies. Facts travel on channel `facts` as
 * `{"o": originNodeId, "f": fact}`; a node drops its own.
 */
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { ChatError } from '../core/errors.ts';
import type { Fact } from '../core/facts.ts';
import type { Bus, Logger, NodeLeases, Pingable, PresenceStore } from '../core/ports.ts';

export interface RedisClusterOptions {
  url: string;
  nodeId: string;
  heartbeatMs: number;
  leaseTtlMs: number;
  log: Logger;
  /** Key and channel prefix (default `banter:`), so several clusters can share one Redis. */
  prefix?: string;
  /** Bound on connecting (ms). */
  connectTimeoutMs?: number;
}

/** A startup failure that names the setting to fix. */
export class RedisOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisOpenError';
  }
}

/** Where the URL points, without the password (for messages). */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Reconnect backoff: 50 ms doubling to at most 2 s. */
export const reconnectDelay = (attempt: number): number => Math.min(2000, 50 * 2 ** Math.min(attempt, 6));

type Handler = (fact: Fact, origin: string) => void;

// A name is free when unowned, owned by the claimer, or owned by a node without a lease.
const CLAIM = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then
  local node = string.match(cur, '^([^/]*)/')
  if node and redis.call('EXISTS', ARGV[2] .. 'node:' .. node) == 1 then return 0 end
  if node then redis.call('SREM', ARGV[2] .. 'names:' .. node, ARGV[3]) end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[3])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0`;

// Frees every name of a node that is still owned by that node.
const RELEASE_NODE = `
local names = redis.call('SMEMBERS', KEYS[1])
for _, n in ipairs(names) do
  local k = ARGV[2] .. 'name:' .. n
  local cur = redis.call('GET', k)
  if cur and string.sub(cur, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '/' then redis.call('DEL', k) end
end
redis.call('DEL', KEYS[1])
return #names`;

export class RedisCluster {
  readonly bus: RedisBus;
  readonly presence: RedisPresence;
  private readonly cmd: RedisClient;
  private readonly sub: RedisClient;

  private constructor(cmd: RedisClient, sub: RedisClient, opts: RedisClusterOptions, prefix: string) {
    this.cmd = cmd;
    this.sub = sub;
    this.bus = new RedisBus(cmd, sub, opts.nodeId, prefix, opts.log);
    this.presence = new RedisPresence(cmd, opts, prefix);
  }

  /** Connects both connections and subscribes; rejects with a RedisOpenError naming redisUrl. */
  static async open(opts: RedisClusterOptions): Promise<RedisCluster> {
    const { Redis } = await import('ioredis');
    const prefix = opts.prefix ?? 'banter:';
    const base: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      retryStrategy: reconnectDelay,
      enableAutoPipelining: true,
    };
    const cmd = new Redis(opts.url, { ...base, connectionName: `banter-${opts.nodeId}-cmd` });
    const sub = new Redis(opts.url, { ...base, connectionName: `banter-${opts.nodeId}-sub`, autoResubscribe: true });
    let lastErr = '';
    for (const c of [cmd, sub]) c.on('error', (err: Error) => {
      if (err.message !== lastErr) opts.log.warn({ err: { message: err.message } }, 'redis connection error');
      lastErr = err.message;
    });
    try {
      await cmd.connect();
      await sub.connect();
      await sub.subscribe(`${prefix}facts`);
    } catch (err) {
      cmd.disconnect();
      sub.disconnect();
      // "Connection is closed." says little: the socket's own error (ECONNREFUSED, WRONGPASS…) says why.
      const detail = lastErr || (err instanceof Error ? err.message : String(err));
      throw new RedisOpenError(`redisUrl: cannot use Redis at ${describeUrl(opts.url)}: ${detail}`);
    }
    const cluster = new RedisCluster(cmd, sub, opts, prefix);
    await cluster.presence.start();
    return cluster;
  }

  async close(): Promise<void> {
    await this.presence.close();
    await this.bus.close();
  }

  /**
   * Drops both connections without goodbye and stops the heartbeat, leaving the lease to
   * expire: what a crashed node looks like to the others (tests, and a last resort when a
   * graceful close cannot reach Redis).
   */
  abandon(): void {
    this.presence.stopHeartbeat();
    this.cmd.disconnect();
    this.sub.disconnect();
  }
}

export class RedisBus implements Bus, Pingable {
  readonly nodeId: string;
  private readonly handlers = new Set<Handler>();
  private readonly gapHandlers = new Set<() => void>();
  private readonly cmd: RedisClient;
  private readonly sub: RedisClient;
  private readonly channel: string;
  private readonly log: Logger;
  private lost = false;
  private closed = false;
  /** Facts that could not be published (Redis unreachable). */
  dropped = 0;

  constructor(cmd: RedisClient, sub: RedisClient, nodeId: string, prefix: string, log: Logger) {
    this.cmd = cmd;
    this.sub = sub;
    this.nodeId = nodeId;
    this.channel = `${prefix}facts`;
    this.log = log;
    sub.on('message', (channel: string, data: string) => {
      if (channel === this.channel) this.receive(data);
    });
    sub.on('close', () => { this.lost = true; });
    // `ready` comes after ioredis has re-subscribed: from here on nothing more is missed.
    sub.on('ready', () => {
      if (!this.lost || this.closed) return;
      this.lost = false;
      this.log.info({ node: this.nodeId }, 'redis bus reconnected; resynchronising');
      for (const h of this.gapHandlers) h();
    });
  }

  private receive(data: string): void {
    let env: { o?: unknown; f?: unknown };
    try {
      env = JSON.parse(data) as { o?: unknown; f?: unknown };
    } catch {
      this.log.warn({ bytes: data.length }, 'malformed fact on the bus dropped');
      return;
    }
    if (typeof env.o !== 'string' || typeof env.f !== 'object' || env.f === null) return;
    if (env.o === this.nodeId) return; // our own echo
    for (const h of this.handlers) {
      try {
        h(env.f as Fact, env.o);
      } catch (err) {
        this.log.error({ err }, 'applying a fact from the bus failed');
      }
    }
  }

  publish(fact: Fact): void {
    if (this.closed) return;
    this.cmd.publish(this.channel, JSON.stringify({ o: this.nodeId, f: fact })).catch(() => {
      this.dropped++;
    });
  }

  subscribe(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onGap(handler: () => void): () => void {
    this.gapHandlers.add(handler);
    return () => this.gapHandlers.delete(handler);
  }

  /** Readiness probe (/readyz): both connections are up. */
  async ping(): Promise<void> {
    if (this.sub.status !== 'ready') throw new Error(`redis subscriber connection is ${this.sub.status}`);
    await this.cmd.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.gapHandlers.clear();
    await this.sub.quit().catch(() => this.sub.disconnect());
    await this.cmd.quit().catch(() => this.cmd.disconnect());
  }
}

export class RedisPresence implements PresenceStore, NodeLeases, Pingable {
  readonly leaseTtlMs: number;
  private readonly cmd: RedisClient;
  private readonly nodeId: string;
  private readonly prefix: string;
  private readonly heartbeatMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private readonly reconnectHandlers = new Set<() => void>();
  private lost = false;
  private closed = false;

  constructor(cmd: RedisClient, opts: RedisClusterOptions, prefix: string) {
    this.cmd = cmd;
    this.nodeId = opts.nodeId;
    this.prefix = prefix;
    this.heartbeatMs = opts.heartbeatMs;
    this.leaseTtlMs = opts.leaseTtlMs;
    this.log = opts.log;
    cmd.on('close', () => { this.lost = true; });
    cmd.on('ready', () => {
      if (!this.lost || this.closed) return;
      this.lost = false;
      // Renew at once: after a Redis restart the lease is gone (beat() then tells the handlers).
      this.beat();
    });
  }

  /**
   * Takes this node's lease and renews it every heartbeat. Names still recorded for this
   * node id are from a previous run of it (killed, restarted within its lease): freed first.
   * Node ids must therefore be unique among running nodes.
   */
  async start(): Promise<void> {
    await this.releaseNode(this.nodeId);
    await this.cmd.set(`${this.prefix}node:${this.nodeId}`, String(Date.now()), 'PX', this.leaseTtlMs);
    this.timer = setInterval(() => this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  stopHeartbeat(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Renews the lease. When the lease had expired (this node was stalled or cut off for
   * longer than the lease, or Redis restarted empty), the others may have declared this node
   * dead and dropped its users: the reconnect handlers then re-take its names and re-announce
   * its users (src/core/cluster.ts).
   */
  private beat(): void {
    this.cmd.set(`${this.prefix}node:${this.nodeId}`, String(Date.now()), 'PX', this.leaseTtlMs, 'GET').then((prev) => {
      if (prev === null && !this.closed) {
        this.log.warn({ node: this.nodeId }, 'this node\'s lease had expired; re-announcing its users');
        for (const h of this.reconnectHandlers) h();
      }
    }, () => undefined);
  }

  private nameKey(folded: string): string {
    return `${this.prefix}name:${folded}`;
  }

  private namesKey(node: string): string {
    return `${this.prefix}names:${node}`;
  }

  /** Rejects with PRESENCE_UNAVAILABLE while Redis is unreachable (at once: nothing is queued). */
  async claim(folded: string, owner: string): Promise<boolean> {
    const node = owner.split('/')[0] ?? '';
    try {
      return await this.cmd.eval(CLAIM, 2, this.nameKey(folded), this.namesKey(node), owner, this.prefix, folded) === 1;
    } catch (err) {
      this.log.warn({ err: { message: (err as Error).message } }, 'name claim failed');
      throw new ChatError('PRESENCE_UNAVAILABLE');
    }
  }

  async release(folded: string, owner: string): Promise<void> {
    const node = owner.split('/')[0] ?? '';
    await this.cmd.eval(RELEASE, 2, this.nameKey(folded), this.namesKey(node), owner, folded);
  }

  async deadNodes(ids: readonly string[]): Promise<string[]> {
    const others = [...new Set(ids)].filter((id) => id !== this.nodeId);
    if (others.length === 0) return [];
    const alive = await Promise.all(others.map((id) => this.cmd.exists(`${this.prefix}node:${id}`)));
    return others.filter((_, i) => alive[i] === 0);
  }

  async releaseNode(id: string): Promise<void> {
    await this.cmd.eval(RELEASE_NODE, 1, this.namesKey(id), id, this.prefix);
  }

  async restore(claims: readonly { folded: string; owner: string }[]): Promise<string[]> {
    const lost: string[] = [];
    for (const c of claims) if (!(await this.claim(c.folded, c.owner))) lost.push(c.folded);
    return lost;
  }

  /** Fires when this node's lease was found expired (after a reconnect, a restart of Redis, or a stall). */
  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  async ping(): Promise<void> {
    await this.cmd.ping();
  }

  /** Stops the heartbeat and gives the lease back, so others see this node gone at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.reconnectHandlers.clear();
    await this.releaseNode(this.nodeId).catch(() => undefined);
    await this.cmd.del(`${this.prefix}node:${this.nodeId}`).catch(() => undefined);
  }
}
