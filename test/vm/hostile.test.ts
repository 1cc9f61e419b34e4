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
function attack(code: string, gasLimit = 50_000_000): ExecutionOutcome {
  const host = new MemoryHost()
  assert.equal(deploy(vm, host, A, code).status, 'ok')
  const before = host.snapshot()
  const outcome = call(vm, host, A, 'main', [], { gasLimit })
  if (outcome.status !== 'ok') assert.deepEqual(host.snapshot(), before)
  assert.equal(host.depth, 0)
  return outcome
}

/** The VM still runs an honest contract correctly. */
function stillWorks(): void {
  const host = new MemoryHost()
  deploy(vm, host, COUNTER, example('counter'), [1])
  assert.equal(call(vm, host, COUNTER, 'increment', [2]).result, '3')
}

describe('endless work', () => {
  test('an endless loop runs out of gas, using exactly its limit', () => {
    const outcome = attack(`export function main() { state.set('x', 1); for (;;) {} }`, 20_000_000)
    assert.deepEqual(outcome, { status: 'out-of-gas', gasUsed: 20_000_000, result: null, error: 'out of gas', events: [], touched: [A] })
    stillWorks()
  })

  test('catching does not escape running out of gas', () => {
    const outcome = attack(`export function main() { for (;;) { try { for (;;) {} } catch {} } }`, 20_000_000)
    assert.equal(outcome.status, 'out-of-gas')
    assert.equal(outcome.gasUsed, 20_000_000)
  })

  test('state spam runs out of gas and stores nothing', () => {
    const outcome = attack(`export function main() { for (let i = 0; ; i++) state.set('k' + i, 'x'.repeat(1000)) }`, 20_000_000)
    assert.equal(outcome.status, 'out-of-gas')
  })

  test('a toJSON that loops forever runs out of gas, in a return value and in a state value', () => {
    assert.equal(attack(`export function main() { return { toJSON() { for (;;) {} } } }`).status, 'out-of-gas')
    assert.equal(attack(`export function main() { state.set('k', { toJSON() { for (;;) {} } }) }`).status, 'out-of-gas')
  })

  test('catastrophic regular expression backtracking is metered', () => {
    assert.equal(attack(`export function main() { return /^(a+)+$/.test('a'.repeat(40) + 'b') }`, 20_000_000).status, 'out-of-gas')
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
    test(`${name} is stopped by QuickJS's stack limit`, () => {
      const outcome = attack(code, BIG_GAS)
      assert.equal(outcome.status, 'reverted')
      assert.match(bare(outcome.error)!, /^(InternalError|SyntaxError): stack overflow$/)
    })
  }

  test('deeply nested source is refused at deploy', () => {
    const host = new MemoryHost()
    const outcome = deploy(vm, host, A, `export const x = ${'('.repeat(30_000)}1${')'.repeat(30_000)}`)
    assert.equal(outcome.status, 'reverted')
    assert.match(outcome.error!, /^SyntaxError: stack overflow/)
    stillWorks()
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
    test(`${name} runs out of memory, reverted`, () => {
      const outcome = attack(code, BIG_GAS)
      assert.equal(outcome.status, 'reverted')
      // QuickJS's own caps (2^30 characters a string, 2^32 - 1 elements an array) come from
      // the same build on every node, like the memory limit.
      assert.match(bare(outcome.error)!, /^(InternalError: out of memory|InternalError: string too long|RangeError: invalid array length)$/)
    })
  }

  test('a map of many small strings runs out of memory (under a smaller limit, to keep the test short)', () => {
    const small = new ContractVm({ memoryLimitBytes: 4 * 1024 * 1024 })
    try {
      const host = new MemoryHost()
      deploy(small, host, A, `export function main() { const m = new Map(); for (let i = 0; ; i++) m.set(i, String(i).padStart(100, 'x')) }`)
      const outcome = call(small, host, A, 'main', [], { gasLimit: BIG_GAS })
      assert.deepEqual({ status: outcome.status, error: outcome.error }, { status: 'reverted', error: 'InternalError: out of memory' })
    } finally {
      small.close()
    }
  })

  test('an exported native function whose callee runs out of memory fails cleanly', () => {
    const small = new ContractVm({ memoryLimitBytes: 4 * 1024 * 1024 })
    try {
      const bomb = `function bomb() { const m = new Map(); for (let i = 0; ; i++) m.set(i, String(i).padStart(100, 'x')) }`
      for (const exported of ['Reflect.apply.bind(null, bomb, null, [])', 'bomb.call.bind(bomb)']) {
        const host = new MemoryHost()
        assert.equal(deploy(small, host, A, `${bomb}\nexport const main = ${exported}`).status, 'ok')
        const outcome = call(small, host, A, 'main', [], { gasLimit: BIG_GAS })
        assert.deepEqual({ status: outcome.status, error: outcome.error }, { status: 'reverted', error: 'InternalError: out of memory' }, exported)
      }
    } finally {
      small.close()
    }
  })

  test('after a memory bomb the VM runs honest contracts', () => {
    attack(`export function main() { let s = 'x'; for (;;) s += s }`, BIG_GAS)
    stillWorks()
  })

  test('a huge return value is refused', () => {
    const outcome = attack(`export function main() { return 'x'.repeat(10_000_000) }`, BIG_GAS)
    assert.equal(outcome.error, `return value of 10000002 bytes, above the limit of ${MAX_RESULT_BYTES}`)
  })

  test('a huge event is refused', () => {
    const outcome = attack(`export function main() { emit('Big', 'x'.repeat(10_000_000)) }`, BIG_GAS)
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
    test(`throw ${thrown}`, () => {
      const outcome = attack(`export function main() { throw ${thrown} }`)
      assert.deepEqual({ status: outcome.status, error: outcome.error }, { status: 'reverted', error: message })
    })
  }

  test('a getter on the thrown error that loops forever runs out of gas', () => {
    const outcome = attack(`export function main() { throw Object.defineProperty(new Error('x'), 'message', { get() { for (;;) {} } }) }`, 20_000_000)
    assert.equal(outcome.status, 'out-of-gas')
  })
})

describe('escape attempts', () => {
  test('nothing of Node is reachable', () => {
    const outcome = attack(`export function main() {
      const found = []
      for (const probe of [() => process, () => require, () => globalThis.process, () => import.meta.url, () => this, () => Function, () => eval]) {
        try { found.push(String(probe())) } catch (e) { found.push(e.name) }
      }
      return found
    }`)
    assert.equal(outcome.result, JSON.stringify(['ReferenceError', 'ReferenceError', 'undefined', 'undefined', 'undefined', 'ReferenceError', 'ReferenceError']))
  })

  test("prototype pollution stays in the contract's own frame; the node's objects are untouched", () => {
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
    deploy(vm, host, A, polluter)
    deploy(vm, host, V, victim)
    const outcome = call(vm, host, A, 'main', [V])
    assert.equal(outcome.status, 'ok')
    // The victim ran in a clean context; the polluter's own result went through the API's
    // original JSON.stringify, and its Object.prototype.toJSON is its own business.
    assert.equal(outcome.result, '"hijacked"')
    const fromVictim = call(vm, host, V, 'inspect')
    assert.equal(fromVictim.result, JSON.stringify([null, null, null, [1], '{"k":1}']))
    const plain = {} as Record<string, unknown>
    assert.equal(plain.polluted, undefined)
    assert.equal(plain.injected, undefined)
    assert.equal(plain.viaJson, undefined)
    assert.equal(typeof (Object.prototype as { toJSON?: unknown }).toJSON, 'undefined')
    assert.equal(JSON.stringify({ k: 1 }), '{"k":1}')
    stillWorks()
  })

  test('a contract that replaces JSON still stores real JSON through the API', () => {
    const host = new MemoryHost()
    deploy(vm, host, A, `export function main() { JSON.stringify = () => '"forged"'; state.set('k', { a: 1 }); return state.get('k') }`)
    const outcome = call(vm, host, A, 'main')
    assert.equal(host.getState(A, 'k'), '{"a":1}')
    assert.equal(outcome.result, '{"a":1}')
  })
})
