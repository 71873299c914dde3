/** The per-conversation sequencer (src/core/sequencer.ts) on its own, with a scripted store. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConversationSequencer } from '../src/core/sequencer.ts';
import type { ChatMessage } from '../src/protocol/index.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const m = (seq: number): ChatMessage => ({ id: `m${seq}`, seq, to: '#r', from: 'u', text: `t${seq}`, ts: 0 });

function harness(stored: number[], opts: { failFetch?: boolean; maxHeld?: number } = {}) {
  const got: number[] = [];
  const waiters: (() => void)[] = [];
  const fetches: [number, number | undefined][] = [];
  const seq = new ConversationSequencer({
    reorderMs: 20, log: quiet, ...(opts.maxHeld ? { maxHeld: opts.maxHeld } : {}),
    deliver: (msg) => { got.push(msg.seq); for (const w of waiters.splice(0)) w(); },
    fetch: async (_conv, after, before, limit) => {
      fetches.push([after, before]);
      if (opts.failFetch) throw new Error('store down');
      return stored.filter((s) => s > after && (before === undefined || s < before)).slice(0, limit).map(m);
    },
  });
  const until = async (n: number): Promise<void> => { while (got.length < n) await new Promise<void>((r) => waiters.push(r)); };
  return { seq, got, fetches, until };
}

it('delivers in seq order, holding a message that arrives ahead of a hole until the hole fills', () => {
  const h = harness([]);
  h.seq.push('#r', m(1));
  h.seq.push('#r', m(3));
  h.seq.push('#r', m(4));
  assert.deepEqual(h.got, [1]);
  h.seq.push('#r', m(2));
  assert.deepEqual(h.got, [1, 2, 3, 4]);
  h.seq.push('#r', m(3));
  assert.deepEqual(h.got, [1, 2, 3, 4], 'a duplicate is dropped');
  assert.deepEqual(h.fetches, [], 'no store read when the hole filled in time');
  h.seq.close();
});

it('reads a hole that does not fill from the store, then delivers the held messages', async () => {
  const h = harness([1, 2, 3, 4, 5]);
  h.seq.push('#r', m(1));
  h.seq.push('#r', m(4));
  h.seq.push('#r', m(5));
  await h.until(5);
  assert.deepEqual(h.got, [1, 2, 3, 4, 5]);
  assert.deepEqual(h.fetches, [[1, 4]]);
  h.seq.close();
});

it('never stalls: when the store cannot be read, the held messages go out after the wait', async () => {
  const h = harness([], { failFetch: true });
  h.seq.push('#r', m(1));
  h.seq.push('#r', m(3));
  await h.until(2);
  assert.deepEqual(h.got, [1, 3]);
  h.seq.push('#r', m(2));
  assert.deepEqual(h.got, [1, 3, 2], 'the missing one, if it shows up later, is delivered late rather than lost');
  h.seq.close();
});

it('bounds what it holds: at maxHeld held messages it repairs at once', async () => {
  const h = harness([1, 2, 3, 4, 5, 6], { maxHeld: 3 });
  h.seq.push('#r', m(1));
  for (const s of [4, 5, 6]) h.seq.push('#r', m(s));
  await h.until(6);
  assert.deepEqual(h.got, [1, 2, 3, 4, 5, 6]);
  assert.equal(h.seq.stats().held, 0);
  h.seq.close();
});

it('catches up after a gap: everything after the last delivered seq, from the store, once', async () => {
  const h = harness([1, 2, 3, 4]);
  h.seq.push('#r', m(1));
  h.seq.push('#r', m(2));
  await h.seq.catchUp();
  assert.deepEqual(h.got, [1, 2, 3, 4]);
  await h.seq.catchUp();
  assert.deepEqual(h.got, [1, 2, 3, 4], 'nothing twice');
  h.seq.close();
});

it('on first sight of a conversation, waits one reorder period for lower seqs still in flight', async () => {
  const h = harness([]);
  h.seq.push('#r', m(8));
  h.seq.push('#r', m(7));
  assert.deepEqual(h.got, [], 'held: 7 or lower may still be on the way');
  await h.until(2);
  assert.deepEqual(h.got, [7, 8]);
  h.seq.push('#r', m(9));
  assert.deepEqual(h.got, [7, 8, 9], 'anchored: no more waiting');
  assert.deepEqual(h.fetches, [], 'the messages before the first one seen are not fetched (the node was not watching then)');
  h.seq.close();
});
