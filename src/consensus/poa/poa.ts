/**
 * Proof-of-authority, Clique-style (EIP-225) with EIP-3436's fork choice: a fixed set of
 * Ed25519 signers, changed by votes in headers, takes turns to seal blocks a block period apart
 * (docs/consensus.md).
 *
 * A block at height h on a parent whose snapshot lists N signers is valid when its producer is
 * one of them, has sealed none of the previous floor(N/2) blocks, carries difficulty 2 if
 * `h % N` is its index (in turn) and 1 otherwise, is at least a period after its parent, and its
 * seal is the producer's signature of the rest of the header. The signer set comes from
 * headers alone (`snapshot.ts`); the recency rule reads the producers of the last few headers
 * directly, so no cached list of recent signers can go wrong at a checkpoint (the bug that split
 * Rinkeby, go-ethereum #17593).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { keySigner, publicKeyOf, sign, SIGNATURE_BYTES, verify } from '../../crypto/ed25519.js'
import { domainTag, sha256 } from '../../crypto/hash.js'
import { participantIdOf } from '../../crypto/identity.js'
import { bytesEqual, toHex } from '../../encoding/bytes.js'
import { blockHash, encodeHeader, type BlockHeader } from '../../ledger/block.js'
import type { ProofOfAuthorityConfig } from '../../ledger/genesis.js'
import {
  compareByHeightThenHash,
  compareByWork,
  ConsensusError,
  type Consensus,
  type ConsensusStatus,
  type HeadCandidate,
  type HeaderReader,
  type PendingVote,
  type PreparedFields,
  type SignerGovernance,
} from '../consensus.js'
import {
  MAX_FUTURE_DRIFT_MS,
  POA_EQUIVOCATION_WINDOW_BLOCKS,
  POA_IN_TURN_DIFFICULTY,
  POA_OUT_OF_TURN_DIFFICULTY,
  POA_OUT_OF_TURN_STAGGER_MS,
  POA_SNAPSHOT_CACHE_SIZE,
} from '../constants.js'
import { decodeCheckpoint, decodeVote, encodeCheckpoint, encodeVote, type Vote } from './extra.js'
import { SignerSnapshot } from './snapshot.js'

const SEAL_TAG = domainTag('poa-seal')

/** What a signer signs: the header with an empty seal, domain-separated from every other hash. */
export function sealMessage(header: BlockHeader): Uint8Array {
  return sha256(SEAL_TAG, encodeHeader({ ...header, seal: new Uint8Array(0) }))
}

/** Seals `header` with `secretKey` at once: for tests, benchmarks and the node's sealing. */
export function signHeader(header: BlockHeader, secretKey: Uint8Array): BlockHeader {
  return { ...header, seal: sign(secretKey, sealMessage(header)) }
}

export interface ProofOfAuthorityInit {
  /** This node's identity's secret key: it seals when that key is a signer. */
  readonly signerKey?: Uint8Array
  /** The clock sealing waits on; a parameter for tests. */
  readonly now?: () => number
}

export class ProofOfAuthority implements Consensus, SignerGovernance {
  readonly type = 'poa'
  readonly governance: SignerGovernance = this
  readonly signerKey: Uint8Array | undefined
  private readonly signMessage: ((message: Uint8Array) => Uint8Array) | undefined
  private readonly genesisSnapshot: SignerSnapshot
  /** Snapshots after a block, by its hash (insertion order: oldest first out). */
  private readonly snapshots = new Map<string, SignerSnapshot>()
  private readonly proposed = new Map<string, Vote>()
  /** Who sealed which block at each recent height: producer id → block hash, both in hex. */
  private readonly sealers = new Map<number, Map<string, string>>()
  private highestSealed = 0
  private readonly now: () => number

  constructor(
    private readonly config: ProofOfAuthorityConfig,
    private readonly periodMs: number,
    init: ProofOfAuthorityInit = {},
  ) {
    this.genesisSnapshot = SignerSnapshot.checkpoint(config.signers)
    this.signMessage = init.signerKey === undefined ? undefined : keySigner(init.signerKey)
    this.signerKey = init.signerKey === undefined ? undefined : publicKeyOf(init.signerKey)
    this.now = init.now ?? Date.now
  }

  private isCheckpoint(height: number): boolean {
    return height % this.config.epoch === 0
  }

