/**
 * The `Consensus` interface: what the chain, the downloader and the node ask of any agreement
 * rule. Proof-of-work (`pow.ts`) and proof-of-authority (`poa/`) implement it; nothing outside
 * `src/consensus` names either of them (docs/consensus.md).
 */
import { ChainError } from '../errors.js'
import type { BlockHeader } from '../ledger/block.js'

export type ConsensusErrorCode =
  | 'CONSENSUS_ERROR_BAD_HEIGHT' // height is not the parent's plus one
  | 'CONSENSUS_ERROR_BAD_PARENT' // parentHash is not the parent's hash
  | 'CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT' // timestamp not later than the parent's (PoA: by a block period)
  | 'CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE' // timestamp too far ahead of this node's clock
  | 'CONSENSUS_ERROR_BAD_DIFFICULTY' // difficulty is not what retargeting (PoW) or the signer's turn (PoA) gives
  | 'CONSENSUS_ERROR_BAD_SEAL' // seal of the wrong length for this consensus
  | 'CONSENSUS_ERROR_INSUFFICIENT_WORK' // the header's hash does not meet its target (PoW)
  | 'CONSENSUS_ERROR_BAD_EXTRA' // extra data this consensus does not allow here (a vote on a checkpoint, any extra on PoW)
  | 'CONSENSUS_ERROR_CHECKPOINT_MISMATCH' // a checkpoint's signer list is not the signer set (PoA)
  | 'CONSENSUS_ERROR_UNKNOWN_SIGNER' // the producer is not a signer at the parent (PoA)
  | 'CONSENSUS_ERROR_RECENTLY_SIGNED' // the signer sealed one of the last floor(N/2) blocks (PoA)
  | 'CONSENSUS_ERROR_BAD_SIGNATURE' // the seal is not the producer's signature of the header (PoA)
  | 'CONSENSUS_ERROR_MISSING_ANCESTOR' // an ancestor the check needs is not stored (PoA's signer set)

export class ConsensusError extends ChainError<ConsensusErrorCode, { detail: string }> {
  constructor(code: ConsensusErrorCode, detail: string) {
    super(code, { detail }, `invalid header: ${detail}`)
  }
}

/** Stored headers by hash: what a consensus may read of a header's ancestors. */
export interface HeaderReader {
  header(hash: Uint8Array): BlockHeader | undefined
}

/** A block that could be the head, with its branch's cumulative weight. */
export interface HeadCandidate {
  readonly hash: Uint8Array
  readonly header: BlockHeader
  readonly totalWork: bigint
}

/** The consensus fields of a new block, chosen before its transactions are executed. */
export interface PreparedFields {
  readonly timestamp: number
  readonly difficulty: bigint
  readonly extra?: Uint8Array
  /** A placeholder of the seal's final length, so the block's size is known before sealing. */
  readonly seal: Uint8Array
}

/** What `chain status` shows of the consensus. */
export interface ConsensusStatus {
  readonly type: 'pow' | 'poa'
  /** Proof-of-authority: signers at the head, and whether this node's identity is one of them. */
  readonly signers?: number
  readonly isSigner?: boolean
  /** Proof-of-work: hashes this node's miner has tried since it started. */
  readonly hashes?: number
}

/** A signer's vote as `chain signers` shows it. */
export interface PendingVote {
  readonly voter: Uint8Array
  readonly target: Uint8Array
  readonly add: boolean
}

/** Proof-of-authority's signer set and votes, for `chain signers` (absent on proof-of-work). */
export interface SignerGovernance {
  /** The signers (public keys, in turn order) at `head`, and the votes pending there. */
  signersAt(head: HeadCandidate, ancestors: HeaderReader): { readonly signers: readonly Uint8Array[]; readonly votes: readonly PendingVote[] }
  /** Makes this node vote for the change in the headers it seals, replacing any proposal on the same key. */
  propose(target: Uint8Array, add: boolean): void
  /** This node's proposals, still voted whenever they would change something. */
  proposals(): readonly { readonly target: Uint8Array; readonly add: boolean }[]
  /** This node's signing key, if it has one. */
  readonly signerKey: Uint8Array | undefined
}

