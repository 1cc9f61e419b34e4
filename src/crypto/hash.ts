/**
 * SHA-256, the content hash of `chain` (transactions, blocks, Merkle nodes, proof-of-work),
 * from `node:crypto` (OpenSSL, several times faster than a JavaScript SHA-256).
 *
 * Hashes of different kinds of things are domain-separated by a tag prefix, so bytes that
 * are valid as one structure can never be passed off as the hash of another.
 */
import { hash as hashOnce } from 'node:crypto'
import { concatBytes, keyBytes, utf8 } from '../encoding/bytes.js'

export const HASH_BYTES = 32

/** Parts up to this long in all are joined in one array kept for the purpose, not a new one. */
const SCRATCH_BYTES = 16 * 1024
const scratch = new Uint8Array(SCRATCH_BYTES)

export function sha256(...parts: Uint8Array[]): Uint8Array {
  // In one call (a `Hash` object per call, 13,000 a block of 1,000 transfers, cost more than
  // joining the parts, and each left a weak handle for the collector), its digest read as a
  // latin1 ('binary') string into a 32-byte array V8 keeps on its heap: a digest returned as a Buffer has
  // a buffer of its own outside the heap, which took twice as long as the hashing to make and
  // more again for the collector to free.
  return keyBytes(hashOnce('sha256', parts.length === 1 ? parts[0]! : joined(parts), 'binary'))
}

/** The parts one after the other, in `scratch` when they fit (read before the next call). */
function joined(parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  if (length > SCRATCH_BYTES) return concatBytes(...parts)
  let offset = 0
  for (const part of parts) {
    scratch.set(part, offset)
    offset += part.length
  }
  return scratch.subarray(0, length)
}

/** The prefix that separates one kind of hashed content from the others. */
export function domainTag(name: string): Uint8Array {
  return utf8(`chain/${name}\0`)
}
