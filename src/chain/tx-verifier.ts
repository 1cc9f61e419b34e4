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

export class TransactionVerifier {
  /** Hashes of transactions whose signatures held, oldest first (Map order). */
  private readonly verified = new Set<string>()
  private readonly checking = new Map<string, Promise<Answer>>()
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
   */
  check(txs: readonly Transaction[], hashes: readonly Uint8Array[]): Promise<Answer[]> {
    const answers = new Array<Promise<Answer>>(txs.length)
    const fresh: { key: string; index: number }[] = []
    txs.forEach((_, index) => {
      const key = bytesKey(hashes[index]!)
      if (this.verified.has(key)) answers[index] = Promise.resolve(undefined)
      else if (this.checking.has(key)) answers[index] = this.checking.get(key)!
      else fresh.push({ key, index })
    })
    if (fresh.length > 0) {
      const signatures = fresh.map(({ index }) => transactionSignatures(txs[index]!, this.networkId))
      const batch = this.verifier.verifyBatch(signatures.flat().map(({ signed }) => signed))
      let at = 0
      fresh.forEach(({ key, index }, j) => {
        const own = signatures[j]!
        const from = at
        at += own.length
        const answer = batch.then(
          (valid) => {
            this.checking.delete(key)
            const failed = own.findIndex((_, k) => !valid[from + k])
            if (failed !== -1) return own[failed]!.error()
            this.remember(key)
            return undefined
          },
          (error: unknown) => {
            this.checking.delete(key)
            throw error
          },
        )
        this.checking.set(key, answer)
        answers[index] = answer
      })
    }
    return Promise.all(answers)
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
