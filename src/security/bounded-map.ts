/**
 * A Map that forgets its oldest entries past `maxEntries`, so per-client state (rate-limit
 * counters, failure counts) cannot grow without bound under many client addresses (design.md,
 * invariant 7). Still a Map, as koa-ratelimit's memory driver requires.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly maxEntries: number) {
    super()
  }

  override set(key: K, value: V): this {
    // Re-inserting moves the key to the young end, so eviction drops the least recently written.
    if (this.has(key)) this.delete(key)
    super.set(key, value)
    if (this.size > this.maxEntries) {
      const oldest = this.keys().next()
      if (oldest.done !== true) this.delete(oldest.value)
    }
    return this
  }
}
