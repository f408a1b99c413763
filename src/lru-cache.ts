/**
 * A map that keeps at most `limit` entries and drops the least recently used one when a new key
 * would pass it (issue 16 item 3: per-tenant memory is bounded, whatever the number of tenants).
 * A Map iterates in insertion order, so re-inserting a key on every read keeps the least recently
 * used key first: reads, writes and evictions are O(1). A leaf module: it imports nothing.
 */
export class LruCache<K, V> {
  readonly limit: number;
  readonly #entries = new Map<K, V>();
  readonly #onEvict: ((key: K, value: V) => void) | undefined;

  constructor(limit: number, onEvict?: (key: K, value: V) => void) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`an LRU limit is ≥ 1, not ${limit}`);
    this.limit = limit;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Stores the value as the most recently used, evicting the least recently used over the limit. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.limit) {
      const [oldest, evicted] = this.#entries.entries().next().value as [K, V];
      this.#entries.delete(oldest);
      this.#onEvict?.(oldest, evicted);
    }
  }

  /** Removes the key only while it still holds `value` (a newer value set meanwhile stays). */
  deleteIf(key: K, value: V): void {
    if (this.#entries.get(key) === value) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The keys, least recently used first. */
  keys(): K[] {
    return [...this.#entries.keys()];
  }
}
