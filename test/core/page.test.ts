/**
 * pageOf (src/core/page.ts): every page of a set, chained by its cursor, is exactly the sorted
 * set cut into `limit`-sized pieces, for random sets, limits and insertion orders.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pageOf } from '../../src/core/page.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

it('pages through any set in sorted order, each key once, ending without a cursor', () => {
  const seed = Date.now() % 100_000;
  const r = rng(seed);
  for (let round = 0; round < 300; round++) {
    const n = Math.floor(r() * 400);
    const keys = new Set<string>();
    while (keys.size < n) keys.add(Math.floor(r() * 1e6).toString(36));
    const limit = 1 + Math.floor(r() * 50);
    const sorted = [...keys].sort();
    const got: string[] = [];
    let after: string | undefined;
    for (let pages = 0; ; pages++) {
      assert.ok(pages <= n / limit + 1, `seed ${seed}: paging ends`);
      const p = pageOf(keys, after, limit);
      assert.ok(p.keys.length <= limit);
      got.push(...p.keys);
      if (p.next === undefined) break;
      assert.equal(p.keys.length, limit, `seed ${seed}: only the last page is short`);
      after = p.next;
    }
    assert.deepEqual(got, sorted, `seed ${seed}, n ${n}, limit ${limit}`);
  }
});

it('starts after a cursor that is not in the set', () => {
  assert.deepEqual(pageOf(['d', 'a', 'c', 'e'], 'b', 2), { keys: ['c', 'd'], next: 'd' });
  assert.deepEqual(pageOf(['d', 'a', 'c', 'e'], 'd', 2), { keys: ['e'] });
  assert.deepEqual(pageOf([], undefined, 5), { keys: [] });
});
