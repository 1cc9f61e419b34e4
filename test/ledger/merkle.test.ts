/**
 * The Merkle root: known answers from a hash written out by hand, no two lists sharing a root
 * (the CVE-2012-2459 duplication attack), and leaves kept apart from inner nodes (RFC 6962 §2.1).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { toHex } from '../../src/encoding/bytes.js'
import { EMPTY_MERKLE_ROOT, merkleRoot } from '../../src/ledger/merkle.js'

/** SHA-256 of the parts, independently of the code under test. */
function h(...parts: (Uint8Array | number[])[]): Uint8Array {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(Uint8Array.from(part))
  return new Uint8Array(hash.digest())
}
const leaf = (data: Uint8Array): Uint8Array => h([0], data)
const node = (left: Uint8Array, right: Uint8Array): Uint8Array => h([1], left, right)

const L = [0, 1, 2, 3, 4].map((i) => h([i]))

describe('merkleRoot', () => {
  it('of no leaves is SHA-256 of nothing', () => {
    assert.equal(toHex(merkleRoot([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    assert.deepEqual(EMPTY_MERKLE_ROOT, merkleRoot([]))
  })

  it('of one leaf is the leaf hash, never the leaf itself', () => {
    assert.deepEqual(merkleRoot([L[0]!]), leaf(L[0]!))
    assert.notDeepEqual(merkleRoot([L[0]!]), L[0])
  })

  it('pairs leaves and carries an odd one up unchanged', () => {
    const [a, b, c, d, e] = L.map(leaf) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array]
    assert.deepEqual(merkleRoot(L.slice(0, 2)), node(a, b))
    assert.deepEqual(merkleRoot(L.slice(0, 3)), node(node(a, b), c))
    assert.deepEqual(merkleRoot(L.slice(0, 4)), node(node(a, b), node(c, d)))
    assert.deepEqual(merkleRoot(L), node(node(node(a, b), node(c, d)), e))
  })

  it('gives different roots to different lists of up to four leaves (none duplicated into another)', () => {
    // Every list of length 0..4 over a three-leaf alphabet, including lists with a leaf repeated at
    // the end: the lists Bitcoin's duplicate-last-node rule would give the same root.
    const alphabet = L.slice(0, 3)
    const lists: Uint8Array[][] = [[]]
    for (let length = 1; length <= 4; length++) {
      for (let n = 0; n < 3 ** length; n++) lists.push(Array.from({ length }, (_, i) => alphabet[Math.floor(n / 3 ** i) % 3]!))
    }
    const roots = new Map<string, number>()
    for (const [index, list] of lists.entries()) {
      const root = toHex(merkleRoot(list))
      assert.equal(roots.get(root), undefined, `lists ${roots.get(root)} and ${index} share a root`)
      roots.set(root, index)
    }
    assert.equal(roots.size, 1 + 3 + 9 + 27 + 81)
  })

  it('distinguishes any two different lists of random leaves', () => {
    const list = fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 9 })
    fc.assert(
      fc.property(list, list, (x, y) => {
        fc.pre(x.map(toHex).join() !== y.map(toHex).join())
        assert.notDeepEqual(merkleRoot(x), merkleRoot(y))
      }),
    )
    fc.assert(fc.property(list, fc.nat(), (x, i) => {
      fc.pre(x.length > 0)
      assert.notDeepEqual(merkleRoot([...x, x[i % x.length]!]), merkleRoot(x)) // appending a repeat changes the root
    }))
  })

  it('does not let an inner node pose as a leaf', () => {
    const [a, b, c, d] = L.map(leaf) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
    // The two children of the root of [0, 1, 2, 3], presented as leaves of a two-leaf tree.
    const left = node(a, b)
    const right = node(c, d)
    assert.notDeepEqual(merkleRoot([left, right]), merkleRoot(L.slice(0, 4)))
    // The 64 bytes an inner node hashes, presented as one leaf.
    assert.notDeepEqual(merkleRoot([Uint8Array.from([...a, ...b])]), merkleRoot(L.slice(0, 2)))
    assert.notDeepEqual(merkleRoot([Uint8Array.from([...left, ...right])]), merkleRoot(L.slice(0, 4)))
  })
})
