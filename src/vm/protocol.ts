/**
 * Messages between `ContractVm` (the node's thread) and its sandbox thread. Requests and outcomes
 * are plain data; the host is not: the sandbox asks the node's thread for the state reads it
 * cannot answer itself (src/vm/sandbox-state.ts), and sends the changes of a successful
 * execution with its outcome, which the node's thread applies to the real `ContractHost`.
 */
import type { MessagePort } from 'node:worker_threads'
import type { BlockInfo, ExecutionOutcome } from './types.js'
import type { SandboxLimits } from './contract-instance.js'

export interface WireCommon {
  /**
   * Names the state the execution runs against, for the sandbox's mirror of it: the same name as
   * the previous execution's means nothing else changed contract state in between. Undefined:
   * the sandbox keeps nothing of it.
   */
  readonly scope: string | undefined
  /** The name of the scope `scope` starts as (as it ended): the mirror of that one serves this one. */
  readonly continues: string | undefined
  readonly block: BlockInfo
  readonly sender: string
  readonly contract: string
  readonly gasLimit: number
  /** JSON array text. */
  readonly args: string
}

/** An execution request without its host (which stays on the node's thread). */
export type WireRequest = WireCommon &
  (
    | { readonly mode: 'deploy'; readonly code: string }
    /** The contract's code is read by the sandbox, from its mirror of the state when it can. */
    | { readonly mode: 'call'; readonly method: string }
    /** Compile and evaluate the module only: `checkContractSource`. */
    | { readonly mode: 'check'; readonly code: string }
  )

/** A state read the node's thread answers. */
export type HostRead = { readonly op: 'getState'; readonly address: string; readonly key: string } | { readonly op: 'getCode'; readonly address: string }

/** One change of a successful execution, applied by the node's thread in order. */
export type StateWrite =
  | { readonly op: 'set'; readonly address: string; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly address: string; readonly key: string }
  | { readonly op: 'code'; readonly address: string; readonly code: string }

/** An execution's end as the sandbox reports it. `writes`: empty unless the outcome is ok. */
export interface Done {
  readonly outcome: ExecutionOutcome
  readonly writes: readonly StateWrite[]
}

/**
 * Requests and outcomes travel in batches: a message costs both threads several microseconds
 * (structured clone, the port's lock, a wake-up), more than a small contract call's own work.
 */
export type ToSandbox =
  | { readonly kind: 'execute'; readonly requests: readonly WireRequest[] }
  | { readonly kind: 'answer'; readonly value: string | undefined }

export type FromSandbox =
  | { readonly kind: 'ready' }
  | { readonly kind: 'read'; readonly read: HostRead }
  /** Outcomes in the order their requests were sent. */
  | { readonly kind: 'done'; readonly results: readonly Done[] }
  /** QuickJS itself failed; the thread stops and must be replaced. */
  | { readonly kind: 'failed'; readonly detail: string }

export interface SandboxWorkerData {
  readonly port: MessagePort
  readonly signals: SharedArrayBuffer
  readonly limits: SandboxLimits
}

/** Which slot of the shared signal array each side waits on. */
export const NODE_SIDE = 0
export const SANDBOX_SIDE = 1
