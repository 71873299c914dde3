/** Builds the message, account and moderation stores chosen by config (`store`, `dataDir`). */
import type { AccountStore, Clock, MessageStore, ModerationStore } from '../core/ports.ts';
import { MemoryModeration } from '../core/moderation-memory.ts';
import { SqliteModeration } from '../storage/sqlite/moderation.ts';
import { MemoryAccounts } from '../storage/memory-accounts.ts';
import { MemoryStore } from '../storage/memory.ts';
import { SqliteAccounts } from '../storage/sqlite/accounts.ts';
import { SqliteHandle } from '../storage/sqlite/open.ts';
import { SqliteStore } from '../storage/sqlite/store.ts';
import type { Config } from './config.ts';

export function createStorage(config: Config, clock: Clock): { store: MessageStore; accounts: AccountStore; moderation: ModerationStore } {
  if (config.store === 'memory') {
    return {
      store: new MemoryStore({ clock, maxPerConversation: config['history.memoryMaxPerConversation'], idempotencyWindowMs: config['history.idempotencyWindowMs'] }),
      accounts: new MemoryAccounts(),
      moderation: new MemoryModeration(),
    };
  }
  const handle = new SqliteHandle({ dataDir: config.dataDir, synchronous: config['sqlite.synchronous'] });
  return {
    store: new SqliteStore(handle, { clock, idempotencyWindowMs: config['history.idempotencyWindowMs'] }),
    accounts: new SqliteAccounts(handle),
    moderation: new SqliteModeration(handle),
  };
}
