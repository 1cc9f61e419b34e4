/**
 * The node's side of a sandbox thread: starts it, sends it requests, and answers its state reads
 * until the outcome comes back, waiting without blocking the node's event loop. Gas bounds every
 * execution, so there is no deadline; an execution that takes unusually long is reported once
 * (an alarm for the log) and waited for.
 */
import { MessageChannel, Worker } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import { errorMessage } from '../errors.js'
import type { ContractHost } from './host.js'
import type { ExecutionOutcome } from './types.js'
import { SyncChannel } from './channel.js'
import { VmError } from './errors.js'
import type { SandboxLimits } from './contract-instance.js'
import { NODE_SIDE, type FromSandbox, type HostRead, type StateWrite, type SandboxWorkerData, type ToSandbox, type WireRequest } from './protocol.js'
import { NODE_SPIN_MS, SANDBOX_START_TIMEOUT_MS, SANDBOX_THREAD_STACK_MB } from './constants.js'

export class SandboxThread {
  private constructor(
    private readonly worker: Worker,
    private readonly channel: SyncChannel<FromSandbox, ToSandbox>,
  ) {}

  /** Starts a thread and waits until QuickJS is loaded in it (~50 ms here). */
  static async start(limits: SandboxLimits, contract: string): Promise<SandboxThread> {
    const { port1, port2 } = new MessageChannel()
    const signals = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)
    const workerData: SandboxWorkerData = { port: port2, signals, limits }
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData,
      transferList: [port2],
      resourceLimits: { stackSizeMb: SANDBOX_THREAD_STACK_MB },
    })
    // Neither the thread nor its port may keep the node's process alive, except while it is
    // waited for (`Atomics.waitAsync` alone would not: the process could end mid-execution).
    port1.unref()
    const thread = new SandboxThread(worker, new SyncChannel(port1, signals, NODE_SIDE, NODE_SPIN_MS))
    const message = await thread.channel.next(SANDBOX_START_TIMEOUT_MS)
    worker.unref()
    if (message?.kind !== 'ready') {
      thread.stop()
      const detail = message?.kind === 'failed' ? message.detail : `no answer in ${SANDBOX_START_TIMEOUT_MS} ms`
      throw new VmError('VM_ERROR_INTERNAL', { contract, detail: `the sandbox thread did not start: ${detail}` })
    }
    return thread
  }

  /**
   * Runs `request`, answering the sandbox's reads from `host`, and applies the changes of a
   * successful execution to `host` at once (inside a checkpoint of its own, so a host that fails
   * part way is left as it was). On any VmError nothing was applied and this thread must not be
   * used again.
   */
  async execute(request: WireRequest, host: ContractHost, alarmMs: number, onSlow?: (contract: string, elapsedMs: number) => void): Promise<ExecutionOutcome> {
    this.worker.ref()
    try {
      this.channel.send({ kind: 'execute', request })
      return await this.outcome(request, host, alarmMs, onSlow)
    } finally {
      this.worker.unref()
    }
  }

  private async outcome(request: WireRequest, host: ContractHost, alarmMs: number, onSlow?: (contract: string, elapsedMs: number) => void): Promise<ExecutionOutcome> {
    const started = performance.now()
    let alarmed = false
    for (;;) {
      const message = await this.channel.next(alarmed ? Infinity : Math.max(0, started + alarmMs - performance.now()))
      if (message === undefined) {
        alarmed = true
        onSlow?.(request.contract, performance.now() - started)
        continue
      }
      switch (message.kind) {
        case 'read':
          this.channel.send({ kind: 'answer', value: this.serve(request.contract, message.read.op, () => read(host, message.read)) })
          break
        case 'done':
          if (message.writes.length > 0) this.serve(request.contract, 'apply', () => apply(host, message.writes))
          return message.outcome
        case 'failed':
          throw new VmError('VM_ERROR_INTERNAL', { contract: request.contract, detail: message.detail })
        case 'ready':
          throw new VmError('VM_ERROR_INTERNAL', { contract: request.contract, detail: 'unexpected message from the sandbox thread' })
      }
    }
  }

  stop(): void {
    void this.worker.terminate().catch(() => undefined)
  }

  /** Runs a host operation; its failure is this node's (VM_ERROR_HOST). */
  private serve<T>(contract: string, op: string, work: () => T): T {
    try {
      return work()
    } catch (error) {
      throw new VmError('VM_ERROR_HOST', { contract, detail: `${op}: ${errorMessage(error)}` }, { cause: error })
    }
  }
}

function read(host: ContractHost, read: HostRead): string | undefined {
  return read.op === 'getState' ? host.getState(read.address, read.key) : host.getCode(read.address)
}

/** All of an execution's changes or, if the host fails part way, none. */
function apply(host: ContractHost, writes: readonly StateWrite[]): void {
  host.checkpoint()
  try {
    for (const write of writes) {
      switch (write.op) {
        case 'set':
          host.setState(write.address, write.key, write.value)
          break
        case 'delete':
          host.deleteState(write.address, write.key)
          break
        case 'code':
          host.setCode(write.address, write.code)
          break
      }
    }
  } catch (error) {
    host.revert()
    throw error
  }
  host.commit()
}
