/**
 * Read-only contract calls (`chain contract call`, the RPC `call`): a method runs on the state
 * at a canonical height as if in the next block, and every change it makes is thrown away.
 */
import { blockHash } from '../ledger/block.js'
import { ADDRESS_BYTES, formatParticipantId } from '../crypto/identity.js'
import { blockInfo } from '../state/executor.js'
import { OverlayContractHost } from '../state/contract-host.js'
import { StateOverlay } from '../state/overlay.js'
import type { ExecutionOutcome } from '../vm/vm.js'
import type { Chain } from './chain.js'

export interface ContractQuery {
  /** `ct1…` address of the contract. */
  readonly contract: string
  readonly method: string
  /** JSON array text. */
  readonly args: string
  /** Canonical height whose state to read; the head when omitted. */
  readonly at?: number | undefined
  /** What the contract sees as `msg.sender`; the all-zero participant id when omitted. */
  readonly from?: string | undefined
  /** Gas the call may use (at most the block gas limit); QUERY_DEFAULT_GAS when omitted. */
  readonly gasLimit?: number | undefined
}

const NOBODY = formatParticipantId(new Uint8Array(ADDRESS_BYTES))
/** Gas of a query unless the caller asks for more (up to the block gas limit): a generous read. */
const QUERY_DEFAULT_GAS = 50_000_000

/**
 * Runs `query` and returns what it returned, reverted with, or ran out of. Throws
 * `ChainOperationError` for a height that is not in the chain, and `VmError` when this node
 * could not execute at all.
 */
export function queryContract(chain: Chain, query: ContractQuery): Promise<ExecutionOutcome> {
  return chain.exclusive(() => {
    const state = new StateOverlay(chain.stateAt(query.at))
    const height = query.at ?? chain.head.header.height
    const header = chain.store.header(chain.store.canonicalHash(height)!)!
    const host = new OverlayContractHost(state, new Uint8Array(ADDRESS_BYTES))
    return chain.executor.vm.call({
      host,
      block: blockInfo({ height: height + 1, timestamp: header.timestamp, parentHash: blockHash(header) }),
      sender: query.from ?? NOBODY,
      contract: query.contract,
      method: query.method,
      args: query.args,
      gasLimit: Math.min(query.gasLimit ?? QUERY_DEFAULT_GAS, chain.params.blockGasLimit),
    })
  })
}
