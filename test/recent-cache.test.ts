/** RecentCache (src/transports/recent-cache.ts): the fan-out's per-event cache, bounded and never wrong. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { RECENT_CACHE_SIZE, RecentCache } from '../src/transports/recent-cache.ts';

it('answers as a first-in-first-out map of its size would, for any sequence of sets and gets', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(7), fc.nat(100))), (ops) => {
    const keys = Array.from({ length: 8 }, () => ({}));
    const cache = new RecentCache<object, number>();
    // The model: keys in the order they were first set (a set of a kept key changes its value only).
    const model: [object, number][] = [];
    for (const [isSet, k, v] of ops) {
      const key = keys[k]!;
      if (isSet) {
        const kept = model.find(([mk]) => mk === key);
        if (kept) kept[1] = v;
        else {
          model.push([key, v]);
          if (model.length > RECENT_CACHE_SIZE) model.shift();
        }
        cache.set(key, v);
      } else {
        assert.equal(cache.get(key), model.find(([mk]) => mk === key)?.[1]);
      }
    }
  }), { numRuns: 2000 });
});

it('keeps the event a fan-out is on while other events come and go around it, up to its size', () => {
  const cache = new RecentCache<object, string>();
  const events = Array.from({ length: RECENT_CACHE_SIZE + 1 }, () => ({}));
  events.forEach((e, i) => cache.set(e, `frame ${i}`));
  assert.equal(cache.get(events[0]!), undefined, 'the oldest is forgotten: a later recipient computes it again');
  for (let i = 1; i < events.length; i++) assert.equal(cache.get(events[i]!), `frame ${i}`);
  assert.equal(cache.get({}), undefined);
});
