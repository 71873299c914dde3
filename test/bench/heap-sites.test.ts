/** bench/lib/heap-sites.ts: a sampling heap profile summed by allocation site (the tree below is hand-made). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bytesBySite, heaviest, type ProfileNode } from '../../bench/lib/heap-sites.ts';

const node = (functionName: string, url: string, selfSize: number, children: ProfileNode[] = []): ProfileNode => ({ callFrame: { functionName, url, lineNumber: 9 }, selfSize, children });

// (root) → run (bench) → send (src) → Buffer.from (node:) ; (root) → tick (node:) with no src/ caller.
const head = node('(root)', '', 0, [
  node('run', 'file:///x/bench/load.ts', 10, [
    node('send', 'file:///x/src/core/send.ts', 100, [node('from', 'node:buffer', 40), node('send', 'file:///x/src/core/send.ts', 5)]),
  ]),
  node('tick', 'node:internal/timers', 7),
]);

it('sums bytes by site, lists a site outside src/ with its nearest src/ caller, and counts what a src/ frame called', () => {
  const s = bytesBySite(head);
  assert.equal(s.total, 162);
  assert.equal(s.banter, 145, 'send 105 and the Buffer.from it called');
  assert.equal(s.bySite.get('send src/core/send.ts:10'), 105, 'the same site twice in a stack is one site');
  assert.equal(s.bySite.get('from node:buffer:10  (in send src/core/send.ts:10)'), 40);
  assert.equal(s.bySite.get('run bench/load.ts:10'), 10);
  assert.equal(s.bySite.get('tick node:internal/timers:10'), 7);
  assert.deepEqual(heaviest(s.bySite, 2).map(([k]) => k), ['send src/core/send.ts:10', 'from node:buffer:10  (in send src/core/send.ts:10)']);
});

it('banterOnly leaves out what no src/ frame called; stacks keeps the callers, nearest first', () => {
  const s = bytesBySite(head, { banterOnly: true, stacks: true });
  assert.equal(s.total, 145);
  assert.equal(s.bySite.has('run bench/load.ts:10'), false);
  assert.equal(s.bySite.has('tick node:internal/timers:10'), false);
  const callers = s.stacksOf.get('from node:buffer:10  (in send src/core/send.ts:10)')!;
  assert.deepEqual([...callers], [['send src/core/send.ts:10 < run bench/load.ts:10 < (root) :10', 40]]);
});
