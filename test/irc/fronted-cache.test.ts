/** FrontedCache (src/transports/irc/fronted-cache.ts): whatever the order of lookups, it answers as a plain map would. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { FrontedCache } from '../../src/transports/irc/fronted-cache.ts';

it('answers every key as a Map would, for any sequence of sets and gets', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(5), fc.nat(100))), (ops) => {
    const keys = Array.from({ length: 6 }, () => ({}));
    const cache = new FrontedCache<object, number>();
    const model = new Map<object, number>();
    for (const [isSet, k, v] of ops) {
      const key = keys[k]!;
      if (isSet) { cache.set(key, v); model.set(key, v); } else assert.equal(cache.get(key), model.get(key));
    }
    for (const key of keys) assert.equal(cache.get(key), model.get(key));
  }), { numRuns: 2000 });
});
