/**
 * Canonical CBOR: every value round-trips, and every byte string that is not the one
 * deterministic encoding of its value is refused with a typed error, never decoded.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decode as cborDecode, encode as cborEncode } from 'cborg'
import { decode, encode, encodeArrayOfEncoded, EncodingError, type CborValue } from '../../src/encoding/cbor.js'
import { concatBytes, fromHex, toHex } from '../../src/encoding/bytes.js'

const LIMIT = 1 << 20

function hex(text: string): Uint8Array {
  return fromHex(text.replace(/\s+/g, ''))!
}

function refused(bytes: Uint8Array, code: EncodingError['code'], detail: string, maxBytes = LIMIT): void {
  assert.throws(() => decode(bytes, 'thing', maxBytes), { name: 'EncodingError', code, data: { what: 'thing', detail } })
}

const NON_MINIMAL = 'integer encoded in more bytes than necessary (strict decode)'
const NON_CANONICAL = 'not in canonical (deterministic) CBOR form'

/** Values of every type `chain` encodes; bigints only outside the safe range (inside it they decode as numbers). */
const cborValue: fc.Arbitrary<CborValue> = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.oneof(
      fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: -(1n << 64n), max: BigInt(Number.MIN_SAFE_INTEGER) - 1n }),
    ),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.string({ maxLength: 8 }).filter((key) => key !== '__proto__'),
      tie('value'),
      { maxKeys: 5, noNullPrototype: true },
    ),
  ),
})).value

/** The head of a CBOR item: major type and argument, in the given number of argument bytes. */
function head(major: number, argument: bigint, width: 0 | 1 | 2 | 4 | 8): Uint8Array {
  if (width === 0) return Uint8Array.of((major << 5) | Number(argument))
  const additional = { 1: 24, 2: 25, 4: 26, 8: 27 }[width]
  const out = new Uint8Array(1 + width)
  out[0] = (major << 5) | additional
  for (let i = 0; i < width; i++) out[width - i] = Number((argument >> BigInt(8 * i)) & 0xffn)
  return out
}

function minimalWidth(argument: bigint): 0 | 1 | 2 | 4 | 8 {
  if (argument < 24n) return 0
  if (argument < 1n << 8n) return 1
  if (argument < 1n << 16n) return 2
  if (argument < 1n << 32n) return 4
  return 8
}

