/**
 * SHA-256, the content hash of `chain` (transactions, blocks, Merkle nodes, proof-of-work),
 * from `node:crypto` (OpenSSL, several times faster than a JavaScript SHA-256).
 *
 * Hashes of different kinds of things are domain-separated by a tag prefix, so bytes that
 * are valid as one structure can never be passed off as the hash of another.
 */
import { createHash, hash as hashOnce } from 'node:crypto'
import { asBytes, utf8 } from '../encoding/bytes.js'

export const HASH_BYTES = 32

export function sha256(...parts: Uint8Array[]): Uint8Array {
  // One part (most calls: trie nodes, keys, transactions) in one call, without a Hash object.
  if (parts.length === 1) return asBytes(hashOnce('sha256', parts[0]!, 'buffer'))
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return asBytes(hash.digest())
}

/** The prefix that separates one kind of hashed content from the others. */
export function domainTag(name: string): Uint8Array {
  return utf8(`chain/${name}\0`)
}
