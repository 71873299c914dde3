import { LocalHub } from '../../src/bus/local.ts';
import { MemoryPresence } from '../../src/bus/memory-presence.ts';
import { runBusContract } from './bus-contract.ts';

runBusContract('in-process (LocalHub + MemoryPresence)', async (n) => {
  const hub = new LocalHub();
  const presence = new MemoryPresence();
  const nodes = Array.from({ length: n }, (_, i) => ({ bus: hub.bus(`node-${i}`), presence }));
  return { nodes, cleanup: async () => { for (const x of nodes) await x.bus.close(); } };
});
