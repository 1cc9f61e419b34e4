/**
 * What the node answers gossipsub about a block or transaction it was sent: `accept` (valid:
 * relay it), `ignore` (not useful, not the sender's fault: drop it quietly) or `reject` (invalid:
 * drop it and lower the sender's score). Every error code is decided here, with no default, so a
 * new code does not compile until someone decides what it means for the sender.
 */
import { importFault, type ImportErrorCode } from '../chain/import-errors.js'
import type { MempoolErrorCode } from '../chain/mempool.js'
import type { AdmissionErrorCode } from '../chain/admission.js'
import type { VerifyPoolErrorCode } from '../crypto/verify-pool/pool.js'
import { ChainError } from '../errors.js'
import type { TxErrorCode } from '../ledger/transaction.js'
import type { GossipVerdict } from '../network/gossip.js'

/** The verdict on a gossiped block whose import failed with `code`. */
export function blockVerdict(code: ImportErrorCode): GossipVerdict {
  switch (importFault(code)) {
    case 'invalid':
      return 'reject'
    // Maybe valid later or elsewhere (a clock ahead of ours, a parent we could not fetch), or
    // this node's own trouble: not the sender's fault.
    case 'not-yet':
    case 'local':
      return 'ignore'
  }
}

/** The verdict on a gossiped transaction refused with `code`. */
export function transactionVerdict(code: TxErrorCode | MempoolErrorCode | AdmissionErrorCode | VerifyPoolErrorCode): GossipVerdict {
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
    case 'TX_ERROR_BAD_KEY_BINDING':
    case 'TX_ERROR_BAD_RECIPIENTS':
      return 'reject'
    // Depends on what this node has seen: an honest relay may know more or less than we do.
    case 'MEMPOOL_ERROR_KNOWN':
    case 'MEMPOOL_ERROR_NONCE_TOO_LOW':
    case 'MEMPOOL_ERROR_NONCE_TOO_HIGH':
    case 'MEMPOOL_ERROR_NOT_REGISTERED':
    case 'MEMPOOL_ERROR_ALREADY_REGISTERED':
    case 'MEMPOOL_ERROR_REPLACEMENT_TOO_LOW':
      return 'ignore'
    // The sender has too many transactions waiting for their signature check: dropped, not
    // judged (it may be an honest relay of a burst); the flood it may be costs it nothing more.
    case 'ADMISSION_ERROR_BUSY':
      return 'ignore'
    // This node's own trouble.
    case 'VERIFY_POOL_ERROR_CLOSED':
    case 'VERIFY_POOL_ERROR_WORKER_FAILED':
    case 'VERIFY_POOL_ERROR_BAD_SIZE':
      return 'ignore'
  }
}

/**
 * The verdict on a message of several transactions, from theirs: invalid if any is (an honest
 * relay checks each before relaying), worth relaying if any was new to us, else ignored.
 */
export function batchVerdict(verdicts: readonly GossipVerdict[]): GossipVerdict {
  if (verdicts.includes('reject')) return 'reject'
  return verdicts.includes('accept') ? 'accept' : 'ignore'
}

/** The code of a typed error, or `undefined` for anything else (a bug: the caller logs it). */
export function errorCode<Code extends string>(error: unknown): Code | undefined {
  return error instanceof ChainError ? (error.code as Code) : undefined
}
