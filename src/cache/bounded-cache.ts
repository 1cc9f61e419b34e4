/**
 * A least-recently-used cache bounded in bytes, not entries: what a cache costs a long-running
 * node is the memory its values hold, and entries of one kind can differ a thousandfold in
 * size (a trie leaf against a branch, an empty block against a full one).
 *
 * Each entry is charged its value's size plus a fixed overhead for the key, the map entry and
 * the value's object, so that many tiny entries cannot exceed the budget either. A `Map` keeps
 * insertion order, so re-inserting on a hit makes its first key the least recently used.
 */

/** What one entry costs beyond its value: the key string, the map slot, the value's object header. */
export const CACHE_ENTRY_OVERHEAD_BYTES = 128

export class BoundedCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly bytes: number }>()
  private used = 0

  /** `sizeOf` says how many bytes a value holds. */
  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`cache size must be a whole number of bytes, got ${maxBytes}`)
  }

  /** Bytes the cached entries are charged, overheads included: never above `maxBytes`. */
  get bytes(): number {
    return this.used
  }

  get size(): number {
    return this.entries.size
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  /** Caches `value` as the most recently used, evicting the least recently used until it fits. */
  set(key: string, value: V): void {
    this.delete(key)
    const bytes = this.sizeOf(value) + CACHE_ENTRY_OVERHEAD_BYTES
    if (bytes > this.maxBytes) return
    this.entries.set(key, { value, bytes })
    this.used += bytes
    for (const [oldest, entry] of this.entries) {
      if (this.used <= this.maxBytes) break
      this.entries.delete(oldest)
      this.used -= entry.bytes
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    this.entries.delete(key)
    this.used -= entry.bytes
  }

  clear(): void {
    this.entries.clear()
    this.used = 0
  }
}
