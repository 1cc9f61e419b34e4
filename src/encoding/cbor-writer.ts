/**
 * The deterministic CBOR of the values `chain` encodes most (transactions, receipts, store
 * records, gossip and sync messages): integers, byte strings, texts, arrays, false, true and
 * null, written straight into one array of the exact length, measured first.
 *
 * `cborg`'s encoder makes a token object per item and writes them into a list of chunks before
 * it copies the result out: importing a block of 1,000 transfers, ~2 KB of garbage per receipt,
 * and as much again for each store record. Here the only allocation is the result.
 *
 * A value holding anything else answers undefined, and `encode` (src/encoding/cbor.ts) hands
 * it to `cborg`: a map (its keys must be sorted), a float, an integer beyond 2^53 as a number
 * (`cborg` writes it as a float), undefined. For every value both give the same bytes; a
 * property test compares them.
 */
/** CBOR's major types, as a head's top three bits. */
const UNSIGNED = 0 << 5
const NEGATIVE = 1 << 5
const BYTES = 2 << 5
const TEXT = 3 << 5
const ARRAY = 4 << 5
const FALSE = 0xf4
const TRUE = 0xf5
const NULL = 0xf6
/** Additional information 24 to 27: the argument follows in 1, 2, 4 or 8 bytes. */
const ARGUMENT_1 = 24
const ARGUMENT_2 = 25
const ARGUMENT_4 = 26
const ARGUMENT_8 = 27
const TWO_TO_32 = 0x1_0000_0000
const MAX_UINT64 = (1n << 64n) - 1n
/** What `measure` answers for a value this writer leaves to `cborg`. */
const UNSUPPORTED = -1

const textEncoder = new TextEncoder()

/** The encoding of `value`, or undefined when it holds something only `cborg` encodes. */
export function encodePlain(value: unknown): Uint8Array | undefined {
  const length = measure(value)
  if (length === UNSUPPORTED) return undefined
  const out = new Uint8Array(length)
  write(out, 0, value)
  return out
}

/** The head of an array of `count` items, in its shortest form. */
export function arrayHead(count: number): Uint8Array {
  const out = new Uint8Array(headBytes(count))
  writeHead(out, 0, ARRAY, count)
  return out
}

/** Bytes of a head whose argument is `n` (at most 2^64 - 1). */
function headBytes(n: number | bigint): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x1_0000 ? 3 : n < TWO_TO_32 ? 5 : 9
}

/** Bytes of the encoding of `value`, or UNSUPPORTED. */
function measure(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return Number.isSafeInteger(value) ? headBytes(value >= 0 ? value : -1 - value) : UNSUPPORTED
    case 'bigint':
      return value > MAX_UINT64 || value < -1n - MAX_UINT64 ? UNSUPPORTED : headBytes(value >= 0n ? value : -1n - value)
    case 'string': {
      // A lone surrogate counts and is written as U+FFFD's three bytes, as `cborg` writes it.
      const length = Buffer.byteLength(value, 'utf8')
      return headBytes(length) + length
    }
    case 'boolean':
      return 1
    case 'object': {
      if (value === null) return 1
      if (value instanceof Uint8Array) return headBytes(value.length) + value.length
      if (!Array.isArray(value)) return UNSUPPORTED
      const items = value as unknown[]
      let total = headBytes(items.length)
      // Indexed loops here and in `write`: an array iterator in a recursive function is not
      // optimised away, and its results were most of what this writer allocated besides its output.
      for (let i = 0; i < items.length; i++) {
        const length = measure(items[i])
        if (length === UNSUPPORTED) return UNSUPPORTED
        total += length
      }
      return total
    }
    default:
      return UNSUPPORTED
  }
}

/** Writes `value` (measured already) at `at`; returns where it ends. */
function write(out: Uint8Array, at: number, value: unknown): number {
  switch (typeof value) {
    case 'number':
      return value >= 0 ? writeHead(out, at, UNSIGNED, value) : writeHead(out, at, NEGATIVE, -1 - value)
    case 'bigint':
      return value >= 0n ? writeHead(out, at, UNSIGNED, value) : writeHead(out, at, NEGATIVE, -1n - value)
    case 'string': {
      const length = Buffer.byteLength(value, 'utf8')
      const start = writeHead(out, at, TEXT, length)
      if (length !== value.length) return start + textEncoder.encodeInto(value, out.subarray(start)).written
      // As many bytes as UTF-16 units: ASCII, written without a view for the encoder.
      for (let i = 0; i < length; i++) out[start + i] = value.charCodeAt(i)
      return start + length
    }
    case 'boolean':
      out[at] = value ? TRUE : FALSE
      return at + 1
    default: {
      if (value === null) {
        out[at] = NULL
        return at + 1
      }
      if (value instanceof Uint8Array) {
        const start = writeHead(out, at, BYTES, value.length)
        out.set(value, start)
        return start + value.length
      }
      const items = value as unknown[]
      let end = writeHead(out, at, ARRAY, items.length)
      for (let i = 0; i < items.length; i++) end = write(out, end, items[i])
      return end
    }
  }
}

/** Writes the shortest head of major type `major` (already shifted) with argument `n`. */
function writeHead(out: Uint8Array, at: number, major: number, n: number | bigint): number {
  if (n < 24) {
    out[at] = major | Number(n)
    return at + 1
  }
  if (n < 0x100) {
    out[at] = major | ARGUMENT_1
    out[at + 1] = Number(n)
    return at + 2
  }
  if (n < 0x1_0000) {
    const value = Number(n)
    out[at] = major | ARGUMENT_2
    out[at + 1] = value >>> 8
    out[at + 2] = value & 0xff
    return at + 3
  }
  if (n < TWO_TO_32) {
    out[at] = major | ARGUMENT_4
    writeUint32(out, at + 1, Number(n))
    return at + 5
  }
  out[at] = major | ARGUMENT_8
  if (typeof n === 'bigint') {
    writeUint32(out, at + 1, Number(n >> 32n))
    writeUint32(out, at + 5, Number(n & 0xffff_ffffn))
  } else {
    writeUint32(out, at + 1, Math.floor(n / TWO_TO_32))
    writeUint32(out, at + 5, n % TWO_TO_32)
  }
  return at + 9
}

function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24
  out[at + 1] = (value >>> 16) & 0xff
  out[at + 2] = (value >>> 8) & 0xff
  out[at + 3] = value & 0xff
}
