/**
 * The one canonical encoding of `chain`: deterministic CBOR (RFC 8949 §4.2.1, "core
 * deterministic encoding") through `cborg`.
 *
 * Everything that is hashed, signed, stored or sent is encoded here. Decoding is strict
 * because bytes come from hostile peers: the input length is bounded before parsing, then
 * `cborg` rejects non-minimal integers, indefinite lengths, undefined, NaN, infinities, tags
 * and duplicate map keys, and finally what strictness leaves open is checked, so exactly one
 * byte string decodes to each value. Two encodings of one transaction would give it two
 * hashes: a node could be made to store it twice, or to miss that it is a replay.
 *
 * What strictness leaves open: text that is not valid UTF-8 (it decodes to replacement
 * characters) or starts with a byte order mark (the decoder drops it), map keys out of order,
 * floats (1.0 in a float's bytes decodes to the integer 1). Texts are checked where they lie;
 * a value holding a map, a float or a simple value is re-encoded and compared byte for byte.
 * Transactions, blocks and records hold none, and a walk over their bytes costs a small part
 * of re-encoding them (the re-encoding was most of decoding a transaction).
 */
import { isUtf8 } from 'node:buffer'
import { decode as cborDecode, encode as cborEncode } from 'cborg'
import { ChainError } from '../errors.js'
import { encodePlain } from './cbor-writer.js'
import { bytesEqual, concatBytes, copyBytes } from './bytes.js'

/** CBOR's major type 4, an array, in a head's top three bits. */
const ARRAY_MAJOR = 0x80
/** Major types, as a head's top three bits shifted down. */
const BYTES = 2
const TEXT = 3
const MAP = 5
const TAG = 6
const SIMPLE_OR_FLOAT = 7
/** The additional information of false, true and null (major type 7). */
const FALSE_INFO = 20
const NULL_INFO = 22
/** Additional information 24 to 27: the argument follows in 1, 2, 4 or 8 bytes. */
const ONE_BYTE_ARGUMENT = 24
const EIGHT_BYTE_ARGUMENT = 27
/** Texts up to this long are checked for ASCII in a loop before a view of them is made for `isUtf8`. */
const SHORT_TEXT_BYTES = 256

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
  const count = items.length
  const head =
    count < 24
      ? Uint8Array.of(ARRAY_MAJOR | count)
      : count < 0x100
        ? Uint8Array.of(ARRAY_MAJOR | 24, count)
        : count < 0x10000
          ? Uint8Array.of(ARRAY_MAJOR | 25, count >> 8, count & 0xff)
          : Uint8Array.of(ARRAY_MAJOR | 26, count >>> 24, (count >> 16) & 0xff, (count >> 8) & 0xff, count & 0xff)
  return concatBytes(head, ...items)
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
  let value: unknown
  try {
    value = cborDecode(bytes, DECODE_OPTIONS)
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CBOR decode error: /, '') : String(error)
    throw new EncodingError('ENCODING_ERROR_MALFORMED', what, detail)
  }
  if (strictnessSuffices(bytes)) return value
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

/**
 * Whether `bytes`, which `cborg` has decoded strictly (every head minimal, every length
 * definite, nothing after the value), are canonical without re-encoding them: true when they
 * hold only integers, byte strings, arrays, false, true, null, and texts of valid UTF-8 that do
 * not start with a byte order mark. Those re-encode to the same bytes by construction. False
 * for anything else, which the caller re-encodes to find out.
 *
 * The walk is flat: an array's head is followed by its items, so reading head after head
 * visits every item. A byte or text string's contents are skipped over (or, for a text, read).
 */
function strictnessSuffices(bytes: Uint8Array): boolean {
  let at = 0
  while (at < bytes.length) {
    const head = bytes[at]!
    const major = head >> 5
    const info = head & 0x1f
    at++
    if (major === SIMPLE_OR_FLOAT) {
      if (info < FALSE_INFO || info > NULL_INFO) return false
      continue
    }
    if (major === MAP || major === TAG || info > EIGHT_BYTE_ARGUMENT) return false
    let argument = info
    if (info >= ONE_BYTE_ARGUMENT) {
      const width = 1 << (info - ONE_BYTE_ARGUMENT)
      argument = 0
      for (let i = 0; i < width; i++) argument = argument * 256 + bytes[at + i]!
      at += width
    }
    if (major === BYTES) at += argument
    else if (major === TEXT) {
      // A short text is looked at in place first; most are ASCII (names, methods, arguments).
      if (argument > SHORT_TEXT_BYTES || !isAscii(bytes, at, at + argument)) {
        const text = bytes.subarray(at, at + argument)
        if (!isUtf8(text) || startsWithByteOrderMark(text)) return false
      }
      at += argument
    }
  }
  return at === bytes.length
}

/** Whether bytes [from, to) are ASCII: valid UTF-8 without a byte order mark, and no view made to ask. */
function isAscii(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i]! >= 0x80) return false
  return true
}

/** UTF-8's byte order mark, EF BB BF: the text decoder drops it from the start of a text. */
function startsWithByteOrderMark(text: Uint8Array): boolean {
  return text.length >= 3 && text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf
}
