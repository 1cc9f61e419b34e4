/**
 * Proof-of-work: SHA-256 over the encoded header, with a target retargeted toward the
 * network's block time, and the heaviest cumulative work winning fork choice.
 *
 * A header meets difficulty D when SHA-256(header), read as a 256-bit big-endian number, is at
 * most (2^256 - 1) / D: on average D hashes must be tried, so D is also the block's work.
 */
import { createHash } from 'node:crypto'
import type { BlockHeader } from '../ledger/block.js'
import { blockHash, encodeHeader } from '../ledger/block.js'
import { bytesEqual, toHex } from '../encoding/bytes.js'
import type { ProofOfWorkConfig } from '../ledger/genesis.js'
import { compareByHeightThenHash, compareByWork, ConsensusError, type Consensus, type ConsensusStatus, type HeadCandidate, type PreparedFields } from './consensus.js'
import { ADJUSTMENT_QUOTIENT, MAX_COUNTED_INTERVALS, MAX_FUTURE_DRIFT_MS, POW_NONCE_BYTES } from './constants.js'

const MAX_HASH = (1n << 256n) - 1n

export function targetOf(difficulty: bigint): bigint {
  return MAX_HASH / difficulty
}

/** The target as 32 big-endian bytes, to compare with a hash without making a bigint. */
export function targetBytes(difficulty: bigint): Buffer {
  return Buffer.from(targetOf(difficulty).toString(16).padStart(64, '0'), 'hex')
}

export function meetsTarget(hash: Uint8Array, difficulty: bigint): boolean {
  return Buffer.compare(Buffer.from(hash.buffer, hash.byteOffset, hash.length), targetBytes(difficulty)) <= 0
}

/**
 * The difficulty of a block made at `timestamp` on `parent`: up by at most 1/8 when the
 * interval was zero, unchanged when it was the target, down by at most 1/4 when it was three
 * targets or longer (a linear step toward the target block time, computed in integers so that
 * every node gets the same answer), and never below the network's minimum.
 */
export function nextDifficulty(parent: BlockHeader, timestamp: number, targetBlockTimeMs: number, minimum: bigint): bigint {
  const target = BigInt(targetBlockTimeMs)
  let interval = BigInt(Math.max(0, timestamp - parent.timestamp))
  if (interval > target * MAX_COUNTED_INTERVALS) interval = target * MAX_COUNTED_INTERVALS
  let next = parent.difficulty + (parent.difficulty * (target - interval)) / (target * ADJUSTMENT_QUOTIENT)
  // Below 8 the step rounds to nothing: a fast block must still raise a tiny difficulty.
  if (interval < target && next === parent.difficulty) next += 1n
  return next > minimum ? next : minimum
}

/**
 * Tries `count` nonces from `startNonce` on an encoded header whose last 8 bytes are the
 * nonce. Returns the first nonce that meets `target` (32 big-endian bytes), if any.
 * The header prefix is hashed once; each attempt only adds the nonce to a copy of that state.
 */
export function searchNonce(encodedHeader: Uint8Array, target: Buffer, startNonce: bigint, count: number): bigint | undefined {
  const prefixLength = encodedHeader.length - POW_NONCE_BYTES
  const prefix = createHash('sha256').update(encodedHeader.subarray(0, prefixLength))
  const nonceBytes = Buffer.alloc(POW_NONCE_BYTES)
  for (let i = 0; i < count; i++) {
    const nonce = (startNonce + BigInt(i)) & 0xffff_ffff_ffff_ffffn
    nonceBytes.writeBigUInt64BE(nonce)
    if (Buffer.compare(prefix.copy().update(nonceBytes).digest(), target) <= 0) return nonce
  }
  return undefined
}

export function nonceSeal(nonce: bigint): Uint8Array {
  const seal = new Uint8Array(POW_NONCE_BYTES)
  new DataView(seal.buffer).setBigUint64(0, nonce)
  return seal
}

/** Seals a header on the calling thread; for tests and tools at tiny difficulties. */
export function sealSync(header: BlockHeader, maxAttempts = 10_000_000): BlockHeader {
  const unsealed = { ...header, seal: new Uint8Array(POW_NONCE_BYTES) }
  const nonce = searchNonce(encodeHeader(unsealed), targetBytes(header.difficulty), 0n, maxAttempts)
  if (nonce === undefined) throw new Error(`no seal found in ${maxAttempts} attempts at difficulty ${header.difficulty}`)
  return { ...unsealed, seal: nonceSeal(nonce) }
}

