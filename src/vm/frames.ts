/**
 * One execution (a deploy or a call): its call frames, its gas, its outcome.
 *
 * Each frame runs in the instance of its contract's code (src/vm/contract-instance.ts): set up
 * once, restored to its snapshot after every frame. A nested call runs in the callee's own
 * instance, on the same thread, with the fuel the caller had left; re-entry is refused, so an
 * instance is never on the call stack twice.
 *
 * The API handlers below are the only way out of QuickJS. They trust nothing: each checks that
 * the frame is still running, charges its gas first, then checks types, sizes and addresses. A
 * contract sees each refusal as an ordinary exception; running out of gas and `revert()` stop
 * the instance at its next instruction (a trap), so catching them changes nothing.
 */
import { parseContractAddress } from '../crypto/identity.js'
import type { ContractHost } from './host.js'
import type { ContractEvent, ExecutionOutcome } from './types.js'
import type { WireRequest } from './protocol.js'
import { ContractInstance, type ApiHandlers, type FrameInfo, type Invocation } from './contract-instance.js'
import { PoolExhausted, type InstancePool } from './instance-pool.js'
import { GasMeter, Halt } from './meter.js'
import { VmError } from './errors.js'
import { errorMessage } from '../errors.js'
import { byteLength, oneLine } from './text.js'
import {
  CALL_GAS, DATA_GAS_PER_BYTE, EVENT_GAS, EVENT_GAS_PER_BYTE, EVENT_NAME_PATTERN, FRAME_GAS, FUEL_PER_GAS,
  MAX_ARGS_BYTES, MAX_CALL_DEPTH, MAX_CODE_BYTES, MAX_EVENT_DATA_BYTES, MAX_EVENTS, MAX_RESULT_BYTES,
  MAX_STATE_KEY_BYTES, MAX_STATE_VALUE_BYTES, METHOD_PATTERN, MODULE_LOAD_GAS_LIMIT, STATE_GAS_PER_BYTE, STATE_READ_GAS, STATE_WRITE_GAS,
} from './constants.js'

type FrameResult = Invocation

interface Frame {
  readonly contract: string
  readonly events: ContractEvent[]
  /** Set by `revert()`: the frame fails with this message whatever its code does next. */
  revertMessage: string | null
  /** Fuel left when `revert()` stopped the frame (its instance was then made to trap). */
  fuelAtRevert: number
}

/**
 * Runs one request to its outcome against `host` (the sandbox's `SandboxState`, which keeps the
 * changes only when the outcome is ok). Throws `VmError` when this node could not execute (the
 * thread must then be replaced), and `PoolExhausted` when a nested call found no free instance
 * (the caller drops the changes and runs the request again on a grown pool).
 */
export function execute(pool: InstancePool, request: WireRequest, host: ContractHost): ExecutionOutcome {
  return new Execution(pool, request, host).run()
}

class Execution {
  private readonly meter: GasMeter
  private readonly frames: Frame[] = []
  private readonly touched: string[] = []
  /** Events of the outer frame once it succeeded (nested frames' events are in it by then). */
  private topEvents: ContractEvent[] = []
  private eventCount = 0

  constructor(
    private readonly pool: InstancePool,
    private readonly request: WireRequest,
    private readonly host: ContractHost,
  ) {
    this.meter = new GasMeter(request.gasLimit)
  }

