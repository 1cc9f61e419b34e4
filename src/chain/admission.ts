/**
 * Admission to the mempool of transactions from every source (each peer, the RPC): their
 * stateless checks at once, their signatures in the verify pool in batches, then the mempool,
 * in the order they were batched.
 *
 * Batches form while the pool is busy: at most ADMISSION_BATCHES_PER_THREAD batches per verify
 * thread are out at once, and what arrives meanwhile waits for the next one (so a transaction
 * waits at most for the batches ahead of it). What arrives in one turn of the event loop (the
 * calls of one JSON-RPC batch, the messages of one gossipsub RPC, the requests read in one
 * poll) is batched together; a lone transaction on an idle node waits only for that turn.
 * Each batch takes from every waiting source in turn, and each source may have at most
 * ADMISSION_MAX_QUEUED_PER_SOURCE transactions waiting: a peer that floods the node with bad
 * signatures fills its own queue, while an honest peer's transactions still get every other
 * place in each batch.
 *
 * Many transactions from one source (a gossip message, a bulk RPC call) are admitted as one
 * group (`admitAll`): one promise for the group, settled when its last transaction is, not
 * one per transaction.
 */
import { ChainError } from '../errors.js'
import { toHex } from '../encoding/bytes.js'
import { checkTransaction, transactionHash, type Transaction, type TxError } from '../ledger/transaction.js'
import { ADMISSION_BATCHES_PER_THREAD, ADMISSION_BATCH_MAX_TXS, ADMISSION_MAX_QUEUED_PER_SOURCE } from './constants.js'
import { MempoolError, type Mempool } from './mempool.js'
import type { TransactionVerifier } from './tx-verifier.js'

export type AdmissionErrorCode = 'ADMISSION_ERROR_BUSY' // the source has ADMISSION_MAX_QUEUED_PER_SOURCE transactions waiting already

export class AdmissionError extends ChainError<AdmissionErrorCode, { detail: string }> {
  constructor(code: AdmissionErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}

export interface AdmissionComponents {
  readonly verifier: TransactionVerifier
  readonly mempool: Mempool
  readonly blockGasLimit: number
}

export interface AdmissionInit {
  /** Threads of the verify pool: how many batches are worth having out at once. */
  readonly verifyThreads?: number
  readonly maxQueuedPerSource?: number
}

/** Transactions admitted together: their outcomes, in their order, and who waits for them. */
interface Group {
  readonly outcomes: PromiseSettledResult<Uint8Array>[]
  unsettled: number
  readonly resolve: (outcomes: PromiseSettledResult<Uint8Array>[]) => void
}

interface Waiting {
  readonly tx: Transaction
  readonly hash: Uint8Array
  readonly group: Group
  /** The transaction's place in its group. */
  readonly index: number
}

interface Batch {
  readonly items: readonly Waiting[]
  done: boolean
  answers?: (TxError | undefined)[]
  error?: unknown
}

export class TxAdmission {
  /** Waiting transactions by source; Map order is the turn order (a served source moves to the back). */
  private readonly queues = new Map<string, Waiting[]>()
  /** Batches out for checking, in the order they were formed (and are applied). */
  private readonly out: Batch[] = []
  private readonly maxBatchesOut: number
  private readonly maxQueued: number
  private pumpScheduled = false

  constructor(
    private readonly components: AdmissionComponents,
    init: AdmissionInit = {},
  ) {
    this.maxBatchesOut = (init.verifyThreads ?? 1) * ADMISSION_BATCHES_PER_THREAD
    this.maxQueued = init.maxQueuedPerSource ?? ADMISSION_MAX_QUEUED_PER_SOURCE
  }

  /**
   * Checks `tx` and admits it to the mempool; resolves with its hash. Rejects with `TxError`,
   * `MempoolError`, `AdmissionError`, or `VerifyPoolError` when the pool itself failed.
   */
  async admit(tx: Transaction, source: string): Promise<Uint8Array> {
    const [outcome] = await this.admitAll([tx], source)
    if (outcome!.status === 'rejected') throw outcome!.reason
    return outcome!.value
  }

