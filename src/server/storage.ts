/** Builds the message, account and moderation stores chosen by config (`store`, `dataDir`, `postgresUrl`, `search.*`). */
import type { AccountStore, Clock, Logger, MessageStore, ModerationStore } from '../core/ports.ts';
import { MemoryModeration } from '../core/moderation-memory.ts';
import { SqliteModeration } from '../storage/sqlite/moderation.ts';
import { MemoryAccounts } from '../storage/memory-accounts.ts';
import { MemoryStore } from '../storage/memory.ts';
import { SqliteAccounts } from '../storage/sqlite/accounts.ts';
import { SqliteHandle } from '../storage/sqlite/open.ts';
import { SqliteStore } from '../storage/sqlite/store.ts';
import { ConfigError, type Config } from './config.ts';

export async function createStorage(config: Config, clock: Clock, log: Logger): Promise<{ store: MessageStore; accounts: AccountStore; moderation: ModerationStore }> {
  if (config.store === 'memory') {
    return {
      store: new MemoryStore({ clock, maxPerConversation: config['history.memoryMaxPerConversation'], idempotencyWindowMs: config['history.idempotencyWindowMs'] }),
      accounts: new MemoryAccounts(),
      moderation: new MemoryModeration(),
    };
  }
  if (config.store === 'postgres') {
    // Loaded only when selected: a single node never loads `pg`.
    const { PgHandle, PgOpenError } = await import('../storage/postgres/open.ts');
    const { PgStore } = await import('../storage/postgres/store.ts');
    const { PgAccounts } = await import('../storage/postgres/accounts.ts');
    let handle;
    try {
      handle = await PgHandle.open({ url: config.postgresUrl, poolMax: config['postgres.poolMax'], timeoutMs: config['postgres.timeoutMs'], log });
    } catch (err) {
      if (err instanceof PgOpenError) throw new ConfigError([err.message]);
      throw err;
    }
    return {
      store: new PgStore(handle, { clock, idempotencyWindowMs: config['history.idempotencyWindowMs'], log }),
      accounts: new PgAccounts(handle),
      // Not persisted on PostgreSQL yet: room settings converge over the bus and live in memory.
      moderation: new MemoryModeration(),
    };
  }
  const handle = new SqliteHandle({ dataDir: config.dataDir, synchronous: config['sqlite.synchronous'] });
  const { tightened, unfixable } = handle.looseModes;
  if (tightened.length > 0) log.warn({ paths: tightened }, 'data files were readable by other users; restricted them to the server\'s user (0700 / 0600)');
  if (unfixable.length > 0) log.warn({ paths: unfixable }, 'data files are readable by other users and owned by someone else; restrict them to the server\'s user (0700 / 0600)');
  return {
    store: new SqliteStore(handle, {
      clock, idempotencyWindowMs: config['history.idempotencyWindowMs'], log,
      search: { workers: config['search.workers'], timeoutMs: config['search.timeoutMs'], maxQueue: config['search.maxQueue'] },
    }),
    accounts: new SqliteAccounts(handle),
    moderation: new SqliteModeration(handle),
  };
}
