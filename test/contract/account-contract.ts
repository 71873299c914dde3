/** The AccountStore contract (src/core/ports.ts), run against every implementation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountStore } from '../../src/core/ports.ts';

export function runAccountContract(name: string, factory: () => Promise<{ accounts: AccountStore; cleanup?: () => Promise<void> }>): void {
  describe(`AccountStore contract: ${name}`, () => {
    it('creates an account once, updates its hash, and tracks sessions', async () => {
      const { accounts, cleanup } = await factory();
      try {
        assert.equal(await accounts.get('alice'), undefined);
        const rec = { name: 'Alice', folded: 'alice', hash: 'h1', createdAt: 5 };
        const [one, two] = await Promise.all([accounts.create(rec), accounts.create({ ...rec, name: 'ALICE', hash: 'h2' })]);
        assert.deepEqual([one, two].sort(), [false, true]);
        assert.deepEqual(await accounts.get('alice'), rec);
        await accounts.setHash('alice', 'h3');
        assert.equal((await accounts.get('alice'))?.hash, 'h3');

        await accounts.addSession('t1', 'alice', 1);
        await accounts.addSession('t2', 'alice', 2);
        await accounts.addSession('t3', 'bob', 3);
        assert.equal(await accounts.sessionUser('t1'), 'alice');
        assert.equal(await accounts.deleteSession('t1'), true);
        assert.equal(await accounts.deleteSession('t1'), false);
        assert.equal(await accounts.sessionUser('t1'), undefined);
        assert.equal(await accounts.deleteSessions('alice'), 1);
        assert.equal(await accounts.sessionUser('t2'), undefined);
        assert.equal(await accounts.sessionUser('t3'), 'bob');
      } finally {
        await accounts.close();
        await cleanup?.();
      }
    });
  });
}
