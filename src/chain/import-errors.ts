/**
 * Whose fault a failed block import is. Gossip (src/node/verdicts.ts) and the sync downloader
 * (src/sync) both turn this into a decision about the peer that sent the block, so it is
 * decided once, here, for every code an import can fail with, with no default: a new code does
 * not compile until someone decides what it means.
 */
import type { ConsensusErrorCode } from '../consensus/consensus.js'
import type { VerifyPoolErrorCode } from '../crypto/verify-pool/pool.js'
import type { EncodingErrorCode } from '../encoding/cbor.js'
import type { BlockErrorCode } from '../ledger/block.js'
import type { TxErrorCode } from '../ledger/transaction.js'
import type { ExecutionErrorCode } from '../state/executor.js'
import type { StoreErrorCode } from '../store/chain-store.js'
import type { VmErrorCode } from '../vm/vm.js'
import type { ChainErrorCode } from './chain.js'

/** Every code `Chain.importBlock` (and decoding a block before it) can fail with. */
export type ImportErrorCode = ChainErrorCode | BlockErrorCode | ConsensusErrorCode | ExecutionErrorCode | TxErrorCode | EncodingErrorCode | VmErrorCode | StoreErrorCode | VerifyPoolErrorCode

/**
 * `invalid`: the block is invalid for everyone, whoever sent it sent garbage. `not-yet`: it may
 * become importable (a clock ahead of ours, a parent we lack). `local`: this node's own trouble
 * (its store, its VM), nobody else's fault.
 */
export type ImportFault = 'invalid' | 'not-yet' | 'local'

export function importFault(code: ImportErrorCode): ImportFault {
  switch (code) {
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
    case 'CONSENSUS_ERROR_BAD_EXTRA':
    case 'CONSENSUS_ERROR_CHECKPOINT_MISMATCH':
    case 'CONSENSUS_ERROR_UNKNOWN_SIGNER':
    case 'CONSENSUS_ERROR_RECENTLY_SIGNED':
    case 'CONSENSUS_ERROR_BAD_SIGNATURE':
    case 'EXECUTION_ERROR_NOT_REGISTERED':
    case 'EXECUTION_ERROR_ALREADY_REGISTERED':
    case 'EXECUTION_ERROR_BAD_NONCE':
    case 'EXECUTION_ERROR_UNKNOWN_RECIPIENT':
    case 'EXECUTION_ERROR_STALE_RECIPIENT_KEY':
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
    case 'TX_ERROR_BAD_KEY_BINDING':
    case 'TX_ERROR_BAD_RECIPIENTS':
    case 'ENCODING_ERROR_TOO_LARGE':
    case 'ENCODING_ERROR_MALFORMED':
    case 'ENCODING_ERROR_NON_CANONICAL':
    case 'ENCODING_ERROR_BAD_SHAPE':
      return 'invalid'
    case 'CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE':
    case 'CHAIN_ERROR_UNKNOWN_PARENT':
    case 'CHAIN_ERROR_NOT_FOUND':
      return 'not-yet'
    case 'VM_ERROR_INTERNAL':
    case 'VM_ERROR_HOST':
    case 'VM_ERROR_BINARY':
    case 'VM_ERROR_CLOSED':
    case 'CONSENSUS_ERROR_MISSING_ANCESTOR': // the parent is stored, so its ancestors must be
    case 'STORE_ERROR_NOT_FOUND':
    case 'STORE_ERROR_LOCKED':
    case 'STORE_ERROR_CORRUPT':
    case 'STORE_ERROR_INCOMPATIBLE':
    case 'STORE_ERROR_WRONG_NETWORK':
    case 'VERIFY_POOL_ERROR_CLOSED':
    case 'VERIFY_POOL_ERROR_WORKER_FAILED':
    case 'VERIFY_POOL_ERROR_BAD_SIZE':
      return 'local'
  }
}
