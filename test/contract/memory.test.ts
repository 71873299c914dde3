import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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

describe('memory store: its window of messages per conversation', () => {
  it('keeps the newest maxPerConversation messages; older ones are gone from history, lookups and search', async () => {
    const clock = { now: () => 1_800_000_000_000 };
    const store = new MemoryStore({ clock, maxPerConversation: 3, idempotencyWindowMs: 60_000 });
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await store.append({ conv: '#w', to: '#w', from: 'ann', author: 'account:ann', text: `needle ${i}` })).id);
    assert.deepEqual((await store.history('#w', { limit: 10 })).map((m) => m.seq), [3, 4, 5]);
    assert.equal(await store.lastSeq('#w'), 5);
    assert.equal(await store.get('#w', ids[1]!), undefined, 'an evicted message is not found by id');
    assert.ok(await store.get('#w', ids[2]!), 'the oldest kept one is');
    assert.deepEqual((await store.search({ words: ['needle'], convs: ['#w'], limit: 10 })).map((m) => m.seq).sort(), [3, 4, 5]);
  });
});
