/**
 * A WeakMap with its last entry kept in front of it. The fan-out hands one event (and each of
 * its lines) to every recipient in a row, so all but the first recipient find it in front and
 * skip the WeakMap's lookup (two lookups per delivery were a measurable share of the fan-out:
 * docs/benchmarks.md, "Per recipient and per message"). It keeps one key and value alive at most.
 */
export class FrontedCache<K extends object, V> {
  private readonly map = new WeakMap<K, V>();
  private lastKey: K | undefined;
  private lastValue: V | undefined;

  get(key: K): V | undefined {
    if (key === this.lastKey) return this.lastValue;
    const v = this.map.get(key);
    if (v !== undefined) {
      this.lastKey = key;
      this.lastValue = v;
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.set(key, value);
    this.lastKey = key;
    this.lastValue = value;
  }
}