  /**
   * The signer set and votes after the block `hash` (whose header is `header`): read back
   * through its ancestors to a cached snapshot, a checkpoint or genesis, then each block's vote
   * applied forward. Throws CONSENSUS_ERROR_MISSING_ANCESTOR when an ancestor is not stored.
   */
  snapshotAfter(hash: Uint8Array, header: BlockHeader, ancestors: HeaderReader): SignerSnapshot {
    const path: BlockHeader[] = []
    let cursor = header
    let cursorHash = hash
    let base: SignerSnapshot
    for (;;) {
      const cached = this.snapshots.get(toHex(cursorHash))
      if (cached !== undefined) {
        base = cached
        break
      }
      if (cursor.height === 0) {
        base = this.genesisSnapshot
        break
      }
      if (this.isCheckpoint(cursor.height)) {
        base = SignerSnapshot.checkpoint(decodeCheckpoint(cursor.extra))
        break
      }
      path.push(cursor)
      const parent = ancestors.header(cursor.parentHash)
      if (parent === undefined) {
        throw new ConsensusError('CONSENSUS_ERROR_MISSING_ANCESTOR', `block ${cursor.height - 1} (${toHex(cursor.parentHash)}) is not stored`)
      }
      cursorHash = cursor.parentHash
      cursor = parent
    }
    let snapshot = base
    for (let i = path.length - 1; i >= 0; i--) snapshot = applyBlock(snapshot, path[i]!)
    this.remember(hash, snapshot)
    return snapshot
  }

  private remember(hash: Uint8Array, snapshot: SignerSnapshot): void {
    const key = toHex(hash)
    this.snapshots.delete(key)
    this.snapshots.set(key, snapshot)
    if (this.snapshots.size > POA_SNAPSHOT_CACHE_SIZE) this.snapshots.delete(this.snapshots.keys().next().value!)
  }

  private snapshotOfParent(header: BlockHeader, ancestors: HeaderReader): SignerSnapshot {
    const parent = ancestors.header(header.parentHash)
    if (parent === undefined) {
      throw new ConsensusError('CONSENSUS_ERROR_MISSING_ANCESTOR', `parent ${toHex(header.parentHash)} of block ${header.height} is not stored`)
    }
    return this.snapshotAfter(header.parentHash, parent, ancestors)
  }

  /**
   * The producers (ids, in hex) of the `window - 1` blocks up to and including `parentHash`:
   * the signers that may not seal the next block (EIP-225's recency rule).
   */
  private recentProducers(parentHash: Uint8Array, window: number, ancestors: HeaderReader): Set<string> {
    const recent = new Set<string>()
    let hash = parentHash
    for (let back = 1; back < window; back++) {
      const header = ancestors.header(hash)
      if (header === undefined) throw new ConsensusError('CONSENSUS_ERROR_MISSING_ANCESTOR', `block ${toHex(hash)} is not stored`)
      if (header.height === 0) break
      recent.add(toHex(header.producer))
      hash = header.parentHash
    }
    return recent
  }

  prepare(parent: BlockHeader, parentHash: Uint8Array, nowMs: number, ancestors: HeaderReader): PreparedFields {
    const snapshot = this.snapshotAfter(parentHash, parent, ancestors)
    const height = parent.height + 1
    const index = this.signerKey === undefined ? undefined : snapshot.indexOfKey(this.signerKey)
    const inTurn = index !== undefined && snapshot.isInTurn(height, index)
    const extra = this.isCheckpoint(height) ? encodeCheckpoint(snapshot.signers) : this.pickVote(snapshot)
    return {
      timestamp: Math.max(nowMs, parent.timestamp + this.periodMs),
      difficulty: inTurn ? POA_IN_TURN_DIFFICULTY : POA_OUT_OF_TURN_DIFFICULTY,
      ...(extra === undefined ? {} : { extra }),
      seal: new Uint8Array(SIGNATURE_BYTES),
    }
  }

  /** The proposal to vote in the next block: one that counts, ours not already pending first. */
  private pickVote(snapshot: SignerSnapshot): Uint8Array | undefined {
    const counting = [...this.proposed.values()].filter((vote) => snapshot.counts(vote))
    const pending = (vote: Vote): boolean =>
      snapshot.votes.some((v) => v.add === vote.add && bytesEqual(v.target, vote.target) && this.signerKey !== undefined && bytesEqual(v.voter, this.signerKey))
    const vote = counting.find((v) => !pending(v)) ?? counting[0]
    return vote === undefined ? undefined : encodeVote(vote)
  }

