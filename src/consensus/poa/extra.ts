/**
 * Proof-of-authority's header `extra` (docs/consensus.md, "Headers"):
 *   - on a checkpoint (height a multiple of the epoch): the signers' public keys, 32 bytes
 *     each, sorted, nothing else;
 *   - on any other block: nothing, or a vote: the target's public key and one byte, 1 to add
 *     it as a signer, 0 to remove it.
 * Public keys, not participant ids: Ed25519 cannot recover a key from a signature, and ids are
 * hashes of keys, so the signer set must carry the keys that verify the seals.
 */
import { PUBLIC_KEY_BYTES } from '../../crypto/ed25519.js'
import { concatBytes } from '../../encoding/bytes.js'
import { compareKeys } from '../../ledger/genesis.js'
import { MAX_SIGNERS } from '../../ledger/constants.js'
import { ConsensusError } from '../consensus.js'

export interface Vote {
  /** Public key of the signer voted on. */
  readonly target: Uint8Array
  /** Add it to the signers (true) or remove it (false). */
  readonly add: boolean
}

const VOTE_BYTES = PUBLIC_KEY_BYTES + 1
const VOTE_ADD = 1
const VOTE_REMOVE = 0

export function encodeVote(vote: Vote): Uint8Array {
  return concatBytes(vote.target, Uint8Array.of(vote.add ? VOTE_ADD : VOTE_REMOVE))
}

/** The vote a non-checkpoint header carries, if any. Throws CONSENSUS_ERROR_BAD_EXTRA. */
export function decodeVote(extra: Uint8Array | undefined): Vote | undefined {
  if (extra === undefined || extra.length === 0) return undefined
  const flag = extra[PUBLIC_KEY_BYTES]
  if (extra.length !== VOTE_BYTES || (flag !== VOTE_ADD && flag !== VOTE_REMOVE)) {
    throw new ConsensusError('CONSENSUS_ERROR_BAD_EXTRA', `expected no extra or a vote of ${VOTE_BYTES} bytes ending in 0 or 1, got ${extra.length} bytes`)
  }
  return { target: extra.subarray(0, PUBLIC_KEY_BYTES), add: flag === VOTE_ADD }
}

export function encodeCheckpoint(signers: readonly Uint8Array[]): Uint8Array {
  return concatBytes(...signers)
}

/** The signer list of a checkpoint header. Throws CONSENSUS_ERROR_BAD_EXTRA. */
export function decodeCheckpoint(extra: Uint8Array | undefined): Uint8Array[] {
  const length = extra?.length ?? 0
  if (extra === undefined || length === 0 || length % PUBLIC_KEY_BYTES !== 0 || length / PUBLIC_KEY_BYTES > MAX_SIGNERS) {
    throw new ConsensusError(
      'CONSENSUS_ERROR_BAD_EXTRA',
      `a checkpoint lists 1 to ${MAX_SIGNERS} signers of ${PUBLIC_KEY_BYTES} bytes and nothing else (no vote), got ${length} bytes`,
    )
  }
  const signers: Uint8Array[] = []
  for (let at = 0; at < length; at += PUBLIC_KEY_BYTES) signers.push(extra.subarray(at, at + PUBLIC_KEY_BYTES))
  for (let i = 1; i < signers.length; i++) {
    if (compareKeys(signers[i - 1]!, signers[i]!) >= 0) throw new ConsensusError('CONSENSUS_ERROR_BAD_EXTRA', 'a checkpoint lists its signers sorted, each once')
  }
  return signers
}
