/**
 * Hostile contracts: each is reverted or stopped within its bounds, the host keeps nothing of
 * it, the node's own objects are untouched, and the same VM goes on working afterwards.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ContractVm, type ExecutionOutcome } from '../../src/vm/vm.js'
import { MAX_RESULT_BYTES } from '../../src/vm/constants.js'
import { MemoryHost } from './memory-host.js'
import { bare, call, contractAddress, deploy, example } from './fixtures.js'

const vm = new ContractVm()
after(() => vm.close())
const A = contractAddress(30)
const COUNTER = contractAddress(31)
const BIG_GAS = 2_000_000_000

/** Deploys `code` on a fresh host, calls `main` with `gasLimit`, and checks the host kept nothing of the call. */
async function attack(code: string, gasLimit = 50_000_000): Promise<ExecutionOutcome> {
  const host = new MemoryHost()
  assert.equal((await deploy(vm, host, A, code)).status, 'ok')
  const before = host.snapshot()
  const outcome = await call(vm, host, A, 'main', [], { gasLimit })
  if (outcome.status !== 'ok') assert.deepEqual(host.snapshot(), before)
  assert.equal(host.depth, 0)
  return outcome
}

/** The VM still runs an honest contract correctly. */
async function stillWorks(): Promise<void> {
  const host = new MemoryHost()
  await deploy(vm, host, COUNTER, example('counter'), [1])
  assert.equal((await call(vm, host, COUNTER, 'increment', [2])).result, '3')
}

describe('endless work', () => {
  test('an endless loop runs out of gas, using exactly its limit', async () => {
    const outcome = await attack(`export function main() { state.set('x', 1); for (;;) {} }`, 20_000_000)
    assert.deepEqual(outcome, { status: 'out-of-gas', gasUsed: 20_000_000, result: null, error: 'out of gas', events: [], touched: [A] })
    await stillWorks()
  })

  test('catching does not escape running out of gas', async () => {
    const outcome = await attack(`export function main() { for (;;) { try { for (;;) {} } catch {} } }`, 20_000_000)
    assert.equal(outcome.status, 'out-of-gas')
    assert.equal(outcome.gasUsed, 20_000_000)
  })

  test('state spam runs out of gas and stores nothing', async () => {
    const outcome = await attack(`export function main() { for (let i = 0; ; i++) state.set('k' + i, 'x'.repeat(1000)) }`, 20_000_000)
    assert.equal(outcome.status, 'out-of-gas')
  })

  test('a toJSON that loops forever runs out of gas, in a return value and in a state value', async () => {
    assert.equal((await attack(`export function main() { return { toJSON() { for (;;) {} } } }`)).status, 'out-of-gas')
    assert.equal((await attack(`export function main() { state.set('k', { toJSON() { for (;;) {} } }) }`)).status, 'out-of-gas')
  })

  test('catastrophic regular expression backtracking is metered', async () => {
    assert.equal((await attack(`export function main() { return /^(a+)+$/.test('a'.repeat(40) + 'b') }`, 20_000_000)).status, 'out-of-gas')
  })
})

describe('the stack', () => {
  for (const [name, code] of [
    ['plain recursion', `function f() { return f() + 1 } export function main() { return f() }`],
    ['recursion through a built-in', `function f(x) { return [x].map(f) } export function main() { return f(1) }`],
    ['recursion through getters', `const o = { get x() { return this.x } }; export function main() { return o.x }`],
    ['JSON.stringify of a deep array', `export function main() { let a = []; for (let i = 0; i < 1e5; i++) a = [a]; return JSON.stringify(a).length }`],
    ['JSON.parse of deep text', `export function main() { return JSON.parse('['.repeat(1e6) + ']'.repeat(1e6)) }`],
    ['String() of a deep array', `export function main() { let a = []; for (let i = 0; i < 1e5; i++) a = [a]; return String(a).length }`],
  ] as const) {
    test(`${name} is stopped by QuickJS's stack limit`, async () => {
      const outcome = await attack(code, BIG_GAS)
      assert.equal(outcome.status, 'reverted')
      assert.match(bare(outcome.error)!, /^(InternalError|SyntaxError): stack overflow$/)
    })
  }

  test('deeply nested source is refused at deploy', async () => {
    const host = new MemoryHost()
    const outcome = await deploy(vm, host, A, `export const x = ${'('.repeat(30_000)}1${')'.repeat(30_000)}`)
    assert.equal(outcome.status, 'reverted')
    assert.match(outcome.error!, /^SyntaxError: stack overflow/)
    await stillWorks()
  })
})

