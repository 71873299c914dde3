/** Merging server history into a conversation's item list (no browser needed). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ChatMessage } from '../../src/protocol/index.ts';
import { eventItem, mergeMessages, newConv, oldestSeq, pushItem } from '../../src/web/state/conv.ts';
import type { Item } from '../../src/web/state/types.ts';

const msg = (seq: number): ChatMessage => ({ id: `m${seq}`, seq, to: '#lobby', from: 'bob', text: `t${seq}`, ts: 1000 + seq });
const shape = (items: Item[]): string[] => items.map((it) => (it.kind === 'msg' ? it.msg.text : it.kind));

it('puts history in seq order, each message once, around local lines', () => {
  const conv = newConv('#lobby', 'room', '#lobby');
  pushItem(conv, eventItem('Reconnected.'));
  assert.equal(mergeMessages(conv, [msg(5), msg(6)]), 2);
  // A first load goes above local lines such as "Reconnected.".
  assert.deepEqual(shape(conv.items), ['t5', 't6', 'event']);
  pushItem(conv, { kind: 'msg', key: 'm9', msg: msg(9) });
  conv.ids.add('m9');
  // An older page goes first; duplicates are skipped.
  assert.equal(mergeMessages(conv, [msg(3), msg(4), msg(5)]), 2);
  assert.deepEqual(shape(conv.items), ['t3', 't4', 't5', 't6', 'event', 't9']);
  // Messages inside the known range are inserted where their seq belongs.
  assert.equal(mergeMessages(conv, [msg(7), msg(8)]), 2);
  assert.deepEqual(shape(conv.items), ['t3', 't4', 't5', 't6', 'event', 't7', 't8', 't9']);
  assert.equal(mergeMessages(conv, [msg(7)]), 0);
  assert.equal(oldestSeq(conv), 3);
  assert.equal(conv.lastTs, 1008);
});

it('keeps a pending message of mine below the history it loads', () => {
  const conv = newConv('#dev', 'room', '#dev');
  pushItem(conv, { kind: 'msg', key: 'local-1', pending: true, msg: { ...msg(-1), id: 'local-1', text: 'mine' } });
  mergeMessages(conv, [msg(1), msg(2)]);
  assert.deepEqual(shape(conv.items), ['t1', 't2', 'mine']);
  assert.equal(oldestSeq(conv), 1);
});
