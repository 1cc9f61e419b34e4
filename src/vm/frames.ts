/**
 * One execution (a deploy or a call) inside QuickJS: its runtime, its call frames, its gas.
 *
 * What is fresh and what is reused, and why:
 * - A QuickJS instance (WebAssembly module and memory) is reused from one execution to the
 *   next until its memory once fails to grow (see src/vm/worker.ts).
 * - Every execution gets a fresh QuickJS runtime (~15 µs here). A reused runtime would carry
 *   its allocation counters, garbage-collection threshold and atom table from earlier calls
 *   (and from local-only work such as queries), so limits and collections would fall at points
 *   that depend on the node's history.
 * - Every frame gets a fresh context (~0.1 ms here with the built-ins contracts get). A reused
 *   context would keep the contract's module-level variables and any global it changed from one
 *   transaction to the next, state outside `state` that a restarted node would not have; and
 *   QuickJS's interrupt counter lives in the context, so the first gas tick of a call would
 *   come at a point that depends on what ran before it in that context.
 * - Compiled code is not reused: quickjs-emscripten 0.32 does not expose bytecode
 *   serialization (its binary JSON omits JS_WRITE_OBJ_BYTECODE), and a compiled module belongs
 *   to the context that compiled it. Compiling costs ~80-100 ns per byte of source here.
 *
 * The API handlers below are the only way out of QuickJS. They trust nothing: each checks that
 * the frame is still running, charges its gas first, then checks types, sizes and addresses. A
 * contract sees each refusal as an ordinary exception; running out of gas and `revert()` also
 * flag the execution or the frame, so catching them changes nothing (the interrupt handler
 * stops the code at its next tick, and the flags decide the outcome).
 */