describe('memory', () => {
  for (const [name, code] of [
    ['a doubling string', `export function main() { let s = 'x'; for (;;) s += s }`],
    ['a repeated string', `export function main() { return 'x'.repeat(1e9).length }`],
    ['a huge array', `export function main() { return new Array(1e9).fill(0).length }`],
    ['a growing array', `export function main() { const a = []; for (;;) a.push([a.length]) }`],
    ['an object with ever more keys', `export function main() { const o = {}; for (let i = 0; ; i++) o['key' + i] = { i } }`],
  ] as const) {
    test(`${name} runs out of memory, reverted`, async () => {
      const outcome = await attack(code, BIG_GAS)
      assert.equal(outcome.status, 'reverted')
      // QuickJS's own caps (2^30 characters a string, 2^32 - 1 elements an array) come from
      // the same build on every node, like the memory limit.
      assert.match(bare(outcome.error)!, /^(InternalError: out of memory|InternalError: string too long|RangeError: invalid array length)$/)
    })
  }

  test('a map of many small strings runs out of memory (under a smaller limit, to keep the test short)', async () => {
    const small = new ContractVm({ memoryLimitBytes: 4 * 1024 * 1024 })
    try {
      const host = new MemoryHost()
      await deploy(small, host, A, `export function main() { const m = new Map(); for (let i = 0; ; i++) m.set(i, String(i).padStart(100, 'x')) }`)
      const outcome = await call(small, host, A, 'main', [], { gasLimit: BIG_GAS })
      assert.deepEqual({ status: outcome.status, error: outcome.error }, { status: 'reverted', error: 'InternalError: out of memory' })
    } finally {
      small.close()
    }
  })

  test('an exported native function whose callee runs out of memory fails cleanly', async () => {
    const small = new ContractVm({ memoryLimitBytes: 4 * 1024 * 1024 })
    try {
      const bomb = `function bomb() { const m = new Map(); for (let i = 0; ; i++) m.set(i, String(i).padStart(100, 'x')) }`
      for (const exported of ['Reflect.apply.bind(null, bomb, null, [])', 'bomb.call.bind(bomb)']) {
        const host = new MemoryHost()
        assert.equal((await deploy(small, host, A, `${bomb}\nexport const main = ${exported}`)).status, 'ok')
        const outcome = await call(small, host, A, 'main', [], { gasLimit: BIG_GAS })
        assert.deepEqual({ status: outcome.status, error: outcome.error }, { status: 'reverted', error: 'InternalError: out of memory' }, exported)
      }
    } finally {
      small.close()
    }
  })

  test('after a memory bomb the VM runs honest contracts', async () => {
    await attack(`export function main() { let s = 'x'; for (;;) s += s }`, BIG_GAS)
    await stillWorks()
  })

  test('a huge return value is refused', async () => {
    const outcome = await attack(`export function main() { return 'x'.repeat(10_000_000) }`, BIG_GAS)
    assert.equal(outcome.error, `return value of 10000002 bytes, above the limit of ${MAX_RESULT_BYTES}`)
  })

  test('a huge event is refused', async () => {
    const outcome = await attack(`export function main() { emit('Big', 'x'.repeat(10_000_000)) }`, BIG_GAS)
    assert.equal(bare(outcome.error), 'RangeError: event data of 10000002 bytes, above the limit of 4096')
  })
})

