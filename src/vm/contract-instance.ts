/**
 * A contract set up once and called many times: a QuickJS runtime and context on a metered
 * instance, the contract API installed, the contract's module evaluated, and a snapshot of all
 * of it. Every call starts from that snapshot and the instance goes back to it afterwards
 * (`MeteredInstance.restore`), so a call compiles nothing and nothing of one call can reach
 * the next: module-level variables, changed globals, the allocator's state, the gas it pays.
 *
 * The API functions are the only way out of QuickJS. They reach the frame being run through
 * `handlers`, set for the length of one call; while the module loads there is no frame, and
 * `state`, `msg` and `block` refuse with a clear message (a snapshot is shared by every call, so
 * top-level code must not depend on any one of them). Each function converts its arguments with
 * the context's own `JSON.stringify`/`JSON.parse`, captured before the contract's code runs, and
 * hands plain strings to `ApiHandlers`, which check and charge everything.
 *
 * Handles made during a call are never disposed: restoring the snapshot frees everything they
 * pointed to at once (disposing after it would free memory that no longer holds them).
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, VmCallResult } from 'quickjs-emscripten'
import { dispatchHostCallsDirectly } from './host-dispatch.js'
import { Halt } from './meter.js'
import type { MeteredInstance } from './metered/instance.js'
import { CLEANUP_SOURCE, DESCRIBE_SOURCE, NOT_A_METHOD, SETUP_SOURCE, type API_GLOBALS } from './prelude.js'
import { oneLine } from './text.js'

/**
 * Built-ins of a contract context. No Date (the clock), no typed arrays (the bit patterns of
 * NaN, which WebAssembly leaves to the machine). Eval is needed to compile the contract;
 * CLEANUP_SOURCE then removes every way for the contract to reach it.
 */
const INTRINSICS = {
  BaseObjects: true, Eval: true, JSON: true, MapSet: true, Proxy: true, RegExp: true, RegExpCompiler: true,
  Promise: true, StringNormalize: true, BigInt: true,
} as const

/** Fuel for the fixed work of setting a contract up (the same for every contract, never charged). */
const SETUP_FUEL = Number.MAX_SAFE_INTEGER

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

/** `invoke`'s answer: what the method returned or threw, or that the export is not a function (its type). */
export type MethodOutcome = Invocation | { readonly ok: false; readonly notAMethod: string }

export interface SandboxLimits {
  readonly memoryLimitBytes: number
  readonly maxStackBytes: number
}

/** Why a contract could not be set up: its module failed (`error`), or ran out of `moduleFuel`. */
export type SetupFailure = { readonly error: string; readonly outOfFuel: boolean }

/** The context's original built-ins and the VM's own functions, made before the contract runs. */
interface Originals {
  readonly invoke: QuickJSHandle
  readonly describe: QuickJSHandle
  readonly stringify: QuickJSHandle
  readonly parse: QuickJSHandle
  readonly isWellFormed: QuickJSHandle
  readonly freeze: QuickJSHandle
  readonly ErrorType: QuickJSHandle
  readonly toText: QuickJSHandle
}

/**
 * Errors an API function throws for the contract to see (and catch): a wrong argument, a
 * refused nested call, a halt; or a trap of the instance while the function worked (out of
 * fuel, which the frame then reports). Anything else is this node's failure, and ends the
 * execution.
 */
export function isContractFacing(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError || error instanceof Halt) return true
  return error instanceof Error && (error.name === 'CallError' || error.name === 'RuntimeError')
}

/** What the API functions of an instance reach: the frame being run, for the length of one call. */
class FrameBinding {
  handlers: ApiHandlers | null = null
  /** Set when an API function failed for a reason that is not the contract's (see isContractFacing). */
  failure: unknown = undefined

  constructor(readonly metered: MeteredInstance) {}

  /** The running frame's handlers, or the refusal of an API function called while the module loads. */
  frame(what: string): ApiHandlers {
    if (this.handlers === null) throw new TypeError(`${what} is only available while a method runs, not while the module loads`)
    return this.handlers
  }

