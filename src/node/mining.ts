/**
 * The sealing loop, for every consensus: build a block from the mempool on the head, have the
 * consensus seal it (proof-of-work: a search in the mining thread; proof-of-authority: a wait
 * for this signer's turn, then a signature), import it, publish it; again. A new head from the
 * network aborts the current attempt at once (work on a stale parent is wasted, and a signer
 * must seal again on the new head), and so does a template that has fallen behind the mempool
 * for a while, so that new transactions get in. While the node syncs toward a better chain, it
 * does not seal at all.
 */
import { setImmediate } from 'node:timers/promises'
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
        const produced = await produceBlock(chain, mempool.pending(), this.init.producer, Date.now())
        const { block, skipped } = produced
        // The pool logs each drop, with its reason.
        for (const { tx, error } of skipped) mempool.drop(tx, errorMessage(error))
        if (!bytesEqual(parent, chain.head.hash)) continue
        this.attempt = new AbortController()
        this.attemptParent = parent
        const refresh = setInterval(() => {
          if (mempool.version !== version || this.init.syncing()) this.attempt?.abort()
        }, TEMPLATE_REFRESH_MS)
        let header
        const signal = this.attempt.signal
        try {
          header = await chain.consensus.seal(block.header, signal, chain.store)
          // The consensus declined (proof-of-authority: not a signer, or sealed too recently):
          // nothing changes that until a new head or a refreshed template.
          if (header === undefined && !signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
        } finally {
          clearInterval(refresh)
          this.attemptParent = undefined
        }
        if (header === undefined || !this.running) continue
        const mined = { header, transactions: block.transactions }
        // Built, executed and checked here: imported without doing that again.
        const result = await chain.importBlock(mined, produced)
        chain.consensus.noteSealed(header, result.hash)
        if (result.status !== 'head') continue
        this.blocksMined++
        log.debug(chain.consensus.type === 'pow' ? 'mined a block' : 'sealed a block', { height: header.height, hash: toHex(result.hash), transactions: mined.transactions.length })
        this.init.publishBlock(mined)
        // One turn of the event loop for gossipsub to send the block before the next
        // template's execution takes the thread (for up to EVENT_LOOP_SLICE_MS at a time).
        await setImmediate()
      } catch (error) {
        if (!this.running) return
        log.warn('mining failed, retrying', { error: errorMessage(error) })
        await new Promise((resolve) => setTimeout(resolve, ERROR_BACKOFF_MS))
      }
    }
  }
}
