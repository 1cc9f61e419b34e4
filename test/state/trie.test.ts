/**
 * The state trie's one-pass update gives the roots `@ethereumjs/mpt` gives when the same
 * changes are put and deleted one key at a time (how `chain` committed its state before, and
 * what every stored header's root was made by): on random change sets with deletes, the empty
 * trie, a single key, keys whose paths share long prefixes (deep nodes and nodes small enough
 * to be embedded in their parent), and a long history of blocks read back from the nodes each
 * block wrote.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { sha256 } from '../../src/crypto/hash.js'
import { compareBytes, toHex, uint64BE, utf8 } from '../../src/encoding/bytes.js'
import type { StateChange } from '../../src/state/overlay.js'
import { NO_STORED_NODES, StateTrie, TrieError, updateTrie, type TrieNodeReader, type TrieNodeWrite } from '../../src/state/trie.js'
import { bytesToNibbles, decodeNode, EMPTY_TRIE_ROOT } from '../../src/state/trie-node.js'

/** The reference: the library, one key at a time, as `chain` did before. */
function referenceTrie(hashKeys = true): MerklePatriciaTrie {
  return new MerklePatriciaTrie({ useKeyHashing: hashKeys, useKeyHashingFunction: sha256 })
}

async function referenceApply(trie: MerklePatriciaTrie, changes: readonly StateChange[]): Promise<Uint8Array> {
  for (const { key, value } of changes) {
    if (value === null) await trie.del(key)
    else await trie.put(key, value)
  }
  return trie.root()
}

/** A deterministic stream of pseudo-random numbers, so a failure can be replayed. */
function random(seed: string): () => number {
  let counter = 0
  return () => {
    const bytes = sha256(utf8(seed), uint64BE(counter++))
    return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0) / 2 ** 32
  }
}

const valueOf = (next: () => number): Uint8Array => sha256(uint64BE(Math.floor(next() * 2 ** 40))).subarray(0, 1 + Math.floor(next() * 31))

/** Node storage the way the chain keeps it: every block's writes, by hash. */
class NodeStore implements TrieNodeReader {
  readonly nodes = new Map<string, Uint8Array>()
  get(hash: Uint8Array): Uint8Array | undefined {
    return this.nodes.get(toHex(hash))
  }
  put(writes: readonly TrieNodeWrite[]): void {
    for (const { hash, node } of writes) this.nodes.set(toHex(hash), node)
  }
}

test('the empty trie and a single key have the library’s roots', async () => {
  const trie = new StateTrie(NO_STORED_NODES)
  const reference = referenceTrie()
  assert.deepEqual(trie.emptyRoot, reference.root())
  assert.deepEqual(trie.apply(trie.emptyRoot, []), reference.root())
  assert.deepEqual(trie.apply(trie.emptyRoot, [{ key: utf8('absent'), value: null }]), reference.root(), 'deleting from the empty trie')
  const single = [{ key: utf8('one'), value: utf8('value') }]
  const root = trie.apply(trie.emptyRoot, single)
  assert.deepEqual(root, await referenceApply(reference, single))
  assert.notDeepEqual(root, trie.emptyRoot)
  assert.deepEqual(trie.apply(root, [{ key: utf8('one'), value: null }]), EMPTY_TRIE_ROOT, 'deleting the only key')
  assert.deepEqual(trie.apply(root, [{ key: utf8('one'), value: new Uint8Array(0) }]), EMPTY_TRIE_ROOT, 'an empty value is no value')
})

test('values at every length form of RLP (a byte, short, long, a long length of three bytes) give the library’s roots', async () => {
  const trie = new StateTrie(NO_STORED_NODES)
  const reference = referenceTrie()
  const lengths = [1, 2, 31, 32, 54, 55, 56, 57, 255, 256, 1_000, 65_535, 65_536, 70_000]
  const changes = lengths.flatMap((length) =>
    [0x00, 0x7f, 0x80, 0xff].map((fill) => ({ key: utf8(`value of ${length} bytes of ${fill}`), value: new Uint8Array(length).fill(fill) })),
  )
  const root = trie.apply(trie.emptyRoot, changes)
  assert.deepEqual(toHex(root), toHex(await referenceApply(reference, changes)))
})

