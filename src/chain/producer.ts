/**
 * Block production: picks transactions for a new block on the head, executes them, and fills
 * in the header (the consensus fields as the consensus prepares them; everything but the seal,
 * which the consensus makes).
 *
 * Every candidate that fits is included, whatever its outcome: one that runs out of gas or
 * reverts is included with that receipt (its sender pays for what it used). Transactions that
 * break a rule of the state (a stale nonce, a sender not registered) or that this node cannot
 * execute at all (VmError) are left out and reported, so the caller can drop them from its pool.
 *
 * Candidates must have passed their stateless checks, signature included (the mempool admits
 * nothing else): the result carries its execution, so that importing the sealed block does not
 * verify and run it all again (`ProducedExecution` in chain.ts).
 */
import { ADDRESS_BYTES } from '../crypto/identity.js'
import { BLOCK_VERSION, encodedBlockSize, transactionsRoot, type Block } from '../ledger/block.js'
import { MAX_BLOCK_TXS, MAX_HEADER_BYTES } from '../ledger/constants.js'
import { encodeTransaction, intrinsicGas, type Transaction } from '../ledger/transaction.js'
import { blockInfo, ExecutionError } from '../state/executor.js'
import { StateOverlay } from '../state/overlay.js'
import type { Receipt } from '../state/receipts.js'
import { VmError } from '../vm/vm.js'
import type { Chain, ProducedExecution } from './chain.js'

/** Bytes the block's framing adds around its transactions (array headers, a byte-string header each). */
const TX_FRAMING_BYTES = 8

/** The block with its seal still empty, its execution and trie nodes; hand it to `Chain.importBlock` with the sealed block. */
export interface ProducedBlock extends ProducedExecution {
  /** Candidates left out, and why. */
  readonly skipped: readonly { readonly tx: Transaction; readonly error: ExecutionError | VmError }[]
}

/**
 * Builds a block on the current head from `candidates`, tried in order, made by `producer`
 * at `timestamp` (or the earliest time the consensus allows after the parent).
 */
export function produceBlock(chain: Chain, candidates: Iterable<Transaction>, producer: Uint8Array, timestamp: number): Promise<ProducedBlock> {
  if (producer.length !== ADDRESS_BYTES) throw new TypeError(`producer must be ${ADDRESS_BYTES} bytes`)
  return chain.exclusive(async () => {
    const parent = chain.head.header
    const prepared = chain.consensus.prepare(parent, chain.head.hash, timestamp, chain.store)
    const header = {
      version: BLOCK_VERSION,
      height: parent.height + 1,
      parentHash: chain.head.hash,
      timestamp: prepared.timestamp,
      producer,
    }
    const state = new StateOverlay(chain.store.state, chain.continuesFromHead())
    const info = blockInfo(header)
    const included: Transaction[] = []
    const receipts: Receipt[] = []
    const skipped: ProducedBlock['skipped'][number][] = []
    let gasUsed = 0
    let size = MAX_HEADER_BYTES
    for (const tx of candidates) {
      if (included.length >= MAX_BLOCK_TXS) break
      const gasLeft = chain.params.blockGasLimit - gasUsed
      if (gasLeft < intrinsicGas(tx)) break
      const txSize = encodeTransaction(tx).length + TX_FRAMING_BYTES
      if (size + txSize > chain.params.maxBlockBytes || tx.gasLimit > gasLeft) continue
      state.checkpoint()
      try {
        const receipt = await chain.executor.applyTransaction(state, tx, info, gasLeft)
        state.commit()
        included.push(tx)
        receipts.push(receipt)
        gasUsed += receipt.gasUsed
        size += txSize
      } catch (error) {
        state.revert()
        if (!(error instanceof ExecutionError || error instanceof VmError)) throw error
        skipped.push({ tx, error })
      }
    }
    const execution = chain.executor.finish(state, parent.stateRoot, receipts, chain.trie)
    const trieNodes = chain.trie.takeNodeWrites()
    const block: Block = {
      header: {
        ...header,
        txRoot: transactionsRoot(included),
        stateRoot: execution.stateRoot,
        receiptsRoot: execution.receiptsRoot,
        gasUsed: execution.gasUsed,
        difficulty: prepared.difficulty,
        ...(prepared.extra === undefined ? {} : { extra: prepared.extra }),
        seal: prepared.seal,
      },
      transactions: included,
    }
    if (encodedBlockSize(block) > chain.params.maxBlockBytes) throw new Error('produced block exceeds maxBlockBytes')
    return { block, execution, trieNodes, skipped }
  })
}
