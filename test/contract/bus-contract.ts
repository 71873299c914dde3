/**
 * The Bus and PresenceStore contracts (src/core/ports.ts), run against every implementation:
 * the in-process ones (test/contract/local-bus.test.ts) and Redis (test/contract/redis.test.ts).
 * A factory makes `n` connected nodes that share one bus and one presence store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Fact } from '../../src/core/facts.ts';
import { hasLeases, type Bus, type PresenceStore } from '../../src/core/ports.ts';

export interface ClusterUnderTest {
  nodes: { bus: Bus; presence: PresenceStore }[];
  /** Makes node i vanish without goodbye (its lease is not renewed any more); optional. */
  kill?: (i: number) => Promise<void>;
  cleanup(): Promise<void>;
}

export type ClusterFactory = (n: number) => Promise<ClusterUnderTest>;

/** Resolves once `pred` holds, polling each turn; rejects after `ms`. */
async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const notice = (text: string): Fact => ({ kind: 'notice', text });

export function runBusContract(name: string, factory: ClusterFactory): void {
  describe(`Bus contract: ${name}`, () => {
    it('delivers each fact to every other node once, in publish order, with its origin, never back to its sender', async () => {
      const c = await factory(3);
      try {
        const got = c.nodes.map(() => [] as string[]);
        c.nodes.forEach((n, i) => n.bus.subscribe((f, origin) => { got[i]!.push(`${origin}:${f.kind === 'notice' ? f.text : f.kind}`); }));
        const [a, b] = c.nodes as [ClusterUnderTest['nodes'][0], ClusterUnderTest['nodes'][0]];
        for (let i = 0; i < 200; i++) a.bus.publish(notice(`a${i}`));
        for (let i = 0; i < 50; i++) b.bus.publish(notice(`b${i}`));
        await until(() => got[2]!.length === 250 && got[1]!.length === 200 && got[0]!.length === 50);
        const fromA = (xs: string[]): string[] => xs.filter((x) => x.startsWith(`${a.bus.nodeId}:`));
        const expectA = Array.from({ length: 200 }, (_, i) => `${a.bus.nodeId}:a${i}`);
        assert.deepEqual(fromA(got[2]!), expectA, 'in publish order, each once');
        assert.deepEqual(got[1], expectA, 'b gets a\'s facts and none of its own');
        assert.deepEqual(got[0], Array.from({ length: 50 }, (_, i) => `${b.bus.nodeId}:b${i}`), 'a gets none of its own');
        // Nothing more arrives later (no duplicates).
        a.bus.publish(notice('last'));
        await until(() => got[1]!.length === 201);
        assert.equal(got[2]!.filter((x) => x.endsWith(':a0')).length, 1);
      } finally {
        await c.cleanup();
      }
    });

    it('stops delivering to a handler once it unsubscribes', async () => {
      const c = await factory(2);
      try {
        const got: string[] = [];
        const off = c.nodes[1]!.bus.subscribe((f) => { if (f.kind === 'notice') got.push(f.text); });
        const all: string[] = [];
        c.nodes[1]!.bus.subscribe((f) => { if (f.kind === 'notice') all.push(f.text); });
        c.nodes[0]!.bus.publish(notice('one'));
        await until(() => all.length === 1);
        off();
        c.nodes[0]!.bus.publish(notice('two'));
        await until(() => all.length === 2);
        assert.deepEqual(got, ['one']);
      } finally {
        await c.cleanup();
      }
    });
  });

  describe(`PresenceStore contract: ${name}`, () => {
    it('claims atomically across nodes; only the owner releases', async () => {
      const c = await factory(3);
      try {
        const owners = c.nodes.map((n, i) => `${n.bus.nodeId}/conn${i}`);
        const results = await Promise.all(c.nodes.flatMap((n, i) => Array.from({ length: 5 }, () => n.presence.claim('alice', owners[i]!))));
        const winners = new Set(results.flatMap((r, k) => r ? [Math.floor(k / 5)] : []));
        assert.equal(winners.size, 1, 'one node won the name (its repeated claims are all true)');
        const w = [...winners][0]!;
        const loser = (w + 1) % 3;
        assert.equal(await c.nodes[w]!.presence.claim('alice', owners[w]!), true, 'a second claim by the owner is true');
        await c.nodes[loser]!.presence.release('alice', owners[loser]!);
        assert.equal(await c.nodes[loser]!.presence.claim('alice', owners[loser]!), false, 'a stranger cannot release it');
        await c.nodes[w]!.presence.release('alice', owners[w]!);
        assert.equal(await c.nodes[loser]!.presence.claim('alice', owners[loser]!), true, 'free after the owner released it');
      } finally {
        await c.cleanup();
      }
    });

    it('frees the names of a node whose lease expired, and reports that node dead', async (t) => {
      const c = await factory(2);
      try {
        const [a, b] = c.nodes as [ClusterUnderTest['nodes'][0], ClusterUnderTest['nodes'][0]];
        if (!c.kill || !hasLeases(b.presence)) { t.skip('no node leases (single-process presence)'); return; }
        const leases = b.presence;
        assert.equal(await a.presence.claim('bob', `${a.bus.nodeId}/c1`), true);
        assert.deepEqual(await leases.deadNodes([a.bus.nodeId, b.bus.nodeId]), []);
        assert.equal(await b.presence.claim('bob', `${b.bus.nodeId}/c2`), false, 'held while the owner lives');
        await c.kill(0);
        const started = Date.now();
        while ((await leases.deadNodes([a.bus.nodeId])).length === 0) {
          assert.ok(Date.now() - started < leases.leaseTtlMs + 2000, 'declared dead within the lease');
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(await b.presence.claim('bob', `${b.bus.nodeId}/c2`), true, 'a dead node\'s name is free');
      } finally {
        await c.cleanup();
      }
    });
  });
}
