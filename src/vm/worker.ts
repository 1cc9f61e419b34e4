/**
 * The sandbox thread: runs one execution at a time for its `ContractVm` in a QuickJS instance
 * it keeps (see `InstanceSource`), reaching the node's `ContractHost` through a synchronous
 * channel.
 *
 * Contracts run on this thread rather than the node's for three reasons: its native stack is
 * large (SANDBOX_THREAD_STACK_MB), so QuickJS's own stack limit always stops deep recursion
 * before the WebAssembly frames under it overflow the real stack (which would abort QuickJS
 * mid-operation); the node's thread can enforce the wall-clock deadline even while QuickJS is
 * inside one long built-in, by giving up on this thread and terminating it; and if QuickJS ever
 * fails internally, only this thread is lost.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { workerData } from 'node:worker_threads'
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC, type QuickJSWASMModule } from 'quickjs-emscripten'
import { errorMessage } from '../errors.js'
import type { ContractHost } from './host.js'
import type { ExecutionOutcome } from './types.js'
import { SyncChannel } from './channel.js'
import { execute } from './frames.js'
import { QUICKJS_INITIAL_MEMORY_BYTES, SANDBOX_SPIN_MS, WASM_PAGE_BYTES } from './constants.js'
import { SANDBOX_SIDE, type FromSandbox, type HostCall, type SandboxWorkerData, type ToSandbox } from './protocol.js'

type Channel = SyncChannel<ToSandbox, FromSandbox>

/** The part of the WebAssembly API used here (the project's `lib` has no WebAssembly types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object
  Memory: new (descriptor: { initial: number; maximum: number }) => { grow(pages: number): number }
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly

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

/** A QuickJS instance and whether its memory ever failed to grow. */
interface Instance {
  readonly quickjs: QuickJSWASMModule
  /** Set when the WebAssembly memory refused to grow (it is at its maximum, or nearly). */
  growthFailed: boolean
}

/**
 * QuickJS instances, each with its own WebAssembly memory whose maximum is the real bound on a
 * contract's memory: QuickJS cannot count the bytes it holds in this build (Emscripten has no
 * malloc_usable_size, so its allocator counts 8 bytes per live allocation plus the request).
 *
 * Where an allocation fails at that maximum depends on the instance's history: Emscripten grows
 * memory by 5-20 % more than asked and fails when even that does not fit, so an instance that
 * grew step by step fails at another point than one already grown (measured: a loop of
 * allocations stopped 7 iterations apart on a fresh and a used instance). Below the maximum,
 * every execution starts from the same allocator state (everything freed is merged back), so
 * results do not depend on history. Hence: an instance is reused until its memory fails to
 * grow; the execution in which that happened is run again on a fresh instance, whose outcome
 * every node computes alike.
 */
class InstanceSource {
  private readonly compiled: object
  private next: Promise<Instance>

  constructor(private readonly memoryLimitBytes: number) {
    const wasm = fileURLToPath(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))
    this.compiled = new wasmApi.Module(readFileSync(wasm))
    this.next = this.make()
  }

  /** A fresh instance (~2 ms here); the one after it is prepared while this thread waits for work. */
  async fresh(): Promise<Instance> {
    const instance = await this.next
    this.next = this.make()
    return instance
  }

  private async make(): Promise<Instance> {
    const initial = QUICKJS_INITIAL_MEMORY_BYTES / WASM_PAGE_BYTES
    const maximum = initial + Math.ceil(this.memoryLimitBytes / WASM_PAGE_BYTES)
    const wasmMemory = new wasmApi.Memory({ initial, maximum })
    const quickjs = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmModule: this.compiled as never, wasmMemory: wasmMemory as never }))
    const instance: Instance = { quickjs, growthFailed: false }
    // Emscripten's glue grows the memory through this method; a failure is the event to watch.
    const grow = wasmMemory.grow.bind(wasmMemory)
    wasmMemory.grow = (pages: number): number => {
      try {
        return grow(pages)
      } catch (error) {
        instance.growthFailed = true
        throw error
      }
    }
    // The first runtime of an instance makes lasting allocations; make them before any contract.
    quickjs.newRuntime().dispose()
    return instance
  }
}

async function serve(channel: Channel, instances: InstanceSource, data: SandboxWorkerData): Promise<never> {
  const host = new RemoteHost(channel)
  let instance = await instances.fresh()
  for (;;) {
    // Back-to-back requests (a block's transactions) are taken at once; an idle thread waits
    // without spinning, in its event loop.
    const message = channel.poll() ?? (await channel.receiveAsync())
    if (message.kind !== 'execute') throw new Error(`expected a request, got ${message.kind}`)
    const { request } = message
    const run = (target: Instance): ExecutionOutcome => execute(target.quickjs, request, host, data.limits, () => target.growthFailed)
    host.checkpoint()
    let outcome = run(instance)
    if (instance.growthFailed) {
      // Undo this run and compute the outcome every node computes: on a fresh instance.
      host.revert()
      host.checkpoint()
      instance = await instances.fresh()
      outcome = run(instance)
      if (instance.growthFailed) instance = await instances.fresh()
    }
    host.commit()
    channel.send({ kind: 'done', outcome })
  }
}

const data = workerData as SandboxWorkerData
const channel: Channel = new SyncChannel(data.port, data.signals, SANDBOX_SIDE, SANDBOX_SPIN_MS)
channel.listen()
try {
  const instances = new InstanceSource(data.limits.memoryLimitBytes)
  // Fail at start, not at the first execution, if QuickJS cannot be instantiated here.
  await instances.fresh()
  channel.send({ kind: 'ready' })
  await serve(channel, instances, data)
} catch (error) {
  // QuickJS failed (a WebAssembly trap leaves its memory in an unknown state) or the channel
  // broke: report it and end the thread; the node's thread starts a new one when needed.
  channel.send({ kind: 'failed', detail: errorMessage(error) })
}
