/**
 * The node's side of a sandbox thread: starts it, sends it requests, and serves its host calls
 * until the outcome comes back. Gas bounds every execution, so there is no deadline; an
 * execution that takes unusually long is reported once (an alarm for the log) and waited for.
 */
import { MessageChannel, Worker } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import { errorMessage } from '../errors.js'
import type { ContractHost } from './host.js'
import type { ExecutionOutcome } from './types.js'
import { SyncChannel } from './channel.js'
import { VmError } from './errors.js'
import type { SandboxLimits } from './contract-instance.js'
import { NODE_SIDE, type FromSandbox, type HostCall, type SandboxWorkerData, type ToSandbox, type WireRequest } from './protocol.js'
import { NODE_SPIN_MS, SANDBOX_START_TIMEOUT_MS, SANDBOX_THREAD_STACK_MB } from './constants.js'

export class SandboxThread {
  private constructor(
    private readonly worker: Worker,
    private readonly channel: SyncChannel<FromSandbox, ToSandbox>,
  ) {}

  /** Starts a thread and blocks until QuickJS is loaded in it (~50 ms here). */
  static start(limits: SandboxLimits, contract: string): SandboxThread {
    const { port1, port2 } = new MessageChannel()
    const signals = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)
    const workerData: SandboxWorkerData = { port: port2, signals, limits }
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData,
      transferList: [port2],
      resourceLimits: { stackSizeMb: SANDBOX_THREAD_STACK_MB },
    })
    // Neither the thread nor its port may keep the node's process alive.
    worker.unref()
    port1.unref()
    const thread = new SandboxThread(worker, new SyncChannel(port1, signals, NODE_SIDE, NODE_SPIN_MS))
    const message = thread.channel.receive(SANDBOX_START_TIMEOUT_MS)
    if (message?.kind !== 'ready') {
      thread.stop()
      const detail = message?.kind === 'failed' ? message.detail : `no answer in ${SANDBOX_START_TIMEOUT_MS} ms`
      throw new VmError('VM_ERROR_INTERNAL', { contract, detail: `the sandbox thread did not start: ${detail}` })
    }
    return thread
  }

  /**
   * Runs `request` against `host`. On any VmError the host is left as it was (every checkpoint
   * the sandbox opened is reverted) and this thread must not be used again.
   */
  execute(request: WireRequest, host: ContractHost, alarmMs: number, onSlow?: (contract: string, elapsedMs: number) => void): ExecutionOutcome {
    const started = performance.now()
    let alarmed = false
    let openCheckpoints = 0
    try {
      this.channel.send({ kind: 'execute', request })
      for (;;) {
        const message = this.channel.receive(alarmed ? Infinity : Math.max(0, started + alarmMs - performance.now()))
        if (message === undefined) {
          alarmed = true
          onSlow?.(request.contract, performance.now() - started)
          continue
        }
        switch (message.kind) {
          case 'host': {
            const { call } = message
            const answer = this.serve(host, call, request.contract)
            if (call.op === 'checkpoint') openCheckpoints++
            if (call.op === 'commit' || call.op === 'revert') openCheckpoints--
            if (call.op === 'getState' || call.op === 'getCode') this.channel.send({ kind: 'answer', value: answer })
            break
          }
          case 'done':
            if (openCheckpoints !== 0) {
              throw new VmError('VM_ERROR_INTERNAL', { contract: request.contract, detail: `${openCheckpoints} checkpoints left open` })
            }
            return message.outcome
          case 'failed':
            throw new VmError('VM_ERROR_INTERNAL', { contract: request.contract, detail: message.detail })
          case 'ready':
            throw new VmError('VM_ERROR_INTERNAL', { contract: request.contract, detail: 'unexpected message from the sandbox thread' })
        }
      }
    } catch (error) {
      for (; openCheckpoints > 0; openCheckpoints--) host.revert()
      throw error
    }
  }

  stop(): void {
    void this.worker.terminate().catch(() => undefined)
  }

  private serve(host: ContractHost, call: HostCall, contract: string): string | undefined {
    try {
      switch (call.op) {
        case 'getState':
          return host.getState(call.address, call.key)
        case 'getCode':
          return host.getCode(call.address)
        case 'setState':
          host.setState(call.address, call.key, call.value)
          return undefined
        case 'deleteState':
          host.deleteState(call.address, call.key)
          return undefined
        case 'setCode':
          host.setCode(call.address, call.code)
          return undefined
        case 'checkpoint':
          host.checkpoint()
          return undefined
        case 'commit':
          host.commit()
          return undefined
        case 'revert':
          host.revert()
          return undefined
      }
    } catch (error) {
      throw new VmError('VM_ERROR_HOST', { contract, detail: `${call.op}: ${errorMessage(error)}` }, { cause: error })
    }
  }
}
