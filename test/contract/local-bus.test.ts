import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fact } from '../../src/core/facts.ts';
import { LocalHub } from '../../src/bus/local.ts';
import { MemoryPresence } from '../../src/bus/memory-presence.ts';
import { runBusContract } from './bus-contract.ts';

runBusContract('in-process (LocalHub + MemoryPresence)', async (n) => {
  const hub = new LocalHub();
  const presence = new MemoryPresence();
  const nodes = Array.from({ length: n }, (_, i) => ({ bus: hub.bus(`node-${i}`), presence }));
  return { nodes, cleanup: async () => { for (const x of nodes) await x.bus.close(); } };
});

test('a bus alone on its hub copies nothing per publish (the single-node server publishes every message)', () => {
  const hub = new LocalHub();
  const solo = hub.bus('solo');
  // JSON.stringify throws on a cycle: publishing this only works when no copy is made.
  const fact = { kind: 'notice', text: 'x' } as Record<string, unknown>;
  fact.self = fact;
  assert.doesNotThrow(() => solo.publish(fact as unknown as Fact));
  // With a second node there is someone to copy for again.
  const other = hub.bus('other');
  const got: Fact[] = [];
  other.subscribe((f) => got.push(f));
  assert.throws(() => solo.publish(fact as unknown as Fact), TypeError);
  solo.publish({ kind: 'notice', text: 'hi' });
  assert.deepEqual(got, [{ kind: 'notice', text: 'hi' }]);
});
