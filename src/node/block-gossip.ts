/**
 * The node's policy for a gossiped block: import it (its missing ancestors fetched from the
 * peer that sent it first) and answer gossipsub whether to relay it.
 *
 * The answer comes as soon as it is known, not when the import ends: a block that extends our
 * head is relayed once its header, seal and every signature are checked, while it executes
 * (docs/architecture.md, "Block relay before execution"). A block that then fails execution
 * costs its sender `failed-execution` points; any other block is answered after its import,
 * as the import's outcome decides (src/node/verdicts.ts).
 */
import { setImmediate } from 'node:timers/promises'
import { ChainOperationError, type Chain } from '../chain/chain.js'
import { toHex } from '../encoding/bytes.js'
import { errorMessage } from '../errors.js'
import { blockHash, type Block } from '../ledger/block.js'
import type { Logger } from '../log.js'
import type { GossipVerdict } from '../network/gossip.js'
import type { Network } from '../network/network.js'
import { blockVerdict, errorCode } from './verdicts.js'

/** Most missing ancestors fetched for one gossiped block; a longer gap is the sync's job. */
const MAX_ANCESTOR_GAP = 64
/** Longest a gossip validator waits for missing ancestors before ignoring the block. */
const ANCESTOR_FETCH_TIMEOUT_MS = 10_000

export interface BlockGossipComponents {
  readonly chain: Chain
  readonly network: Pick<Network, 'fetchAncestors' | 'reportPeer'>
  readonly log: Logger
}

export class BlockGossip {
  constructor(private readonly components: BlockGossipComponents) {}

  /** The verdict on `block` from peer `from`: resolves before the import ends when the block extends the head. */
  validate(block: Block, from: string): Promise<GossipVerdict> {
    const received = performance.now()
    return new Promise((resolve) => {
      let early: GossipVerdict | undefined
      const onChecked = async (): Promise<void> => {
        early = this.sealedOnce(block, from) ? 'accept' : 'ignore'
        const checked = performance.now()
        resolve(early)
        // One turn of the event loop for gossipsub to send the block on before execution
        // takes the thread (for up to EVENT_LOOP_SLICE_MS at a time, src/vm/constants.ts).
        await setImmediate()
        // Logged once the block is on its way: a line written to a pipe wakes the pipe's reader,
        // which can take this core, and the relay would wait for it (measured: up to 2 ms a hop).
        const hash = toHex(blockHash(block.header)).slice(0, 12)
        const timing = { checkMs: (checked - received).toFixed(1), relayMs: (performance.now() - checked).toFixed(1) }
        this.components.log.debug('gossiped block checked, executing', { from, height: block.header.height, hash, verdict: early, ...timing })
      }
      void this.importAndJudge(block, from, onChecked).then((verdict) => {
        if (early === undefined) resolve(verdict)
        else if (verdict === 'reject') this.failedAfterAnswer(block, from)
      })
    })
  }

  /** Imports the block and returns the verdict its import decides (the equivocation check included, unless `onChecked` ran it). */
  private async importAndJudge(block: Block, from: string, onChecked: () => Promise<void>): Promise<GossipVerdict> {
    const { log } = this.components
    let checked = false
    try {
      const result = await this.importWithAncestors(block, from, () => {
        checked = true
        return onChecked()
      })
      // A block from a peer that became our head is news; one on a side branch or known is not.
      if (result === 'head') log.info('imported a block', { from, height: block.header.height, hash: toHex(blockHash(block.header)).slice(0, 12), transactions: block.transactions.length })
      else log.debug('gossiped block', { from, height: block.header.height, result })
      if (!checked && !this.sealedOnce(block, from)) return 'ignore'
      // Only a block that became the head was executed: a block stored on a lighter branch is
      // kept but not relayed, or an unexecuted (possibly invalid) block would spread for free.
      switch (result) {
        case 'head':
          return 'accept'
        case 'side':
        case 'known':
          return 'ignore'
      }
    } catch (error) {
      const code = errorCode<Parameters<typeof blockVerdict>[0]>(error)
      if (code === undefined) {
        log.warn('could not import a gossiped block', { from, height: block.header.height, error: errorMessage(error) })
        return 'ignore'
      }
      log.debug('gossiped block refused', { from, height: block.header.height, code })
      return blockVerdict(code)
    }
  }

  /**
   * False when one signer sealed two blocks at this height. Such a block is imported (so fork
   * choice can order both the same way on every node), not relayed, and its sender penalised
   * a little: it may be an honest relay that saw the other block second.
   */
  private sealedOnce(block: Block, from: string): boolean {
    const { chain, network, log } = this.components
    const hash = blockHash(block.header)
    const earlier = chain.consensus.noteSealed(block.header, hash)
    if (earlier === undefined) return true
    log.warn('equivocation: one signer sealed two blocks at one height', { from, height: block.header.height, producer: toHex(block.header.producer), first: toHex(earlier), second: toHex(hash) })
    network.reportPeer(from, 'equivocation')
    return false
  }

  /** A block answered before its execution (relayed, or ignored as an equivocation) failed it: its sender pays, though less than for a block it could have checked. */
  private failedAfterAnswer(block: Block, from: string): void {
    this.components.log.warn('a block answered before its execution failed it', { from, height: block.header.height, hash: toHex(blockHash(block.header)).slice(0, 12) })
    this.components.network.reportPeer(from, 'failed-execution')
  }

  /** Imports a block; when its parent is unknown, first fetches the missing ancestors from `from`. */
  private async importWithAncestors(block: Block, from: string, onChecked: () => Promise<void>): Promise<'known' | 'side' | 'head'> {
    const { chain, network, log } = this.components
    try {
      return (await chain.importBlock(block, undefined, { onChecked })).status
    } catch (error) {
      if (errorCode(error) !== 'CHAIN_ERROR_UNKNOWN_PARENT') throw error
    }
    let ancestors: Block[]
    try {
      ancestors = await network.fetchAncestors(from, block.header.parentHash, MAX_ANCESTOR_GAP, AbortSignal.timeout(ANCESTOR_FETCH_TIMEOUT_MS))
    } catch (error) {
      // Too long a gap, or the peer could not serve it: the block may still be good (the sync
      // downloader catches up on long gaps), so it is ignored, not held against the sender.
      throw new ChainOperationError('CHAIN_ERROR_UNKNOWN_PARENT', `missing ancestors not fetched from ${from}: ${errorMessage(error)}`)
    }
    log.debug('fetched missing ancestors', { from, count: ancestors.length })
    for (const ancestor of ancestors) await chain.importBlock(ancestor)
    return (await chain.importBlock(block, undefined, { onChecked })).status
  }
}
