/**
 * A least-recently-used cache bounded in bytes, not entries: what a cache costs a long-running
 * node is the memory its values hold, and entries of one kind can differ a thousandfold in
 * size (a trie leaf against a branch, an empty block against a full one).
 *
 * Each entry is charged what it holds resident, measured, not just its payload: its value's
 * size as `sizeOf` tells it (a value's objects included: see `byteArrayBytes`), its key's
 * characters, and the map slot, the entry's record and the key string's header, so that many
 * tiny entries cannot exceed the budget either. A `Map` keeps insertion order, so re-inserting
 * on a hit makes its first key the least recently used.
 *
 * Nearly: a hit re-inserts an entry only when more than half the cache was inserted since it
 * last was. Moving a `Map` entry (a delete and a set) leaves a hole the map later rehashes its
 * whole table to reclaim, and the hottest entries were moved on every hit: a small cache hit in
 * a loop rehashed every few hits. An entry used is still kept for at least half a cache of
 * newer entries after its use.
 */

/**
 * What one entry costs beyond its value and its key's characters: the map slot, the entry's
 * record and the key string's header. Measured (Node 24, 64-bit): ~75 bytes of heap an entry
 * for the first two with 100,000 entries, and 16 for a string's header.
 */
export const CACHE_ENTRY_OVERHEAD_BYTES = 96

/**
 * What a `Uint8Array` holding an `ArrayBuffer` of its own costs beyond its bytes: the array's
 * and the buffer's objects on the heap (~195 bytes) and V8's record of the buffer's memory and
 * the allocator's headers outside it (~230). Measured as the resident memory of 100,000 arrays
 * of 220 and of 1,000 bytes in a cache: ~425 bytes an array beyond its length. Charged the
 * length alone, a cache of trie nodes (~220 bytes each) held twice its bound.
 */
export const BYTE_ARRAY_OVERHEAD_BYTES = 432

/**
 * What a cached byte array keeps resident: the whole buffer it is a view of (a view into a
 * block's bytes would keep the block) and the objects around it. The `sizeOf` of byte values.
 */
export function byteArrayBytes(bytes: Uint8Array): number {
  return bytes.buffer.byteLength + BYTE_ARRAY_OVERHEAD_BYTES
}

/** What a cache holds, as charged against its bound, and the bound (for metrics). */
export interface CacheUsage {
  readonly bytes: number
  readonly limit: number
}

export class BoundedCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly bytes: number; inserted: number }>()
  private used = 0
  /** Insertions so far (sets and moves): an entry's `inserted` is this count when it was put last. */
  private insertions = 0

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

  get usage(): CacheUsage {
    return { bytes: this.used, limit: this.maxBytes }
  }

  get size(): number {
    return this.entries.size
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (this.insertions - entry.inserted > this.entries.size >> 1) {
      this.entries.delete(key)
      this.entries.set(key, entry)
      entry.inserted = ++this.insertions
    }
    return entry.value
  }

  /** Caches `value` as the most recently used, evicting the least recently used until it fits. */
  set(key: string, value: V): void {
    this.delete(key)
    const bytes = this.sizeOf(value) + key.length + CACHE_ENTRY_OVERHEAD_BYTES
    if (bytes > this.maxBytes) return
    this.entries.set(key, { value, bytes, inserted: ++this.insertions })
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
