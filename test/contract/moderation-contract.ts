/**
 * The ModerationStore contract (src/core/ports.ts), run against every implementation:
 * `runModerationContract('sqlite', factory)`. Durable stores give `reopen` to check that
 * rooms, server bans and the audit log survive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoomRecord } from '../../src/core/moderation.ts';
import type { ModerationStore } from '../../src/core/ports.ts';

export interface ModerationUnderTest {
  store: ModerationStore;
  reopen?: () => Promise<ModerationStore>;
  /** Another store on the same data (another node of a cluster), for shared stores. */
  another?: () => Promise<ModerationStore>;
  cleanup?: () => Promise<void>;
}

const record = (name: string, ban: string[]): RoomRecord => ({
  name, creator: 'account:owner', topic: 't',
  settings: {
    invite_only: true, moderated: false, secret: false, topic_lock: true, no_outside: true, registered_only: true, key: 'k', limit: 0, slow: 5,
    ban: ban.map((mask) => ({ mask, by: 'owner', at: 1 })), except: [], invex: [], mute: [],
  },
  roles: [['account:dave', 'op']],
});

export function runModerationContract(name: string, factory: () => Promise<ModerationUnderTest>): void {
  describe(`ModerationStore contract: ${name}`, () => {
    it('concurrent updates of the server bans and admins (from every store on the data) all land', async () => {
      const t = await factory();
      const stores = [t.store, ...(t.another ? [await t.another(), await t.another()] : [])];
      try {
        await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.updateServerBans((b) => [...b, { mask: `$a:u${i}`, by: 'root', at: i, reason: '' }])));
        await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.updateAdmins((a) => [...a, `a${i}`])));
        assert.deepEqual((await t.store.serverBans()).map((b) => b.mask).sort(), Array.from({ length: 12 }, (_, i) => `$a:u${i}`).sort());
        assert.deepEqual((await t.store.admins()).sort(), Array.from({ length: 12 }, (_, i) => `a${i}`).sort());
      } finally {
        for (const s of stores.slice(1)) await s.close();
        await t.store.close();
        await t.cleanup?.();
      }
    });

    it('putRoom replaces the record of a room; rooms returns every record', async () => {
      const t = await factory();
      try {
        assert.deepEqual(await t.store.rooms(), []);
        await t.store.putRoom('#a', record('#a', ['x!*@*']));
        await t.store.putRoom('#b', record('#b', []));
        await t.store.putRoom('#a', record('#A', ['y!*@*']));
        const rooms = (await t.store.rooms()).sort((p, q) => p.name.localeCompare(q.name));
        assert.deepEqual(rooms, [record('#A', ['y!*@*']), record('#b', [])]);
        if (t.reopen) {
          t.store = await t.reopen();
          assert.deepEqual((await t.store.rooms()).sort((p, q) => p.name.localeCompare(q.name)), [record('#A', ['y!*@*']), record('#b', [])]);
        }
      } finally {
        await t.store.close();
        await t.cleanup?.();
      }
    });

    it('server bans are replaced as a whole; the audit log is append-only, newest `limit` oldest first, per room', async () => {
      const t = await factory();
      try {
        assert.deepEqual(await t.store.serverBans(), []);
        assert.deepEqual(await t.store.updateServerBans((b) => [...b, { mask: '$a:x', by: 'root', at: 1, reason: 'r' }]), [{ mask: '$a:x', by: 'root', at: 1, reason: 'r' }]);
        await t.store.updateServerBans(() => [{ mask: '10.0.0.0/8', by: 'root', at: 2, reason: '' }]);
        assert.deepEqual(await t.store.serverBans(), [{ mask: '10.0.0.0/8', by: 'root', at: 2, reason: '' }]);
        assert.deepEqual(await t.store.admins(), []);
        await t.store.updateAdmins((a) => [...a, 'carol', 'dave']);
        assert.deepEqual(await t.store.updateAdmins((a) => a.filter((x) => x !== 'carol')), ['dave']);
        assert.deepEqual(await t.store.admins(), ['dave']);
        for (let i = 0; i < 5; i++) await t.store.appendAudit({ ts: i, actor: 'a', action: `act${i}`, ...(i % 2 === 0 ? { room: '#r' } : {}), ...(i === 4 ? { target: 't', reason: 'why' } : {}) });
        assert.deepEqual((await t.store.audit({ limit: 3 })).map((e) => e.action), ['act2', 'act3', 'act4']);
        assert.deepEqual(await t.store.audit({ room: '#r', limit: 2 }), [
          { ts: 2, actor: 'a', action: 'act2', room: '#r' },
          { ts: 4, actor: 'a', action: 'act4', room: '#r', target: 't', reason: 'why' },
        ]);
        if (t.reopen) {
          const again = await t.reopen();
          t.store = again;
          assert.equal((await again.audit({ limit: 100 })).length, 5);
          assert.deepEqual((await again.serverBans()).map((b) => b.mask), ['10.0.0.0/8']);
          assert.deepEqual(await again.admins(), ['dave']);
        }
      } finally {
        await t.store.close();
        await t.cleanup?.();
      }
    });
  });
}
