/**
 * SHA-256, the content hash of `chain` (transactions, blocks, Merkle nodes, proof-of-work),
 * from `node:crypto` (OpenSSL, several times faster than a JavaScript SHA-256).
 *
 * Hashes of different kinds of things are domain-separated by a tag prefix, so bytes that
 * are valid as one structure can never be passed off as the hash of another.
 */
import { hash as hashOnce } from 'node:crypto'
import { asBytes, concatBytes, utf8 } from '../encoding/bytes.js'

export const HASH_BYTES = 32

export function sha256(...parts: Uint8Array[]): Uint8Array {
  // In one call, on the parts joined: a `Hash` object per call (13,000 a block of 1,000
  // transfers) cost more than the join, and each left a weak handle for the collector.
  return asBytes(hashOnce('sha256', parts.length === 1 ? parts[0]! : concatBytes(...parts), 'buffer'))
}

/** The prefix that separates one kind of hashed content from the others. */
export function domainTag(name: string): Uint8Array {
  return utf8(`chain/${name}\0`)
}
