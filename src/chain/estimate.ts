/**
 * Gas estimation (`chain tx send` and `chain contract deploy` without `--gas`, the RPC
 * `estimateGas`): the transaction runs on the pending state as the next block would run it —
 * the head state with the sender's own pending transactions applied first, so that its nonce
 * fits and what they change is seen — and every change is thrown away. The receipt says the
 * gas it used (intrinsic gas included) and whether it would succeed.
 */
import { blockHash } from '../ledger/block.js'
import { senderOf, type Transaction } from '../ledger/transaction.js'
import { blockInfo } from '../state/executor.js'
import { StateOverlay } from '../state/overlay.js'
import type { Receipt } from '../state/receipts.js'
import type { Chain } from './chain.js'
import type { Mempool } from './mempool.js'

/**
 * Runs `tx` on the pending state with the block gas limit (whatever its own gas limit says). Throws `ExecutionError` when it could not be in the next block (a nonce that does not
 * follow the pending ones, an unregistered sender) and `VmError` when this node could not run it.
 */
export function estimateGas(chain: Chain, mempool: Pick<Mempool, 'pendingOf'>, tx: Transaction): Promise<Receipt> {
  return chain.exclusive(async () => {
    const head = chain.head.header
    const state = new StateOverlay(chain.stateAt())
    const block = blockInfo({ height: head.height + 1, timestamp: Math.max(Date.now(), head.timestamp), parentHash: blockHash(head) })
    const limit = chain.params.blockGasLimit
    for (const pending of mempool.pendingOf(senderOf(tx))) {
      if (pending.nonce >= tx.nonce) break
      await chain.executor.applyTransaction(state, pending, block, limit)
    }
    return chain.executor.applyTransaction(state, { ...tx, gasLimit: limit }, block, limit)
  })
}
