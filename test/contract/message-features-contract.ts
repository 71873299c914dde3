/**
 * The message-feature part of the MessageStore contract (src/core/ports.ts): edits,
 * deletions, reactions, threads, mentions, read marks by reader. runStoreContract runs it
 * against every store.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LIMITS } from '../../src/protocol/index.ts';
import type { StoreUnderTest, TestClock } from './store-contract.ts';

type WithStore = (fn: (s: StoreUnderTest, clock: TestClock) => Promise<void>) => Promise<void>;

const dm = (a: string, b: string): { conv: string; participants: string[] } => {
  const [x, y] = [a, b].sort() as [string, string];
  return { conv: `@${x}@${y}`, participants: [x, y] };
};

const edit = (id: string, text: string, by = 'alice', mentions: string[] = []) => ({ kind: 'edit' as const, id, text, by, mentions, retainUntil: Number.MAX_SAFE_INTEGER, keepVersions: 20 });
const react = (id: string, emoji: string, principal: string, by: string, on = true, maxEmoji = 20) => ({ kind: 'react' as const, id, emoji, on, principal, by, maxEmoji });

export function runMessageFeatureContract(withStore: WithStore): void {
  it('an edit takes the next seq, keeps the earlier text for moderators and shows the latest text everywhere', async () => {
    await withStore(async (s, clock) => {
      const { store } = s;
      const m = await store.append({ conv: '#e', to: '#e', from: 'Alice', text: 'first draft word', author: 'account:alice' });
      await store.append({ conv: '#e', to: '#e', from: 'Bob', text: 'other' });
      clock.t += 10;
      const res = await store.update('#e', edit(m.id, 'second wording @bob', 'Alice', ['bob']));
      assert.equal(res?.seq, 3, 'the conversation counter is shared with messages');
      assert.equal(res.msg.text, 'second wording @bob');
      assert.equal(res.msg.editedAt, clock.t);
      assert.deepEqual(res.msg.mentions, ['bob']);
      assert.equal(await store.lastSeq('#e'), 3);
      assert.equal((await store.append({ conv: '#e', to: '#e', from: 'Bob', text: 'next' })).seq, 4);
      assert.deepEqual((await store.history('#e', { limit: 10 })).map((x) => [x.seq, x.text, x.editedAt !== undefined]), [[1, 'second wording @bob', true], [2, 'other', false], [4, 'next', false]]);
      assert.deepEqual((await store.search({ words: ['wording'], convs: ['#e'], limit: 5 })).map((x) => x.id), [m.id]);
      assert.deepEqual(await store.search({ words: ['draft'], convs: ['#e'], limit: 5 }), [], 'the old text is not searchable');
      assert.deepEqual(await store.edits('#e', m.id, clock.t), [{ text: 'first draft word', ts: m.ts, replacedAt: clock.t }]);
      assert.deepEqual(await store.get('#e', m.id), { msg: res.msg, author: 'account:alice', depth: 0 });
      // The same text again changes nothing and takes no seq.
      assert.equal((await store.update('#e', edit(m.id, 'second wording @bob')))?.seq, 0);
      assert.equal(await store.lastSeq('#e'), 4);
      assert.equal(await store.update('#e', edit('no-such-id', 'x')), undefined);
      assert.equal(await store.update('#other', edit(m.id, 'x')), undefined, 'a message is found only in its own conversation');
    });
  });

  it('edit versions expire at their retention, and only the newest keepVersions are kept', async () => {
    await withStore(async ({ store }, clock) => {
      const m = await store.append({ conv: '#r', to: '#r', from: 'a', text: 'v1' });
      await store.update('#r', { ...edit(m.id, 'v2'), retainUntil: clock.t + 1000 });
      assert.equal((await store.edits('#r', m.id, clock.t)).length, 1);
      assert.deepEqual(await store.edits('#r', m.id, clock.t + 1001), []);
      const n = await store.append({ conv: '#r', to: '#r', from: 'a', text: 'n0' });
      for (let i = 1; i <= 5; i++) await store.update('#r', { ...edit(n.id, `n${i}`), keepVersions: 3 });
      assert.deepEqual((await store.edits('#r', n.id, clock.t)).map((v) => v.text), ['n2', 'n3', 'n4']);
    });
  });

  it('a deletion leaves a tombstone: text, versions, reactions, mentions and search entry gone, also after a reopen', async () => {
    await withStore(async (s, clock) => {
      const m = await s.store.append({ conv: '#d', to: '#d', from: 'Alice', text: 'secret launch code', mentions: ['bob'], author: 'account:alice' });
      await s.store.update('#d', edit(m.id, 'edited secret launch', 'Alice', ['bob']));
      await s.store.update('#d', react(m.id, '👍', 'account:bob', 'bob'));
      clock.t += 5;
      const res = await s.store.update('#d', { kind: 'delete', id: m.id, by: 'mod' });
      assert.equal(res?.seq, 4);
      assert.deepEqual(res.msg, { id: m.id, seq: 1, to: '#d', from: 'Alice', text: '', ts: m.ts, deleted: true });
      assert.deepEqual(await s.store.history('#d', { limit: 5 }), [res.msg]);
      assert.deepEqual(await s.store.search({ words: ['secret'], convs: ['#d'], limit: 5 }), []);
      assert.deepEqual(await s.store.edits('#d', m.id, clock.t), []);
      assert.deepEqual(await s.store.mentions({ user: 'bob', convs: ['#d'], limit: 5 }), []);
      assert.equal((await s.store.update('#d', { kind: 'delete', id: m.id, by: 'mod' }))?.seq, 0, 'deleting twice changes nothing');
      assert.equal((await s.store.update('#d', react(m.id, '🎉', 'account:bob', 'bob')))?.seq, 0, 'a tombstone takes no reactions');
      assert.equal((await s.store.update('#d', edit(m.id, 'back from the dead')))?.seq, 0, 'nor edits');
      if (s.reopen) {
        s.store = await s.reopen();
        assert.deepEqual(await s.store.history('#d', { limit: 5 }), [res.msg]);
        assert.deepEqual(await s.store.search({ words: ['launch'], convs: ['#d'], limit: 5 }), []);
      }
    });
  });

  it('reactions: one per emoji per principal, counts and who, a bounded set of emoji', async () => {
    await withStore(async ({ store }) => {
      const m = await store.append({ conv: '#x', to: '#x', from: 'a', text: 'react to me' });
      assert.equal((await store.update('#x', react(m.id, '👍', 'account:bob', 'bob')))?.seq, 2);
      assert.equal((await store.update('#x', react(m.id, '👍', 'account:bob', 'bob')))?.seq, 0, 'the same reaction twice changes nothing');
      await store.update('#x', react(m.id, '🎉', 'session:n/1', 'carol'));
      const third = await store.update('#x', react(m.id, '👍', 'session:n/1', 'carol'));
      assert.deepEqual(third?.msg.reactions, [{ emoji: '👍', count: 2, by: ['bob', 'carol'] }, { emoji: '🎉', count: 1, by: ['carol'] }]);
      await assert.rejects(store.update('#x', react(m.id, '🚀', 'account:bob', 'bob', true, 2)), { code: 'TOO_MANY_REACTIONS' });
      assert.equal((await store.update('#x', react(m.id, '🎉', 'account:bob', 'bob', true, 2)))?.seq, 5, 'an emoji already there is no new one');
      assert.equal((await store.update('#x', react(m.id, '🚀', 'account:bob', 'bob', false)))?.seq, 0, 'removing one you do not have changes nothing');
      const off = await store.update('#x', react(m.id, '👍', 'account:bob', 'bob', false));
      // Emoji in the order of their oldest remaining reaction.
      assert.deepEqual(off?.msg.reactions, [{ emoji: '🎉', count: 2, by: ['carol', 'bob'] }, { emoji: '👍', count: 1, by: ['carol'] }]);
      assert.deepEqual((await store.history('#x', { limit: 1 }))[0]!.reactions, off.msg.reactions);
      // The count is exact; the names stop at LIMITS.reactionNamesMax, oldest first.
      const many = await store.append({ conv: '#x', to: '#x', from: 'a', text: 'popular' });
      for (let i = 0; i < LIMITS.reactionNamesMax + 2; i++) await store.update('#x', react(many.id, '❤️', `account:u${i}`, `u${i}`));
      const [hearts] = (await store.get('#x', many.id))!.msg.reactions!;
      assert.deepEqual(hearts, { emoji: '❤️', count: LIMITS.reactionNamesMax + 2, by: Array.from({ length: LIMITS.reactionNamesMax }, (_, i) => `u${i}`) });
    });
  });

  it('lists changes after a seq in change order, with who and what, for resume', async () => {
    await withStore(async ({ store }) => {
      const a = await store.append({ conv: '#c', to: '#c', from: 'a', text: 'one' });
      const b = await store.append({ conv: '#c', to: '#c', from: 'b', text: 'two' });
      await store.update('#c', edit(a.id, 'one!', 'a'));
      await store.update('#c', react(b.id, '👀', 'account:c', 'c'));
      await store.update('#c', edit(a.id, 'one!!', 'a'));
      const all = await store.changes('#c', { afterSeq: 0, limit: 10 });
      assert.deepEqual(all.map((c) => [c.seq, c.action, c.by, c.emoji, c.msg.id]), [[4, 'react', 'c', '👀', b.id], [5, 'edit', 'a', undefined, a.id]]);
      assert.equal(all[1]!.msg.text, 'one!!');
      assert.deepEqual((await store.changes('#c', { afterSeq: 4, limit: 10 })).map((c) => c.seq), [5]);
      assert.deepEqual((await store.changes('#c', { afterSeq: 0, beforeSeq: 5, limit: 10 })).map((c) => c.seq), [4]);
      assert.deepEqual(await store.changes('#c', { afterSeq: 5, limit: 10 }), []);
    });
  });

  it('threads: replies in seq order, reply counts on the root, paging with afterSeq', async () => {
    await withStore(async ({ store }) => {
      const root = await store.append({ conv: '#t', to: '#t', from: 'a', text: 'root' });
      const r1 = await store.append({ conv: '#t', to: '#t', from: 'b', text: 'r1', replyTo: root.id, thread: root.id, depth: 1 });
      await store.append({ conv: '#t', to: '#t', from: 'c', text: 'elsewhere' });
      const r2 = await store.append({ conv: '#t', to: '#t', from: 'a', text: 'r2', replyTo: r1.id, thread: root.id, depth: 2 });
      assert.deepEqual([r1.replyTo, r1.thread, r2.replyTo, r2.thread], [root.id, root.id, r1.id, root.id]);
      assert.deepEqual((await store.thread('#t', root.id, { limit: 10 })).map((m) => m.text), ['r1', 'r2']);
      assert.deepEqual((await store.thread('#t', root.id, { afterSeq: r1.seq, limit: 10 })).map((m) => m.text), ['r2']);
      assert.deepEqual((await store.thread('#other', root.id, { limit: 10 })), []);
      assert.equal((await store.history('#t', { limit: 10 }))[0]!.replies, 2);
      assert.equal((await store.get('#t', r2.id))?.depth, 2);
    });
  });

  it('mentions: the view, per-conversation unread counts and thread counts after the reader\'s mark', async () => {
    await withStore(async ({ store }, clock) => {
      const ab = dm('alice', 'bob');
      await store.append({ conv: '#m', to: '#m', from: 'Bob', text: 'hi @alice', mentions: ['alice'] });
      await store.append({ conv: '#m', to: '#m', from: 'Op', text: '@room lunch', mentions: ['@room'] });
      await store.append({ conv: '#m', to: '#m', from: 'Alice', text: 'me @alice', mentions: ['alice'] });
      await store.append({ conv: '#n', to: '#n', from: 'Bob', text: 'not mine @carol', mentions: ['carol'] });
      await store.append({ conv: '#secret', to: '#secret', from: 'Bob', text: 'hidden @alice', mentions: ['alice'] });
      clock.t += 100;
      await store.append({ ...ab, to: 'alice', from: 'bob', text: 'dm @alice', mentions: ['alice'] });
      const view = await store.mentions({ user: 'alice', convs: ['#m', '#n'], dmsOf: 'alice', limit: 10 });
      assert.deepEqual(view.map((m) => m.text), ['dm @alice', 'me @alice', '@room lunch', 'hi @alice']);
      assert.deepEqual((await store.mentions({ user: 'alice', convs: ['#m'], dmsOf: 'alice', dmsSince: clock.t + 1, limit: 10 })).map((m) => m.text), ['me @alice', '@room lunch', 'hi @alice'], 'DMs from dmsSince on');
      assert.deepEqual((await store.mentions({ user: 'alice', convs: ['#m'], limit: 2 })).map((m) => m.text), ['me @alice', '@room lunch']);
      assert.deepEqual((await store.mentions({ user: 'alice', convs: ['#m'], beforeTs: clock.t, limit: 10 })).length, 3);
      const counts = async (since?: number): Promise<unknown> => (await store.mentionCounts('account:alice', 'alice', ['#m', '#n'], since)).map((c) => [c.conv, c.count, c.lastSeq]).sort();
      assert.deepEqual(await counts(), [['#m', 2, 2], [ab.conv, 1, 1]], 'own messages do not count');
      assert.deepEqual(await counts(clock.t + 1), [['#m', 2, 2]]);
      await store.markRead('account:alice', '#m', 1);
      assert.deepEqual(await counts(), [['#m', 1, 2], [ab.conv, 1, 1]]);
      assert.deepEqual(await store.readMarks('account:alice', ['#m', '#n']), new Map([['#m', 1]]));
      assert.deepEqual(await store.readMarks('alice', ['#m']), new Map(), 'marks belong to the reader key they were set with');

      const root = await store.append({ conv: '#n', to: '#n', from: 'Alice', text: 'my question' });
      await store.append({ conv: '#n', to: '#n', from: 'Bob', text: 'answer', replyTo: root.id, thread: root.id, depth: 1 });
      const other = await store.append({ conv: '#n', to: '#n', from: 'Bob', text: 'other thread' });
      await store.append({ conv: '#n', to: '#n', from: 'Carol', text: 'reply', replyTo: other.id, thread: other.id, depth: 1 });
      const threads = await store.threadCounts('account:alice', 'alice', ['#n'], undefined);
      assert.deepEqual(threads.map((t) => [t.conv, t.root, t.count, t.lastSeq]), [['#n', root.id, 1, 3]], 'only threads alice takes part in');
      await store.append({ conv: '#n', to: '#n', from: 'Alice', text: 'me too', replyTo: other.id, thread: other.id, depth: 1 });
      const both = await store.threadCounts('account:alice', 'alice', ['#n'], undefined);
      assert.deepEqual(both.map((t) => [t.root, t.count]).sort(), [[other.id, 1], [root.id, 1]].sort());
      await store.markRead('account:alice', '#n', 99);
      assert.deepEqual(await store.threadCounts('account:alice', 'alice', ['#n'], undefined), []);
    });
  });

  it('read marks of one reader do not move another\'s; dmSummaries reads the given reader\'s mark', async () => {
    await withStore(async ({ store }) => {
      const ab = dm('alice', 'bob');
      await store.append({ ...ab, to: 'alice', from: 'bob', text: 'one' });
      await store.append({ ...ab, to: 'alice', from: 'bob', text: 'two' });
      await store.markRead('account:alice', ab.conv, 1);
      assert.deepEqual((await store.dmSummaries('alice', 10, undefined, 'account:alice')).map((x) => [x.readSeq, x.unread]), [[1, 1]]);
      assert.deepEqual((await store.dmSummaries('alice', 10, undefined, 'session:n/9')).map((x) => [x.readSeq, x.unread]), [[0, 2]]);
    });
  });

  it('dmSummaries after changes: a DM stays listed after a reaction or deletion, and a tombstone is not unread', async () => {
    await withStore(async ({ store }) => {
      const ab = dm('alice', 'bob');
      await store.append({ ...ab, to: 'alice', from: 'bob', text: 'one' });
      const two = await store.append({ ...ab, to: 'alice', from: 'bob', text: 'two' });
      assert.deepEqual((await store.dmSummaries('alice', 10, undefined, 'account:alice')).map((x) => x.unread), [2]);
      // A change takes the conversation's next seq: the DM must still be listed, with its latest message.
      await store.update(ab.conv, { kind: 'react', id: two.id, by: 'alice', principal: 'account:alice', emoji: '👍', on: true, maxEmoji: 20 });
      assert.deepEqual((await store.dmSummaries('alice', 10, undefined, 'account:alice')).map((x) => [x.unread, x.last.text]), [[2, 'two']]);
      await store.update(ab.conv, { kind: 'delete', id: two.id, by: 'bob' });
      assert.deepEqual((await store.dmSummaries('alice', 10, undefined, 'account:alice')).map((x) => x.unread), [1]);
    });
  });
}

