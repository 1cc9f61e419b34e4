/**
 * One frame's QuickJS context: made fit for contracts, given the contract API, then used to
 * evaluate the contract's module and call one of its functions, with every value crossing the
 * boundary as JSON text.
 *
 * The API functions are host functions. Each converts its arguments with the context's own
 * `JSON.stringify` and `JSON.parse`, captured before the contract's code runs (so a contract
 * that replaces `JSON` changes what its code sees, not what the API does), and hands plain
 * strings to `ApiHandlers`, which check and charge everything.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, VmCallResult } from 'quickjs-emscripten'
import { API_GLOBALS, CLEANUP_SOURCE, DESCRIBE_SOURCE, INVOKE_SOURCE } from './prelude.js'
import { oneLine } from './text.js'

/**
 * Built-ins of a contract context. No Date (the clock), no typed arrays (the bit patterns of
 * NaN, which WebAssembly leaves to the machine; and ~50 µs more per context). Eval is needed to
 * compile the contract; CLEANUP_SOURCE then removes every way for the contract to reach it.
 */
const INTRINSICS = {
  BaseObjects: true, Eval: true, JSON: true, MapSet: true, Proxy: true, RegExp: true, RegExpCompiler: true,
  Promise: true, StringNormalize: true, BigInt: true,
} as const

/** What the API does, in plain strings (JSON text for values). Each may throw; the contract sees the error. */
export interface ApiHandlers {
  get(key: string): string | undefined
  has(key: string): boolean
  set(key: string, value: string): void
  delete(key: string): void
  emit(name: string, data: string): void
  /** Returns the callee's result, JSON text. */
  call(address: string, method: string, args: string): string
  revert(message: string): never
}

export interface FrameInfo {
  readonly sender: string
  readonly contract: string
  readonly height: number
  readonly timestamp: number
  readonly hash: string
}

export type Invocation = { readonly ok: true; readonly result: string } | { readonly ok: false; readonly error: string }

/** The context's original built-ins, captured before the contract runs. */
interface Originals {
  readonly parse: QuickJSHandle
  readonly stringify: QuickJSHandle
  /** The function INVOKE_SOURCE makes, in this context. */
  readonly invoke: QuickJSHandle
  readonly isWellFormed: QuickJSHandle
  readonly freeze: QuickJSHandle
  readonly ErrorType: QuickJSHandle
  readonly toText: QuickJSHandle
}

/** A QuickJS exception (its handle) met while the host was working for the contract. */
class Interrupted extends Error {
  constructor(readonly handle: QuickJSHandle) {
    super('interrupted')
  }
}

export class ContractContext {
  private readonly handles: QuickJSHandle[] = []
  private readonly originals: Originals
  private describeFunction: QuickJSHandle | undefined

  readonly context: QuickJSContext