  /** Stops the contract at its next instruction; `takeFailure` says why afterwards. */
  fail(error: unknown): void {
    this.failure = error
    this.metered.fuel = -1
  }
}

export class ContractInstance {
  private constructor(
    private readonly binding: FrameBinding,
    readonly metered: MeteredInstance,
    private readonly context: QuickJSContext,
    private readonly originals: Originals,
    private readonly namespace: QuickJSHandle,
    /** Fuel the module's evaluation used (what a deploy pays for it). */
    readonly moduleFuel: number,
  ) {}

  /**
   * Sets `code` up on `metered`, a blank instance, and snapshots it. The fixed work (runtime,
   * context, API) runs unmetered; the contract's own module gets `moduleFuel`. On failure the
   * instance is left blank again.
   */
  static setUp(metered: MeteredInstance, code: string, limits: SandboxLimits, moduleFuel: number): ContractInstance | SetupFailure {
    try {
      metered.fuel = SETUP_FUEL
      metered.clock = 0
      const runtime: QuickJSRuntime = metered.quickjs.newRuntime()
      runtime.setMemoryLimit(limits.memoryLimitBytes)
      runtime.setMaxStackSize(limits.maxStackBytes)
      const context = runtime.newContext({ intrinsics: INTRINSICS })
      dispatchHostCallsDirectly(context)
      // quickjs-emscripten makes these on first use: make them now, inside the snapshot (made
      // during a call, they would be undone in memory but not on the host's side).
      void [context.undefined, context.null, context.true, context.false, context.global]
      const originals = capture(context)
      const binding = new FrameBinding(metered)
      installApi(context, originals, binding)
      metered.fuel = moduleFuel
      const evaluated = evaluateModule(context, originals, code)
      const used = moduleFuel - metered.fuel
      metered.fuel = SETUP_FUEL
      if ('error' in evaluated) {
        metered.resetToBlank()
        return { error: evaluated.error, outOfFuel: false }
      }
      const instance = new ContractInstance(binding, metered, context, originals, evaluated.namespace, used)
      metered.takeSnapshot()
      return instance
    } catch (error) {
      // A trap: the module ran out of fuel (or QuickJS failed). Either way the memory is undone.
      const outOfFuel = metered.fuel < 0
      metered.resetToBlank()
      if (outOfFuel) return { error: 'out of gas', outOfFuel: true }
      throw error
    }
  }

  /** The type of export `name` (`undefined` when not exported): metered, like any QuickJS work. */
  exportType(name: string): string {
    return this.context.typeof(this.context.getProp(this.namespace, name))
  }

  /**
   * Calls export `method` with the JSON array `argsText` as frame `info`; its return value as
   * JSON text ('null' for undefined), why it failed, or the type of an export that is not a
   * function. Throws what the instance threw (a trap: out of fuel, a forced halt, or a failure of
   * an API function, then in `takeFailure()`). The caller restores the instance afterwards,
   * whatever happened.
   */
  invoke(method: string, argsText: string, info: FrameInfo, handlers: ApiHandlers): MethodOutcome {
    const { context, originals } = this
    this.binding.handlers = handlers
    this.metered.clock = info.timestamp
    try {
      const request = context.newString(`${method}\n${JSON.stringify(info)}\n${argsText}`)
      const returned = context.callFunction(originals.invoke, context.undefined, this.namespace, request)
      if (returned.error !== undefined) return { ok: false, error: this.describe(returned.error) }
      const text = context.getString(returned.value)
      return text.startsWith(NOT_A_METHOD) ? { ok: false, notAMethod: text.slice(1) } : { ok: true, result: text }
    } finally {
      this.binding.handlers = null
    }
  }

  /** The failure an API function met that was not the contract's (and forgets it). */
  takeFailure(): unknown {
    const { failure } = this.binding
    this.binding.failure = undefined
    return failure
  }

