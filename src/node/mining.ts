/**
 * The mining loop: build a block from the mempool on the head, seal it in the mining thread,
 * import it, publish it; again. A new head from the network aborts the current attempt at once
 * (its work would be wasted on a stale parent), and so does a template that has fallen behind
 * the mempool for a while, so that new transactions get in. While the node syncs toward a
 * heavier chain, it does not mine at all.
 */
import type { Chain, HeadChange } from '../chain/chain.js'
import type { Mempool } from '../chain/mempool.js'
import { produceBlock } from '../chain/producer.js'
import { bytesEqual, toHex } from '../encoding/bytes.js'
import { errorMessage } from '../errors.js'
import type { Block } from '../ledger/block.js'
import type { Logger } from '../log.js'

/** How long a block template may ignore new mempool transactions before it is rebuilt. */
const TEMPLATE_REFRESH_MS = 2_000
/** Pause after an unexpected error, so a persistent one does not spin the loop. */
const ERROR_BACKOFF_MS = 1_000
/** How often a miner that waits for a sync to end looks again. */
const SYNC_WAIT_MS = 500

export interface MiningInit {
  readonly chain: Chain
  readonly mempool: Mempool
  /** Participant id credited as each block's producer. */
  readonly producer: Uint8Array
  readonly publishBlock: (block: Block) => void
  readonly log: Logger
  /** Hashes tried so far by the sealer, for the hash rate. */
  readonly hashes: () => number
  /** Whether the node is catching up with a heavier chain: work on our old head would be wasted. */
  readonly syncing: () => boolean
}

export class MiningService {
  private running = false
  private loop: Promise<void> | undefined
  private attempt: AbortController | undefined
  private attemptParent: Uint8Array | undefined
  private readonly onHead = (change: HeadChange): void => {
    if (this.attemptParent !== undefined && !bytesEqual(change.head.hash, this.attemptParent)) this.attempt?.abort()
  }
  private rate = { at: Date.now(), hashes: 0, perSecond: 0 }
  blocksMined = 0

  constructor(private readonly init: MiningInit) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.init.chain.on('head', this.onHead)
    this.loop = this.run()
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.init.chain.off('head', this.onHead)
    this.attempt?.abort()
    await this.loop
  }

  /** Hashes per second over the last interval between two calls. */
  hashRate(): number {
    const now = Date.now()
    const hashes = this.init.hashes()
    if (now - this.rate.at >= 1_000) {
      this.rate = { at: now, hashes, perSecond: ((hashes - this.rate.hashes) * 1000) / (now - this.rate.at) }
    }
    return this.rate.perSecond
  }

  private async run(): Promise<void> {
    const { chain, mempool, log } = this.init
    while (this.running) {
      try {
        if (this.init.syncing()) {
          await new Promise((resolve) => setTimeout(resolve, SYNC_WAIT_MS))
          continue
        }
        const parent = chain.head.hash
        const version = mempool.version
        const { block, skipped } = await produceBlock(chain, mempool.pending(), this.init.producer, Date.now())
        // The pool logs each drop, with its reason.
        for (const { tx, error } of skipped) mempool.drop(tx, errorMessage(error))
        if (!bytesEqual(parent, chain.head.hash)) continue
        this.attempt = new AbortController()
        this.attemptParent = parent
        const refresh = setInterval(() => {
          if (mempool.version !== version || this.init.syncing()) this.attempt?.abort()
        }, TEMPLATE_REFRESH_MS)
        let header
        try {
          header = await chain.consensus.seal(block.header, this.attempt.signal)
        } finally {
          clearInterval(refresh)
          this.attemptParent = undefined
        }
        if (header === undefined || !this.running) continue
        const mined = { header, transactions: block.transactions }
        const result = await chain.importBlock(mined)
        if (result.status !== 'head') continue
        this.blocksMined++
        log.debug('mined a block', { height: header.height, hash: toHex(result.hash), transactions: mined.transactions.length })
        this.init.publishBlock(mined)
      } catch (error) {
        if (!this.running) return
        log.warn('mining failed, retrying', { error: errorMessage(error) })
        await new Promise((resolve) => setTimeout(resolve, ERROR_BACKOFF_MS))
      }
    }
  }
}
