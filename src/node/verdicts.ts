/**
 * What the node answers gossipsub about a block or transaction it was sent: `accept` (valid:
 * relay it), `ignore` (not useful, not the sender's fault: drop it quietly) or `reject` (invalid:
 * drop it and lower the sender's score). Every error code is decided here, with no default, so a
 * new code does not compile until someone decides what it means for the sender.
 */
import type { ChainErrorCode } from '../chain/chain.js'
import type { MempoolErrorCode } from '../chain/mempool.js'
import type { ConsensusErrorCode } from '../consensus/consensus.js'
import type { EncodingErrorCode } from '../encoding/cbor.js'
import { ChainError } from '../errors.js'
import type { BlockErrorCode } from '../ledger/block.js'
import type { TxErrorCode } from '../ledger/transaction.js'
import type { GossipVerdict } from '../network/gossip.js'
import type { ExecutionErrorCode } from '../state/executor.js'
import type { StoreErrorCode } from '../store/chain-store.js'
import type { VmErrorCode } from '../vm/vm.js'

type BlockImportCode = ChainErrorCode | BlockErrorCode | ConsensusErrorCode | ExecutionErrorCode | TxErrorCode | EncodingErrorCode | VmErrorCode | StoreErrorCode

/** The verdict on a gossiped block whose import failed with `code`. */
export function blockVerdict(code: BlockImportCode): GossipVerdict {
  switch (code) {
    // Invalid whoever looks at it: the sender relayed or made garbage.
    case 'BLOCK_ERROR_MALFORMED':
    case 'BLOCK_ERROR_TOO_LARGE':
    case 'BLOCK_ERROR_BAD_VERSION':
    case 'BLOCK_ERROR_TOO_MANY_TXS':
    case 'BLOCK_ERROR_BAD_TX':
    case 'BLOCK_ERROR_DUPLICATE_TX':
    case 'BLOCK_ERROR_BAD_TX_ROOT':
    case 'BLOCK_ERROR_GAS_ABOVE_LIMIT':
    case 'CONSENSUS_ERROR_BAD_HEIGHT':
    case 'CONSENSUS_ERROR_BAD_PARENT':
    case 'CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT':
    case 'CONSENSUS_ERROR_BAD_DIFFICULTY':
    case 'CONSENSUS_ERROR_BAD_SEAL':
    case 'CONSENSUS_ERROR_INSUFFICIENT_WORK':
    case 'EXECUTION_ERROR_NOT_REGISTERED':
    case 'EXECUTION_ERROR_ALREADY_REGISTERED':
    case 'EXECUTION_ERROR_BAD_NONCE':
    case 'EXECUTION_ERROR_BLOCK_GAS_EXCEEDED':
    case 'EXECUTION_ERROR_STATE_ROOT_MISMATCH':
    case 'EXECUTION_ERROR_RECEIPTS_ROOT_MISMATCH':
    case 'EXECUTION_ERROR_GAS_USED_MISMATCH':
    case 'CHAIN_ERROR_INVALID_PARENT':
    case 'CHAIN_ERROR_KNOWN_INVALID':
    case 'TX_ERROR_MALFORMED':
    case 'TX_ERROR_UNKNOWN_KIND':
    case 'TX_ERROR_TOO_LARGE':
    case 'TX_ERROR_BAD_METHOD':
    case 'TX_ERROR_BAD_NAME':
    case 'TX_ERROR_BAD_ARGS':
    case 'TX_ERROR_GAS_LIMIT_TOO_LOW':
    case 'TX_ERROR_GAS_LIMIT_TOO_HIGH':
    case 'TX_ERROR_BAD_SIGNATURE':
    case 'ENCODING_ERROR_TOO_LARGE':
    case 'ENCODING_ERROR_MALFORMED':
    case 'ENCODING_ERROR_NON_CANONICAL':
    case 'ENCODING_ERROR_BAD_SHAPE':
      return 'reject'
    // Maybe valid later or elsewhere: a clock ahead of ours, a parent we could not fetch.
    case 'CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE':
    case 'CHAIN_ERROR_UNKNOWN_PARENT':
    case 'CHAIN_ERROR_NOT_FOUND':
      return 'ignore'
    // This node's own trouble, not the sender's.
    case 'VM_ERROR_DEADLINE':
    case 'VM_ERROR_INTERNAL':
    case 'VM_ERROR_HOST':
    case 'VM_ERROR_CLOSED':
    case 'STORE_ERROR_NOT_FOUND':
    case 'STORE_ERROR_LOCKED':
    case 'STORE_ERROR_CORRUPT':
    case 'STORE_ERROR_INCOMPATIBLE':
    case 'STORE_ERROR_WRONG_NETWORK':
      return 'ignore'
  }
}

/** The verdict on a gossiped transaction refused with `code`. */
export function transactionVerdict(code: TxErrorCode | MempoolErrorCode): GossipVerdict {
  switch (code) {
    // Invalid in itself, on every node.
    case 'TX_ERROR_MALFORMED':
    case 'TX_ERROR_UNKNOWN_KIND':
    case 'TX_ERROR_TOO_LARGE':
    case 'TX_ERROR_BAD_METHOD':
    case 'TX_ERROR_BAD_NAME':
    case 'TX_ERROR_BAD_ARGS':
    case 'TX_ERROR_GAS_LIMIT_TOO_LOW':
    case 'TX_ERROR_GAS_LIMIT_TOO_HIGH':
    case 'TX_ERROR_BAD_SIGNATURE':
      return 'reject'
    // Depends on what this node has seen: an honest relay may know more or less than we do.
    case 'MEMPOOL_ERROR_KNOWN':
    case 'MEMPOOL_ERROR_NONCE_TOO_LOW':
    case 'MEMPOOL_ERROR_NONCE_TOO_HIGH':
    case 'MEMPOOL_ERROR_NOT_REGISTERED':
    case 'MEMPOOL_ERROR_ALREADY_REGISTERED':
    case 'MEMPOOL_ERROR_REPLACEMENT_TOO_LOW':
      return 'ignore'
  }
}

/** The code of a typed error, or `undefined` for anything else (a bug: the caller logs it). */
export function errorCode<Code extends string>(error: unknown): Code | undefined {
  return error instanceof ChainError ? (error.code as Code) : undefined
}