  /** One line about a thrown value (see DESCRIBE_SOURCE). */
  private describe(thrown: QuickJSHandle): string {
    const { context, originals } = this
    // When even QuickJS's error object cannot be allocated, what is thrown is null.
    if (context.sameValue(thrown, context.null) && this.metered.ranOutOfMemory) return 'InternalError: out of memory'
    const description = context.callFunction(originals.describe, context.undefined, thrown, originals.ErrorType, originals.toText)
    if (description.error !== undefined) return 'uncaught exception'
    return oneLine(context.getString(description.value))
  }
}

function capture(context: QuickJSContext): Originals {
  const get = (object: QuickJSHandle, name: string): QuickJSHandle => context.getProp(object, name)
  const run = (source: string, name: string): QuickJSHandle => context.unwrapResult(context.evalCode(source, name, { type: 'global', strict: true }))
  const json = get(context.global, 'JSON')
  const ObjectType = get(context.global, 'Object')
  const parse = get(json, 'parse')
  const stringify = get(json, 'stringify')
  const freeze = get(ObjectType, 'freeze')
  const makeInvoke = run(SETUP_SOURCE, 'setup.js')
  const describe = run(DESCRIBE_SOURCE, 'describe.js')
  run(CLEANUP_SOURCE, 'cleanup.js')
  const invoke = context.unwrapResult(
    context.callFunction(makeInvoke, context.undefined, parse, stringify, get(get(context.global, 'Array'), 'isArray'), get(context.global, 'Promise'), freeze, get(ObjectType, 'defineProperty'), context.global),
  )
  return {
    invoke,
    describe,
    stringify,
    parse,
    isWellFormed: get(get(get(context.global, 'String'), 'prototype'), 'isWellFormed'),
    freeze,
    ErrorType: get(context.global, 'Error'),
    toText: get(context.global, 'String'),
  }
}

/** The API globals besides `msg` and `block` (which SETUP_SOURCE defines). */
function installApi(context: QuickJSContext, originals: Originals, binding: FrameBinding): void {
  const fn = (name: string, body: (...args: QuickJSHandle[]) => QuickJSHandle | VmCallResult<QuickJSHandle> | undefined): QuickJSHandle =>
    context.newFunction(name, (...args) => {
      try {
        return body(...args)
      } catch (error) {
        if (error instanceof Interrupted) return { error: error.handle }
        // Not the contract's doing: stop it at its next instruction, and say why afterwards.
        if (!isContractFacing(error)) binding.fail(error)
        throw error
      }
    })
  const strings = new Strings(context, originals)
  const state = frozen(context, originals, {
    get: fn('get', (key) => {
      const text = binding.frame('state').get(strings.key(key))
      return text === undefined ? undefined : strings.parse(text)
    }),
    has: fn('has', (key) => (binding.frame('state').has(strings.key(key)) ? context.true : context.false)),
    set: fn('set', (key, value) => {
      const handlers = binding.frame('state')
      const checked = strings.key(key)
      const text = strings.stringify(value)
      if ('error' in text) return text
      if (text.value === undefined) throw new TypeError('state value is not a JSON value (use state.delete to remove a key)')
      handlers.set(checked, text.value)
      return undefined
    }),
    delete: fn('delete', (key) => (binding.frame('state').delete(strings.key(key)), undefined)),
  })
  const api: Record<Exclude<(typeof API_GLOBALS)[number], 'msg' | 'block'>, QuickJSHandle> = {
    state,
    emit: fn('emit', (name, data) => {
      const handlers = binding.frame('emit')
      const text = strings.stringify(data)
      if ('error' in text) return text
      handlers.emit(strings.string(name, 'event names'), text.value ?? 'null')
      return undefined
    }),
    call: fn('call', (address, method, ...args) => {
      const handlers = binding.frame('call')
      const texts: string[] = []
      for (const arg of args) {
        const text = strings.stringify(arg)
        if ('error' in text) return text
        texts.push(text.value ?? 'null')
      }
      const result = handlers.call(strings.string(address, 'contract addresses'), strings.string(method, 'method names'), `[${texts.join(',')}]`)
      return strings.parse(result)
    }),
    revert: fn('revert', (message) => {
      const handlers = binding.frame('revert')
      if (message !== undefined && context.typeof(message) === 'string') handlers.revert(context.getString(message))
      const text = context.callFunction(originals.toText, context.undefined, message ?? context.undefined)
      if (text.error !== undefined) return { error: text.error }
      handlers.revert(context.getString(text.value))
    }),
  }
  for (const [name, value] of Object.entries(api)) context.defineProp(context.global, name, { value, configurable: false, enumerable: false })
}