  /**
   * Checks and admits `txs` in their order (a sender's nonces stay in order), each as `admit`
   * would; resolves, once every one is settled, with each one's hash or the error that
   * refused it. Never rejects.
   */
  admitAll(txs: readonly Transaction[], source: string): Promise<PromiseSettledResult<Uint8Array>[]> {
    if (txs.length === 0) return Promise.resolve([])
    return new Promise((resolve) => {
      const group: Group = { outcomes: new Array<PromiseSettledResult<Uint8Array>>(txs.length), unsettled: txs.length, resolve }
      let queued = 0
      txs.forEach((tx, index) => {
        try {
          const queue = this.queueFor(tx, source)
          queue.push({ tx, hash: transactionHash(tx), group, index })
          this.queues.set(source, queue)
          queued++
        } catch (error) {
          settle(group, index, { status: 'rejected', reason: error })
        }
      })
      if (queued > 0) this.schedulePump()
    })
  }

  /** The stateless checks of `tx`, then the queue of `source` it joins. Throws why it cannot. */
  private queueFor(tx: Transaction, source: string): Waiting[] {
    const hash = transactionHash(tx)
    checkTransaction(tx, this.components.blockGasLimit)
    // Known already: refused before its signature costs anything.
    if (this.components.mempool.has(hash)) throw new MempoolError('MEMPOOL_ERROR_KNOWN', `transaction ${toHex(hash)} is already pending`)
    const queue = this.queues.get(source) ?? []
    if (queue.length >= this.maxQueued) {
      throw new AdmissionError('ADMISSION_ERROR_BUSY', `${this.maxQueued} transactions of this source are waiting for their signature check already`)
    }
    return queue
  }

  /** Transactions waiting for a batch (not those out for checking). */
  get waiting(): number {
    let count = 0
    for (const queue of this.queues.values()) count += queue.length
    return count
  }

  /** Pumps once the current turn of the event loop has queued what it brings. */
  private schedulePump(): void {
    if (this.pumpScheduled) return
    this.pumpScheduled = true
    setImmediate(() => {
      this.pumpScheduled = false
      this.pump()
    })
  }

  private pump(): void {
    while (this.out.length < this.maxBatchesOut && this.queues.size > 0) {
      const batch: Batch = { items: this.takeBatch(), done: false }
      this.out.push(batch)
      this.components.verifier.check(batch.items.map((item) => item.tx), batch.items.map((item) => item.hash)).then(
        (answers) => this.checked(batch, { answers }),
        (error: unknown) => this.checked(batch, { error }),
      )
    }
  }

  /** Up to ADMISSION_BATCH_MAX_TXS waiting transactions, one from each source in turn. */
  private takeBatch(): Waiting[] {
    const items: Waiting[] = []
    while (items.length < ADMISSION_BATCH_MAX_TXS && this.queues.size > 0) {
      for (const source of [...this.queues.keys()]) {
        if (items.length >= ADMISSION_BATCH_MAX_TXS) break
        const queue = this.queues.get(source)!
        items.push(queue.shift()!)
        this.queues.delete(source)
        if (queue.length > 0) this.queues.set(source, queue)
      }
    }
    return items
  }

  /** Applies checked batches to the mempool in the order they were formed: a sender's nonces stay in order. */
  private checked(batch: Batch, outcome: { answers?: (TxError | undefined)[]; error?: unknown }): void {
    Object.assign(batch, outcome, { done: true })
    while (this.out[0]?.done === true) {
      const { items, answers, error } = this.out.shift()!
      items.forEach((item, i) => {
        const failure = error ?? answers![i]
        if (failure !== undefined) return settle(item.group, item.index, { status: 'rejected', reason: failure })
        try {
          this.components.mempool.add(item.tx)
          settle(item.group, item.index, { status: 'fulfilled', value: item.hash })
        } catch (addError) {
          settle(item.group, item.index, { status: 'rejected', reason: addError })
        }
      })
    }
    this.pump()
  }
}

function settle(group: Group, index: number, outcome: PromiseSettledResult<Uint8Array>): void {
  group.outcomes[index] = outcome
  if (--group.unsettled === 0) group.resolve(group.outcomes)
}