import type { QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten'
import { parseContractAddress } from '../crypto/identity.js'
import type { ContractHost } from './host.js'
import type { ContractEvent, ExecutionOutcome } from './types.js'
import type { WireRequest } from './protocol.js'
import { ContractContext, withoutLimits, type ApiHandlers, type FrameInfo, type Invocation, type SandboxLimits } from './api.js'
import { GasMeter, Halt } from './meter.js'
import { byteLength, oneLine } from './text.js'
import {
  CALL_GAS, CODE_GAS_PER_BYTE, DATA_GAS_PER_BYTE, EVENT_GAS, EVENT_GAS_PER_BYTE, EVENT_NAME_PATTERN, FRAME_GAS,
  MAX_ARGS_BYTES, MAX_CALL_DEPTH, MAX_CODE_BYTES, MAX_EVENT_DATA_BYTES, MAX_EVENTS, MAX_RESULT_BYTES,
  MAX_STATE_KEY_BYTES, MAX_STATE_VALUE_BYTES, METHOD_PATTERN, STATE_GAS_PER_BYTE, STATE_READ_GAS, STATE_WRITE_GAS,
} from './constants.js'

export type { SandboxLimits } from './api.js'

type FrameResult = Invocation

interface Frame {
  readonly contract: string
  readonly events: ContractEvent[]
  /** Set by `revert()`: the frame fails with this message whatever its code does next. */
  revertMessage: string | null
}

/**
 * Runs one request to its outcome. Throws only when QuickJS itself failed (the thread must then
 * be replaced). `memoryExhausted` tells whether the instance's memory has refused to grow.
 */
export function execute(
  quickjs: QuickJSWASMModule,
  request: WireRequest,
  host: ContractHost,
  limits: SandboxLimits,
  memoryExhausted: () => boolean = () => false,
): ExecutionOutcome {
  const runtime = quickjs.newRuntime()
  runtime.setMemoryLimit(limits.memoryLimitBytes)
  runtime.setMaxStackSize(limits.maxStackBytes)
  // On an unexpected exception the runtime is left as it is: the thread is replaced anyway, and
  // freeing a runtime in an unknown state could abort and hide the exception.
  const outcome = new Execution(runtime, request, host, limits, memoryExhausted).run()
  runtime.dispose()
  return outcome
}

class Execution {
  private readonly meter: GasMeter
  private readonly frames: Frame[] = []
  private readonly touched: string[] = []
  /** Events of the outer frame once it succeeded (nested frames' events are in it by then). */
  private topEvents: ContractEvent[] = []
  private eventCount = 0
  /** True while the VM makes a frame's context and installs the API. */
  private settingUp = false

  constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly request: WireRequest,
    private readonly host: ContractHost,
    private readonly limits: SandboxLimits,
    private readonly memoryExhausted: () => boolean,
  ) {
    this.meter = new GasMeter(request.gasLimit)
    // Every tick is charged; the code is stopped only outside the VM's own setup of a frame
    // (which must never fail halfway), and the setup checks the meter when it is done.
    runtime.setInterruptHandler(() => {
      const stop = this.meter.tick() || this.frames.at(-1)?.revertMessage != null
      return stop && !this.settingUp
    })
  }

  run(): ExecutionOutcome {
    const { request, host } = this
    host.checkpoint()
    let result: FrameResult
    try {
      switch (request.mode) {
        case 'deploy':
          result = this.deploy(request.code, request.args)
          break
        case 'call':
          result = this.callTop(request.method, request.args)
          break
        case 'check':
          result = this.frame(request.contract, request.code, null, request.args, request.sender)
          break
      }
    } catch (error) {
      if (!(error instanceof Halt)) throw error
      result = { ok: false, error: error.message }
    }
    const failed = (status: 'reverted' | 'out-of-gas', error: string): ExecutionOutcome => {
      host.revert()
      return { status, gasUsed: this.meter.used, result: null, error, events: [], touched: this.touched }
    }
    if (this.meter.exhausted) return failed('out-of-gas', 'out of gas')
    if (!result.ok) return failed('reverted', result.error)
    host.commit()
    return { status: 'ok', gasUsed: this.meter.used, result: result.result, error: null, events: this.topEvents, touched: this.touched }
  }

  private deploy(code: string, args: string): FrameResult {
    const { contract } = this.request
    const codeBytes = byteLength(code)
    if (codeBytes > MAX_CODE_BYTES) return { ok: false, error: `code of ${codeBytes} bytes, above the limit of ${MAX_CODE_BYTES}` }
    if (this.host.getCode(contract) !== undefined) return { ok: false, error: `a contract is already deployed at ${contract}` }
    this.meter.charge(STATE_WRITE_GAS + STATE_GAS_PER_BYTE * codeBytes)
    this.host.setCode(contract, code)
    return this.frame(contract, code, 'init', args, this.request.sender)
  }

  private callTop(method: string, args: string): FrameResult {
    const { contract } = this.request
    const code = this.host.getCode(contract)
    if (code === undefined) return { ok: false, error: `no contract is deployed at ${contract}` }
    const refused = refuseMethod(method)
    if (refused !== null) return { ok: false, error: refused }
    return this.frame(contract, code, method, args, this.request.sender)
  }

  /**
   * Runs `method` of the contract (or its `init`, which may be absent; or, for null, only the
   * module's own code) in a fresh context. The caller opens and closes the host checkpoint around it.
   */
  private frame(contract: string, code: string, method: string | null, args: string, sender: string): FrameResult {
    if (byteLength(args) > MAX_ARGS_BYTES) return { ok: false, error: `arguments above the limit of ${MAX_ARGS_BYTES} bytes` }
    this.meter.charge(FRAME_GAS + CODE_GAS_PER_BYTE * byteLength(code))
    if (!this.touched.includes(contract)) this.touched.push(contract)
    const frame: Frame = { contract, events: [], revertMessage: null }
    const { block } = this.request
    const info: FrameInfo = { sender, contract, height: block.height, timestamp: block.timestamp, hash: block.parentHash }
    const context = this.setUp(frame, info)
    this.frames.push(frame)
    let result: FrameResult
    try {
      result = this.meter.exhausted ? { ok: false, error: 'out of gas' } : this.runCode(context, frame, code, method, args)
    } finally {
      context.dispose()
      this.frames.pop()
    }
    if (this.meter.exhausted) throw new Halt('out of gas')
    if (frame.revertMessage !== null) return { ok: false, error: frame.revertMessage }
    if (result.ok) {
      const parent = this.frames.at(-1)
      if (parent === undefined) this.topEvents = frame.events
      else parent.events.push(...frame.events)
    }
    return result
  }

  /**
   * Makes the frame's context and installs the API: the same fixed work in every frame. It runs
   * with the limits lifted and without interruption, so it never fails halfway because the
   * calling frames used the budget up (the callee's own code then meets the limits at once).
   */
  private setUp(frame: Frame, info: FrameInfo): ContractContext {
    this.settingUp = true
    try {
      return withoutLimits(this.runtime, this.limits, () => {
        const context = new ContractContext(this.runtime, this.limits, this.memoryExhausted)
        try {
          context.install(info, this.handlers(frame))
          return context
        } catch (error) {
          context.dispose()
          throw error
        }
      })
    } finally {
      this.settingUp = false
    }
  }

  private runCode(context: ContractContext, frame: Frame, code: string, method: string | null, args: string): FrameResult {
    const evaluated = context.evaluate(code)
    if ('error' in evaluated) return { ok: false, error: evaluated.error }
    const type = context.exportType(evaluated.namespace, method ?? 'init')
    if (method === null) return type === 'function' || type === 'undefined' ? { ok: true, result: 'null' } : { ok: false, error: 'init is exported but is not a function' }
    if (type !== 'function') {
      if (method !== 'init') return { ok: false, error: `${frame.contract} has no method ${JSON.stringify(method)}` }
      if (type !== 'undefined') return { ok: false, error: 'init is exported but is not a function' }
      if (!isEmptyArray(args)) return { ok: false, error: 'deploy arguments given, but the contract exports no init' }
      return { ok: true, result: 'null' }
    }
    const result = context.invoke(evaluated.namespace, method, args)
    if (!result.ok) return result
    const resultBytes = byteLength(result.result)
    if (resultBytes > MAX_RESULT_BYTES) return { ok: false, error: `return value of ${resultBytes} bytes, above the limit of ${MAX_RESULT_BYTES}` }
    return result
  }

  /**
   * The contract API of one frame. Every operation refuses once the frame reverted or the gas ran
   * out, charges its gas before its work, then checks its arguments.
   */
  private handlers(frame: Frame): ApiHandlers {
    const { host, meter } = this
    const running = (): void => {
      if (meter.exhausted) throw new Halt('out of gas')
      if (frame.revertMessage !== null) throw new Halt('reverted')
    }
    return {
      get: (key) => {
        running()
        meter.charge(STATE_READ_GAS)
        const value = host.getState(frame.contract, checkedKey(key))
        if (value !== undefined) meter.charge(DATA_GAS_PER_BYTE * byteLength(value))
        return value
      },
      has: (key) => {
        running()
        meter.charge(STATE_READ_GAS)
        return host.getState(frame.contract, checkedKey(key)) !== undefined
      },
      set: (key, value) => {
        running()
        const valueBytes = byteLength(value)
        meter.charge(STATE_WRITE_GAS + STATE_GAS_PER_BYTE * (byteLength(key) + valueBytes))
        if (valueBytes > MAX_STATE_VALUE_BYTES) throw new RangeError(`state value of ${valueBytes} bytes, above the limit of ${MAX_STATE_VALUE_BYTES}`)
        host.setState(frame.contract, checkedKey(key), value)
      },
      delete: (key) => {
        running()
        meter.charge(STATE_WRITE_GAS)
        host.deleteState(frame.contract, checkedKey(key))
      },
      emit: (name, data) => {
        running()
        this.emit(frame, name, data)
      },
      call: (address, method, args) => {
        running()
        return this.nestedCall(frame, address, method, args)
      },
      revert: (message) => {
        running()
        frame.revertMessage = oneLine(message) || 'reverted'
        throw new Halt('reverted')
      },
    }
  }

  private emit(frame: Frame, name: string, data: string): void {
    const dataBytes = byteLength(data)
    this.meter.charge(EVENT_GAS + EVENT_GAS_PER_BYTE * (byteLength(name) + dataBytes))
    if (!EVENT_NAME_PATTERN.test(name)) throw new TypeError(`event names are identifiers of at most 64 characters, got ${JSON.stringify(name.slice(0, 80))}`)
    if (dataBytes > MAX_EVENT_DATA_BYTES) throw new RangeError(`event data of ${dataBytes} bytes, above the limit of ${MAX_EVENT_DATA_BYTES}`)
    if (this.eventCount >= MAX_EVENTS) throw new RangeError(`more than ${MAX_EVENTS} events in one transaction`)
    this.eventCount++
    frame.events.push({ contract: frame.contract, name, data })
  }

  /** `call(address, method, ...args)`: the callee's changes stay only if it succeeds. */
  private nestedCall(caller: Frame, address: string, method: string, args: string): string {
    this.meter.charge(CALL_GAS)
    if (!isContractAddress(address)) throw new TypeError(`not a contract address: ${JSON.stringify(address.slice(0, 100))}`)
    const refused = refuseMethod(method)
    if (refused !== null) throw new TypeError(refused)
    if (this.frames.some((frame) => frame.contract === address)) {
      throw callError(`re-entry into ${address} refused: it is already on the call stack`)
    }
    if (this.frames.length >= MAX_CALL_DEPTH) throw callError(`call depth above ${MAX_CALL_DEPTH}`)
    const code = this.host.getCode(address)
    if (code === undefined) throw callError(`no contract is deployed at ${address}`)
    this.host.checkpoint()
    let result: FrameResult
    try {
      result = this.frame(address, code, method, args, caller.contract)
    } catch (error) {
      this.host.revert()
      throw error
    }
    if (!result.ok) {
      this.host.revert()
      throw callError(`${address}.${method} failed: ${result.error}`)
    }
    this.host.commit()
    this.meter.charge(DATA_GAS_PER_BYTE * byteLength(result.result))
    return result.result
  }
}

function checkedKey(key: string): string {
  const bytes = byteLength(key)
  if (bytes > MAX_STATE_KEY_BYTES) throw new RangeError(`state key of ${bytes} bytes, above the limit of ${MAX_STATE_KEY_BYTES}`)
  return key
}

/** Why `method` cannot be called from outside, or null when it can. */
function refuseMethod(method: string): string | null {
  if (!METHOD_PATTERN.test(method)) return `method names are identifiers, got ${JSON.stringify(method.slice(0, 80))}`
  if (method === 'init') return 'init runs once, at deploy, and cannot be called'
  return null
}

function isContractAddress(text: string): boolean {
  try {
    parseContractAddress(text)
    return true
  } catch {
    return false
  }
}

function isEmptyArray(argsText: string): boolean {
  try {
    const args: unknown = JSON.parse(argsText)
    return Array.isArray(args) && args.length === 0
  } catch {
    return false
  }
}

/** A nested call that failed or was refused: the caller sees a `CallError` it may catch. */
function callError(message: string): Error {
  const error = new Error(message)
  error.name = 'CallError'
  return error
}