/** Evaluates the contract's module: its namespace, or why it failed. */
function evaluateModule(context: QuickJSContext, originals: Originals, code: string): { readonly namespace: QuickJSHandle } | { readonly error: string } {
  const evaluated = context.evalCode(code, 'contract.js', { type: 'module', strict: true })
  if (evaluated.error !== undefined) {
    const description = context.callFunction(originals.describe, context.undefined, evaluated.error, originals.ErrorType, originals.toText)
    return { error: description.error === undefined ? oneLine(context.getString(description.value)) : 'uncaught exception' }
  }
  const namespace = evaluated.value
  const state = context.getPromiseState(namespace)
  if (state.type === 'fulfilled' && state.notAPromise === true) return { namespace }
  return { error: 'top-level await is not supported in contracts' }
}

/** A new frozen plain object with these properties. */
function frozen(context: QuickJSContext, originals: Originals, properties: Record<string, QuickJSHandle>): QuickJSHandle {
  const object = context.newObject()
  for (const [name, value] of Object.entries(properties)) context.setProp(object, name, value)
  context.unwrapResult(context.callFunction(originals.freeze, context.undefined, object))
  return object
}

/** A QuickJS exception (its handle) met while the host was working for the contract. */
class Interrupted extends Error {
  constructor(readonly handle: QuickJSHandle) {
    super('interrupted')
  }
}

/** Strings and JSON values between the host and the context. */
class Strings {
  constructor(
    private readonly context: QuickJSContext,
    private readonly originals: Originals,
  ) {}

  string(handle: QuickJSHandle | undefined, what: string): string {
    if (handle === undefined || this.context.typeof(handle) !== 'string') {
      throw new TypeError(`${what} are strings, got ${handle === undefined ? 'undefined' : this.context.typeof(handle)}`)
    }
    return this.context.getString(handle)
  }

  /**
   * A state key: a string of well-formed Unicode (a lone surrogate would not survive UTF-8).
   * The check, when needed, runs in QuickJS.
   */
  key(handle: QuickJSHandle | undefined): string {
    const key = this.string(handle, 'state keys')
    // A lone surrogate reaches the host as U+FFFD: only then is QuickJS asked.
    if (!key.includes('\uFFFD')) return key
    const { context } = this
    const wellFormed = context.callFunction(this.originals.isWellFormed, handle!)
    if (wellFormed.error !== undefined) throw new Interrupted(wellFormed.error)
    if (!context.eq(wellFormed.value, context.true)) throw new TypeError('state keys must be well-formed Unicode (no lone surrogates)')
    return key
  }

  /** JSON text of a value (undefined for undefined, functions and symbols), or the error it threw. */
  stringify(value: QuickJSHandle | undefined): { readonly value: string | undefined } | { readonly error: QuickJSHandle } {
    const { context } = this
    const text = context.callFunction(this.originals.stringify, context.undefined, value ?? context.undefined)
    if (text.error !== undefined) return { error: text.error }
    return { value: context.typeof(text.value) === 'string' ? context.getString(text.value) : undefined }
  }

  /** The value of JSON `text`, as the host function's return value (quickjs-emscripten releases it). */
  parse(text: string): VmCallResult<QuickJSHandle> {
    const { context } = this
    const parsed = context.callFunction(this.originals.parse, context.undefined, context.newString(text))
    return parsed.error !== undefined ? { error: parsed.error } : { value: parsed.value }
  }
}
