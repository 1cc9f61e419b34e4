/**
 * The signer set at one block and the votes pending on it (EIP-225's snapshot), as a pure
 * value: applying a block's vote returns a new snapshot. Derived from headers alone, so a node
 * checks who may seal without executing a single transaction.
 *
 * Voting rules (EIP-225): a signer's vote on a target replaces its earlier vote on that target;
 * a vote that would change nothing (adding a signer, removing a non-signer) is not counted; a
 * change passes when more than half of the signers vote for it, and then every vote on that
 * target is dropped, and a removed signer's own votes with it. Other pending changes are not
 * re-counted when the set shrinks (no cascades): they pass on their next vote.
 * One departure: a vote to remove the last signer is not counted, since a network with no
 * signer can never make another block (geth let it pass; go-ethereum PR #17621 then had to
 * stop the division by zero that followed).
 */
import { bytesEqual, toHex } from '../../encoding/bytes.js'
import { participantIdOf } from '../../crypto/identity.js'
import { compareKeys } from '../../ledger/genesis.js'
import type { Vote } from './extra.js'

export interface CastVote extends Vote {
  /** Public key of the signer who voted. */
  readonly voter: Uint8Array
}

export class SignerSnapshot {
  private readonly byId: ReadonlyMap<string, number>

  /** `signers` sorted by their bytes: index `height % N` is in turn. */
  constructor(
    readonly signers: readonly Uint8Array[],
    readonly votes: readonly CastVote[] = [],
  ) {
    this.byId = new Map(signers.map((key, index) => [toHex(participantIdOf(key)), index]))
  }

  get count(): number {
    return this.signers.length
  }

  /** Blocks in a row of which a signer may seal at most one: floor(N/2) + 1. */
  get recencyWindow(): number {
    return Math.floor(this.count / 2) + 1
  }

  /** The index of the signer whose participant id is `id` (a header's producer), if any. */
  indexOfId(id: Uint8Array): number | undefined {
    return this.byId.get(toHex(id))
  }

  indexOfKey(key: Uint8Array): number | undefined {
    const index = this.signers.findIndex((signer) => bytesEqual(signer, key))
    return index < 0 ? undefined : index
  }

  isInTurn(height: number, index: number): boolean {
    return height % this.count === index
  }

  /**
   * How many blocks ago signer `index` was last in turn, as of `height` (0: in turn now).
   * The out-of-turn stagger and fork choice's third rule (EIP-3436) both prefer the smaller.
   */
  turnDistance(height: number, index: number): number {
    return (((height - index) % this.count) + this.count) % this.count
  }

  /** Whether a vote would change something if it passed (else it is not counted). */
  counts(vote: Vote): boolean {
    const isSigner = this.indexOfKey(vote.target) !== undefined
    if (vote.add) return !isSigner
    return isSigner && this.count > 1
  }

  /** Votes pending for `vote`'s change (cast by current signers). */
  tally(vote: Vote): number {
    return this.votes.filter((v) => v.add === vote.add && bytesEqual(v.target, vote.target)).length
  }

  /** The snapshot after `voter` (a signer) casts `vote` in a block it sealed. */
  cast(voter: Uint8Array, vote: Vote): SignerSnapshot {
    const others = this.votes.filter((v) => !(bytesEqual(v.voter, voter) && bytesEqual(v.target, vote.target)))
    if (!this.counts(vote)) return new SignerSnapshot(this.signers, others)
    const votes = [...others, { voter, target: vote.target, add: vote.add }]
    const after = new SignerSnapshot(this.signers, votes)
    if (after.tally(vote) * 2 <= this.count) return after
    const remaining = votes.filter((v) => !bytesEqual(v.target, vote.target))
    if (vote.add) return new SignerSnapshot([...this.signers, vote.target].sort(compareKeys), remaining)
    return new SignerSnapshot(
      this.signers.filter((key) => !bytesEqual(key, vote.target)),
      remaining.filter((v) => !bytesEqual(v.voter, vote.target)),
    )
  }

  /** A checkpoint's snapshot: its listed signers, no votes. */
  static checkpoint(signers: readonly Uint8Array[]): SignerSnapshot {
    return new SignerSnapshot(signers, [])
  }
}
