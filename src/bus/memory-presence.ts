/**
 * In-process PresenceStore. Shared by every core of one process (pass the same instance to
 * several cores to test a cluster in one process). Claims are atomic because JS is
 * single-threaded and claim() checks and sets in the same turn.
 */
import type { PresenceStore } from '../core/ports.ts';

export class MemoryPresence implements PresenceStore {
  private readonly owners = new Map<string, string>();

  async claim(folded: string, owner: string): Promise<boolean> {
    if (this.owners.has(folded)) return this.owners.get(folded) === owner;
    this.owners.set(folded, owner);
    return true;
  }

  async release(folded: string, owner: string): Promise<void> {
    if (this.owners.get(folded) === owner) this.owners.delete(folded);
  }

  async close(): Promise<void> {
    this.owners.clear();
  }
}