test('random change sets with deletes, over a long history of blocks, give the library’s roots', async () => {
  const next = random('history')
  const store = new NodeStore()
  const trie = new StateTrie(store)
  const reference = referenceTrie()
  const pool = Array.from({ length: 400 }, (_, i) => utf8(`key ${i}`))
  let root = trie.emptyRoot
  for (let block = 0; block < 120; block++) {
    // Some blocks change a few keys, some many; a quarter of the changes are deletes.
    const count = next() < 0.2 ? 1 + Math.floor(next() * 3) : Math.floor(next() * 80)
    const changes = new Map<string, StateChange>()
    for (let i = 0; i < count; i++) {
      const key = pool[Math.floor(next() * pool.length)]!
      changes.set(toHex(key), { key, value: next() < 0.25 ? null : valueOf(next) })
    }
    root = trie.apply(root, [...changes.values()])
    store.put(trie.takeNodeWrites())
    assert.deepEqual(toHex(root), toHex(await referenceApply(reference, [...changes.values()])), `block ${block}`)
  }
  // Everything the last root needs was written: a trie with no cache reads it back and goes on.
  const cold = new StateTrie(store, 0)
  const last = pool.map((key) => ({ key, value: null }))
  assert.deepEqual(toHex(cold.apply(root, last)), toHex(await referenceApply(reference, last)))
  assert.deepEqual(cold.apply(root, last), EMPTY_TRIE_ROOT, 'deleting every key empties the trie')
})

test('a key changed twice in one call takes its later value', async () => {
  const trie = new StateTrie(NO_STORED_NODES)
  const changes = [
    { key: utf8('a'), value: utf8('first') },
    { key: utf8('b'), value: utf8('b') },
    { key: utf8('a'), value: utf8('second') },
  ]
  assert.deepEqual(trie.apply(trie.emptyRoot, changes), await referenceApply(referenceTrie(), changes))
})

test('paths sharing long prefixes, with values small enough to embed nodes, give the library’s roots', async () => {
  const next = random('prefixes')
  // Raw 32-byte paths (no key hashing), most sharing 30 or 31 bytes, so the trie gets deep
  // extensions, branches near the bottom and leaves under 32 bytes embedded in their parent.
  const base = sha256(utf8('base'))
  const pathKey = (shared: number): Uint8Array => {
    const key = Uint8Array.from(base)
    for (let i = shared; i < 32; i++) key[i] = Math.floor(next() * 256)
    if (next() < 0.5) key[31] = key[31]! & 0xf1 // some differ only in their last nibble
    return key
  }
  const pool = Array.from({ length: 120 }, (_, i) => pathKey(i % 3 === 0 ? 28 : 30 + (i % 2)))
  const store = new NodeStore()
  const reference = referenceTrie(false)
  let root = EMPTY_TRIE_ROOT
  let embedded = 0
  for (let block = 0; block < 60; block++) {
    const changes = new Map<string, StateChange>()
    for (let i = 0, count = 1 + Math.floor(next() * 30); i < count; i++) {
      const key = pool[Math.floor(next() * pool.length)]!
      changes.set(toHex(key), { key, value: next() < 0.3 ? null : valueOf(next).subarray(0, 1 + Math.floor(next() * 3)) })
    }
    const sorted = [...changes.values()].sort((a, b) => compareBytes(a.key, b.key)).map(({ key, value }) => ({ path: bytesToNibbles(key), value }))
    const writes: TrieNodeWrite[] = []
    root = updateTrie(root, sorted, (hash) => decodeNode(store.get(hash)!, hash), writes)
    store.put(writes)
    embedded += writes.filter(({ hash, node }) => {
      const decoded = decodeNode(node, hash)
      return decoded.kind === 'branch' && decoded.children.some((child) => child !== null && !(child instanceof Uint8Array))
    }).length
    assert.deepEqual(toHex(root), toHex(await referenceApply(reference, [...changes.values()])), `block ${block}`)
  }
  assert.ok(embedded > 0, 'some branches hold embedded children')
})

test('a missing or garbled node is a typed error, not a wrong root', () => {
  const store = new NodeStore()
  const trie = new StateTrie(store, 0)
  const root = trie.apply(trie.emptyRoot, [
    { key: utf8('a'), value: utf8('1') },
    { key: utf8('b'), value: utf8('2') },
  ])
  trie.discardPending()
  assert.throws(
    () => trie.apply(root, [{ key: utf8('c'), value: utf8('3') }]),
    (error) => error instanceof TrieError && error.code === 'TRIE_ERROR_MISSING_NODE' && error.data.hash === toHex(root),
  )
  store.nodes.set(toHex(root), utf8('not a node'))
  assert.throws(
    () => trie.apply(root, [{ key: utf8('c'), value: utf8('3') }]),
    (error) => error instanceof TrieError && error.code === 'TRIE_ERROR_BAD_NODE',
  )
})

