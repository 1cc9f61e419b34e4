/**
 * `ContractVm`: runs contract deploys and calls for the executor on a sandbox thread, each
 * contract from a snapshot of itself, metered by gas counted inside the interpreter, against
 * the caller's `ContractHost`.
 *
 * Outcomes (ok, reverted, out of gas) are the same on every node, and the wall clock decides
 * none of them. `VmError` is thrown when this node could not execute at all (a QuickJS failure,
 * a host failure, a binary that is not the protocol's); the host is then left exactly as it was,
 * and the next call starts a new sandbox thread. The node's thread waits for each outcome with
 * its event loop free. See docs/contracts.md for the contract API, the gas schedule and the
 * limits.
 */
import { ADDRESS_BYTES, formatContractAddress, formatParticipantId } from '../crypto/identity.js'
import type { ContractHost, ScopeEnd } from './host.js'
import type { BlockInfo, CallRequest, DeployRequest, ExecutionOutcome, ExecutionRequest } from './types.js'
import type { WireCommon, WireRequest } from './protocol.js'
import type { SandboxLimits } from './contract-instance.js'
import { VmError } from './errors.js'
import { SandboxThread, type ThreadCounts } from './sandbox-thread.js'
import { EXECUTION_ALARM_MS, MAX_STACK_BYTES, MEMORY_LIMIT_BYTES, MODULE_LOAD_GAS_LIMIT } from './constants.js'

export type { BlockInfo, CallRequest, ContractEvent, DeployRequest, ExecutionOutcome, ExecutionRequest, ExecutionStatus } from './types.js'
export type { ContractHost, ScopeEnd, StateScope } from './host.js'
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
   * Told once about an execution still running after EXECUTION_ALARM_MS: an alarm for the
   * node's log, which decides nothing (the execution goes on to its outcome).
   */
  readonly onSlowExecution?: (contract: string, elapsedMs: number) => void
  /** When `onSlowExecution` is told: EXECUTION_ALARM_MS unless a test wants it sooner. */
  readonly alarmMs?: number
}

export class ContractVm {
  private readonly limits: SandboxLimits
  private readonly onSlowExecution: ((contract: string, elapsedMs: number) => void) | undefined
  private readonly alarmMs: number
  /** Started at the first execution, replaced after any VmError. */
  private thread: Promise<SandboxThread> | undefined
  /** The thread once it started. */
  private started: SandboxThread | undefined
  private closed = false
  private readonly counts: ThreadCounts = { stateReads: 0 }

  constructor(init: ContractVmInit = {}) {
    this.limits = {
      memoryLimitBytes: init.memoryLimitBytes ?? MEMORY_LIMIT_BYTES,
      maxStackBytes: init.maxStackBytes ?? MAX_STACK_BYTES,
    }
    this.onSlowExecution = init.onSlowExecution
    this.alarmMs = init.alarmMs ?? EXECUTION_ALARM_MS
  }

  /**
   * Stores `code` at request.contract (host.setCode) and runs its `init(...args)` if exported.
   * A syntax error, a module that imports anything, or a failing init reverts everything, the
   * stored code included.
   */
  deploy(request: DeployRequest): Promise<ExecutionOutcome> {
    return this.execute(request, { ...this.wire(request), mode: 'deploy', code: request.code })
  }

  /** Runs an exported method. Unknown contract or method: reverted, with a clear message. */
  call(request: CallRequest): Promise<ExecutionOutcome> {
    return this.execute(request, { ...this.wire(request), mode: 'call', method: request.method })
  }

  /**
   * Loads `code` as a contract module (its top-level code, with the gas a deploy allows for it),
   * without `init`: undefined when it would deploy that far, else the reason it would revert.
   */
  async check(code: string): Promise<string | undefined> {
    const request: ExecutionRequest = { host: new DiscardingHost(), block: CHECK_BLOCK, sender: NOBODY, contract: NOWHERE, gasLimit: MODULE_LOAD_GAS_LIMIT }
    const outcome = await this.execute(request, { ...this.wire({ ...request, args: '[]' }), mode: 'check', code })
    return outcome.status === 'ok' ? undefined : (outcome.error ?? outcome.status)
  }

  /**
   * State reads the sandbox thread asked of this thread so far: those its mirror of the state
   * could not answer (a round trip between the threads each).
   */
  get stateReads(): number {
    return this.counts.stateReads
  }

  /** Stops the sandbox thread; the VM refuses work afterwards. */
  close(): void {
    this.closed = true
    void this.thread?.then((thread) => thread.stop(), () => undefined)
    this.thread = undefined
    this.started = undefined
  }

  /**
   * Sends the execution to the sandbox thread (started on first use, replaced after a failure),
   * after those already sent: executions run one at a time, in the order asked, and a caller
   * may ask for the next before the last ends (the executor does, for a block's calls).
   */
  private execute(request: ExecutionRequest, wireRequest: WireRequest): Promise<ExecutionOutcome> {
    if (this.closed) return Promise.reject(new VmError('VM_ERROR_CLOSED', { contract: request.contract, detail: 'the VM is closed' }))
    // A thread that failed is never reused.
    if (this.started?.failed === true) {
      this.thread = undefined
      this.started = undefined
    }
    // Once the thread runs, straight to it, so that a block's calls leave in messages as the
    // executor's loop adds them (MAX_REQUESTS_PER_MESSAGE), not all after it. Those asked while
    // it started were queued on its start, in order, and have all reached it by then.
    if (this.started !== undefined) return this.started.execute(wireRequest, request.host)
    this.thread ??= this.startThread(request.contract)
    return this.thread.then((thread) => thread.execute(wireRequest, request.host))
  }

  private startThread(contract: string): Promise<SandboxThread> {
    const starting = SandboxThread.start(this.limits, contract, { ms: this.alarmMs, onSlow: this.onSlowExecution }, this.counts)
    starting.then(
      (thread) => {
        if (this.thread === starting) this.started = thread
        else thread.stop()
      },
      () => {
        if (this.thread === starting) this.thread = undefined
      },
    )
    return starting
  }

  /** The request as the sandbox thread gets it: plain data, the host's state named by its scope. */
  private wire(request: ExecutionRequest & { readonly args: string }): WireCommon {
    const { block, sender, contract, gasLimit, args, host } = request
    const scope = host.stateScope
    return {
      scope: scopeName(scope),
      continues: scopeName(scope?.continues),
      block: { height: block.height, timestamp: block.timestamp, parentHash: block.parentHash }, sender, contract, gasLimit, args }
  }

}

/** A scope's name for the sandbox's mirror: its id and revision (nothing but data crosses threads). */
function scopeName(scope: ScopeEnd | undefined): string | undefined {
  return scope === undefined ? undefined : `${scope.id}:${scope.revision}`
}

/** `ContractVm.check` on a VM of its own (one sandbox thread start, ~100 ms). */
export async function checkContractSource(code: string): Promise<string | undefined> {
  const vm = new ContractVm()
  try {
    return await vm.check(code)
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
