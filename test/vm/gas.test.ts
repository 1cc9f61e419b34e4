/**
 * The gas schedule of src/vm/constants.ts, charged exactly as documented: each test compares
 * two executions that differ by one operation, so the difference is that operation's price.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ContractVm } from '../../src/vm/vm.js'
import {
  CALL_GAS, CODE_GAS_PER_BYTE, DATA_GAS_PER_BYTE, EVENT_GAS, EVENT_GAS_PER_BYTE, FRAME_GAS, GAS_PER_TICK, STATE_GAS_PER_BYTE, STATE_READ_GAS,
  STATE_WRITE_GAS,
} from '../../src/vm/constants.js'
import { GasMeter, Halt } from '../../src/vm/meter.js'
import { MemoryHost } from './memory-host.js'
import { call, contractAddress, deploy } from './fixtures.js'

const vm = new ContractVm()
after(() => vm.close())
const A = contractAddress(60)
const B = contractAddress(61)

/** Gas of `main` in a contract whose source is `code`, on a fresh host prepared by `setup`. */
function gasOf(code: string, setup: (host: MemoryHost) => void = () => {}): number {
  const host = new MemoryHost()
  setup(host)
  assert.equal(deploy(vm, host, A, code).status, 'ok')
  const outcome = call(vm, host, A, 'main')
  assert.equal(outcome.status, 'ok', outcome.error ?? undefined)
  return outcome.gasUsed
}

/** `body` (ASCII) padded with spaces to a fixed source length, so that code bytes cost the same. */
function contract(body: string): string {
  return `export function main() { ${body} }`.padEnd(200)
}

describe('the schedule', () => {
  test('a frame costs its first tick, FRAME_GAS and CODE_GAS_PER_BYTE per byte of source', () => {
    // QuickJS's interrupt counter starts at zero in a new context: the first operation is a tick.
    assert.equal(gasOf(contract('')), GAS_PER_TICK + FRAME_GAS + CODE_GAS_PER_BYTE * 200)
  })

  test('deploy also pays for storing the code', () => {
    const code = contract('')
    const outcome = deploy(vm, new MemoryHost(), A, code)
    assert.equal(outcome.gasUsed, STATE_WRITE_GAS + STATE_GAS_PER_BYTE * 200 + GAS_PER_TICK + FRAME_GAS + CODE_GAS_PER_BYTE * 200)
  })

  test('a state write: STATE_WRITE_GAS plus STATE_GAS_PER_BYTE per byte of key and JSON value', () => {
    const base = gasOf(contract(''))
    assert.equal(gasOf(contract(`state.set('key', { a: 'b' })`)) - base, STATE_WRITE_GAS + STATE_GAS_PER_BYTE * (3 + '{"a":"b"}'.length))
    // Bytes are UTF-8 bytes: 'é' is two.
    assert.equal(gasOf(contract(`state.set('key', '\\u00e9')`)) - base, STATE_WRITE_GAS + STATE_GAS_PER_BYTE * (3 + 4))
    assert.equal(gasOf(contract(`state.delete('key')`)) - base, STATE_WRITE_GAS)
  })

  test('a state read: STATE_READ_GAS plus DATA_GAS_PER_BYTE per byte found', () => {
    const stored = (host: MemoryHost): void => host.setState(A, 'k', '"hello"')
    const base = gasOf(contract(''), stored)
    assert.equal(gasOf(contract(`state.get('k')`), stored) - base, STATE_READ_GAS + DATA_GAS_PER_BYTE * 7)
    assert.equal(gasOf(contract(`state.get('missing')`), stored) - base, STATE_READ_GAS)
    assert.equal(gasOf(contract(`state.has('k')`), stored) - base, STATE_READ_GAS)
  })

  test('an event: EVENT_GAS plus EVENT_GAS_PER_BYTE per byte of name and JSON data', () => {
    assert.equal(gasOf(contract(`emit('Done', [1, 2])`)) - gasOf(contract('')), EVENT_GAS + EVENT_GAS_PER_BYTE * (4 + 5))
  })

  test('a nested call: CALL_GAS, the callee frame, and DATA_GAS_PER_BYTE per byte of its result', () => {
    const callee = `export function f() { return 'ok' }`
    const withCallee = (host: MemoryHost): void => void deploy(vm, host, B, callee)
    const host = new MemoryHost()
    withCallee(host)
    const calleeFrame = GAS_PER_TICK + FRAME_GAS + CODE_GAS_PER_BYTE * callee.length
    assert.equal(call(vm, host, B, 'f').gasUsed, calleeFrame)
    const base = gasOf(contract(''), withCallee)
    assert.equal(gasOf(contract(`call('${B}', 'f')`), withCallee) - base, CALL_GAS + calleeFrame + DATA_GAS_PER_BYTE * 4)
  })

  test('loops cost whole ticks', () => {
    const base = gasOf(contract('let i = 0; while (i < 1) i++'))
    const looped = gasOf(contract('let i = 0; while (i < 100000) i++'))
    assert.ok(looped - base >= 5 * GAS_PER_TICK)
    assert.equal((looped - base) % GAS_PER_TICK, 0)
  })
})

describe('running out', () => {
  test('at any point: the outcome is out-of-gas with gasUsed equal to the limit and nothing kept', () => {
    const host = new MemoryHost()
    deploy(vm, host, A, `export function main() { for (let i = 0; i < 100; i++) state.set('k' + i, i) }`)
    const full = call(vm, host, A, 'main')
    assert.equal(full.status, 'ok')
    const fresh = new MemoryHost()
    deploy(vm, fresh, A, `export function main() { for (let i = 0; i < 100; i++) state.set('k' + i, i) }`)
    const before = fresh.snapshot()
    for (const limit of [1, FRAME_GAS, full.gasUsed / 2, full.gasUsed - 1]) {
      const outcome = call(vm, fresh, A, 'main', [], { gasLimit: limit })
      assert.deepEqual({ status: outcome.status, gasUsed: outcome.gasUsed, error: outcome.error }, { status: 'out-of-gas', gasUsed: limit, error: 'out of gas' })
      assert.deepEqual(fresh.snapshot(), before)
    }
    assert.equal(call(vm, fresh, A, 'main', [], { gasLimit: full.gasUsed }).status, 'ok')
  })

  test('a frame that cannot be paid for runs no code and touches nothing', () => {
    const host = new MemoryHost()
    deploy(vm, host, A, contract(''))
    assert.deepEqual(call(vm, host, A, 'main', [], { gasLimit: FRAME_GAS }).touched, [])
  })
})

describe('GasMeter', () => {
  test('charges up to the limit, then stays exhausted', () => {
    const meter = new GasMeter(250_000)
    meter.charge(50_000)
    assert.equal(meter.tick(), false)
    assert.equal(meter.used, 50_000 + GAS_PER_TICK)
    assert.equal(meter.tick(), false)
    assert.equal(meter.tick(), true)
    assert.equal(meter.used, 250_000)
    assert.throws(() => meter.charge(0), (error: unknown) => error instanceof Halt && error.message === 'out of gas')
    assert.equal(meter.exhausted, true)
  })

  test('a charge that does not fit exhausts the meter', () => {
    const meter = new GasMeter(10)
    assert.throws(() => meter.charge(11), Halt)
    assert.deepEqual({ used: meter.used, exhausted: meter.exhausted }, { used: 10, exhausted: true })
  })
})
