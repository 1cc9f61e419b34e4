/**
 * How QuickJS reaches the contract API's host functions: a direct path in place of
 * quickjs-emscripten's general one.
 *
 * quickjs-emscripten runs every call from QuickJS into a host function through its
 * "maybe async" machinery (a generator, a `Scope` with a `Set` of the handles it manages, the
 * steps of a promise-aware loop), so that one host function may be asynchronous. Ours never
 * are, and a token transfer makes five such calls: that machinery was half of the sandbox
 * thread's allocations (~34 -> ~18 MB for a block of 1,000 transfers) and the collections they
 * cost, on the core the node's thread shares with the verify pool (docs/benchmarks.md, "peer").
 * The direct path does what the general one does for a synchronous function, in order: the
 * arguments as borrowed handles, the function's result duplicated for QuickJS, its handle then
 * released, an error thrown into QuickJS as an exception, the argument handles ended.
 *
 * It reaches past quickjs-emscripten's public API to the context's dispatch hook, so it checks
 * that hook's shape when installed (as a contract is set up, before any of its code runs) and
 * fails there rather than in a call; the dependency's version is pinned exactly (package.json).
 */
import { Lifetime, WeakLifetime, type EitherFFI, type HostRefId, type JSContextPointer, type JSValueConstPointer, type JSValuePointer, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type VmCallResult } from 'quickjs-emscripten'

type HostFunction = (...args: QuickJSHandle[]) => QuickJSHandle | VmCallResult<QuickJSHandle> | undefined | void

/** The members of quickjs-emscripten 0.32's `QuickJSContext` the direct path uses. */
interface ContextInternals {
  readonly ffi: EitherFFI
  readonly ctx: Lifetime<JSContextPointer>
  readonly runtime: QuickJSRuntime
  readonly memory: { readonly copyJSValue: (value: JSValuePointer | JSValueConstPointer) => JSValuePointer; readonly freeJSValue: (value: JSValuePointer) => void }
  getFunction(id: HostRefId): HostFunction
  readonly cToHostCallbacks: { callFunction: (ctx: JSContextPointer, thisPtr: JSValueConstPointer, argc: number, argv: JSValueConstPointer, id: HostRefId) => JSValuePointer }
}

/** Thrown when the installed quickjs-emscripten is not the shape this module was written for. */
export class HostDispatchUnsupported extends Error {
  constructor(missing: string) {
    super(`quickjs-emscripten's context has no ${missing}: the direct host-function path was written for 0.32.0 (package.json pins it)`)
    this.name = 'HostDispatchUnsupported'
  }
}

/**
 * Makes calls from QuickJS into `context`'s host functions take the direct path. Host functions
 * are then called without a `this` (the API's never read it), and must not return promises.
 */
export function dispatchHostCallsDirectly(context: QuickJSContext): void {
  const internals = context as unknown as ContextInternals
  for (const member of ['ffi', 'ctx', 'runtime', 'memory', 'getFunction', 'cToHostCallbacks'] as const) {
    if (internals[member] === undefined) throw new HostDispatchUnsupported(member)
  }
  if (typeof internals.cToHostCallbacks.callFunction !== 'function') throw new HostDispatchUnsupported('cToHostCallbacks.callFunction')
  const { ffi, runtime, memory } = internals
  const ctx = internals.ctx.value
  internals.cToHostCallbacks.callFunction = (_ctx, _thisPtr, argc, argv, id) => {
    const fn = internals.getFunction(id)
    const args = new Array<QuickJSHandle>(argc)
    for (let i = 0; i < argc; i++) args[i] = new WeakLifetime(ffi.QTS_ArgvGetJSValueConstPointer(argv, i), memory.copyJSValue, memory.freeJSValue, runtime)
    try {
      let thrown: QuickJSHandle
      try {
        const result = fn(...args)
        if (!result) return 0 as JSValuePointer
        if (!('error' in result && result.error)) {
          const handle = result instanceof Lifetime ? result : (result as { value: QuickJSHandle }).value
          try {
            return ffi.QTS_DupValuePointer(ctx, handle.value)
          } finally {
            if (handle.alive) handle.dispose()
          }
        }
        thrown = result.error
      } catch (error) {
        thrown = error instanceof Lifetime ? (error as QuickJSHandle) : context.newError(error as Error)
      }
      try {
        return ffi.QTS_Throw(ctx, thrown.value)
      } finally {
        thrown.dispose()
      }
    } finally {
      for (const arg of args) arg.dispose()
    }
  }
}
