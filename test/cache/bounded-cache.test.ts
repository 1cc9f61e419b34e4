/** The byte-bounded cache: never over its bound, least recently used out first, sizes kept right. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { randomBytes } from 'node:crypto'
import { BoundedCache, byteArrayBytes, CACHE_ENTRY_OVERHEAD_BYTES } from '../../src/cache/bounded-cache.js'

/** What an entry of a one-character key and a value of `bytes` is charged. */
const cost = (bytes: number): number => bytes + 1 + CACHE_ENTRY_OVERHEAD_BYTES

test('the cache evicts the least recently used entries to stay within its bytes', () => {
  const cache = new BoundedCache<Uint8Array>(cost(100) * 3, (value) => value.length)
  cache.set('a', new Uint8Array(100))
  cache.set('b', new Uint8Array(100))
  cache.set('c', new Uint8Array(100))
  assert.equal(cache.bytes, cost(100) * 3)
  assert.ok(cache.get('a') !== undefined) // now b is the least recently used
  cache.set('d', new Uint8Array(100))
  assert.equal(cache.get('b'), undefined)
  assert.deepEqual([cache.get('a'), cache.get('c'), cache.get('d')].map((v) => v?.length), [100, 100, 100])
  // One large entry pushes out as many small ones as it needs.
  cache.set('big', new Uint8Array(250))
  assert.ok(cache.bytes <= cache.maxBytes)
  assert.equal(cache.size, 1 + [cache.get('a'), cache.get('c'), cache.get('d')].filter((v) => v !== undefined).length)
})

test('an entry used survives at least half a cache of newer entries, however recently it was put', () => {
  const cache = new BoundedCache<Uint8Array>(cost(100) * 10, (value) => value.length)
  // One-character keys, A to S: every entry costs the same.
  const key = (i: number): string => String.fromCharCode(65 + i)
  const put = (i: number): void => cache.set(key(i), new Uint8Array(100))
  for (let i = 0; i < 10; i++) put(i)
  // J is in the newer half: used, it keeps its place; A, the oldest, moves to the back.
  assert.ok(cache.get('J') !== undefined && cache.get('A') !== undefined)
  for (let i = 10; i < 15; i++) put(i)
  assert.deepEqual(['A', 'B', 'F', 'J'].map((k) => cache.get(k) !== undefined), [true, false, false, true])
  for (let i = 15; i < 19; i++) put(i)
  assert.equal(cache.get('A'), undefined, 'used nine insertions ago and not since: gone before J, moved since')
  assert.ok(cache.get('J') !== undefined)
  assert.equal(cache.size, 10)
})

test('many small entries are charged their overhead, so their count is bounded too', () => {
  const entry = 'k100'.length + CACHE_ENTRY_OVERHEAD_BYTES
  const cache = new BoundedCache<Uint8Array>(10 * entry, (value) => value.length)
  for (let i = 100; i < 1_000; i++) cache.set(`k${i}`, new Uint8Array(0))
  assert.equal(cache.size, 10)
  assert.equal(cache.bytes, 10 * entry)
})

test('replacing, deleting and clearing keep the byte count exact; a value over the bound is not cached', () => {
  const cache = new BoundedCache<string>(1_000, (value) => value.length)
  // A longer key costs more.
  cache.set('long key', '')
  assert.equal(cache.bytes, cost(0) + 'long key'.length - 1)
  cache.delete('long key')
  cache.set('k', 'x'.repeat(10))
  cache.set('k', 'x'.repeat(20))
  assert.equal(cache.bytes, cost(20))
  cache.delete('k')
  assert.equal(cache.bytes, 0)
  cache.set('huge', 'x'.repeat(2_000))
  assert.equal(cache.get('huge'), undefined)
  assert.equal(cache.bytes, 0)
  cache.set('a', 'a')
  cache.clear()
  assert.deepEqual([cache.size, cache.bytes], [0, 0])
  assert.throws(() => new BoundedCache<string>(-1, (value) => value.length), RangeError)
})

test('what a cache of byte arrays is charged covers the memory it holds on the heap and in buffers', () => {
  // Measured after full collections: the heap's and the buffers' growth for 20,000 trie-node-sized
  // entries keyed by 32-byte hashes (the allocator's own headers, outside both, are in the charge too).
  setFlagsFromString('--expose-gc')
  const collect = runInNewContext('gc') as () => void
  const keys = Array.from({ length: 20_000 }, () => randomBytes(32).toString('latin1'))
  const held = (): number => {
    collect()
    collect()
    const { heapUsed, arrayBuffers } = process.memoryUsage()
    return heapUsed + arrayBuffers
  }
  const cache = new BoundedCache<Uint8Array>(Number.MAX_SAFE_INTEGER, byteArrayBytes)
  const before = held()
  for (const key of keys) cache.set(key, new Uint8Array(220))
  const measured = held() - before
  assert.equal(cache.size, keys.length)
  assert.ok(cache.bytes >= measured, `charged ${cache.bytes} bytes, holding ${measured}`)
  assert.ok(cache.bytes < 2 * measured, `charged ${cache.bytes} bytes, twice the ${measured} held: the overheads are overstated`)
})

test('usage is what the cache is charged beside its bound', () => {
  const cache = new BoundedCache<Uint8Array>(10_000, byteArrayBytes)
  cache.set('a', new Uint8Array(100))
  assert.deepEqual(cache.usage, { bytes: cache.bytes, limit: 10_000 })
  assert.ok(cache.usage.bytes > 100)
})