  run(): ExecutionOutcome {
    const { request } = this
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
          result = this.load(request.contract, request.code, 'check')
          break
      }
    } catch (error) {
      if (!(error instanceof Halt)) throw error
      result = { ok: false, error: error.message }
    }
    const failed = (status: 'reverted' | 'out-of-gas', error: string): ExecutionOutcome => {
      return { status, gasUsed: this.meter.used, result: null, error, events: [], touched: this.touched }
    }
    if (this.meter.exhausted) return failed('out-of-gas', 'out of gas')
    if (!result.ok) return failed('reverted', result.error)
    return { status: 'ok', gasUsed: this.meter.used, result: result.result, error: null, events: this.topEvents, touched: this.touched }
  }

  private deploy(code: string, args: string): FrameResult {
    const { contract } = this.request
    const codeBytes = byteLength(code)
    if (codeBytes > MAX_CODE_BYTES) return { ok: false, error: `code of ${codeBytes} bytes, above the limit of ${MAX_CODE_BYTES}` }
    if (this.host.getCode(contract) !== undefined) return { ok: false, error: `a contract is already deployed at ${contract}` }
    this.meter.charge(STATE_WRITE_GAS + STATE_GAS_PER_BYTE * codeBytes)
    const loaded = this.load(contract, code, 'deploy')
    if (!loaded.ok) return loaded
    this.host.setCode(contract, code)
    return this.frame(contract, code, 'init', args, this.request.sender)
  }

  /**
   * Sets the contract up (or finds it set up) and charges what loading its module used: the
   * deploy pays for it, and a check runs it. A module whose top level needs more than
   * MODULE_LOAD_GAS_LIMIT is refused.
   */
  private load(contract: string, code: string, purpose: 'deploy' | 'check'): FrameResult {
    const limitFuel = MODULE_LOAD_GAS_LIMIT * FUEL_PER_GAS
    const made = this.pool.acquire(code, limitFuel)
    if (!(made instanceof ContractInstance)) {
      if (!made.outOfFuel) return { ok: false, error: made.error }
      this.meter.charge(Math.min(MODULE_LOAD_GAS_LIMIT, this.meter.limit))
      return { ok: false, error: `the module's top-level code needs more than ${MODULE_LOAD_GAS_LIMIT} gas to load` }
    }
    try {
      if (!this.touched.includes(contract)) this.touched.push(contract)
      this.meter.charge(Math.ceil(made.moduleFuel / FUEL_PER_GAS))
      if (purpose === 'deploy') return { ok: true, result: 'null' }
      return this.inInstance(made, () => {
        const type = made.exportType('init')
        return type === 'function' || type === 'undefined' ? { ok: true, result: 'null' } : { ok: false, error: 'init is exported but is not a function' }
      })
    } finally {
      this.pool.release(made)
    }
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
   * Runs `method` of the contract (or its `init`, which may be absent) from the contract's
   * snapshot. The caller opens and closes the host checkpoint around it.
   */
  private frame(contract: string, code: string, method: string, args: string, sender: string): FrameResult {
    if (byteLength(args) > MAX_ARGS_BYTES) return { ok: false, error: `arguments above the limit of ${MAX_ARGS_BYTES} bytes` }
    this.meter.charge(FRAME_GAS)
    if (!this.touched.includes(contract)) this.touched.push(contract)
    const instance = this.pool.acquire(code, MODULE_LOAD_GAS_LIMIT * FUEL_PER_GAS)
    if (!(instance instanceof ContractInstance)) {
      // It loaded when it was deployed; loading is deterministic, so this node is at fault.
      throw new VmError('VM_ERROR_INTERNAL', { contract, detail: `the deployed contract failed to load: ${instance.error}` })
    }
    const frame: Frame = { contract, events: [], revertMessage: null, fuelAtRevert: 0 }
    const { block } = this.request
    const info: FrameInfo = { sender, contract, height: block.height, timestamp: block.timestamp, hash: block.parentHash }
    this.frames.push(frame)
    let result: FrameResult
    try {
      result = this.inInstance(instance, () => this.runMethod(instance, frame, method, args, info), frame)
    } finally {
      this.frames.pop()
      this.pool.release(instance)
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
   * Runs `task` on `instance` with the execution's fuel. A trap is the end of the frame: out of
   * fuel, or `revert()` (the instance was made to trap; its fuel is what it had then), or a
   * failure of this node that an API function met.
   */
  private inInstance(instance: ContractInstance, task: () => FrameResult, frame?: Frame): FrameResult {
    const previous = this.meter.enter(instance.metered)
    let fuelLeft: number | undefined
    try {
      return task()
    } catch (error) {
      const failure = instance.takeFailure()
      if (failure instanceof VmError || failure instanceof PoolExhausted) throw failure
      if (failure !== undefined) throw new VmError('VM_ERROR_INTERNAL', { contract: frame?.contract ?? '', detail: errorMessage(failure) }, { cause: failure })
      if (frame !== undefined && frame.revertMessage !== null) {
        fuelLeft = frame.fuelAtRevert
        return { ok: false, error: frame.revertMessage }
      }
      if (instance.metered.fuel < 0) return { ok: false, error: 'out of gas' }
      throw new VmError('VM_ERROR_INTERNAL', { contract: frame?.contract ?? '', detail: `QuickJS failed: ${(error as Error).message}` }, { cause: error })
    } finally {
      this.meter.leave(previous, fuelLeft)
    }
  }

  private runMethod(instance: ContractInstance, frame: Frame, method: string, args: string, info: FrameInfo): FrameResult {
    const result = instance.invoke(method, args, info, this.handlers(frame))
    if ('notAMethod' in result) {
      if (method !== 'init') return { ok: false, error: `${frame.contract} has no method ${JSON.stringify(method)}` }
      if (result.notAMethod !== 'undefined') return { ok: false, error: 'init is exported but is not a function' }
      if (!isEmptyArray(args)) return { ok: false, error: 'deploy arguments given, but the contract exports no init' }
      return { ok: true, result: 'null' }
    }
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
        frame.fuelAtRevert = meter.left()
        meter.stopHolder()
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
      // Out of gas in the callee ends the caller too: stop its instance as well.
      if (error instanceof Halt) this.meter.stopHolder()
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
