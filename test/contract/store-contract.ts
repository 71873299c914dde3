/**
 * The MessageStore contract (src/core/ports.ts), run against every implementation:
 * `runStoreContract('sqlite', factory)`. A factory builds a fresh, empty store on the given
 * clock; durable stores also give `reopen`, which closes the store and opens a new one on the
 * same data, to check that committed messages survive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock, MessageStore } from '../../src/core/ports.ts';
import { runMessageFeatureContract } from './message-features-contract.ts';

export class TestClock implements Clock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
}

export interface StoreUnderTest {
  store: MessageStore;
  /** Closes `store` and opens the same data again (durable stores only). */
  reopen?: () => Promise<MessageStore>;
  /** Idempotency window the factory configured, in ms. */
  windowMs: number;
  cleanup?: () => Promise<void>;
}

export type StoreFactory = (clock: TestClock) => Promise<StoreUnderTest>;

const dm = (a: string, b: string): { conv: string; participants: string[] } => {
  const [x, y] = [a, b].sort() as [string, string];
  return { conv: `@${x}@${y}`, participants: x === y ? [x] : [x, y] };
};

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`MessageStore contract: ${name}`, () => {
    async function withStore(fn: (s: StoreUnderTest, clock: TestClock) => Promise<void>): Promise<void> {
      const clock = new TestClock();
      const s = await factory(clock);
      try {
        await fn(s, clock);
      } finally {
        await s.store.close();
        await s.cleanup?.();
      }
    }

    it('numbers messages 1, 2, 3… per conversation, with unique ids and the store clock', async () => {
      await withStore(async ({ store }, clock) => {
        const a1 = await store.append({ conv: '#a', to: '#a', from: 'Alice', text: 'one' });
        clock.t += 5;
        const b1 = await store.append({ conv: '#b', to: '#b', from: 'Alice', text: 'other' });
        const a2 = await store.append({ conv: '#a', to: '#a', from: 'Bob', text: 'two' });
        assert.deepEqual([a1.seq, b1.seq, a2.seq], [1, 1, 2]);
        assert.equal(new Set([a1.id, b1.id, a2.id]).size, 3);
        assert.equal(a1.ts, 1_700_000_000_000);
        assert.equal(a2.ts, 1_700_000_000_005);
        assert.deepEqual(a2, { id: a2.id, seq: 2, to: '#a', from: 'Bob', text: 'two', ts: a2.ts });
        assert.equal(await store.lastSeq('#a'), 2);
        assert.equal(await store.lastSeq('#none'), 0);
      });
    });

    it('gives time-ordered ids (UUID version 7): messages stored one after another, or in one group commit, have ids that sort in that order', async () => {
      await withStore(async ({ store }, clock) => {
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) {
          ids.push((await store.append({ conv: i % 2 ? '#a' : '#b', to: i % 2 ? '#a' : '#b', from: 'Alice', text: `m${i}` })).id);
          if (i === 10) clock.t -= 60_000; // the store's clock going back does not reorder them
        }
        // Appends made in one turn share a commit: their ids follow the order of the calls.
        const batch = await Promise.all(Array.from({ length: 10 }, (_, i) => store.append({ conv: '#a', to: '#a', from: 'Bob', text: `b${i}` })));
        ids.push(...batch.map((m) => m.id));
        for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a version 7 UUID');
        assert.deepEqual([...ids].sort(), ids, 'ids sort in the order the messages were stored');
        assert.deepEqual(batch.map((m) => m.seq), [...batch.map((m) => m.seq)].sort((x, y) => x - y), 'one commit: seqs follow the calls too');
      });
    });

    it('keeps a message\'s kind (notice, action) in the append result, history, search and DM summaries', async () => {
      await withStore(async (s) => {
        const { store } = s;
        const act = await store.append({ conv: '#k', to: '#k', from: 'Alice', text: 'waves hello', kind: 'action' });
        const note = await store.append({ conv: '#k', to: '#k', from: 'Alice', text: 'notice hello', kind: 'notice' });
        const plain = await store.append({ conv: '#k', to: '#k', from: 'Alice', text: 'plain hello' });
        assert.deepEqual([act.kind, note.kind, plain.kind], ['action', 'notice', undefined]);
        const hist = await store.history('#k', { limit: 10 });
        assert.deepEqual(hist.map((m) => m.kind), ['action', 'notice', undefined]);
        assert.ok(!('kind' in hist[2]!), 'a plain message has no kind field');
        const found = await store.search({ words: ['hello'], convs: ['#k'], limit: 10 });
        assert.deepEqual(found.map((m) => m.kind), [undefined, 'notice', 'action']);
        await store.append({ conv: dm('alice', 'bob').conv, participants: dm('alice', 'bob').participants, to: 'bob', from: 'alice', text: 'dm wave', kind: 'action' });
        assert.equal((await store.dmSummaries('bob', 10))[0]!.last.kind, 'action');
        if (s.reopen) {
          const again = await s.reopen();
          s.store = again;
          assert.deepEqual((await again.history('#k', { limit: 10 })).map((m) => m.kind), ['action', 'notice', undefined]);
        }
      });
    });

    it('keeps the files attached to a message in the append result, history, search, DM summaries, a resend and a reopen', async () => {
      const clock = new TestClock();
      const s = await factory(clock);
      let store = s.store;
      try {
        const files = [
          { id: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'cat.png', size: 1234, type: 'image/png', width: 640, height: 480, thumb: true },
          { id: 'BBBBBBBBBBBBBBBBBBBBBB', name: 'notes.txt', size: 5, type: 'text/plain' },
        ];
        const sent = await store.append({ conv: '#f', to: '#f', from: 'Alice', text: 'two files', files, clientKey: 'fk' });
        const plain = await store.append({ conv: '#f', to: '#f', from: 'Alice', text: 'no files' });
        assert.deepEqual(sent.files, files);
        assert.ok(!('files' in plain), 'a message without files has no files field');
        assert.deepEqual((await store.history('#f', { limit: 10 })).map((m) => m.files), [files, undefined]);
        assert.deepEqual((await store.search({ words: ['files'], convs: ['#f'], limit: 5 })).map((m) => m.files), [undefined, files]);
        assert.deepEqual((await store.append({ conv: '#f', to: '#f', from: 'Alice', text: 'two files', files, clientKey: 'fk' })).files, files, 'a resend returns the stored files');
        const ab = dm('alice', 'bob');
        await store.append({ ...ab, to: 'bob', from: 'alice', text: 'dm file', files: [files[1]!] });
        assert.deepEqual((await store.dmSummaries('bob', 10))[0]!.last.files, [files[1]]);
        if (s.reopen) {
          store = await s.reopen();
          assert.deepEqual((await store.history('#f', { limit: 10 })).map((m) => m.files), [files, undefined]);
        }
      } finally {
        await store.close();
        await s.cleanup?.();
      }
    });

    it('commits concurrent appends in call order, each with its own seq', async () => {
      await withStore(async ({ store }) => {
        const all = await Promise.all(Array.from({ length: 300 }, (_, i) => store.append({ conv: i % 3 === 0 ? '#x' : '#y', to: '#x', from: 'u', text: `m${i}` })));
        const x = all.filter((_, i) => i % 3 === 0);
        assert.deepEqual(x.map((m) => m.seq), Array.from({ length: 100 }, (_, i) => i + 1));
        const hist = await store.history('#x', { limit: 1000 });
        assert.deepEqual(hist.map((m) => m.text), x.map((m) => m.text));
        assert.equal((await store.history('#y', { limit: 1000 })).length, 200);
      });
    });

    it('stores a resend with the same client key once, within the idempotency window', async () => {
      await withStore(async ({ store, windowMs }, clock) => {
        const first = await store.append({ conv: '#a', to: '#a', from: 'u', text: 'hello', clientKey: 'u\n1' });
        const [again, concurrent] = await Promise.all([
          store.append({ conv: '#a', to: '#a', from: 'u', text: 'hello', clientKey: 'u\n1' }),
          store.append({ conv: '#a', to: '#a', from: 'u', text: 'x', clientKey: 'u\n2' }),
        ]);
        const same = await store.append({ conv: '#a', to: '#a', from: 'u', text: 'x', clientKey: 'u\n2' });
        assert.deepEqual(again, first);
        assert.deepEqual(same, concurrent);
        assert.deepEqual((await store.history('#a', { limit: 10 })).map((m) => m.seq), [1, 2]);
        clock.t += windowMs + 1;
        const later = await store.append({ conv: '#a', to: '#a', from: 'u', text: 'hello', clientKey: 'u\n1' });
        assert.equal(later.seq, 3, 'after the window the key is forgotten');
      });
    });

    it('pages history: latest, before, after, between; always ascending', async () => {
      await withStore(async ({ store }) => {
        for (let i = 1; i <= 20; i++) await store.append({ conv: '#h', to: '#h', from: 'u', text: `t${i}` });
        const seqs = async (q: Parameters<MessageStore['history']>[1]): Promise<number[]> => (await store.history('#h', q)).map((m) => m.seq);
        assert.deepEqual(await seqs({ limit: 3 }), [18, 19, 20]);
        assert.deepEqual(await seqs({ limit: 3, beforeSeq: 18 }), [15, 16, 17]);
        assert.deepEqual(await seqs({ limit: 3, afterSeq: 4 }), [5, 6, 7]);
        assert.deepEqual(await seqs({ limit: 3, afterSeq: 4, beforeSeq: 10 }), [7, 8, 9]);
        assert.deepEqual(await seqs({ limit: 50, afterSeq: 18 }), [19, 20]);
        assert.deepEqual(await seqs({ limit: 5, beforeSeq: 1 }), []);
        assert.deepEqual(await seqs({ limit: 0 }), []);
        assert.deepEqual(await store.history('#empty', { limit: 5 }), []);
      });
    });

    it('keeps read marks monotonic and counts unread DMs from the other person', async () => {
      await withStore(async ({ store }, clock) => {
        const ab = dm('alice', 'bob');
        const ac = dm('alice', 'carol');
        await store.append({ ...ab, to: 'bob', from: 'Alice', text: 'hi bob' });
        await store.append({ ...ab, to: 'Alice', from: 'Bob', text: 'hi alice' });
        await store.append({ ...ab, to: 'Alice', from: 'Bob', text: 'you there?' });
        clock.t += 1;
        await store.append({ ...ac, to: 'alice', from: 'Carol', text: 'hey' });
        await store.append({ conv: '#room', to: '#room', from: 'Bob', text: 'not a dm' });

        let sums = await store.dmSummaries('alice', 10);
        assert.deepEqual(sums.map((s) => [s.conv, s.lastSeq, s.readSeq, s.unread, s.last.text]), [
          [ac.conv, 1, 0, 1, 'hey'],
          [ab.conv, 3, 0, 2, 'you there?'],
        ]);
        assert.deepEqual((await store.dmSummaries('bob', 10)).map((s) => [s.conv, s.unread]), [[ab.conv, 1]]);
        assert.equal((await store.dmSummaries('alice', 1)).length, 1);
        assert.deepEqual(await store.dmSummaries('nobody', 10), []);

        await store.markRead('alice', ab.conv, 2);
        await store.markRead('alice', ab.conv, 1); // never backwards
        sums = await store.dmSummaries('alice', 10);
        assert.deepEqual(sums.map((s) => [s.conv, s.readSeq, s.unread]), [[ac.conv, 0, 1], [ab.conv, 2, 1]]);
        await store.markRead('alice', ac.conv, 99); // clamped to the last seq
        assert.deepEqual((await store.dmSummaries('alice', 10)).find((s) => s.conv === ac.conv)?.readSeq, 1);
      });
    });

    it('searches whole words in visible conversations only, newest first, with filters', async () => {
      await withStore(async ({ store }) => {
        const ab = dm('alice', 'bob');
        const bc = dm('bob', 'carol');
        await store.append({ conv: '#dev', to: '#dev', from: 'Alice', text: 'The Deploy failed again' });
        await store.append({ conv: '#ops', to: '#ops', from: 'Bob', text: 'deploy is green' });
        await store.append({ ...ab, to: 'bob', from: 'Alice', text: 'can you deploy tonight?' });
        await store.append({ ...bc, to: 'carol', from: 'Bob', text: 'secret deploy plans' });
        await store.append({ conv: '#dev', to: '#dev', from: 'Bob', text: 'redeploying now' });

        const texts = async (q: Partial<Parameters<MessageStore['search']>[0]>): Promise<string[]> =>
          (await store.search({ words: ['deploy'], convs: [], limit: 50, ...q })).map((m) => m.text);
        assert.deepEqual(await texts({ convs: ['#dev', '#ops'] }), ['deploy is green', 'The Deploy failed again']);
        assert.deepEqual(await texts({ convs: ['#dev'], dmsOf: 'alice' }), ['can you deploy tonight?', 'The Deploy failed again']);
        assert.deepEqual(await texts({ convs: [ab.conv] }), ['can you deploy tonight?']);
        assert.deepEqual(await texts({ convs: ['#dev', '#ops'], dmsOf: 'bob', from: 'bob' }), ['secret deploy plans', 'deploy is green']);
        assert.deepEqual(await texts({ convs: ['#dev', '#ops'], limit: 1 }), ['deploy is green']);
        assert.deepEqual(await texts({ words: ['deploy', 'failed'], convs: ['#dev', '#ops'] }), ['The Deploy failed again']);
        assert.deepEqual(await texts({ words: ['redeploy*'], convs: ['#dev'] }), ['redeploying now']);
        assert.deepEqual(await texts({ words: ['DEPLOY'], convs: [] }), []);
        await store.append({ conv: '#dev', to: '#dev', from: 'Zoé', text: 'Café au lait' });
        assert.deepEqual(await texts({ words: ['cafe'], convs: ['#dev'] }), ['Café au lait']);
        assert.deepEqual(await texts({ words: ['CAFÉ', 'LAIT'], convs: ['#dev'] }), ['Café au lait']);
        // Words that look like query syntax are plain words.
        assert.deepEqual(await texts({ words: ['OR'], convs: ['#dev'] }), []);
        assert.deepEqual(await texts({ words: ['"'], convs: ['#dev'] }), []);
        assert.deepEqual(await texts({ words: ['NEAR('], convs: ['#dev'] }), []);
      });
    });

    it('filters by time for the DM owner rule: history sinceTs, search dmsSince, dmSummaries sinceTs', async () => {
      await withStore(async ({ store }, clock) => {
        const ab = dm('alice', 'bob');
        await store.append({ ...ab, to: 'bob', from: 'Alice', text: 'old secret word' });
        await store.append({ conv: '#r', to: '#r', from: 'Bob', text: 'old room word' });
        clock.t += 1000;
        const since = clock.t;
        await store.append({ ...ab, to: 'Alice', from: 'Bob', text: 'new word' });
        assert.deepEqual((await store.history(ab.conv, { limit: 10, sinceTs: since })).map((m) => m.text), ['new word']);
        assert.deepEqual((await store.history(ab.conv, { limit: 10 })).length, 2);
        const found = await store.search({ words: ['word'], convs: ['#r'], dmsOf: 'alice', dmsSince: since, limit: 10 });
        assert.deepEqual(found.map((m) => m.text), ['new word', 'old room word'], 'rooms are not filtered');
        const sums = await store.dmSummaries('alice', 10, since);
        assert.deepEqual(sums.map((x) => [x.conv, x.unread]), [[ab.conv, 1]]);
        assert.deepEqual(await store.dmSummaries('alice', 10, clock.t + 1), [], 'newest message older than sinceTs: left out');
      });
    });

    runMessageFeatureContract(withStore);

    it('keeps committed messages, seq counters, read marks and idempotency keys across a reopen', async (t) => {
      const clock = new TestClock();
      const s = await factory(clock);
      if (!s.reopen) {
        await s.store.close();
        await s.cleanup?.();
        t.skip('not a durable store');
        return;
      }
      const ab = dm('alice', 'bob');
      const m1 = await s.store.append({ conv: '#r', to: '#r', from: 'u', text: 'before restart', clientKey: 'k1' });
      await s.store.append({ ...ab, to: 'bob', from: 'alice', text: 'dm' });
      await s.store.markRead('bob', ab.conv, 1);
      const store = await s.reopen();
      try {
        assert.deepEqual(await store.history('#r', { limit: 10 }), [m1]);
        assert.deepEqual(await store.append({ conv: '#r', to: '#r', from: 'u', text: 'before restart', clientKey: 'k1' }), m1);
        assert.equal((await store.append({ conv: '#r', to: '#r', from: 'u', text: 'after' })).seq, 2);
        assert.deepEqual((await store.dmSummaries('bob', 10)).map((x) => [x.readSeq, x.unread]), [[1, 0]]);
        assert.equal((await store.search({ words: ['restart'], convs: ['#r'], limit: 5 })).length, 1);
      } finally {
        await store.close();
        await s.cleanup?.();
      }
    });
  });
}