/** Something that finds seals off the main thread (see `PowMiner`). */
export interface SealSearcher {
  search(encodedHeader: Uint8Array, target: Buffer, signal: AbortSignal): Promise<bigint | undefined>
}

export class ProofOfWork implements Consensus {
  readonly type = 'pow'

  constructor(
    private readonly config: ProofOfWorkConfig,
    private readonly targetBlockTimeMs: number,
    private readonly searcher?: SealSearcher & { readonly hashes?: number; close?(): Promise<void> },
  ) {}

  /** The difficulty retargeting gives a block made at `timestamp` on `parent`. */
  difficultyAt(parent: BlockHeader, timestamp: number): bigint {
    return nextDifficulty(parent, timestamp, this.targetBlockTimeMs, this.config.minimumDifficulty)
  }

  prepare(parent: BlockHeader, _parentHash: Uint8Array, nowMs: number): PreparedFields {
    // A clock behind the parent's still makes a valid block: one millisecond after it.
    const timestamp = Math.max(nowMs, parent.timestamp + 1)
    return { timestamp, difficulty: this.difficultyAt(parent, timestamp), seal: new Uint8Array(POW_NONCE_BYTES) }
  }

  checkSeal(header: BlockHeader, hash: Uint8Array): void {
    if (header.seal.length !== POW_NONCE_BYTES) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_SEAL', `seal of ${header.seal.length} bytes, expected ${POW_NONCE_BYTES}`)
    }
    if (header.extra !== undefined && header.extra.length > 0) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_EXTRA', `proof-of-work headers carry no extra data, got ${header.extra.length} bytes`)
    }
    // A difficulty of zero has no target at all: refused before anything divides by it.
    if (header.difficulty < 1n || !meetsTarget(hash, header.difficulty)) {
      throw new ConsensusError('CONSENSUS_ERROR_INSUFFICIENT_WORK', `hash above the target of difficulty ${header.difficulty}`)
    }
  }

  validateLink(header: BlockHeader, parent: BlockHeader, nowMs: number): void {
    if (header.height !== parent.height + 1) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_HEIGHT', `height ${header.height} on a parent at ${parent.height}`)
    }
    const parentHash = blockHash(parent)
    if (!bytesEqual(header.parentHash, parentHash)) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_PARENT', `parent ${toHex(header.parentHash)} is not ${toHex(parentHash)}`)
    }
    if (header.timestamp <= parent.timestamp) {
      throw new ConsensusError('CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT', `timestamp ${header.timestamp} not after ${parent.timestamp}`)
    }
    if (header.timestamp > nowMs + MAX_FUTURE_DRIFT_MS) {
      throw new ConsensusError('CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE', `timestamp ${header.timestamp} is ${header.timestamp - nowMs} ms ahead`)
    }
    const expected = this.difficultyAt(parent, header.timestamp)
    if (header.difficulty !== expected) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_DIFFICULTY', `difficulty ${header.difficulty}, expected ${expected}`)
    }
    this.checkSeal(header, blockHash(header))
  }

  /** Proof-of-work reads nothing beyond the parent: the whole check is `validateLink`. */
  validateHeader(header: BlockHeader, parent: BlockHeader, nowMs: number): void {
    this.validateLink(header, parent, nowMs)
  }

  async seal(header: BlockHeader, signal: AbortSignal): Promise<BlockHeader | undefined> {
    if (this.searcher === undefined) return sealSync(header)
    const unsealed = { ...header, seal: new Uint8Array(POW_NONCE_BYTES) }
    const nonce = await this.searcher.search(encodeHeader(unsealed), targetBytes(header.difficulty), signal)
    return nonce === undefined ? undefined : { ...unsealed, seal: nonceSeal(nonce) }
  }

  work(header: BlockHeader): bigint {
    return header.difficulty
  }

  /** The most work, then the lower height, then the lower hash (no miner chooses its hash). */
  compareHeads(a: HeadCandidate, b: HeadCandidate): number {
    return compareByWork(a, b, compareByHeightThenHash)
  }

  noteSealed(): undefined {
    return undefined
  }

  status(): ConsensusStatus {
    return { type: 'pow', hashes: this.searcher?.hashes ?? 0 }
  }

  async close(): Promise<void> {
    await this.searcher?.close?.()
  }
}
