/**
 * The wire form of a batch of signatures between the node's thread and a verify worker: one
 * buffer (transferred, not copied) instead of three small arrays per signature, which the
 * structured clone would copy one by one.
 *
 *   bytes:   signature (64) ‖ public key (32) ‖ message, for each item in turn
 *   offsets: where each item's message ends in `bytes` (a message may have any length)
 */
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type SignedMessage } from '../ed25519.js'

export interface PackedBatch {
  readonly bytes: Uint8Array<ArrayBuffer>
  readonly ends: Uint32Array<ArrayBuffer>
}

const FIXED_BYTES = SIGNATURE_BYTES + PUBLIC_KEY_BYTES

/**
 * Packs items; one of the wrong length is packed as all zeros (its signature then fails the
 * verifier's canonical-encoding checks), so the answer is `false`, never a thrown error.
 */
export function packBatch(items: readonly SignedMessage[]): PackedBatch {
  let total = 0
  for (const item of items) total += FIXED_BYTES + item.message.length
  const bytes = new Uint8Array(total)
  const ends = new Uint32Array(items.length)
  let at = 0
  items.forEach((item, i) => {
    if (item.signature.length === SIGNATURE_BYTES && item.publicKey.length === PUBLIC_KEY_BYTES) {
      bytes.set(item.signature, at)
      bytes.set(item.publicKey, at + SIGNATURE_BYTES)
    }
    bytes.set(item.message, at + FIXED_BYTES)
    at += FIXED_BYTES + item.message.length
    ends[i] = at
  })
  return { bytes, ends }
}

/** The items of a packed batch, as views into its buffer. */
export function unpackBatch({ bytes, ends }: PackedBatch): SignedMessage[] {
  const items: SignedMessage[] = []
  let at = 0
  for (const end of ends) {
    items.push({
      signature: bytes.subarray(at, at + SIGNATURE_BYTES),
      publicKey: bytes.subarray(at + SIGNATURE_BYTES, at + FIXED_BYTES),
      message: bytes.subarray(at + FIXED_BYTES, end),
    })
    at = end
  }
  return items
}
