/** Small byte-string helpers shared by every layer. */

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Lexicographic order of byte strings: negative, zero or positive, as `Array.sort` wants. A
 * loop, not `Buffer.compare`: the keys compared here are a few dozen bytes, and wrapping each in
 * a Buffer allocated more than the comparison cost (a block's trie update sorts thousands).
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}

/** Parses lowercase or uppercase hex, optionally `0x`-prefixed; `undefined` when it is not hex. */
export function fromHex(text: string): Uint8Array | undefined {
  const hex = text.startsWith('0x') ? text.slice(2) : text
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined
  return asBytes(Buffer.from(hex, 'hex'))
}

/** V8 keeps a typed array of up to 64 bytes in its heap. */
const SHORT_KEY_BYTES = 64

/**
 * The bytes as a string of one character per byte (latin1): a key for a `Map` or `Set` of byte
 * strings, half the size of their hex and made without encoding.
 */
export function bytesKey(bytes: Uint8Array): string {
  // A short array may be one V8 keeps on its heap (a hash is, and `keyBytes` makes them):
  // reading its `buffer` would move its bytes out of the heap into a buffer of their own.
  if (bytes.length <= SHORT_KEY_BYTES) return String.fromCharCode.apply(null, bytes as unknown as number[])
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')
}

/**
 * The bytes a `bytesKey` was made of, in an array of their own: `Buffer.from` would slice them
 * out of Node's shared 8 KiB pool (a key kept long would keep the whole slab), and V8 keeps an
 * array this small (state keys are) on its heap, with no buffer to track.
 */
export function keyBytes(key: string): Uint8Array {
  const bytes = new Uint8Array(key.length)
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i)
  return bytes
}

/**
 * A copy of the bytes in a buffer of their own, for bytes kept long: `slice` copies a plain
 * `Uint8Array` but only views a Buffer (`Buffer.prototype.slice` is `subarray`), and a view
 * keeps its whole buffer, perhaps a block or a 64 KiB slab of Node's pool that `cborg` and
 * `Buffer.from` cut small results from.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes)
}

/** A plain `Uint8Array` view of a Buffer (CBOR and equality treat both alike, tests don't). */
export function asBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length)
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return asBytes(Buffer.concat(parts))
}

/** Big-endian unsigned 64-bit, for LevelDB keys that must sort by number. */
export function uint64BE(value: number | bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value))
  return out
}

export function readUint64BE(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getBigUint64(0)
}

const UTF8 = new TextEncoder()
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true })

export function utf8(text: string): Uint8Array {
  return UTF8.encode(text)
}

/** Decodes UTF-8, throwing a `TypeError` on invalid sequences instead of replacing them. */
export function fromUtf8(bytes: Uint8Array): string {
  return UTF8_STRICT.decode(bytes)
}
