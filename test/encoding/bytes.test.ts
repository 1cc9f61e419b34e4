/** Byte helpers: hex, UTF-8, big-endian integers and equality. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  asBytes,
  bytesEqual,
  bytesKey,
  compareBytes,
  concatBytes,
  copyBytes,
  fromHex,
  fromUtf8,
  keyBytes,
  readUint64BE,
  toHex,
  uint64BE,
  utf8,
} from '../../src/encoding/bytes.js'

describe('bytes', () => {
  it('compareBytes orders as Buffer.compare does, views included', () => {
    const sign = (n: number): number => Math.sign(n)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), fc.nat(8), (a, b, offset) => {
        const view = new Uint8Array(offset + a.length)
        view.set(a, offset)
        assert.equal(sign(compareBytes(view.subarray(offset), b)), Buffer.compare(Buffer.from(a), Buffer.from(b)))
        assert.equal(compareBytes(a, a), 0)
      }),
    )
    assert.ok(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)) < 0, 'a prefix comes first')
    assert.ok(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 9)) > 0)
  })

  it('hex round-trips, in either case and with 0x', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = toHex(bytes)
        assert.match(text, /^([0-9a-f]{2})*$/)
        assert.deepEqual(fromHex(text), bytes)
        assert.deepEqual(fromHex(text.toUpperCase()), bytes)
        assert.deepEqual(fromHex(`0x${text}`), bytes)
      }),
    )
    assert.equal(toHex(Uint8Array.of(0, 0xab, 0xff)), '00abff')
  })

  it('fromHex refuses odd lengths and non-hex characters instead of truncating', () => {
    for (const text of ['a', 'abc', '0g', 'zz', '0x0', ' 00', '00 ', '0X00', '+1']) assert.equal(fromHex(text), undefined, text)
    assert.deepEqual(fromHex(''), new Uint8Array(0))
  })

  it('hands out plain Uint8Arrays (tests compare them with deepEqual)', () => {
    assert.equal(Object.getPrototypeOf(fromHex('00')), Uint8Array.prototype)
    assert.equal(Object.getPrototypeOf(concatBytes(Uint8Array.of(1), Uint8Array.of(2))), Uint8Array.prototype)
    const view = asBytes(Buffer.from('abcd').subarray(1, 3))
    assert.equal(Object.getPrototypeOf(view), Uint8Array.prototype)
    assert.deepEqual(view, Uint8Array.of(0x62, 0x63))
  })

  it('uint64BE sorts bytewise in numeric order and reads back', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        assert.equal(readUint64BE(uint64BE(a)), a)
        assert.equal(Math.sign(Buffer.compare(uint64BE(a), uint64BE(b))), a < b ? -1 : a > b ? 1 : 0)
      }),
    )
    assert.equal(toHex(uint64BE(258)), '0000000000000102')
  })

  it('bytesKey is one character per byte and keyBytes gives the bytes back, in an array of their own', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const key = bytesKey(bytes)
        assert.equal(key.length, bytes.length)
        assert.deepEqual(keyBytes(key), new Uint8Array(bytes))
      }),
    )
    // A view's own bytes, not its buffer's; and not a slice of a shared pool.
    const whole = Uint8Array.of(1, 2, 3, 4, 5)
    assert.equal(bytesKey(whole.subarray(1, 3)), '\x02\x03')
    assert.equal(keyBytes('\xff\x00').buffer.byteLength, 2)
  })

  it('copyBytes copies into a buffer of its own, from a Buffer too (whose slice is a view)', () => {
    const pooled = Buffer.from('a small buffer, cut from the pool')
    assert.ok(pooled.buffer.byteLength > pooled.length)
    const copy = copyBytes(pooled)
    assert.equal(copy.buffer.byteLength, pooled.length)
    assert.deepEqual(copy, new Uint8Array(pooled))
    pooled[0] = 0
    assert.notEqual(copy[0], 0)
  })

  it('bytesEqual compares contents', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ maxLength: 16 }), (a, b) => {
        assert.equal(bytesEqual(a, b), toHex(a) === toHex(b))
        assert.equal(bytesEqual(a, Uint8Array.from(a)), true)
      }),
    )
  })

  it('UTF-8 round-trips and invalid sequences throw instead of being replaced', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (text) => assert.equal(fromUtf8(utf8(text)), text)))
    assert.deepEqual(utf8('é'), Uint8Array.of(0xc3, 0xa9))
    assert.throws(() => fromUtf8(Uint8Array.of(0xc3, 0x28)), { name: 'TypeError' })
    assert.throws(() => fromUtf8(Uint8Array.of(0xed, 0xa0, 0x80)), { name: 'TypeError' })
  })
})
