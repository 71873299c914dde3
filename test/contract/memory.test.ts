import { MemoryAccounts } from '../../src/storage/memory-accounts.ts';
import { MemoryStore } from '../../src/storage/memory.ts';
import { runAccountContract } from './account-contract.ts';
import { runStoreContract } from './store-contract.ts';
import { runModerationContract } from './moderation-contract.ts';
import { MemoryModeration } from '../../src/core/moderation-memory.ts';

runStoreContract('memory', async (clock) => ({
  store: new MemoryStore({ clock, maxPerConversation: 10_000, idempotencyWindowMs: 60_000 }),
  windowMs: 60_000,
}));

runAccountContract('memory', async () => ({ accounts: new MemoryAccounts() }));

runModerationContract('memory', async () => ({ store: new MemoryModeration() }));
