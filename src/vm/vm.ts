/**
 * `ContractVm`: runs contract deploys and calls for the executor, each in a fresh QuickJS
 * runtime on a sandbox thread, metered by gas, against the caller's `ContractHost`.
 *
 * Outcomes (ok, reverted, out of gas) are the same on every node. `VmError` is thrown when this
 * node could not execute at all (the wall-clock deadline, a QuickJS failure, a host failure);
 * the host is then left exactly as it was, and the next call starts a new sandbox thread.
 * See docs/contracts.md for the contract API, the gas schedule and the limits.
 */
import { ADDRESS_BYTES, formatContractAddress, formatParticipantId } from '../crypto/identity.js'
import type { ContractHost } from './host.js'
import type { BlockInfo, CallRequest, DeployRequest, ExecutionOutcome, ExecutionRequest } from './types.js'
import type { WireRequest } from './protocol.js'
import type { SandboxLimits } from './frames.js'
import { VmError } from './errors.js'
import { SandboxThread } from './sandbox-thread.js'
import { CHECK_GAS_LIMIT, DEADLINE_BASE_MS, DEADLINE_MS_PER_MILLION_GAS, MAX_STACK_BYTES, MEMORY_LIMIT_BYTES } from './constants.js'

export type { BlockInfo, CallRequest, ContractEvent, DeployRequest, ExecutionOutcome, ExecutionRequest, ExecutionStatus } from './types.js'
export type { ContractHost } from './host.js'
export { VmError, type VmErrorCode, type VmErrorData } from './errors.js'

export interface ContractVmInit {
  /**
   * Memory and stack of one execution. They are protocol constants (MEMORY_LIMIT_BYTES,
   * MAX_STACK_BYTES): a node that changes them may disagree with the others on which calls
   * succeed. The options exist for tests and tools.
   */
  readonly memoryLimitBytes?: number
  readonly maxStackBytes?: number
  /**
   * Wall-clock limit of one execution, a local safety valve; by default it grows with the
   * request's gas limit (DEADLINE_BASE_MS + DEADLINE_MS_PER_MILLION_GAS per million gas).
   */
  readonly deadlineMs?: number
}

export class ContractVm {
  private readonly limits: SandboxLimits
  private readonly deadlineMs: number | undefined
  /** Started at the first execution, replaced after any VmError. */
  private thread: SandboxThread | undefined
  private closed = false

  constructor(init: ContractVmInit = {}) {
    this.limits = {
      memoryLimitBytes: init.memoryLimitBytes ?? MEMORY_LIMIT_BYTES,
      maxStackBytes: init.maxStackBytes ?? MAX_STACK_BYTES,
    }
    this.deadlineMs = init.deadlineMs
  }

  /**
   * Stores `code` at request.contract (host.setCode) and runs its `init(...args)` if exported.
   * A syntax error, a module that imports anything, or a failing init reverts everything, the
   * stored code included.
   */
  deploy(request: DeployRequest): ExecutionOutcome {
    return this.execute(request, { ...wire(request), mode: 'deploy', code: request.code })
  }

  /** Runs an exported method. Unknown contract or method: reverted, with a clear message. */
  call(request: CallRequest): ExecutionOutcome {
    return this.execute(request, { ...wire(request), mode: 'call', method: request.method })
  }

  /**
   * Compiles `code` as a contract module and runs its top-level code against an empty state,
   * without `init`: undefined when it would deploy that far, else the reason it would revert.
   */
  check(code: string): string | undefined {
    const request: ExecutionRequest = { host: new DiscardingHost(), block: CHECK_BLOCK, sender: NOBODY, contract: NOWHERE, gasLimit: CHECK_GAS_LIMIT }
    const outcome = this.execute(request, { ...wire({ ...request, args: '[]' }), mode: 'check', code })
    return outcome.status === 'ok' ? undefined : (outcome.error ?? outcome.status)
  }

  /** Stops the sandbox thread; the VM refuses work afterwards. */
  close(): void {
    this.closed = true
    this.thread?.stop()
    this.thread = undefined
  }

  private execute(request: ExecutionRequest, wireRequest: WireRequest): ExecutionOutcome {
    if (this.closed) throw new VmError('VM_ERROR_CLOSED', { contract: request.contract, detail: 'the VM is closed' })
    this.thread ??= SandboxThread.start(this.limits, request.contract)
    try {
      const ownDeadlineMs = this.deadlineMs ?? DEADLINE_BASE_MS + Math.ceil((request.gasLimit / 1e6) * DEADLINE_MS_PER_MILLION_GAS)
      return this.thread.execute(wireRequest, request.host, Math.min(ownDeadlineMs, request.deadlineMs ?? Infinity))
    } catch (error) {
      // The thread may be running, stuck or broken: never reuse it.
      this.thread.stop()
      this.thread = undefined
      throw error
    }
  }
}

/** `ContractVm.check` on a VM of its own (one sandbox thread start, ~50 ms). */
export function checkContractSource(code: string): string | undefined {
  const vm = new ContractVm()
  try {
    return vm.check(code)
  } finally {
    vm.close()
  }
}

const NOBODY = formatParticipantId(new Uint8Array(ADDRESS_BYTES))
const NOWHERE = formatContractAddress(new Uint8Array(ADDRESS_BYTES))
const CHECK_BLOCK: BlockInfo = { height: 0, timestamp: 0, parentHash: '00'.repeat(32) }

/** The empty state of `check`: reads find nothing, changes are dropped. */
class DiscardingHost implements ContractHost {
  getState(): undefined {
    return undefined
  }
  setState(): void {}
  deleteState(): void {}
  getCode(): undefined {
    return undefined
  }
  setCode(): void {}
  checkpoint(): void {}
  commit(): void {}
  revert(): void {}
}

function wire(request: ExecutionRequest & { readonly args: string }): Omit<WireRequest, 'mode'> {
  const { block, sender, contract, gasLimit, args } = request
  return { block: { height: block.height, timestamp: block.timestamp, parentHash: block.parentHash }, sender, contract, gasLimit, args }
}
