/**
 * What a contract's JavaScript environment contains: nothing of Node, no clock, no randomness,
 * no timers, no code from strings, no way to observe garbage collection, no promise callback
 * that outlives the call. Each test runs the contract and asserts what it saw.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ContractVm } from '../../src/vm/vm.js'
import { API_GLOBALS, CONTRACT_GLOBALS } from '../../src/vm/prelude.js'
import { MemoryHost } from './memory-host.js'
import { bare, call, contractAddress, deploy, run } from './fixtures.js'

const vm = new ContractVm()
after(() => vm.close())
const A = contractAddress(20)

/** What `expression` evaluates to inside a contract method, as JSON text (or the revert message). */
async function evaluate(expression: string): Promise<string | null> {
  const outcome = await run(vm, new MemoryHost(), A, `export function main() { return ${expression} }`)
  return outcome.status === 'ok' ? outcome.result : `reverted: ${outcome.error}`
}

describe('the global object', () => {
  test('holds exactly the documented built-ins and the contract API', async () => {
    const names = JSON.parse((await evaluate('Object.getOwnPropertyNames(globalThis)'))!) as string[]
    assert.deepEqual(names.sort(), [...CONTRACT_GLOBALS, ...API_GLOBALS].sort())
  })

  for (const name of ['process', 'require', 'module', 'Buffer', 'console', 'print', 'std', 'os', 'fetch', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'Uint8Array', 'ArrayBuffer', 'DataView', 'Date', 'WeakRef', 'FinalizationRegistry', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'performance', 'eval', 'Function']) {
    test(`${name} is absent`, async () => {
      assert.equal(await evaluate(`typeof ${name}`), '"undefined"')
      assert.equal(await evaluate(`'${name}' in globalThis`), 'false')
    })
  }

  test('globalThis tricks reach nothing more: the Function constructor through prototypes refuses', async () => {
    for (const expression of [
      `(function () {}).constructor('return globalThis')()`,
      `Object.getPrototypeOf(function* () {}).constructor('yield 1')`,
      `Object.getPrototypeOf(async function () {}).constructor('return 1')`,
      `Object.getPrototypeOf(async function* () {}).constructor('return 1')`,
      `(() => {}).constructor.call(null, 'return 1')`,
      `Reflect.construct((function () {}).constructor, ['return 1'])`,
    ]) {
      assert.equal(bare(await evaluate(expression)), 'reverted: EvalError: contracts cannot compile code from strings', expression)
    }
    assert.equal(await evaluate('(0, globalThis.eval)'), 'null')
    assert.equal(await evaluate(`(() => { try { return globalThis.constructor.constructor('return this')() } catch (e) { return e.message } })()`), '"contracts cannot compile code from strings"')
  })

  test('dynamic import gives a promise whose callbacks never run, and loads nothing', async () => {
    const host = new MemoryHost()
    const outcome = await run(vm, host, A, `export function main() { import('node:fs').then(() => state.set('loaded', 1), () => state.set('failed', 1)); return 'done' }`)
    assert.equal(outcome.result, '"done"')
    assert.deepEqual(host.snapshot().states, [])
  })

  test('the API objects are frozen and the API globals read-only', async () => {
    assert.equal(await evaluate(`Object.isFrozen(state) && Object.isFrozen(msg) && Object.isFrozen(block)`), 'true')
    assert.equal(await evaluate(`(() => { try { state = 1 } catch (e) { return e.name } })()`), '"TypeError"')
    assert.equal(await evaluate(`(() => { try { msg.sender = 'me' } catch (e) { return e.name } })()`), '"TypeError"')
  })
})

describe('determinism', () => {
  test('Math.random is absent; the rest of Math is there and deterministic', async () => {
    assert.equal(await evaluate('typeof Math.random'), '"undefined"')
    assert.equal(await evaluate('[Math.sin(1), Math.exp(0.5), Math.pow(2, 0.5), Math.hypot(3, 4)]'), JSON.stringify([Math.sin(1), Math.exp(0.5), Math.pow(2, 0.5), Math.hypot(3, 4)]))
  })

  test('there is no clock: Date is absent and nothing else tells the time', async () => {
    assert.equal(await evaluate('typeof Date'), '"undefined"')
    assert.equal(await evaluate(`typeof performance + typeof process`), '"undefinedundefined"')
  })

  test('promise callbacks never run, during the call or after it', async () => {
    const host = new MemoryHost()
    const code = `
      export function schedule() {
        Promise.resolve().then(() => state.set('then', 1))
        ;(async () => { await null; state.set('await', 1) })()
        return 'scheduled'
      }
      export function look() { return [state.has('then'), state.has('await')] }`
    await deploy(vm, host, A, code)
    assert.equal((await call(vm, host, A, 'schedule')).result, '"scheduled"')
    assert.equal((await call(vm, host, A, 'look')).result, '[false,false]')
    assert.deepEqual(host.snapshot().states, [])
  })

  test('an async method is refused rather than resolved', async () => {
    const outcome = await run(vm, new MemoryHost(), A, `export async function main() { return 1 }`)
    assert.equal(outcome.error, 'TypeError: a method must return a value, not a promise (promise callbacks never run)')
  })

  test('module-level variables and global changes do not survive a call', async () => {
    const host = new MemoryHost()
    const code = `
      let calls = 0
      export function bump() { calls++; globalThis.seen = (globalThis.seen ?? 0) + 1; Array.prototype.extra = 1; return [calls, globalThis.seen, typeof [].extra] }`
    await deploy(vm, host, A, code)
    for (let i = 0; i < 3; i++) assert.equal((await call(vm, host, A, 'bump')).result, '[1,1,"number"]')
  })

  test('object key order, sorting and string functions are the language, not the machine', async () => {
    assert.equal(
      await evaluate(`[Object.keys({ b: 1, 2: 1, a: 1, 1: 1 }), [10, 9, 1].sort(), 'é'.normalize('NFD').length, 'a'.localeCompare('b'), (0.1 + 0.2).toString(), (1e21).toLocaleString()]`),
      JSON.stringify([['1', '2', 'b', 'a'], [1, 10, 9], 2, -1, '0.30000000000000004', '1e+21']),
    )
  })
})
