/**
 * The binary Merkle root that a block header commits to for its transactions and receipts.
 *
 * Leaves and inner nodes are hashed with different prefixes (RFC 6962 §2.1, as Certificate
 * Transparency does): without them an inner node could be presented as a leaf. An odd node at
 * the end of a level is carried up unchanged rather than paired with a copy of itself, which
 * avoids Bitcoin's CVE-2012-2459 (two different lists with the same root).
 */
import { sha256 } from '../crypto/hash.js'

const LEAF_PREFIX = Uint8Array.of(0)
const NODE_PREFIX = Uint8Array.of(1)

/** The root of no leaves: SHA-256 of the empty string, as in RFC 6962. */
export const EMPTY_MERKLE_ROOT = sha256()

export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_MERKLE_ROOT
  let level = leaves.map((leaf) => sha256(LEAF_PREFIX, leaf))
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i + 1 < level.length; i += 2) next.push(sha256(NODE_PREFIX, level[i]!, level[i + 1]!))
    if (level.length % 2 === 1) next.push(level[level.length - 1]!)
    level = next
  }
  return level[0]!
}
