/**
 * The one canonical encoding of `chain`: deterministic CBOR (RFC 8949 §4.2.1, "core
 * deterministic encoding").
 *
 * Everything that is hashed, signed, stored or sent is encoded here. Decoding is strict
 * because bytes come from hostile peers: exactly one byte string decodes to each value. Two
 * encodings of one transaction would give it two hashes: a node could be made to store it
 * twice, or to miss that it is a replay.
 *
 * Two ways each, with the same results. The plain values every structure of `chain` is made
 * of (integers, byte strings, texts, arrays, false, true, null) are written and read by
 * `chain`'s own code (src/encoding/cbor-writer.ts, cbor-reader.ts), which reads only canonical
 * forms. Anything else goes through `cborg`: the input length is bounded before parsing, then
 * `cborg` rejects non-minimal integers, indefinite lengths, undefined, NaN, infinities, tags
 * and duplicate map keys, and finally the value is re-encoded and compared byte for byte
 * (strictness leaves open invalid UTF-8, which decodes to replacement characters, a leading
 * byte order mark, which is dropped, map keys out of order, and floats: 1.0 in a float's
 * bytes decodes to the integer 1).
 */
import { decode as cborDecode, encode as cborEncode } from 'cborg'
import { ChainError } from '../errors.js'
import { decodePlain, NOT_PLAIN } from './cbor-reader.js'
import { arrayHead, encodePlain } from './cbor-writer.js'
import { bytesEqual, concatBytes, copyBytes } from './bytes.js'


/** Why a byte string was refused as an encoding. */
export type EncodingErrorCode =
  | 'ENCODING_ERROR_TOO_LARGE' // longer than the caller's bound, checked before parsing
  | 'ENCODING_ERROR_MALFORMED' // not well-formed CBOR, or a feature this encoding forbids
  | 'ENCODING_ERROR_NON_CANONICAL' // well-formed but not the one deterministic encoding
  | 'ENCODING_ERROR_BAD_SHAPE' // well-formed, canonical, but not the expected structure

export class EncodingError extends ChainError<EncodingErrorCode, { what: string; detail: string }> {
  constructor(code: EncodingErrorCode, what: string, detail: string) {
    super(code, { what, detail }, `${what}: ${detail}`)
  }
}

/** A value this encoding can carry. Floats are never used by `chain` structures. */
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | readonly CborValue[]
  | { readonly [key: string]: CborValue }

const DECODE_OPTIONS = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: true,
  rejectDuplicateMapKeys: true,
  useMaps: false,
} as const

/**
 * Encodes a value deterministically (map keys sorted, shortest forms), in an array of its own,
 * so it may be kept as long as needed without keeping anything else. The common values are
 * written directly (src/encoding/cbor-writer.ts); maps and the rest by `cborg`, which cuts
 * results from a 64 KiB chunk of its own (copied out, then).
 */
export function encode(value: CborValue): Uint8Array {
  const plain = encodePlain(value)
  if (plain !== undefined) return plain
  const encoded = cborEncode(value)
  return encoded.length === encoded.buffer.byteLength ? encoded : copyBytes(encoded)
}

/**
 * The encoding of an array whose items are already encoded: the same bytes as `encode` of the
 * array of their values (a CBOR array is its length, then its items one after the other).
 */
export function encodeArrayOfEncoded(items: readonly Uint8Array[]): Uint8Array {
  return concatBytes(arrayHead(items.length), ...items)
}

/**
 * Decodes one value from `bytes`, refusing anything but its canonical encoding.
 * `what` names the structure in error messages ("transaction", "block header").
 */
export function decode(bytes: Uint8Array, what: string, maxBytes: number): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new EncodingError('ENCODING_ERROR_MALFORMED', what, `expected bytes, got ${typeof bytes}`)
  }
  if (bytes.length > maxBytes) {
    throw new EncodingError('ENCODING_ERROR_TOO_LARGE', what, `${bytes.length} bytes is over the limit of ${maxBytes}`)
  }
  const plain = decodePlain(bytes)
  if (plain !== NOT_PLAIN) return plain
  let value: unknown
  try {
    value = cborDecode(bytes, DECODE_OPTIONS)
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CBOR decode error: /, '') : String(error)
    throw new EncodingError('ENCODING_ERROR_MALFORMED', what, detail)
  }
  let again: Uint8Array
  try {
    again = cborEncode(value)
  } catch {
    throw new EncodingError('ENCODING_ERROR_MALFORMED', what, 'decodes to a value that cannot be encoded')
  }
  if (!bytesEqual(again, bytes)) {
    throw new EncodingError('ENCODING_ERROR_NON_CANONICAL', what, 'not in canonical (deterministic) CBOR form')
  }
  return value
}
