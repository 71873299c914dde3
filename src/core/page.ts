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
