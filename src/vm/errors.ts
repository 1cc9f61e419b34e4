/**
 * `VmError`: this node could not execute a contract at all. It is thrown, never returned, and
 * never means that the transaction failed: a transaction that fails has an `ExecutionOutcome`
 * with status `reverted` or `out-of-gas`, the same on every node. A block producer leaves out a
 * transaction that throws `VmError` (and drops it from the pool, with the reason); a validator
 * cannot decide a block that needs it.
 */
import { ChainError } from '../errors.js'

export type VmErrorCode =
  | 'VM_ERROR_INTERNAL' // QuickJS or its thread failed (a WebAssembly trap, a crash, a broken message)
  | 'VM_ERROR_HOST' // the ContractHost threw while serving the contract (a storage failure)
  | 'VM_ERROR_BINARY' // the metered QuickJS binary is missing or is not the protocol's (its sha256 differs)
  | 'VM_ERROR_CLOSED' // the ContractVm was used after close()

export interface VmErrorData {
  /** The contract the execution was for (the outer frame). */
  readonly contract: string
  readonly detail: string
}

export class VmError extends ChainError<VmErrorCode, VmErrorData> {
  constructor(code: VmErrorCode, data: VmErrorData, options?: { cause?: unknown }) {
    super(code, data, `${code}: ${data.detail}`)
    if (options?.cause !== undefined) this.cause = options.cause
  }
}
