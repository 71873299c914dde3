/**
 * One page of a large set of keys in sorted order, without sorting the set: member lists and
 * the user list are paged by folded name (docs/protocol.md, "Large rooms"). Cost O(n) plus
 * O(limit · log limit · log(n / limit)) comparisons, so the first page of a 10,000-member
 * room is one pass over it, not a sort of it.
 */
export interface KeyPage {
  /** At most `limit` keys greater than `after`, ascending (plain code-unit order). */
  keys: string[];
  /** The cursor for the next page (the last key), when more keys follow. */
  next?: string;
}

export function pageOf(keys: Iterable<string>, after: string | undefined, limit: number): KeyPage {
  if (after === undefined && keys instanceof PagedSet) return keys.firstPage(limit);
  let picked: string[] = [];
  // Keys above `bound` cannot be on the page once `limit` smaller ones are known.
  let bound: string | undefined;
  let more = false;
  for (const k of keys) {
    if (after !== undefined && k <= after) continue;
    if (bound !== undefined && k >= bound) { more = true; continue; }
    picked.push(k);
    if (picked.length >= limit * 4) {
      picked.sort();
      more = true;
      picked = picked.slice(0, limit);
      bound = picked[limit - 1];
    }
  }
  picked.sort();
  if (picked.length > limit) {
    more = true;
    picked = picked.slice(0, limit);
  }
  const last = picked.at(-1);
  return more && last !== undefined ? { keys: picked, next: last } : { keys: picked };
}

/**
 * A set of keys that keeps its first page (the smallest `limit` keys, for the largest
 * `limit` asked for) up to date as keys come and go, so that the first page of a
 * 10,000-member #lobby, which every login and join reply carries, costs O(limit) rather
 * than a pass over the room
 * (docs/benchmarks.md, "Logins"). A new key is inserted into the cached page when it
 * belongs there; removing a key on a full page drops the cache, and the next first page
 * is computed by `pageOf` again (at most one pass per such removal: no worse than before).
 * Other pages (a cursor, another limit) are `pageOf` over the set.
 */
export class PagedSet extends Set<string> {
  #first: { limit: number; keys: string[] } | undefined;
  /** Counts the changes of the set: equal versions, equal contents (the fan-out's recipient lists are kept by it, delivery.ts). */
  version = 0;

  constructor(keys?: Iterable<string>) {
    super();
    if (keys) for (const k of keys) this.add(k);
  }

  override add(key: string): this {
    if (this.has(key)) return this;
    super.add(key);
    this.version++;
    const f = this.#first;
    if (f) {
      const full = f.keys.length >= f.limit;
      if (!full || key < f.keys[f.limit - 1]!) {
        f.keys.splice(lowerBound(f.keys, key), 0, key);
        if (full) f.keys.pop();
      }
    }
    return this;
  }

  override delete(key: string): boolean {
    if (!super.delete(key)) return false;
    this.version++;
    const f = this.#first;
    if (f && f.keys.length > 0 && key <= f.keys.at(-1)!) {
      // All keys were on the page: it stays complete without this one. Otherwise a key
      // from beyond the page would move up: computed again when asked for.
      if (f.keys.length < f.limit) f.keys.splice(lowerBound(f.keys, key), 1);
      else this.#first = undefined;
    }
    return true;
  }

  override clear(): void {
    super.clear();
    this.version++;
    this.#first = undefined;
  }

  /** The first page of `limit` keys, as `pageOf(this, undefined, limit)` returns it. */
  firstPage(limit: number): KeyPage {
    let f = this.#first;
    // The cache serves any smaller limit too; a larger one replaces it.
    if (f === undefined || limit > f.limit) {
      f = { limit, keys: pageOf(super.keys(), undefined, limit).keys };
      this.#first = f;
    }
    const keys = f.keys.slice(0, limit);
    return this.size > keys.length && keys.length > 0 ? { keys, next: keys.at(-1)! } : { keys };
  }
}

/** The index of the first element of sorted `keys` not below `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
