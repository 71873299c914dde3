/**
 * In-process Bus. A single node uses it alone (publish reaches nobody); tests connect several
 * cores to one LocalHub to run a cluster in one process. Delivery is synchronous and in
 * publish order; a node never receives its own facts.
 */
import { randomUUID } from 'node:crypto';
import type { Bus } from '../core/ports.ts';
import type { Fact } from '../core/facts.ts';

type Handler = (fact: Fact, origin: string) => void;

export class LocalHub {
  private readonly nodes = new Set<LocalBus>();

  bus(nodeId: string = randomUUID()): LocalBus {
    const b = new LocalBus(nodeId, this);
    this.nodes.add(b);
    return b;
  }

  /** @internal */
  broadcast(from: LocalBus, fact: Fact): void {
    // A node alone (the single-node server's soloBus) publishes to no one: no copy to make.
    if (this.nodes.size < 2) return;
    // Facts cross a process boundary in real clusters: hand each node its own copy.
    const wire = JSON.stringify(fact);
    for (const n of this.nodes) if (n !== from) n.receive(JSON.parse(wire) as Fact, from.nodeId);
  }

  /** @internal */
  remove(b: LocalBus): void {
    this.nodes.delete(b);
  }
}

export class LocalBus implements Bus {
  readonly nodeId: string;
  private readonly hub: LocalHub;
  private readonly handlers = new Set<Handler>();

  constructor(nodeId: string, hub: LocalHub) {
    this.nodeId = nodeId;
    this.hub = hub;
  }

  publish(fact: Fact): void {
    this.hub.broadcast(this, fact);
  }

  subscribe(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** @internal */
  receive(fact: Fact, origin: string): void {
    for (const h of this.handlers) h(fact, origin);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.hub.remove(this);
  }
}

/** A bus for a single node: nothing to publish to. */
export function soloBus(nodeId?: string): LocalBus {
  return new LocalHub().bus(nodeId);
}
