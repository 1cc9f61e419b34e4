/**
 * `ContractVm`: runs contract deploys and calls for the executor (interim: the API only; the
 * sandbox lands in the next commits).
 */
import type { CallRequest, DeployRequest, ExecutionOutcome } from './types.js'
import { VmError } from './errors.js'

export type { BlockInfo, CallRequest, ContractEvent, DeployRequest, ExecutionOutcome, ExecutionRequest, ExecutionStatus } from './types.js'
export type { ContractHost } from './host.js'
export { VmError, type VmErrorCode, type VmErrorData } from './errors.js'

export interface ContractVmInit {
  readonly memoryLimitBytes?: number
  readonly deadlineMs?: number
  readonly maxStackBytes?: number
}

export class ContractVm {
  constructor(readonly init: ContractVmInit = {}) {}

  deploy(request: DeployRequest): ExecutionOutcome {
    throw new VmError('VM_ERROR_INTERNAL', { contract: request.contract, detail: 'the sandbox is not built yet' })
  }

  call(request: CallRequest): ExecutionOutcome {
    throw new VmError('VM_ERROR_INTERNAL', { contract: request.contract, detail: 'the sandbox is not built yet' })
  }

  close(): void {}
}