  checkSeal(header: BlockHeader): void {
    if (header.seal.length !== SIGNATURE_BYTES) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_SEAL', `seal of ${header.seal.length} bytes, expected a ${SIGNATURE_BYTES}-byte signature`)
    }
    if (header.difficulty !== POA_IN_TURN_DIFFICULTY && header.difficulty !== POA_OUT_OF_TURN_DIFFICULTY) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_DIFFICULTY', `difficulty ${header.difficulty}, expected ${POA_IN_TURN_DIFFICULTY} or ${POA_OUT_OF_TURN_DIFFICULTY}`)
    }
    if (this.isCheckpoint(header.height)) decodeCheckpoint(header.extra)
    else decodeVote(header.extra)
  }

  validateLink(header: BlockHeader, parent: BlockHeader, nowMs: number): void {
    if (header.height !== parent.height + 1) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_HEIGHT', `height ${header.height} on a parent at ${parent.height}`)
    }
    const parentHash = blockHash(parent)
    if (!bytesEqual(header.parentHash, parentHash)) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_PARENT', `parent ${toHex(header.parentHash)} is not ${toHex(parentHash)}`)
    }
    if (header.timestamp < parent.timestamp + this.periodMs) {
      throw new ConsensusError('CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT', `timestamp ${header.timestamp} is less than a period (${this.periodMs} ms) after ${parent.timestamp}`)
    }
    if (header.timestamp > nowMs + MAX_FUTURE_DRIFT_MS) {
      throw new ConsensusError('CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE', `timestamp ${header.timestamp} is ${header.timestamp - nowMs} ms ahead`)
    }
    this.checkSeal(header)
  }

  validateHeader(header: BlockHeader, parent: BlockHeader, nowMs: number, ancestors: HeaderReader): void {
    this.validateLink(header, parent, nowMs)
    const snapshot = this.snapshotAfter(header.parentHash, parent, ancestors)
    if (this.isCheckpoint(header.height)) {
      const listed = decodeCheckpoint(header.extra)
      if (listed.length !== snapshot.count || listed.some((key, i) => !bytesEqual(key, snapshot.signers[i]!))) {
        throw new ConsensusError('CONSENSUS_ERROR_CHECKPOINT_MISMATCH', `checkpoint ${header.height} lists ${listed.length} signers that are not the ${snapshot.count} of its parent`)
      }
    }
    const index = snapshot.indexOfId(header.producer)
    if (index === undefined) throw new ConsensusError('CONSENSUS_ERROR_UNKNOWN_SIGNER', `producer ${toHex(header.producer)} is not a signer at block ${parent.height}`)
    if (this.recentProducers(header.parentHash, snapshot.recencyWindow, ancestors).has(toHex(header.producer))) {
      throw new ConsensusError('CONSENSUS_ERROR_RECENTLY_SIGNED', `signer ${index} sealed one of the last ${snapshot.recencyWindow - 1} blocks`)
    }
    const expected = snapshot.isInTurn(header.height, index) ? POA_IN_TURN_DIFFICULTY : POA_OUT_OF_TURN_DIFFICULTY
    if (header.difficulty !== expected) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_DIFFICULTY', `difficulty ${header.difficulty}, expected ${expected} (signer ${index} of ${snapshot.count} at height ${header.height})`)
    }
    if (!verify(header.seal, sealMessage(header), snapshot.signers[index]!)) {
      throw new ConsensusError('CONSENSUS_ERROR_BAD_SIGNATURE', `the seal is not signer ${index}'s signature of the header`)
    }
  }

  /**
   * Waits for the header's time (and, out of turn, a stagger by place in line), then signs.
   * Resolves `undefined` at once when this node may not seal on this parent, or when `signal`
   * aborts (a new head: the caller prepares again on it).
   */
  async seal(header: BlockHeader, signal: AbortSignal, ancestors: HeaderReader): Promise<BlockHeader | undefined> {
    const delay = this.sealDelay(header, ancestors)
    if (delay === undefined || this.signMessage === undefined) return undefined
    try {
      await sleep(delay, undefined, { signal })
    } catch {
      return undefined
    }
    if (signal.aborted) return undefined
    return { ...header, seal: this.signMessage(sealMessage(header)) }
  }

  /**
   * How long from now this node should wait before sealing `header`, or `undefined` if it may
   * not seal it (not a signer, or sealed too recently). Out of turn it waits one stagger for
   * each signer that may seal and was in turn more recently (EIP-3436's third rule, so the
   * block that fork choice would prefer is also the one made first).
   */
  sealDelay(header: BlockHeader, ancestors: HeaderReader): number | undefined {
    if (this.signerKey === undefined || !bytesEqual(header.producer, participantIdOf(this.signerKey))) return undefined
    const snapshot = this.snapshotOfParent(header, ancestors)
    const index = snapshot.indexOfKey(this.signerKey)
    if (index === undefined) return undefined
    const recent = this.recentProducers(header.parentHash, snapshot.recencyWindow, ancestors)
    const eligible = snapshot.signers
      .map((key, i) => ({ i, key, distance: snapshot.turnDistance(header.height, i) }))
      .filter(({ key }) => !recent.has(toHex(participantIdOf(key))))
    if (!eligible.some(({ i }) => i === index)) return undefined
    const mine = snapshot.turnDistance(header.height, index)
    const ahead = eligible.filter(({ distance }) => distance < mine).length
    return Math.max(0, header.timestamp - this.now()) + ahead * POA_OUT_OF_TURN_STAGGER_MS
  }

  work(header: BlockHeader): bigint {
    return header.difficulty
  }

  /**
   * EIP-3436: the most total difficulty, then the lower height, then the producer that was in
   * turn most recently (smallest `(height - index) mod N`), then the lower hash.
   */
  compareHeads(a: HeadCandidate, b: HeadCandidate, ancestors: HeaderReader): number {
    return compareByWork(a, b, (x, y) => {
      if (x.header.height !== y.header.height) return compareByHeightThenHash(x, y)
      const distance = this.turnDistanceOf(y, ancestors) - this.turnDistanceOf(x, ancestors)
      return distance !== 0 ? distance : compareByHeightThenHash(x, y)
    })
  }

  private turnDistanceOf(candidate: HeadCandidate, ancestors: HeaderReader): number {
    if (candidate.header.height === 0) return 0
    const snapshot = this.snapshotOfParent(candidate.header, ancestors)
    const index = snapshot.indexOfId(candidate.header.producer)
    return index === undefined ? snapshot.count : snapshot.turnDistance(candidate.header.height, index)
  }

  noteSealed(header: BlockHeader, hash: Uint8Array): Uint8Array | undefined {
    if (header.height === 0 || header.height + POA_EQUIVOCATION_WINDOW_BLOCKS < this.highestSealed) return undefined
    let atHeight = this.sealers.get(header.height)
    if (atHeight === undefined) {
      atHeight = new Map()
      this.sealers.set(header.height, atHeight)
    }
    const producer = toHex(header.producer)
    const earlier = atHeight.get(producer)
    if (earlier === undefined) atHeight.set(producer, toHex(hash))
    if (header.height > this.highestSealed) {
      this.highestSealed = header.height
      for (const height of this.sealers.keys()) {
        if (height + POA_EQUIVOCATION_WINDOW_BLOCKS < this.highestSealed) this.sealers.delete(height)
      }
    }
    return earlier === undefined || earlier === toHex(hash) ? undefined : Buffer.from(earlier, 'hex')
  }

  status(head: HeadCandidate, ancestors: HeaderReader): ConsensusStatus {
    const snapshot = this.snapshotAfter(head.hash, head.header, ancestors)
    return { type: 'poa', signers: snapshot.count, isSigner: this.signerKey !== undefined && snapshot.indexOfKey(this.signerKey) !== undefined }
  }

  signersAt(head: HeadCandidate, ancestors: HeaderReader): { signers: readonly Uint8Array[]; votes: readonly PendingVote[] } {
    const snapshot = this.snapshotAfter(head.hash, head.header, ancestors)
    return { signers: snapshot.signers, votes: snapshot.votes }
  }

  propose(target: Uint8Array, add: boolean): void {
    this.proposed.set(toHex(target), { target, add })
  }

  proposals(): readonly Vote[] {
    return [...this.proposed.values()]
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}

/** The snapshot after `header` (not a checkpoint) on `parent`'s: its producer's vote cast. */
function applyBlock(parent: SignerSnapshot, header: BlockHeader): SignerSnapshot {
  const vote = decodeVote(header.extra)
  if (vote === undefined) return parent
  const index = parent.indexOfId(header.producer)
  if (index === undefined) {
    throw new ConsensusError('CONSENSUS_ERROR_UNKNOWN_SIGNER', `producer ${toHex(header.producer)} of stored block ${header.height} is not a signer`)
  }
  return parent.cast(parent.signers[index]!, vote)
}
