/**
 * The sandbox thread: loads QuickJS once, then runs one execution at a time for its
 * `ContractVm`, reaching the node's `ContractHost` through a synchronous channel.
 *
 * Contracts run on this thread rather than the node's for three reasons: its native stack is
 * large (SANDBOX_THREAD_STACK_MB), so QuickJS's own stack limit always stops deep recursion
 * before the WebAssembly frames under it overflow the real stack (which would abort QuickJS
 * mid-operation); the node's thread can enforce the wall-clock deadline even while QuickJS is
 * inside one long built-in, by giving up on this thread and terminating it; and if QuickJS ever
 * fails internally, only this thread is lost.
 */
import { workerData } from 'node:worker_threads'
import { newQuickJSWASMModuleFromVariant, RELEASE_SYNC, type QuickJSWASMModule } from 'quickjs-emscripten'
import { errorMessage } from '../errors.js'
import type { ContractHost } from './host.js'
import { SyncChannel } from './channel.js'
import { execute } from './frames.js'
import { SANDBOX_SIDE, type FromSandbox, type HostCall, type SandboxWorkerData, type ToSandbox } from './protocol.js'

type Channel = SyncChannel<ToSandbox, FromSandbox>

/** The node's host, seen from this thread: reads wait for the answer, changes are sent in order. */
class RemoteHost implements ContractHost {
  constructor(private readonly channel: Channel) {}

  private send(call: HostCall): void {
    this.channel.send({ kind: 'host', call })
  }

  private ask(call: HostCall): string | undefined {
    this.send(call)
    const message = this.channel.receive(Infinity)
    if (message?.kind !== 'answer') throw new Error(`expected an answer from the node's thread, got ${message?.kind}`)
    return message.value
  }

  getState(address: string, key: string): string | undefined {
    return this.ask({ op: 'getState', address, key })
  }
  getCode(address: string): string | undefined {
    return this.ask({ op: 'getCode', address })
  }
  setState(address: string, key: string, value: string): void {
    this.send({ op: 'setState', address, key, value })
  }
  deleteState(address: string, key: string): void {
    this.send({ op: 'deleteState', address, key })
  }
  setCode(address: string, code: string): void {
    this.send({ op: 'setCode', address, code })
  }
  checkpoint(): void {
    this.send({ op: 'checkpoint' })
  }
  commit(): void {
    this.send({ op: 'commit' })
  }
  revert(): void {
    this.send({ op: 'revert' })
  }
}

function serve(channel: Channel, quickjs: QuickJSWASMModule, data: SandboxWorkerData): void {
  const host = new RemoteHost(channel)
  for (;;) {
    const message = channel.receive(Infinity)
    if (message?.kind !== 'execute') throw new Error(`expected a request, got ${message?.kind}`)
    channel.send({ kind: 'done', outcome: execute(quickjs, message.request, host, data.limits) })
  }
}

const data = workerData as SandboxWorkerData
const channel: Channel = new SyncChannel(data.port, data.signals, SANDBOX_SIDE)
try {
  const quickjs = await newQuickJSWASMModuleFromVariant(RELEASE_SYNC)
  channel.send({ kind: 'ready' })
  serve(channel, quickjs, data)
} catch (error) {
  // QuickJS failed (a WebAssembly trap leaves its memory in an unknown state) or the channel
  // broke: report it and end the thread; the node's thread starts a new one when needed.
  channel.send({ kind: 'failed', detail: errorMessage(error) })
}
