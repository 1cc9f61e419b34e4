/** The field readers: each accepts exactly its shape and names the field and what it got otherwise. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readArray, readBigUint, readBytes, readList, readOptional, readText, readUint } from '../../src/encoding/shape.js'

function badShape(read: () => unknown, what: string, detail: string): void {
  assert.throws(read, { name: 'EncodingError', code: 'ENCODING_ERROR_BAD_SHAPE', data: { what, detail } })
}

describe('shape readers', () => {
  it('readArray takes arrays of exactly the length', () => {
    assert.deepEqual(readArray([1, 2], 'pair', 2), [1, 2])
    badShape(() => readArray([1], 'pair', 2), 'pair', 'expected an array of 2, got an array of 1')
    badShape(() => readArray([1, 2, 3], 'pair', 2), 'pair', 'expected an array of 2, got an array of 3')
    badShape(() => readArray({ 0: 1, 1: 2, length: 2 }, 'pair', 2), 'pair', 'expected an array of 2, got object')
    badShape(() => readArray(Uint8Array.of(1, 2), 'pair', 2), 'pair', 'expected an array of 2, got 2 bytes')
  })

  it('readList takes arrays up to the length', () => {
    assert.deepEqual(readList([], 'list', 2), [])
    assert.deepEqual(readList([1, 2], 'list', 2), [1, 2])
    badShape(() => readList([1, 2, 3], 'list', 2), 'list', 'expected an array of at most 2, got an array of 3')
    badShape(() => readList(null, 'list', 2), 'list', 'expected an array of at most 2, got null')
  })

  it('readUint takes safe non-negative integers up to the maximum', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (n) => assert.equal(readUint(n, 'n'), n)))
    assert.equal(readUint(255, 'kind', 255), 255)
    badShape(() => readUint(256, 'kind', 255), 'kind', 'expected an integer from 0 to 255, got number 256')
    badShape(() => readUint(-1, 'n'), 'n', 'expected an integer from 0 to 9007199254740991, got number -1')
    badShape(() => readUint(1.5, 'n'), 'n', 'expected an integer from 0 to 9007199254740991, got number 1.5')
    badShape(() => readUint(2n ** 53n, 'n'), 'n', 'expected an integer from 0 to 9007199254740991, got bigint 9007199254740992')
    badShape(() => readUint('1', 'n'), 'n', 'expected an integer from 0 to 9007199254740991, got string')
  })

  it('readBigUint takes unsigned 64-bit integers as numbers or bigints', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (n) => {
      const asDecoded = n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n
      assert.equal(readBigUint(asDecoded, 'd'), n)
    }))
    badShape(() => readBigUint(1n << 64n, 'd'), 'd', 'expected an unsigned 64-bit integer, got bigint 18446744073709551616')
    badShape(() => readBigUint(-1n, 'd'), 'd', 'expected an unsigned 64-bit integer, got bigint -1')
    badShape(() => readBigUint(-1, 'd'), 'd', 'expected an unsigned 64-bit integer, got number -1')
    badShape(() => readBigUint(0.5, 'd'), 'd', 'expected an unsigned 64-bit integer, got number 0.5')
  })

  it('readBytes takes byte strings, of the length when one is given', () => {
    const bytes = Uint8Array.of(1, 2, 3)
    assert.equal(readBytes(bytes, 'b'), bytes)
    assert.equal(readBytes(bytes, 'b', 3), bytes)
    badShape(() => readBytes(bytes, 'hash', 32), 'hash', 'expected 32 bytes, got 3 bytes')
    badShape(() => readBytes('010203', 'b'), 'b', 'expected bytes, got string')
    badShape(() => readBytes([1, 2, 3], 'b', 3), 'b', 'expected 3 bytes, got an array of 3')
  })

  it('readText bounds text by its UTF-8 length, not its JavaScript length', () => {
    assert.equal(readText('ab', 'name', 2), 'ab')
    assert.equal(readText('é', 'name', 2), 'é') // two bytes
    badShape(() => readText('éa', 'name', 2), 'name', 'expected text of at most 2 bytes, got string')
    badShape(() => readText(Uint8Array.of(0x61), 'name', 2), 'name', 'expected text of at most 2 bytes, got 1 bytes')
  })

  it('readOptional maps null to null and reads anything else', () => {
    assert.equal(readOptional(null, (v) => readText(v, 'name', 4)), null)
    assert.equal(readOptional('abc', (v) => readText(v, 'name', 4)), 'abc')
    badShape(() => readOptional(7, (v) => readText(v, 'name', 4)), 'name', 'expected text of at most 4 bytes, got number 7')
  })
})