test('a stored node that is not canonical RLP, or not a node, is refused with a typed error', () => {
  const hash = new Uint8Array(32)
  const leaf = Uint8Array.of(0xc4, 0x82, 0x20, 0x01, 0x05) // [compact path 0x2001 (a leaf, 0x01), value 0x05]
  assert.equal(decodeNode(leaf, hash).kind, 'leaf', 'the well-formed node this test garbles')
  const garbled: [string, Uint8Array][] = [
    ['bytes after the node', Uint8Array.of(...leaf, 0x00)],
    ['a list shorter than its header says', leaf.subarray(0, 4)],
    ['an item longer than its list', Uint8Array.of(0xc3, 0x82, 0x20, 0x01, 0x05)],
    ['a single byte below 0x80 with a length', Uint8Array.of(0xc4, 0x82, 0x20, 0x01, 0x81, 0x05)],
    ['a short length in the long form', Uint8Array.of(0xf8, 0x04, 0x82, 0x20, 0x01, 0x05)],
    ['a long length with a leading zero', Uint8Array.of(0xf9, 0x00, 0x04, 0x82, 0x20, 0x01, 0x05)],
    ['a string, not a list', Uint8Array.of(0x82, 0x20, 0x01)],
    ['a list of three items', Uint8Array.of(0xc5, 0x82, 0x20, 0x01, 0x05, 0x06)],
    ['path flags above 3', Uint8Array.of(0xc4, 0x82, 0x40, 0x01, 0x05)],
    ['a child reference of 2 bytes', Uint8Array.of(0xc4, 0x00, 0x82, 0x01, 0x02)],
    ['nothing at all', new Uint8Array(0)],
  ]
  for (const [what, bytes] of garbled) {
    assert.throws(() => decodeNode(bytes, hash), (error) => error instanceof TrieError && error.code === 'TRIE_ERROR_BAD_NODE', what)
  }
})

test('the node cache stays within its bound in bytes while the roots stay right', async () => {
  const bound = 16 * 1024
  const store = new NodeStore()
  const trie = new StateTrie(store, bound)
  const reference = referenceTrie()
  let root = trie.emptyRoot
  for (let block = 0; block < 40; block++) {
    const changes = Array.from({ length: 50 }, (_, i) => ({ key: utf8(`key ${(block * 37 + i) % 500}`), value: utf8(`value ${block}`) }))
    root = trie.apply(root, changes)
    store.put(trie.takeNodeWrites())
    assert.ok(trie.cacheUsage.bytes <= bound, `block ${block}: ${trie.cacheUsage.bytes} bytes cached`)
    assert.deepEqual(toHex(root), toHex(await referenceApply(reference, changes)))
  }
  assert.ok(trie.cacheUsage.bytes > bound / 2, 'the cache is used')
})

test('the node cache holds the current state, not the versions blocks replaced: a state of one size keeps it one size', () => {
  const store = new NodeStore()
  const trie = new StateTrie(store)
  let root = trie.emptyRoot
  const cachedAfter: number[] = []
  for (let block = 0; block < 200; block++) {
    // The same 100 keys every block, values of one length: the trie keeps its shape.
    const changes = Array.from({ length: 100 }, (_, i) => ({ key: utf8(`key ${i}`), value: uint64BE(block * 1000 + i) }))
    root = trie.apply(root, changes)
    store.put(trie.takeNodeWrites())
    cachedAfter.push(trie.cacheUsage.bytes)
  }
  // Every block rewrites every node: each version kept would add the whole trie again.
  assert.equal(cachedAfter[199], cachedAfter[9])
  // A refused block's reads stay cached: they are still the state's nodes.
  trie.apply(root, [{ key: utf8('key 0'), value: utf8('refused') }])
  trie.discardPending()
  assert.deepEqual(trie.takeNodeWrites(), [])
  assert.equal(trie.cacheUsage.bytes, cachedAfter[199])
})

test('a block’s writes are its new nodes only, each once', () => {
  const store = new NodeStore()
  const trie = new StateTrie(store)
  const changes = Array.from({ length: 200 }, (_, i) => ({ key: utf8(`key ${i}`), value: utf8(`value ${i}`) }))
  const root = trie.apply(trie.emptyRoot, changes)
  const writes = trie.takeNodeWrites()
  assert.equal(new Set(writes.map(({ hash }) => toHex(hash))).size, writes.length)
  for (const { hash, node } of writes) assert.equal(toHex(hash), toHex(sha256(node)))
  // A trie of 200 keys has 200 leaves and fewer branches than leaves: no intermediate states.
  assert.ok(writes.length < 400, `${writes.length} nodes written`)
  store.put(writes)
  const reachable = new Set<string>()
  const walk = (hash: Uint8Array): void => {
    reachable.add(toHex(hash))
    const node = decodeNode(store.get(hash)!, hash)
    const children = node.kind === 'branch' ? node.children : node.kind === 'extension' ? [node.child] : []
    for (const child of children) if (child instanceof Uint8Array) walk(child)
  }
  walk(root)
  assert.equal(reachable.size, writes.length, 'every node written is part of the new trie')
})
