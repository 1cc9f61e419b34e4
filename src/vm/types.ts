/**
 * The shapes that cross the VM's boundary: what the executor asks for and what it gets back.
 * All values are plain data (strings and numbers), so a request and its outcome can be sent to
 * the sandbox thread and back unchanged.
 */
import type { ContractHost } from './host.js'

export interface BlockInfo {
  readonly height: number
  /** Milliseconds since the Unix epoch, from the block header (the same on every node). */
  readonly timestamp: number
  /** Hash of the parent block, hex. */
  readonly parentHash: string
}

export interface ExecutionRequest {
  readonly host: ContractHost
  readonly block: BlockInfo
  /** The transaction sender's participant id, `ch1…` (msg.sender of the outer frame). */
  readonly sender: string
  /** `ct1…` address of the contract to run. */
  readonly contract: string
  /** Gas available to execution (the executor has already charged intrinsic gas). */
  readonly gasLimit: number
}

export interface DeployRequest extends ExecutionRequest {
  readonly code: string
  /** JSON array text: the arguments of `init`. */
  readonly args: string
}

export interface CallRequest extends ExecutionRequest {
  readonly method: string
  /** JSON array text: the method's arguments. */
  readonly args: string
}

export interface ContractEvent {
  readonly contract: string
  readonly name: string
  /** JSON text. */
  readonly data: string
}

export type ExecutionStatus = 'ok' | 'reverted' | 'out-of-gas'

export interface ExecutionOutcome {
  readonly status: ExecutionStatus
  /** At most the gas limit; equal to it when out of gas. */
  readonly gasUsed: number
  /** JSON text of the return value when ok ('null' for undefined), otherwise null. */
  readonly result: string | null
  /** The revert message when not ok (one line, bounded length), otherwise null. */
  readonly error: string | null
  /** Events in emission order; empty unless ok (a reverted call emits nothing). */
  readonly events: readonly ContractEvent[]
  /** Addresses of every contract whose code ran, in first-touch order. */
  readonly touched: readonly string[]
}
