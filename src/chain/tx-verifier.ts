/**
 * The one path by which the node checks transaction signatures: block import, gossip and RPC
 * admission all come here, and from here the signatures go to the verify pool in batches
 * (src/crypto/verify-pool).
 *
 * Each signature is checked once. A transaction whose signatures held is remembered by its
 * hash, in a cache bounded in bytes: the hash is SHA-256 of the whole encoding, signature
 * included, so the same hash is the same bytes and the same answer on this node's one network.
 * A transaction being checked is not sent again either: a second caller waits for the first
 * check. So a transaction admitted to the mempool is not verified again when a block (this
 * node's own or a peer's) includes it, and the sync can start the checks of the next block
 * while the current one executes.
 */
import type { BatchVerifier } from '../crypto/verify-pool/pool.js'
import { badTransaction, transactionHashes } from '../ledger/block.js'
import { transactionSignatures, type Transaction, type TxError } from '../ledger/transaction.js'
import { bytesKey } from '../encoding/bytes.js'
import { VERIFIED_CACHE_MAX_BYTES, VERIFIED_ENTRY_BYTES } from './constants.js'

type Answer = TxError | undefined

/** A transaction out for checking: the round of the pool it went in, and its place there. */
interface Checking {
  readonly round: Promise<Answer[]>
  readonly index: number
}

export class TransactionVerifier {
  /** Hashes of transactions whose signatures held, oldest first (Map order). */
  private readonly verified = new Set<string>()
  private readonly checking = new Map<string, Checking>()
  private readonly maxEntries: number

  constructor(
    private readonly verifier: BatchVerifier,
    private readonly networkId: Uint8Array,
    maxCacheBytes = VERIFIED_CACHE_MAX_BYTES,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxCacheBytes / VERIFIED_ENTRY_BYTES))
  }

  /** Whether the transaction of `hash` is known to carry good signatures. */
  isVerified(hash: Uint8Array): boolean {
    return this.verified.has(bytesKey(hash))
  }

  /**
   * Per transaction (`hashes` are theirs), `undefined` when its signatures hold, or the
   * `TxError` of the first that does not. Rejects only when the pool fails (`VerifyPoolError`).
   * A promise per round of the pool waited for, not per transaction: a block's thousand
   * transactions are one round.
   */
  check(txs: readonly Transaction[], hashes: readonly Uint8Array[]): Promise<Answer[]> {
    const answers = new Array<Answer>(txs.length).fill(undefined)
    const fresh: number[] = []
    const freshKeys: string[] = []
    /** Where each fresh transaction is in the new round, so that one given twice is sent once. */
    const freshPlaces = new Map<string, number>()
    const repeats: [number, number][] = []
    /** Rounds already out that hold some of `txs`: per round, [index in txs, index in the round]. */
    const elsewhere = new Map<Promise<Answer[]>, [number, number][]>()
    for (let index = 0; index < txs.length; index++) {
      const key = bytesKey(hashes[index]!)
      if (this.verified.has(key)) continue
      const out = this.checking.get(key)
      if (out === undefined) {
        const place = freshPlaces.get(key)
        if (place !== undefined) {
          repeats.push([index, place])
          continue
        }
        freshPlaces.set(key, fresh.length)
        fresh.push(index)
        freshKeys.push(key)
      } else {
        const places = elsewhere.get(out.round)
        if (places === undefined) elsewhere.set(out.round, [[index, out.index]])
        else places.push([index, out.index])
      }
    }
    if (fresh.length > 0) elsewhere.set(this.startRound(fresh.map((index) => txs[index]!), freshKeys), [...fresh.map((index, j): [number, number] => [index, j]), ...repeats])
    if (elsewhere.size === 0) return Promise.resolve(answers)
    const copied = [...elsewhere].map(([round, places]) =>
      round.then((roundAnswers) => {
        for (const [index, at] of places) answers[index] = roundAnswers[at]
      }),
    )
    return Promise.all(copied).then(() => answers)
  }

  /** Sends the signatures of `txs` (keyed `keys`) to the pool as one round; its answers per transaction. */
  private startRound(txs: readonly Transaction[], keys: readonly string[]): Promise<Answer[]> {
    const signatures = txs.map((tx) => transactionSignatures(tx, this.networkId))
    const round = this.verifier.verifyBatch(signatures.flat().map(({ signed }) => signed)).then(
      (valid) => {
        let at = 0
        return signatures.map((own, j) => {
          const from = at
          at += own.length
          this.checking.delete(keys[j]!)
          const failed = own.findIndex((_, k) => !valid[from + k])
          if (failed !== -1) return own[failed]!.error()
          this.remember(keys[j]!)
          return undefined
        })
      },
      (error: unknown) => {
        for (const key of keys) this.checking.delete(key)
        throw error
      },
    )
    keys.forEach((key, index) => this.checking.set(key, { round, index }))
    return round
  }

  /** Checks a block's signatures: throws the `BlockError` of the first transaction whose signatures fail. */
  async checkBlock(transactions: readonly Transaction[], hashes: readonly Uint8Array[]): Promise<void> {
    const answers = await this.check(transactions, hashes)
    const index = answers.findIndex((answer) => answer !== undefined)
    if (index !== -1) throw badTransaction(index, answers[index]!)
  }

  /**
   * Starts checking the signatures of a block that will be imported soon (its header and body
   * already checked against each other, as the sync does): its import then finds them checked
   * or being checked. Failures are left for the import to meet.
   */
  prefetch(transactions: readonly Transaction[]): void {
    this.check(transactions, transactionHashes(transactions)).catch(() => undefined)
  }

  private remember(key: string): void {
    if (this.verified.size >= this.maxEntries) this.verified.delete(this.verified.values().next().value!)
    this.verified.add(key)
  }
}