describe('thrown values', () => {
  for (const [thrown, message] of [
    ['42', 'uncaught number: 42'],
    ['null', 'uncaught null'],
    ['undefined', 'uncaught undefined: undefined'],
    [`'plain text'`, 'uncaught string: plain text'],
    [`Symbol('s')`, 'uncaught symbol: Symbol(s)'],
    [`{ toString() { throw new Error('never called') } }`, 'uncaught object'],
    [`() => 1`, 'uncaught function'],
    [`Object.defineProperty(new Error('x'), 'message', { get() { throw 1 } })`, 'uncaught exception'],
    [`new Proxy({}, { getPrototypeOf() { throw 1 } })`, 'uncaught exception'],
    [`Object.assign(new TypeError('typed'), { name: 'Custom' })`, 'Custom: typed (line 1, column 59)'],
  ] as const) {
    test(`throw ${thrown}`, async () => {
      const outcome = await attack(`export function main() { throw ${thrown} }`)
      assert.deepEqual({ status: outcome.status, error: outcome.error }, { status: 'reverted', error: message })
    })
  }

  test('a getter on the thrown error that loops forever runs out of gas', async () => {
    const outcome = await attack(`export function main() { throw Object.defineProperty(new Error('x'), 'message', { get() { for (;;) {} } }) }`, 20_000_000)
    assert.equal(outcome.status, 'out-of-gas')
  })
})

describe('escape attempts', () => {
  test('nothing of Node is reachable', async () => {
    const outcome = await attack(`export function main() {
      const found = []
      for (const probe of [() => process, () => require, () => globalThis.process, () => import.meta.url, () => this, () => Function, () => eval]) {
        try { found.push(String(probe())) } catch (e) { found.push(e.name) }
      }
      return found
    }`)
    assert.equal(outcome.result, JSON.stringify(['ReferenceError', 'ReferenceError', 'undefined', 'undefined', 'undefined', 'ReferenceError', 'ReferenceError']))
  })

  test("prototype pollution stays in the contract's own frame; the node's objects are untouched", async () => {
    const host = new MemoryHost()
    const polluter = `
      export function main(victim) {
        Object.prototype.polluted = 'yes'
        Object.prototype.toJSON = function () { return 'hijacked' }
        Array.prototype.push = () => { throw new Error('broken') }
        JSON.stringify = () => '"forged"'
        JSON.parse = () => 'forged'
        state.__proto__.injected = 1
        try { msg.constructor.prototype.fromMsg = 1 } catch {}
        return [call(victim, 'inspect'), JSON.parse('{"__proto__": {"viaJson": 1}}')]
      }`
    const victim = `export function inspect() { const o = {}; const a = []; a.push(1); return [o.polluted ?? null, o.injected ?? null, o.fromMsg ?? null, a, JSON.stringify({ k: 1 })] }`
    const V = contractAddress(32)
    await deploy(vm, host, A, polluter)
    await deploy(vm, host, V, victim)
    const outcome = await call(vm, host, A, 'main', [V])
    assert.equal(outcome.status, 'ok')
    // The victim ran in a clean context; the polluter's own result went through the API's
    // original JSON.stringify, and its Object.prototype.toJSON is its own business.
    assert.equal(outcome.result, '"hijacked"')
    const fromVictim = await call(vm, host, V, 'inspect')
    assert.equal(fromVictim.result, JSON.stringify([null, null, null, [1], '{"k":1}']))
    const plain = {} as Record<string, unknown>
    assert.equal(plain.polluted, undefined)
    assert.equal(plain.injected, undefined)
    assert.equal(plain.viaJson, undefined)
    assert.equal(typeof (Object.prototype as { toJSON?: unknown }).toJSON, 'undefined')
    assert.equal(JSON.stringify({ k: 1 }), '{"k":1}')
    await stillWorks()
  })

  test('a contract that replaces JSON still stores real JSON through the API', async () => {
    const host = new MemoryHost()
    await deploy(vm, host, A, `export function main() { JSON.stringify = () => '"forged"'; state.set('k', { a: 1 }); return state.get('k') }`)
    const outcome = await call(vm, host, A, 'main')
    assert.equal(host.getState(A, 'k'), '{"a":1}')
    assert.equal(outcome.result, '{"a":1}')
  })
})
