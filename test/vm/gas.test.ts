/**
 * The gas schedule of src/vm/constants.ts: the host charges each API operation exactly as
 * documented on top of the metered work of the code that asks for it, and the metered work of
 * built-ins grows with what they do. Each test compares executions that differ by one operation.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ContractVm } from '../../src/vm/vm.js'
import {
  CALL_GAS, DATA_GAS_PER_BYTE, EVENT_GAS, EVENT_GAS_PER_BYTE, FRAME_GAS, FUEL_PER_GAS, STATE_GAS_PER_BYTE, STATE_READ_GAS, STATE_WRITE_GAS,
} from '../../src/vm/constants.js'
import { GasMeter, Halt } from '../../src/vm/meter.js'
import type { MeteredInstance } from '../../src/vm/metered/instance.js'
import { MemoryHost } from './memory-host.js'
import { call, contractAddress, deploy } from './fixtures.js'

const vm = new ContractVm()
after(() => vm.close())
const A = contractAddress(60)
const B = contractAddress(61)
/** The metered work of calling one API function and converting its values: a few thousand instructions. */
const API_CALL_WORK = 2_000

/** Gas of `main` in a contract whose source is `code`, on a fresh host prepared by `setup`. */
async function gasOf(code: string, setup: (host: MemoryHost) => Promise<void> | void = () => {}): Promise<number> {
  const host = new MemoryHost()
  await setup(host)
  assert.equal((await deploy(vm, host, A, code)).status, 'ok')
  const outcome = await call(vm, host, A, 'main')
  assert.equal(outcome.status, 'ok', outcome.error ?? undefined)
  return outcome.gasUsed
}

function contract(body: string): string {
  return `export function main() { ${body} }`
}

/** That `actual` is the host's `charge` plus at most API_CALL_WORK of metered work. */
function charged(actual: number, charge: number): void {
  assert.ok(actual >= charge && actual < charge + API_CALL_WORK, `${actual} gas, expected ${charge} plus at most ${API_CALL_WORK}`)
}

describe('the schedule', () => {
  test('a call costs FRAME_GAS and its own work, whatever the size of the contract (nothing is compiled per call)', async () => {
    const small = await gasOf(contract(''))
    // Crossing in: parsing the frame and the arguments, finding the method, returning its value.
    assert.ok(small > FRAME_GAS && small < FRAME_GAS + 3 * API_CALL_WORK, `${small}`)
    const declarations = Array.from({ length: 300 }, (_, i) => `function helper${i}(x) { return x * ${i} + ${i} }`).join('\n')
    // ~15 KB more source: not a gas more for it (the old schedule charged 40 gas a byte of
    // source per call); what differs is the allocator's state in the two snapshots.
    const large = await gasOf(`${declarations}\n${contract('')}`)
    assert.ok(Math.abs(large - small) < 100, `${large} gas against ${small}`)
  })

  test('deploy pays for storing the code and for loading the module, which grows with the module', async () => {
    const code = contract('')
    const bigger = `${Array.from({ length: 100 }, (_, i) => `const table${i} = [${i}, ${i + 1}, ${i + 2}]`).join('\n')}\n${code}`
    const small = (await deploy(vm, new MemoryHost(), A, code)).gasUsed
    const large = (await deploy(vm, new MemoryHost(), A, bigger)).gasUsed
    assert.ok(small > STATE_WRITE_GAS + STATE_GAS_PER_BYTE * code.length, `${small}`)
    assert.ok(large - small > STATE_GAS_PER_BYTE * (bigger.length - code.length), `${large} against ${small}`)
  })

  test('a state write: STATE_WRITE_GAS plus STATE_GAS_PER_BYTE per byte of key and JSON value', async () => {
    const base = await gasOf(contract(''))
    charged(await gasOf(contract(`state.set('key', { a: 'b' })`)) - base, STATE_WRITE_GAS + STATE_GAS_PER_BYTE * (3 + '{"a":"b"}'.length))
    // Bytes are UTF-8 bytes: 'é' is two.
    charged(await gasOf(contract(`state.set('key', '\\u00e9')`)) - base, STATE_WRITE_GAS + STATE_GAS_PER_BYTE * (3 + 4))
    charged(await gasOf(contract(`state.delete('key')`)) - base, STATE_WRITE_GAS)
  })

  test('a state read: STATE_READ_GAS plus DATA_GAS_PER_BYTE per byte found', async () => {
    const stored = (host: MemoryHost): void => host.setState(A, 'k', '"hello"')
    const base = await gasOf(contract(''), stored)
    charged(await gasOf(contract(`state.get('k')`), stored) - base, STATE_READ_GAS + DATA_GAS_PER_BYTE * 7)
    charged(await gasOf(contract(`state.get('missing')`), stored) - base, STATE_READ_GAS)
    charged(await gasOf(contract(`state.has('k')`), stored) - base, STATE_READ_GAS)
  })

  test('an event: EVENT_GAS plus EVENT_GAS_PER_BYTE per byte of name and JSON data', async () => {
    charged(await gasOf(contract(`emit('Done', [1, 2])`)) - await gasOf(contract('')), EVENT_GAS + EVENT_GAS_PER_BYTE * (4 + 5))
  })

  test('a nested call: CALL_GAS, the callee frame, and DATA_GAS_PER_BYTE per byte of its result', async () => {
    const callee = `export function f() { return 'ok' }`
    const withCallee = async (host: MemoryHost): Promise<void> => void (await deploy(vm, host, B, callee))
    const host = new MemoryHost()
    await withCallee(host)
    const calleeFrame = (await call(vm, host, B, 'f')).gasUsed
    const base = await gasOf(contract(''), withCallee)
    charged(await gasOf(contract(`call('${B}', 'f')`), withCallee) - base, CALL_GAS + calleeFrame + DATA_GAS_PER_BYTE * 4)
  })
})

