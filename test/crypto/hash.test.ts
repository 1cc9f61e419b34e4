/** SHA-256 and the domain tags that keep hashes of different kinds of content apart. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { domainTag, HASH_BYTES, sha256 } from '../../src/crypto/hash.js'
import { concatBytes, toHex, utf8 } from '../../src/encoding/bytes.js'

describe('sha256', () => {
  it('gives the FIPS 180-2 known answers', () => {
    assert.equal(toHex(sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    assert.equal(toHex(sha256()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    assert.equal(sha256(utf8('abc')).length, HASH_BYTES)
  })

  it('hashes several parts as their concatenation', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }), (parts) => {
        assert.deepEqual(sha256(...parts), sha256(concatBytes(...parts)))
      }),
    )
  })

  it('hashes parts too long to join in its scratch array as their concatenation', () => {
    const long = new Uint8Array(16 * 1024).fill(7)
    assert.equal(toHex(sha256(long, Uint8Array.of(1))), toHex(sha256(concatBytes(long, Uint8Array.of(1)))))
    assert.equal(toHex(sha256(long.subarray(1), Uint8Array.of(1))), toHex(sha256(concatBytes(long.subarray(1), Uint8Array.of(1)))))
  })

  it('gives each digest an array of its own, unchanged by later calls', () => {
    const first = sha256(utf8('a'), utf8('bc'))
    const second = sha256(utf8('x'), utf8('yz'))
    assert.equal(toHex(first), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    assert.notEqual(first.buffer, second.buffer)
  })

  it('returns a plain Uint8Array', () => {
    assert.equal(Object.getPrototypeOf(sha256(Uint8Array.of(1))), Uint8Array.prototype)
  })
})

describe('domainTag', () => {
  it('is "chain/<name>" and a NUL, so no tag is a prefix of another', () => {
    assert.deepEqual(domainTag('tx'), utf8('chain/tx\0'))
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z-]{1,12}$/), fc.stringMatching(/^[a-z-]{1,12}$/), (a, b) => {
        fc.pre(a !== b)
        const [ta, tb] = [toHex(domainTag(a)), toHex(domainTag(b))]
        assert.equal(ta.startsWith(tb) || tb.startsWith(ta), false)
      }),
    )
  })
})
