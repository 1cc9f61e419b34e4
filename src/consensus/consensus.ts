/**
 * The `Consensus` interface: what the chain asks of any agreement rule. Proof-of-work
 * implements it today; proof-of-authority is planned beside it, which is why the chain never
 * calls proof-of-work directly.
 */
import { ChainError } from '../errors.js'
import type { BlockHeader } from '../ledger/block.js'

export type ConsensusErrorCode =
  | 'CONSENSUS_ERROR_BAD_HEIGHT' // height is not the parent's plus one
  | 'CONSENSUS_ERROR_BAD_PARENT' // parentHash is not the parent's hash
  | 'CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT' // timestamp not later than the parent's
  | 'CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE' // timestamp too far ahead of this node's clock
  | 'CONSENSUS_ERROR_BAD_DIFFICULTY' // difficulty is not what retargeting gives
  | 'CONSENSUS_ERROR_BAD_SEAL' // seal of the wrong length for this consensus
  | 'CONSENSUS_ERROR_INSUFFICIENT_WORK' // the header's hash does not meet its target

export class ConsensusError extends ChainError<ConsensusErrorCode, { detail: string }> {
  constructor(code: ConsensusErrorCode, detail: string) {
    super(code, { detail }, `invalid header: ${detail}`)
  }
}

export interface Consensus {
  /** The consensus fields of a new block on `parent` made at `timestamp`, before sealing. */
  prepare(parent: BlockHeader, timestamp: number): { difficulty: bigint }

  /**
   * Checks a header against its parent: height, parent hash, timestamp bounds (after the
   * parent, at most a bounded drift ahead of `nowMs`), consensus fields and seal.
   * Throws `ConsensusError`.
   */
  validateHeader(header: BlockHeader, parent: BlockHeader, nowMs: number): void

  /**
   * Finds the seal of `header` (everything else filled in). Resolves with the sealed header,
   * or `undefined` when `signal` aborts first (a better block arrived).
   */
  seal(header: BlockHeader, signal: AbortSignal): Promise<BlockHeader | undefined>

  /** The weight of one block for fork choice: the chain with the most total weight wins. */
  work(header: BlockHeader): bigint
}
