/**
 * What a fan-out computes once per event (its IRC lines, its WebSocket frame), kept for the
 * last few events only. The core hands one event to every recipient in a row, so all but the
 * first recipient find it here; a recipient that comes later (a resumed session's held events)
 * misses and computes it again, which gives the same value for the events cached this way.
 *
 * Not a WeakMap on purpose: every entry set in a long-lived WeakMap stays in its table until a
 * GC finds the key dead, and V8 rebuilds the table when the dead entries pile up. At
 * 5,000 messages/s (1 × 500 × 5 IRC clients, 1,000/s per sender; `bench/promoted.ts` with the
 * server's 4 MiB semi-space) the IRC fan-out's two WeakMaps were 33.7 of the 39.5 MB/s the
 * server promoted; without them it promoted 2.6 MB/s in all (docs/benchmarks.md, "Session 13").
 * This keeps `RECENT_CACHE_SIZE` keys and values alive at most, and allocates nothing per entry.
 */
export const RECENT_CACHE_SIZE = 4;

export class RecentCache<K extends object, V> {
  private readonly keys: (K | undefined)[] = new Array<K | undefined>(RECENT_CACHE_SIZE).fill(undefined);
  private readonly values: (V | undefined)[] = new Array<V | undefined>(RECENT_CACHE_SIZE).fill(undefined);
  /** The slot set or found last, looked at first. */
  private last = 0;
  /** The slot a new key takes: the one kept longest. */
  private next = 0;

  get(key: K): V | undefined {
    if (this.keys[this.last] === key) return this.values[this.last];
    for (let i = 0; i < RECENT_CACHE_SIZE; i++) {
      if (this.keys[i] === key) {
        this.last = i;
        return this.values[i];
      }
    }
    return undefined;
  }

  /** Keeps `value` for `key`: in its slot if it has one, else in place of the key kept longest. */
  set(key: K, value: V): void {
    for (let i = 0; i < RECENT_CACHE_SIZE; i++) {
      if (this.keys[i] === key) {
        this.values[i] = value;
        this.last = i;
        return;
      }
    }
    this.last = this.next;
    this.next = (this.next + 1) % RECENT_CACHE_SIZE;
    this.keys[this.last] = key;
    this.values[this.last] = value;
  }
}
