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
import { EVENT_LOOP_SLICE_MS, MAX_REQUESTS_PER_MESSAGE, NODE_SPIN_MS, SANDBOX_START_TIMEOUT_MS, SANDBOX_THREAD_STACK_MB } from './constants.js'

/** An execution sent to the sandbox thread and not yet answered. */
interface InFlight {
  readonly contract: string
  readonly host: ContractHost
  readonly resolve: (outcome: ExecutionOutcome) => void
  readonly reject: (error: unknown) => void
}

export class SandboxThread {
  /** Executions sent, oldest first: the sandbox runs them in order, so its messages are the oldest's. */
  private readonly inFlight: InFlight[] = []
  /** Requests not yet sent: those asked in one turn of the event loop leave together, MAX_REQUESTS_PER_MESSAGE at most in a message. */
  private readonly outbox: WireRequest[] = []
  /** Set once the thread failed: it takes no more work. */
  private failure: VmError | undefined
  private serving = false

  private constructor(
    private readonly worker: Worker,
    private readonly channel: SyncChannel<FromSandbox, ToSandbox>,
    private readonly alarm: Alarm,
    private readonly counts: ThreadCounts,
  ) {}

  /** Starts a thread and waits until QuickJS is loaded in it (~50 ms here). */
  static async start(limits: SandboxLimits, contract: string, alarm: Alarm, counts: ThreadCounts): Promise<SandboxThread> {
    const { port1, port2 } = new MessageChannel()
    const signals = SyncChannel.signals()
    const workerData: SandboxWorkerData = { port: port2, signals, limits }
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData,
      transferList: [port2],
      resourceLimits: { stackSizeMb: SANDBOX_THREAD_STACK_MB },
    })
    // Neither the thread nor its port may keep the node's process alive, except while work is
    // waited for (`Atomics.waitAsync` alone would not: the process could end mid-execution).
    port1.unref()
    const thread = new SandboxThread(worker, new SyncChannel(port1, signals, NODE_SIDE, NODE_SPIN_MS), alarm, counts)
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
   * Sends `request` to run after those already sent, and gives its outcome. The sandbox's reads
   * are answered from `host`, and the changes of a successful execution are applied to it at
   * once (inside a checkpoint of its own, so a host that fails part way is left as it was).
   * Executions may be sent before earlier ones end (a block's calls): the sandbox runs them
   * back to back, each seeing the changes of those before. On a VmError the failed execution
   * and every later one change nothing, and this thread takes no more work.
   */
  execute(request: WireRequest, host: ContractHost): Promise<ExecutionOutcome> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.inFlight.push({ contract: request.contract, host, resolve, reject })
      this.outbox.push(request)
      if (this.outbox.length === 1) queueMicrotask(() => this.sendRequests())
      else if (this.outbox.length >= MAX_REQUESTS_PER_MESSAGE) this.sendRequests()
      if (!this.serving) void this.serve()
    })
  }

  private sendRequests(): void {
    const requests = this.outbox.splice(0)
    if (requests.length > 0 && this.failure === undefined) this.channel.send({ kind: 'execute', requests })
  }

  /** Whether the thread failed and must be replaced. */
  get failed(): boolean {
    return this.failure !== undefined
  }

  stop(): void {
    void this.worker.terminate().catch(() => undefined)
  }

  /** Answers the sandbox until no execution is in flight. */
  private async serve(): Promise<void> {
    this.serving = true
    this.worker.ref()
    let sliceStarted = performance.now()
    let started = performance.now()
    let alarmed = false
    try {
      while (this.inFlight.length > 0) {
        const oldest = this.inFlight[0]!
        // Most messages come within the spin: polled first, they cost no promise.
        const message = this.channel.poll() ?? (await this.channel.next(alarmed ? Infinity : Math.max(0, started + this.alarm.ms - performance.now()), true))
        if (message === undefined) {
          alarmed = true
          this.alarm.onSlow?.(oldest.contract, performance.now() - started)
          continue
        }
        switch (message.kind) {
          case 'read':
            this.counts.stateReads++
            this.channel.send({ kind: 'answer', value: hostWork(oldest.contract, message.read.op, () => read(oldest.host, message.read)) })
            break
          case 'done':
            for (const { outcome, writes } of message.results) {
              // Taken off the queue only once applied: if that fails, it fails with the reason.
              const ended = this.inFlight[0]
              if (ended === undefined) throw new VmError('VM_ERROR_INTERNAL', { contract: oldest.contract, detail: 'an outcome from the sandbox thread for no request' })
              if (writes.length > 0) hostWork(ended.contract, 'apply', () => apply(ended.host, writes))
              this.inFlight.shift()
              ended.resolve(outcome)
            }
            started = performance.now()
            alarmed = false
            break
          case 'failed':
            throw new VmError('VM_ERROR_INTERNAL', { contract: oldest.contract, detail: message.detail })
          case 'ready':
            throw new VmError('VM_ERROR_INTERNAL', { contract: oldest.contract, detail: 'unexpected message from the sandbox thread' })
        }
        // Outcomes that came at once (a spinning wait) never yield: let the event loop run.
        if (performance.now() - sliceStarted > EVENT_LOOP_SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve))
          sliceStarted = performance.now()
        }
      }
    } catch (error) {
      // The thread may be running, stuck or broken: it takes no more work, and what was in
      // flight fails (the first with the reason, the others as not run).
      this.failure = error instanceof VmError ? error : new VmError('VM_ERROR_INTERNAL', { contract: this.inFlight[0]?.contract ?? '', detail: String(error) })
      this.stop()
      for (const [index, pending] of this.inFlight.splice(0).entries()) {
        pending.reject(index === 0 ? this.failure : new VmError('VM_ERROR_INTERNAL', { contract: pending.contract, detail: 'not run: an earlier execution failed' }))
      }
    } finally {
      this.serving = false
      this.worker.unref()
    }
  }
}

/** What the threads of one VM did, counted across the threads it starts. */
export interface ThreadCounts {
  /** State reads the sandbox asked of the node's thread (its mirror answered the others). */
  stateReads: number
}

/** Who is told about an execution still running after `ms` (an alarm for the log, deciding nothing). */
export interface Alarm {
  readonly ms: number
  readonly onSlow?: ((contract: string, elapsedMs: number) => void) | undefined
}

/** Runs a host operation; its failure is this node's (VM_ERROR_HOST). */
function hostWork<T>(contract: string, op: string, work: () => T): T {
  try {
    return work()
  } catch (error) {
    throw new VmError('VM_ERROR_HOST', { contract, detail: `${op}: ${errorMessage(error)}` }, { cause: error })
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
