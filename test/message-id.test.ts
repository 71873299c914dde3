/**
 * Message ids (src/storage/message-id.ts): version 7 UUIDs that sort in the order they were
 * made, within a millisecond, across refills of the random pool, and with a clock that goes
 * back; their random part differs from id to id.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { messageIds, newMessageId } from '../src/storage/message-id.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const sorted = (ids: string[]): boolean => ids.every((id, i) => i === 0 || ids[i - 1]! < id);

it('ids made in one millisecond sort in the order they were made, across refills of the random pool', () => {
  const next = messageIds(() => 1_796_000_000_000);
  const ids = Array.from({ length: 2000 }, next); // 2,000 ids: 7 refills of the 256-id pool
  for (const id of ids) assert.match(id, V7);
  assert.ok(sorted(ids), 'strictly increasing');
  assert.equal(new Set(ids.map((id) => id.slice(-10))).size, ids.length, 'the random tail differs from id to id');
  assert.equal(ids[0]!.slice(0, 13).replace('-', ''), (1_796_000_000_000).toString(16).padStart(12, '0'), 'the first 48 bits are the millisecond');
});

it('a clock that goes back does not reorder them; a later millisecond starts afresh', () => {
  let t = 1_796_000_000_000;
  const next = messageIds(() => t);
  const ids = [next(), next()];
  t -= 60_000;
  ids.push(next(), next());
  t += 120_000;
  ids.push(next());
  assert.ok(sorted(ids), ids.join('\n'));
  assert.equal(ids[2]!.slice(0, 8), ids[0]!.slice(0, 8), 'kept on the last millisecond while the clock is behind');
  assert.equal(ids[4]!.slice(0, 13).replace('-', ''), t.toString(16).padStart(12, '0'));
});

it('the shared source gives increasing version 7 ids on the real clock', () => {
  const ids = Array.from({ length: 1000 }, () => newMessageId());
  for (const id of ids) assert.match(id, V7);
  assert.ok(sorted(ids));
});