  /** Makes the context: fixed work, which the caller runs with the limits lifted (see `withoutLimits`). */
  constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly limits: SandboxLimits,
    /** Whether the WebAssembly memory has refused to grow during this execution. */
    private readonly memoryExhausted: () => boolean,
  ) {
    this.context = runtime.newContext({ intrinsics: INTRINSICS })
    this.originals = this.capture()
  }

  /** Releases every handle, then the context. */
  dispose(): void {
    for (const handle of this.handles.reverse()) if (handle.alive) handle.dispose()
    this.context.dispose()
  }

  install(info: FrameInfo, handlers: ApiHandlers): void {
    const { context } = this
    context.unwrapResult(context.evalCode(CLEANUP_SOURCE, 'cleanup.js', { type: 'global', strict: true })).dispose()
    const fn = (name: string, body: (...args: QuickJSHandle[]) => QuickJSHandle | VmCallResult<QuickJSHandle> | undefined): QuickJSHandle =>
      this.keep(
        context.newFunction(name, (...args) => {
          try {
            return body(...args)
          } catch (error) {
            // Rethrow QuickJS's own exception (an interruption) as it is.
            if (error instanceof Interrupted) return { error: error.handle.dup() }
            throw error
          }
        }),
      )
    const state = this.frozen({
      get: fn('get', (key) => {
        const text = handlers.get(this.key(key))
        return text === undefined ? undefined : this.parse(text)
      }),
      has: fn('has', (key) => (handlers.has(this.key(key)) ? context.true : context.false)),
      set: fn('set', (key, value) => {
        const checked = this.key(key)
        const text = this.stringify(value)
        if ('error' in text) return text
        if (text.value === undefined) throw new TypeError('state value is not a JSON value (use state.delete to remove a key)')
        handlers.set(checked, text.value)
        return undefined
      }),
      delete: fn('delete', (key) => (handlers.delete(this.key(key)), undefined)),
    })
    const api: Record<(typeof API_GLOBALS)[number], QuickJSHandle> = {
      state,
      msg: this.frozen({ sender: this.keep(context.newString(info.sender)), contract: this.keep(context.newString(info.contract)) }),
      block: this.frozen({
        height: this.keep(context.newNumber(info.height)),
        timestamp: this.keep(context.newNumber(info.timestamp)),
        hash: this.keep(context.newString(info.hash)),
      }),
      emit: fn('emit', (name, data) => {
        const text = this.stringify(data)
        if ('error' in text) return text
        handlers.emit(this.string(name, 'event names'), text.value ?? 'null')
        return undefined
      }),
      call: fn('call', (address, method, ...args) => {
        const texts: string[] = []
        for (const arg of args) {
          const text = this.stringify(arg)
          if ('error' in text) return text
          texts.push(text.value ?? 'null')
        }
        const result = handlers.call(this.string(address, 'contract addresses'), this.string(method, 'method names'), `[${texts.join(',')}]`)
        return this.parse(result)
      }),
      revert: fn('revert', (message) => {
        if (message !== undefined && context.typeof(message) === 'string') handlers.revert(context.getString(message))
        const text = context.callFunction(this.originals.toText, context.undefined, message ?? context.undefined)
        if (text.error !== undefined) return { error: text.error }
        handlers.revert(context.getString(this.keep(text.value)))
      }),
    }
    for (const name of API_GLOBALS) context.defineProp(context.global, name, { value: api[name], configurable: false, enumerable: false })
  }

  /** Evaluates the contract's module: its namespace, or why it failed. */
  evaluate(code: string): { readonly namespace: QuickJSHandle } | { readonly error: string } {
    const { context } = this
    const evaluated = context.evalCode(code, 'contract.js', { type: 'module', strict: true })
    if (evaluated.error !== undefined) return { error: this.describe(evaluated.error) }
    const namespace = this.keep(evaluated.value)
    const state = context.getPromiseState(namespace)
    if (state.type === 'fulfilled' && state.notAPromise === true) return { namespace }
    if (state.type === 'fulfilled') this.keep(state.value)
    if (state.type === 'rejected') this.keep(state.error)
    return { error: 'top-level await is not supported in contracts' }
  }

  /** The type of export `name` of `namespace` (`undefined` when not exported). */
  exportType(namespace: QuickJSHandle, name: string): string {
    return this.context.typeof(this.keep(this.context.getProp(namespace, name)))
  }

  /** Calls export `name` with the JSON array `argsText`; the return value as JSON text ('null' for undefined). */
  invoke(namespace: QuickJSHandle, name: string, argsText: string): Invocation {
    const { context, originals } = this
    const fn = this.keep(context.getProp(namespace, name))
    const returned = context.callFunction(originals.invoke, context.undefined, fn, this.keep(context.newString(argsText)))
    if (returned.error !== undefined) return { ok: false, error: this.describe(returned.error) }
    return { ok: true, result: context.getString(this.keep(returned.value)) }
  }

  /** One line about a thrown value (see DESCRIBE_SOURCE); takes ownership of `thrown`. */
  describe(thrown: QuickJSHandle): string {
    const { context, originals } = this
    this.keep(thrown)
    // When even QuickJS's error object cannot be allocated, what is thrown is null.
    if (context.sameValue(thrown, context.null) && this.memoryExhausted()) return 'InternalError: out of memory'
    if (this.describeFunction === undefined) {
      // Compiling the helper is fixed work: do it with the limits lifted, like installing.
      const compiled = withoutLimits(this.runtime, this.limits, () => context.evalCode(DESCRIBE_SOURCE, 'describe.js', { type: 'global', strict: true }))
      if (compiled.error !== undefined) return (this.keep(compiled.error), 'uncaught exception')
      this.describeFunction = this.keep(compiled.value)
    }
    const description = context.callFunction(this.describeFunction, context.undefined, thrown, originals.ErrorType, originals.toText)
    if (description.error !== undefined) return (this.keep(description.error), 'uncaught exception')
    return oneLine(context.getString(this.keep(description.value)))
  }

  private capture(): Originals {
    const { context } = this
    const get = (object: QuickJSHandle, name: string): QuickJSHandle => this.keep(context.getProp(object, name))
    const json = get(context.global, 'JSON')
    const Object = get(context.global, 'Object')
    const String = get(context.global, 'String')
    const parse = get(json, 'parse')
    const stringify = get(json, 'stringify')
    const makeInvoke = this.keep(context.unwrapResult(context.evalCode(INVOKE_SOURCE, 'invoke.js', { type: 'global', strict: true })))
    const isArray = get(get(context.global, 'Array'), 'isArray')
    const invoke = context.callFunction(makeInvoke, context.undefined, parse, stringify, isArray, get(context.global, 'Promise'))
    return {
      parse,
      stringify,
      invoke: this.keep(context.unwrapResult(invoke)),
      isWellFormed: get(get(String, 'prototype'), 'isWellFormed'),
      freeze: get(Object, 'freeze'),
      ErrorType: get(context.global, 'Error'),
      toText: String,
    }
  }

  private keep(handle: QuickJSHandle): QuickJSHandle {
    this.handles.push(handle)
    return handle
  }

  /** A new frozen plain object with these properties. */
  private frozen(properties: Record<string, QuickJSHandle>): QuickJSHandle {
    const { context } = this
    const object = this.keep(context.newObject())
    for (const [name, value] of Object.entries(properties)) context.setProp(object, name, value)
    this.keep(context.unwrapResult(context.callFunction(this.originals.freeze, context.undefined, object)))
    return object
  }

  private string(handle: QuickJSHandle | undefined, what: string): string {
    if (handle === undefined || this.context.typeof(handle) !== 'string') {
      throw new TypeError(`${what} are strings, got ${handle === undefined ? 'undefined' : this.context.typeof(handle)}`)
    }
    return this.context.getString(handle)
  }

  /**
   * A state key: a string of well-formed Unicode (a lone surrogate would not survive UTF-8).
   * The check, when needed, runs in QuickJS, so it can be interrupted (out of gas): then the
   * interruption is what the contract gets.
   */
  private key(handle: QuickJSHandle | undefined): string {
    const key = this.string(handle, 'state keys')
    // A lone surrogate reaches the host as U+FFFD: only then is QuickJS asked.
    if (!key.includes('\uFFFD')) return key
    const { context } = this
    const wellFormed = context.callFunction(this.originals.isWellFormed, handle!)
    if (wellFormed.error !== undefined) throw new Interrupted(this.keep(wellFormed.error))
    if (!context.eq(this.keep(wellFormed.value), context.true)) throw new TypeError('state keys must be well-formed Unicode (no lone surrogates)')
    return key
  }

  /** JSON text of a value (undefined for undefined, functions and symbols), or the error it threw. */
  private stringify(value: QuickJSHandle | undefined): { readonly value: string | undefined } | { readonly error: QuickJSHandle } {
    const { context } = this
    const text = context.callFunction(this.originals.stringify, context.undefined, value ?? context.undefined)
    if (text.error !== undefined) return { error: text.error }
    const handle = this.keep(text.value)
    return { value: context.typeof(handle) === 'string' ? context.getString(handle) : undefined }
  }

  /** A fresh handle to the value of JSON `text` (the host function's return value, released by quickjs-emscripten). */
  private parse(text: string): VmCallResult<QuickJSHandle> {
    const { context } = this
    const parsed = context.callFunction(this.originals.parse, context.undefined, this.keep(context.newString(text)))
    return parsed.error !== undefined ? { error: parsed.error } : { value: parsed.value }
  }
}

export interface SandboxLimits {
  readonly memoryLimitBytes: number
  readonly maxStackBytes: number
}

/** Runs `task` with the runtime's memory and stack limits lifted, then sets `limits` again. */
export function withoutLimits<T>(runtime: QuickJSRuntime, limits: SandboxLimits, task: () => T): T {
  runtime.setMemoryLimit(-1)
  runtime.setMaxStackSize(0)
  try {
    return task()
  } finally {
    runtime.setMemoryLimit(limits.memoryLimitBytes)
    runtime.setMaxStackSize(limits.maxStackBytes)
  }
}