describe('built-ins pay for the work they do', () => {
  for (const [name, operation] of [
    ['indexOf', (n: number) => `const s = 'a'.repeat(${n}); s.indexOf('b')`],
    ['repeat', (n: number) => `'xy'.repeat(${n})`],
    ['JSON.stringify', (n: number) => `JSON.stringify(new Array(${n}).fill('text'))`],
    ['sort', (n: number) => `const a = []; for (let i = 0; i < ${n}; i++) a.push((i * 7919) % ${n}); a.sort()`],
    ['a regular expression', (n: number) => `/^a*$/.test('a'.repeat(${n}))`],
  ] as const) {
    test(`${name}: a thousand times the input costs hundreds of times the gas`, async () => {
      const base = await gasOf(contract(''))
      const small = await gasOf(contract(operation(64))) - base
      const large = await gasOf(contract(operation(64_000))) - base
      assert.ok(large > 200 * small, `${name}: ${small} gas for 64, ${large} for 64,000`)
    })
  }
})

describe('running out', () => {
  test('at any point: the outcome is out-of-gas with gasUsed equal to the limit and nothing kept', async () => {
    const host = new MemoryHost()
    await deploy(vm, host, A, `export function main() { for (let i = 0; i < 100; i++) state.set('k' + i, i) }`)
    const full = await call(vm, host, A, 'main')
    assert.equal(full.status, 'ok')
    const fresh = new MemoryHost()
    await deploy(vm, fresh, A, `export function main() { for (let i = 0; i < 100; i++) state.set('k' + i, i) }`)
    const before = fresh.snapshot()
    for (const limit of [1, FRAME_GAS, full.gasUsed / 2, full.gasUsed - 1]) {
      const outcome = await call(vm, fresh, A, 'main', [], { gasLimit: limit })
      assert.deepEqual({ status: outcome.status, gasUsed: outcome.gasUsed, error: outcome.error }, { status: 'out-of-gas', gasUsed: limit, error: 'out of gas' })
      assert.deepEqual(fresh.snapshot(), before)
    }
    assert.equal((await call(vm, fresh, A, 'main', [], { gasLimit: full.gasUsed })).status, 'ok')
  })

  test('a frame that cannot be paid for runs no code and touches nothing', async () => {
    const host = new MemoryHost()
    await deploy(vm, host, A, contract(''))
    assert.deepEqual((await call(vm, host, A, 'main', [], { gasLimit: FRAME_GAS - 1 })).touched, [])
  })
})

describe('GasMeter', () => {
  /** An instance's fuel global, which is all the meter reads and writes of it. */
  const instance = (): MeteredInstance => ({ fuel: 0 }) as MeteredInstance

  test('charges up to the limit, then stays exhausted', () => {
    const meter = new GasMeter(250_000)
    meter.charge(50_000)
    assert.equal(meter.used, 50_000)
    const running = instance()
    const previous = meter.enter(running)
    assert.equal(running.fuel, 200_000 * FUEL_PER_GAS)
    running.fuel -= 100_000 * FUEL_PER_GAS + 1 // what the code used: a fraction of a gas rounds up
    meter.leave(previous)
    assert.equal(meter.used, 150_001)
    assert.throws(() => meter.charge(100_000), (error: unknown) => error instanceof Halt && error.message === 'out of gas')
    assert.deepEqual({ used: meter.used, exhausted: meter.exhausted }, { used: 250_000, exhausted: true })
    assert.throws(() => meter.charge(0), Halt)
  })

  test('an instance that ran out exhausts the meter, and the caller gets nothing back', () => {
    const meter = new GasMeter(1_000)
    const caller = instance()
    meter.enter(caller)
    const callee = instance()
    const previous = meter.enter(callee)
    callee.fuel = -5
    meter.leave(previous)
    assert.equal(meter.exhausted, true)
    assert.equal(caller.fuel, -1)
    assert.equal(meter.used, 1_000)
  })

  test('a charge that does not fit exhausts the meter and stops the running instance', () => {
    const meter = new GasMeter(10)
    const running = instance()
    meter.enter(running)
    assert.throws(() => meter.charge(11), Halt)
    assert.deepEqual({ used: meter.used, exhausted: meter.exhausted, fuel: running.fuel }, { used: 10, exhausted: true, fuel: -1 })
  })
})
