/**
 * Strict decoding of the values `chain` encodes most, the mirror of src/encoding/cbor-writer.ts:
 * integers, byte strings, texts, arrays, false, true and null, each read only in its one
 * canonical form, straight from the bytes.
 *
 * `cborg`'s decoder makes a token object per item before it builds the value, and the value
 * must then be encoded again to prove the bytes canonical (a text of invalid UTF-8, a float,
 * map keys out of order would otherwise pass). Reading only canonical forms proves it as it
 * goes: every head in its shortest form, every length definite, texts of valid UTF-8 not
 * starting with a byte order mark (the decoder would drop it), nothing after the value.
 *
 * At the first byte it does not read so (a map, a float, a tag, a simple value, a non-minimal
 * head, a length beyond the input, invalid UTF-8, bytes left over) it answers NOT_PLAIN, and
 * `decode` (src/encoding/cbor.ts) decodes with `cborg`, which gives the value or the error it
 * always gave. Whatever the bytes, both ways give the same answer; a property test compares them.
 */
/** What `decodePlain` answers when the bytes are not a canonical plain value. */
export const NOT_PLAIN: unique symbol = Symbol('not plain CBOR')

const UNSIGNED = 0
const NEGATIVE = 1
const BYTES = 2
const TEXT = 3
const ARRAY = 4
const SIMPLE_OR_FLOAT = 7
const FALSE_INFO = 20
const TRUE_INFO = 21
const NULL_INFO = 22
/** Additional information 24 to 27: the argument follows in 1, 2, 4 or 8 bytes. */
const ARGUMENT_1 = 24
const ARGUMENT_2 = 25
const ARGUMENT_4 = 26
const ARGUMENT_8 = 27
const TWO_TO_32 = 0x1_0000_0000
/** An argument that is not read here: not minimal, or in a form left to `cborg`. */
const UNREAD = -1

/** Refuses invalid UTF-8 instead of replacing it; keeps a byte order mark (refused before it is met). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The value of `bytes` if they are the canonical encoding of a plain value, else NOT_PLAIN. */
export function decodePlain(bytes: Uint8Array): unknown {
  // A plain view: `slice` of a Buffer would be a view into it, not a copy.
  const reader = new PlainReader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length))
  try {
    const value = reader.item()
    return reader.at === bytes.length ? value : NOT_PLAIN
  } catch {
    // Nesting deep enough to exhaust the stack: `cborg` meets it too, and says so.
    return NOT_PLAIN
  }
}

class PlainReader {
  at = 0

  constructor(private readonly bytes: Uint8Array) {}

  item(): unknown {
    const { bytes } = this
    if (this.at >= bytes.length) return NOT_PLAIN
    const head = bytes[this.at++]!
    const major = head >> 5
    const info = head & 0x1f
    if (major === SIMPLE_OR_FLOAT) return info === FALSE_INFO ? false : info === TRUE_INFO ? true : info === NULL_INFO ? null : NOT_PLAIN
    if (info === ARGUMENT_8 && (major === UNSIGNED || major === NEGATIVE)) return this.integer64(major)
    const argument = this.argument(info)
    if (argument === UNREAD) return NOT_PLAIN
    switch (major) {
      case UNSIGNED:
        return argument
      case NEGATIVE:
        return -1 - argument
      case BYTES: {
        const end = this.at + argument
        if (end > bytes.length) return NOT_PLAIN
        const value = bytes.slice(this.at, end)
        this.at = end
        return value
      }
      case TEXT: {
        const end = this.at + argument
        if (end > bytes.length || startsWithByteOrderMark(bytes, this.at, end)) return NOT_PLAIN
        let value: string
        try {
          value = utf8.decode(bytes.subarray(this.at, end))
        } catch {
          return NOT_PLAIN
        }
        this.at = end
        return value
      }
      case ARRAY: {
        // Every item takes a byte at least: a count beyond the input is refused before allocating.
        if (argument > bytes.length - this.at) return NOT_PLAIN
        const items = new Array<unknown>(argument)
        for (let i = 0; i < argument; i++) {
          const item = this.item()
          if (item === NOT_PLAIN) return NOT_PLAIN
          items[i] = item
        }
        return items
      }
      default:
        return NOT_PLAIN
    }
  }

  /** A head's argument in its shortest form, up to 4 bytes; else UNREAD. */
  private argument(info: number): number {
    if (info < ARGUMENT_1) return info
    const { bytes, at } = this
    const width = info === ARGUMENT_1 ? 1 : info === ARGUMENT_2 ? 2 : info === ARGUMENT_4 ? 4 : 0
    if (width === 0 || at + width > bytes.length) return UNREAD
    const value = width === 1 ? bytes[at]! : width === 2 ? (bytes[at]! << 8) | bytes[at + 1]! : readUint32(bytes, at)
    if (value < (width === 1 ? ARGUMENT_1 : width === 2 ? 0x100 : 0x1_0000)) return UNREAD
    this.at = at + width
    return value
  }

  /** An integer with an 8-byte argument (at least 2^32): a number while safe, else a bigint, as `cborg` gives it. */
  private integer64(major: number): unknown {
    const { bytes, at } = this
    if (at + 8 > bytes.length) return NOT_PLAIN
    const high = readUint32(bytes, at)
    if (high === 0) return NOT_PLAIN
    const low = readUint32(bytes, at + 4)
    this.at = at + 8
    const unsigned = high * TWO_TO_32 + low
    if (unsigned <= Number.MAX_SAFE_INTEGER) {
      if (major === UNSIGNED) return unsigned
      if (-1 - unsigned >= Number.MIN_SAFE_INTEGER) return -1 - unsigned
    }
    const exact = (BigInt(high) << 32n) + BigInt(low)
    return major === UNSIGNED ? exact : -1n - exact
  }
}

function readUint32(bytes: Uint8Array, at: number): number {
  return bytes[at]! * 0x100_0000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!)
}

/** UTF-8's byte order mark, EF BB BF: `cborg`'s text decoder drops it from the start of a text. */
function startsWithByteOrderMark(bytes: Uint8Array, from: number, to: number): boolean {
  return to - from >= 3 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf
}
