/**
 * Messages between `ContractVm` (the node's thread) and its sandbox thread. Requests and outcomes
 * are plain data; the host is not: the sandbox asks the node's thread for each state read and
 * sends it each change, in order, and the node's thread applies them to the real `ContractHost`.
 */
import type { MessagePort } from 'node:worker_threads'
import type { BlockInfo, ExecutionOutcome } from './types.js'
import type { SandboxLimits } from './contract-instance.js'

export interface WireCommon {
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
    /** `code`: the contract's, read on the node's thread before sending (saves a round trip); undefined when none is deployed. */
    | { readonly mode: 'call'; readonly method: string; readonly code: string | undefined }
    /** Compile and evaluate the module only: `checkContractSource`. */
    | { readonly mode: 'check'; readonly code: string }
  )

/** A `ContractHost` method call. Only `getState` and `getCode` are answered; the others are applied in order. */
export type HostCall =
  | { readonly op: 'getState'; readonly address: string; readonly key: string }
  | { readonly op: 'getCode'; readonly address: string }
  | { readonly op: 'setState'; readonly address: string; readonly key: string; readonly value: string }
  | { readonly op: 'deleteState'; readonly address: string; readonly key: string }
  | { readonly op: 'setCode'; readonly address: string; readonly code: string }
  | { readonly op: 'checkpoint' }
  | { readonly op: 'commit' }
  | { readonly op: 'revert' }

export type ToSandbox =
  | { readonly kind: 'execute'; readonly request: WireRequest }
  | { readonly kind: 'answer'; readonly value: string | undefined }

export type FromSandbox =
  | { readonly kind: 'ready' }
  | { readonly kind: 'host'; readonly call: HostCall }
  | { readonly kind: 'done'; readonly outcome: ExecutionOutcome }
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