describe('canonical CBOR', () => {
  it('encodes a known value to its known bytes (RFC 8949 §4.2.1)', () => {
    assert.equal(toHex(encode([1, 'a', Uint8Array.of(0), null, true])), '850161614100f6f5')
    // Map keys sort by their encoded bytes: shorter keys first, then bytewise.
    assert.equal(toHex(encode({ aa: 3, b: 1, a: 2 })), 'a361610261620162616103')
  })

  it('round-trips every value and re-encodes it to the same bytes', () => {
    fc.assert(
      fc.property(cborValue, (value) => {
        const bytes = encode(value)
        const decoded = decode(bytes, 'thing', LIMIT)
        assert.deepEqual(decoded, value)
        assert.deepEqual(encode(decoded), bytes)
      }),
      { numRuns: 500 },
    )
  })

  it('writes the bytes cborg writes, for every value and at every boundary of a head', () => {
    const same = (value: unknown): void => {
      let expected: Uint8Array | Error
      try {
        expected = cborEncode(value)
      } catch (error) {
        expected = error as Error
      }
      if (expected instanceof Error) assert.throws(() => encode(value as CborValue))
      else assert.equal(toHex(encode(value as CborValue)), toHex(expected))
    }
    const edges = [0, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]
    for (const n of edges) for (const value of [n, -n, -n - 1, BigInt(n), -BigInt(n) - 1n, 'x'.repeat(Math.min(n, 70_000)), new Uint8Array(Math.min(n, 70_000))]) same(value)
    for (const value of [(1n << 64n) - 1n, -(1n << 64n), 1n << 64n, -(1n << 64n) - 1n, 2 ** 53, -(2 ** 53), 0.5, -0, NaN, undefined, '\ud800', 'a\udfffb', Buffer.from('buffer'), Uint16Array.of(1), [1, [2, [3, undefined]]], { a: [1] }, [{ b: 1 }]]) {
      same(value)
    }
    fc.assert(fc.property(cborValue, (value) => same(value)), { numRuns: 2_000 })
    fc.assert(fc.property(fc.array(fc.oneof(fc.double(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) }), fc.constant(undefined)), { maxLength: 4 }), (value) => same(value)))
  })

  it('gives every encoding a buffer of its own (kept, it keeps nothing else)', () => {
    for (const value of [[1, 'a'], 'x'.repeat(300), { a: 'x'.repeat(300) }, [0.5, 'y'.repeat(5_000)], { a: 1 }]) {
      const encoded = encode(value)
      assert.equal(encoded.byteOffset, 0)
      assert.equal(encoded.buffer.byteLength, encoded.length)
    }
  })

  it('gives one encoding whatever the order of an object’s keys', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { minKeys: 2, maxKeys: 8 }), (map) => {
        const reversed = Object.fromEntries(Object.entries(map).reverse())
        assert.deepEqual(encode(reversed), encode(map))
      }),
    )
  })

  it('rejects integers, lengths and counts in more bytes than necessary', () => {
    const argument = fc.bigInt({ min: 0n, max: (1n << 32n) - 1n })
    const widths = [1, 2, 4, 8] as const
    fc.assert(
      fc.property(argument, fc.constantFrom(...widths), fc.constantFrom(0, 1), (value, width, major) => {
        fc.pre(width > minimalWidth(value))
        refused(head(major, value, width), 'ENCODING_ERROR_MALFORMED', NON_MINIMAL)
      }),
    )
    refused(hex('1801'), 'ENCODING_ERROR_MALFORMED', NON_MINIMAL) // 1 as a one-byte argument
    refused(hex('3800'), 'ENCODING_ERROR_MALFORMED', NON_MINIMAL) // -1 likewise
    refused(hex('1b0000000000000001'), 'ENCODING_ERROR_MALFORMED', NON_MINIMAL)
    refused(hex('5801aa'), 'ENCODING_ERROR_MALFORMED', NON_MINIMAL) // byte string length
    refused(hex('780161'), 'ENCODING_ERROR_MALFORMED', NON_MINIMAL) // text length
    refused(hex('980101'), 'ENCODING_ERROR_MALFORMED', NON_MINIMAL) // array count
    refused(hex('b801616101'), 'ENCODING_ERROR_MALFORMED', NON_MINIMAL) // map count
  })

  it('rejects map keys out of canonical order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 6 }), { minLength: 2, maxLength: 6 }), (keys) => {
        // Canonical order is the bytewise order of the encoded keys; write them the other way round.
        const order = keys.map((key) => encode(key)).sort((a, b) => Buffer.compare(b, a))
        const bytes = concatBytes(head(5, BigInt(order.length), 0), ...order.flatMap((key) => [key, encode(0)]))
        refused(bytes, 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL)
      }),
    )
    refused(hex('a2 6162 01 6161 02'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL)
    refused(hex('a2 626161 01 6162 02'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL) // longer key first
  })

  it('rejects duplicate and non-text map keys', () => {
    refused(hex('a2 6161 01 6161 02'), 'ENCODING_ERROR_MALFORMED', 'found repeat map key "a"')
    refused(hex('a1 01 02'), 'ENCODING_ERROR_MALFORMED', 'non-string keys not supported (got number)')
  })

  it('rejects indefinite lengths', () => {
    refused(hex('9f 01 ff'), 'ENCODING_ERROR_MALFORMED', 'indefinite length items not allowed')
    refused(hex('bf 6161 01 ff'), 'ENCODING_ERROR_MALFORMED', 'indefinite length items not allowed')
    refused(hex('5f 4101 ff'), 'ENCODING_ERROR_MALFORMED', 'indefinite length bytes/strings are not supported')
    refused(hex('7f 6161 ff'), 'ENCODING_ERROR_MALFORMED', 'indefinite length bytes/strings are not supported')
    refused(hex('ff'), 'ENCODING_ERROR_MALFORMED', 'indefinite length items not allowed') // a lone "break"
  })

  it('rejects floats where integers belong', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 24), max: 2 ** 24 }), (n) => {
        const float64 = new Uint8Array(9)
        float64[0] = 0xfb
        new DataView(float64.buffer).setFloat64(1, n)
        refused(float64, 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL)
        const float32 = new Uint8Array(5)
        float32[0] = 0xfa
        new DataView(float32.buffer).setFloat32(1, n)
        refused(float32, 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL)
      }),
    )
    refused(hex('f9 3c00'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL) // 1.0 as a half float
    refused(hex('f9 8000'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL) // -0.0
    refused(hex('f9 7e00'), 'ENCODING_ERROR_MALFORMED', 'NaN values are not supported')
    refused(hex('f9 7c00'), 'ENCODING_ERROR_MALFORMED', 'Infinity values are not supported')
  })

  it('rejects trailing bytes after a value', () => {
    fc.assert(
      fc.property(cborValue, fc.uint8Array({ minLength: 1, maxLength: 8 }), (value, junk) => {
        refused(concatBytes(encode(value), junk), 'ENCODING_ERROR_MALFORMED', 'too many terminals, data makes no sense')
      }),
    )
  })

  it('rejects tags, undefined and simple values', () => {
    refused(hex('c1 1a00000000'), 'ENCODING_ERROR_MALFORMED', 'tag not supported (1)')
    refused(hex('d820 01'), 'ENCODING_ERROR_MALFORMED', 'tag not supported (32)')
    refused(hex('81 c2 4101'), 'ENCODING_ERROR_MALFORMED', 'tag not supported (2)') // a bignum, nested
    refused(hex('f7'), 'ENCODING_ERROR_MALFORMED', 'undefined values are not supported')
    refused(hex('f0'), 'ENCODING_ERROR_MALFORMED', 'simple values are not supported')
    refused(hex('f820'), 'ENCODING_ERROR_MALFORMED', 'simple values are not supported')
  })

  it('rejects text that is not valid UTF-8 (it would not re-encode to the same bytes)', () => {
    refused(hex('62 c328'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL)
    refused(hex('63 eda080'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL) // a UTF-16 surrogate
    refused(hex('82 01 62 c328'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL) // inside an array
    refused(hex('63 c0af61'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL) // an overlong '/'
  })

  it('rejects text that starts with a byte order mark (the decoder drops it), not one that holds it further on', () => {
    refused(hex('64 efbbbf 61'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL)
    refused(hex('82 4101 64 efbbbf 61'), 'ENCODING_ERROR_NON_CANONICAL', NON_CANONICAL)
    assert.equal(decode(hex('64 61 efbbbf'), 'thing', LIMIT), 'a\ufeff')
    assert.deepEqual(decode(hex('83 01 f5 63 e282ac'), 'thing', LIMIT), [1, true, '€'])
  })

  it('gives what cborg and a re-encoding give, value or error, on byte strings one change away from canonical ones and on random ones', () => {
    // The reference: how every value was decoded before chain read plain values itself.
    type Outcome = { value: unknown } | { code: string; detail: string }
    const reference = (bytes: Uint8Array): Outcome => {
      let value: unknown
      try {
        value = cborDecode(bytes, { strict: true, allowIndefinite: false, allowUndefined: false, allowInfinity: false, allowNaN: false, allowBigInt: true, rejectDuplicateMapKeys: true, useMaps: false })
      } catch (error) {
        return { code: 'ENCODING_ERROR_MALFORMED', detail: (error as Error).message.replace(/^CBOR decode error: /, '') }
      }
      return Buffer.compare(cborEncode(value), bytes) === 0 ? { value } : { code: 'ENCODING_ERROR_NON_CANONICAL', detail: NON_CANONICAL }
    }
    const outcome = (bytes: Uint8Array): Outcome => {
      try {
        return { value: decode(bytes, 'thing', LIMIT) }
      } catch (error) {
        assert.ok(error instanceof EncodingError)
        return { code: error.code, detail: error.data.detail }
      }
    }
    const same = (bytes: Uint8Array): void => assert.deepEqual(outcome(bytes), reference(bytes), toHex(bytes))
    const texts = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('\ufeff', '\ufeffa', 'é', '\u{1f600}'))
    const integers = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) - 1n }), fc.constantFrom<CborValue>(2 ** 32, -(2 ** 32) - 1, 2 ** 53 - 2, -(2 ** 53) + 1, 2n ** 53n, -(2n ** 53n), -(2n ** 53n) - 1n))
    const changed = fc.letrec<{ value: CborValue }>((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, integers, texts, fc.uint8Array({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 })),
    })).value
    fc.assert(
      fc.property(changed, fc.nat(), fc.integer({ min: 0, max: 255 }), (value, position, byte) => {
        const bytes = Uint8Array.from(encode(value))
        same(bytes)
        bytes[position % bytes.length] = byte
        same(bytes)
      }),
      { numRuns: 20_000 },
    )
    fc.assert(fc.property(fc.uint8Array({ maxLength: 24 }), same), { numRuns: 20_000 })
    // A Buffer's bytes are copied out, not viewed.
    const decoded = decode(Buffer.from(encode([Uint8Array.of(1, 2)])), 'thing', LIMIT) as Uint8Array[]
    assert.equal(decoded[0]!.buffer.byteLength, 2)
  })

  it('rejects truncated input and lengths beyond the input without allocating them', () => {
    refused(new Uint8Array(0), 'ENCODING_ERROR_MALFORMED', 'did not find any content to decode')
    refused(hex('8201'), 'ENCODING_ERROR_MALFORMED', 'found array but not enough entries (got 1, expected 2)')
    refused(hex('9b0000000100000000'), 'ENCODING_ERROR_MALFORMED', 'found array but not enough entries (got 0, expected 4294967296)')
    refused(hex('5b0000000100000000'), 'ENCODING_ERROR_MALFORMED', 'not enough data for type')
    refused(hex('9bffffffffffffffff'), 'ENCODING_ERROR_MALFORMED', '64-bit integer array lengths not supported')
    refused(hex('1c'), 'ENCODING_ERROR_MALFORMED', 'encountered invalid minor (28) for major 0')
  })

  it('rejects nesting deep enough to exhaust the stack with a typed error', () => {
    refused(new Uint8Array(100_000).fill(0x81), 'ENCODING_ERROR_MALFORMED', 'Maximum call stack size exceeded')
  })

  it('rejects oversized input before parsing it', () => {
    // Garbage that would be MALFORMED if parsed: the size check comes first.
    refused(new Uint8Array(101).fill(0xff), 'ENCODING_ERROR_TOO_LARGE', '101 bytes is over the limit of 100', 100)
    assert.equal(decode(encode(new Uint8Array(97)), 'thing', 100) instanceof Uint8Array, true) // 2-byte head + 97 = 99
  })

  it('rejects what is not bytes', () => {
    refused('a1' as unknown as Uint8Array, 'ENCODING_ERROR_MALFORMED', 'expected bytes, got string')
  })

  it('never throws anything but EncodingError on random bytes, and decodes only canonical ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let value: unknown
        try {
          value = decode(bytes, 'thing', LIMIT)
        } catch (error) {
          assert.ok(error instanceof EncodingError, `unexpected ${String(error)}`)
          return
        }
        assert.deepEqual(encode(value as CborValue), bytes)
      }),
      { numRuns: 5_000 },
    )
  })
})

describe('an array of items already encoded', () => {
  it('is the encoding of the array of their values, at every length form of its head', () => {
    for (const count of [0, 1, 23, 24, 255, 256, 65_535, 65_536]) {
      const values = Array.from({ length: count }, (_, i) => (i % 3 === 0 ? i : i % 3 === 1 ? `item ${i}` : [i, null]))
      assert.equal(toHex(encodeArrayOfEncoded(values.map(encode))), toHex(encode(values)), `${count} items`)
    }
  })
})