export interface Consensus {
  readonly type: 'pow' | 'poa'
  readonly governance?: SignerGovernance

  /**
   * The consensus fields of a block to build on `parent` (whose hash is `parentHash`) at or
   * after `nowMs`: the timestamp it will carry, its difficulty, extra data and seal placeholder.
   */
  prepare(parent: BlockHeader, parentHash: Uint8Array, nowMs: number, ancestors: HeaderReader): PreparedFields

  /**
   * The checks a header passes on its own, before anything else is read: proof-of-work's hash
   * meets the header's difficulty; proof-of-authority's seal and difficulty have their shapes.
   * Cheap, so a downloader runs it on every header it receives. Throws `ConsensusError`.
   */
  checkSeal(header: BlockHeader, hash: Uint8Array): void

  /**
   * The checks that need only the parent: height, link, timestamp bounds (after the parent, at
   * most a bounded drift ahead of `nowMs`), and whatever the consensus derives from the parent
   * alone. A downloader runs them inside a batch of headers whose older ancestors it lacks.
   * Throws `ConsensusError`.
   */
  validateLink(header: BlockHeader, parent: BlockHeader, nowMs: number): void

  /**
   * Every check of a header: `checkSeal`, `validateLink`, and those that read further
   * ancestors (proof-of-authority's signer set, turn and recency). The chain runs it before
   * importing a block. Throws `ConsensusError`.
   */
  validateHeader(header: BlockHeader, parent: BlockHeader, nowMs: number, ancestors: HeaderReader): void

  /**
   * Seals a prepared header (everything else filled in). Resolves with the sealed header, or
   * `undefined` when `signal` aborts first (a new head arrived) or this node may not seal on
   * this parent; proof-of-authority waits for the header's time and its turn's stagger here.
   */
  seal(header: BlockHeader, signal: AbortSignal, ancestors: HeaderReader): Promise<BlockHeader | undefined>

  /** The weight one block adds to its branch. */
  work(header: BlockHeader): bigint

  /**
   * Fork choice as a total order: positive when `a` should be the head rather than `b`,
   * negative for the reverse, zero only for the same block. The most total work first, then
   * the consensus's own deterministic tie-breaks (never "first seen": the order blocks arrive
   * in differs between nodes, and a tie kept that way split proof-of-authority networks).
   */
  compareHeads(a: HeadCandidate, b: HeadCandidate, ancestors: HeaderReader): number

  /**
   * Remembers who sealed `header` and returns the hash of an earlier, different block the same
   * sealer sealed at the same height, if this consensus forbids that (proof-of-authority's
   * equivocation). Proof-of-work miners may find two blocks at one height: never an offence.
   */
  noteSealed(header: BlockHeader, hash: Uint8Array): Uint8Array | undefined

  status(head: HeadCandidate, ancestors: HeaderReader): ConsensusStatus

  /** Stops whatever the consensus runs for sealing (proof-of-work's mining thread). */
  close(): Promise<void>
}

/** The tie-breaks every consensus ends with: the lower height, then the lower hash. */
export function compareByHeightThenHash(a: HeadCandidate, b: HeadCandidate): number {
  if (a.header.height !== b.header.height) return b.header.height - a.header.height
  return Buffer.compare(b.hash, a.hash)
}

/** Orders by total work, then by `tieBreak`. */
export function compareByWork(a: HeadCandidate, b: HeadCandidate, tieBreak: (a: HeadCandidate, b: HeadCandidate) => number): number {
  if (a.totalWork !== b.totalWork) return a.totalWork > b.totalWork ? 1 : -1
  return tieBreak(a, b)
}
