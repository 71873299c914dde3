/**
 * pageOf (src/core/page.ts): every page of a set, chained by its cursor, is exactly the sorted
 * set cut into `limit`-sized pieces, for random sets, limits and insertion orders. A PagedSet
 * (the rooms' member sets) answers its first page from a kept cache: after any sequence of
 * adds, deletes and clears it is the page a plain Set gives.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PagedSet, pageOf } from '../../src/core/page.ts';

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

it('a PagedSet keeps its first page equal to that of a plain Set through random adds, deletes and clears', () => {
  const seed = Date.now() % 100_000;
  const r = rng(seed);
  for (let round = 0; round < 100; round++) {
    const paged = new PagedSet();
    const plain = new Set<string>();
    const span = 5 + Math.floor(r() * 300);
    for (let op = 0; op < 600; op++) {
      const key = Math.floor(r() * span).toString(36);
      const x = r();
      if (x < 0.55) {
        paged.add(key);
        plain.add(key);
      } else if (x < 0.95) {
        assert.equal(paged.delete(key), plain.delete(key));
      } else if (x < 0.96) {
        paged.clear();
        plain.clear();
      }
      if (r() < 0.3) {
        // Limits that grow, shrink and repeat, as replies (one size) and members pages (another) ask.
        const limit = 1 + Math.floor(r() * 12);
        assert.deepEqual(pageOf(paged, undefined, limit), pageOf([...plain], undefined, limit), `seed ${seed}, round ${round}, op ${op}, limit ${limit}`);
      }
      assert.equal(paged.size, plain.size);
    }
    assert.deepEqual([...paged].sort(), [...plain].sort());
    const after = [...plain].sort()[0];
    if (after !== undefined) assert.deepEqual(pageOf(paged, after, 3), pageOf([...plain], after, 3), `seed ${seed}: a cursor pages over the set`);
  }
});

it('a PagedSet can be made from keys and copied like a Set', () => {
  const s = new PagedSet(['c', 'a', 'b', 'a']);
  assert.equal(s.size, 3);
  assert.deepEqual(s.firstPage(2), { keys: ['a', 'b'], next: 'b' });
  assert.deepEqual(s.firstPage(5), { keys: ['a', 'b', 'c'] });
  assert.deepEqual([...new Set(s)].sort(), ['a', 'b', 'c']);
});
