/**
 * ContractVm through its public API: deploys, calls, values, events, limits, nested calls and
 * their reverts, and the errors that mean "this node could not execute".
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ContractVm, VmError, checkContractSource } from '../../src/vm/vm.js'
import { MAX_CALL_DEPTH, MAX_ERROR_CHARS, MAX_EVENTS, MAX_REQUESTS_PER_MESSAGE, MAX_RESULT_BYTES, MAX_STATE_KEY_BYTES, MAX_STATE_VALUE_BYTES } from '../../src/vm/constants.js'
import { MemoryHost } from './memory-host.js'
import { ALICE, BLOCK, bare, call, contractAddress, deploy, example, run } from './fixtures.js'

const vm = new ContractVm()
after(() => vm.close())
const A = contractAddress(10)
const B = contractAddress(11)
const C = contractAddress(12)

describe('deploy and call', () => {
  test('the counter of the issue: init, increment with an event, get', async () => {
    const host = new MemoryHost()
    const deployed = await deploy(vm, host, A, example('counter'), [10])
    assert.deepEqual({ ...deployed, gasUsed: 0 }, { status: 'ok', gasUsed: 0, result: 'null', error: null, events: [], touched: [A] })
    const incremented = await call(vm, host, A, 'increment', [5])
    assert.equal(incremented.status, 'ok')
    assert.equal(incremented.result, '15')
    assert.deepEqual(incremented.events, [{ contract: A, name: 'Incremented', data: '{"by":5,"count":15}' }])
    assert.equal((await call(vm, host, A, 'get')).result, '15')
    assert.equal(host.getState(A, 'count'), '15')
    assert.equal(host.depth, 0)
  })

  test('calls asked at once, more than a message holds, run in the order asked, on a new thread and a running one', async () => {
    const fresh = new ContractVm()
    try {
      const host = new MemoryHost()
      // Asked while the thread starts (queued on its start), then while it runs (sent as asked).
      const deployed = deploy(fresh, host, A, example('counter'), [0])
      const early = Array.from({ length: 10 }, (_, i) => call(fresh, host, A, 'increment', [i + 1]))
      assert.equal((await deployed).status, 'ok')
      const late = Array.from({ length: 3 * MAX_REQUESTS_PER_MESSAGE + 5 }, (_, i) => call(fresh, host, A, 'increment', [1000 + i]))
      let count = 0
      for (const [i, outcome] of (await Promise.all([...early, ...late])).entries()) {
        count += i < early.length ? i + 1 : 1000 + i - early.length
        assert.equal(outcome.result, String(count), `call ${i} saw the calls before it, and only those`)
      }
      assert.equal(host.getState(A, 'count'), String(count))
    } finally {
      fresh.close()
    }
  })

  test('msg and block are what the request says', async () => {
    const host = new MemoryHost()
    const code = `export function main() { return [msg.sender, msg.contract, block.height, block.timestamp, block.hash] }`
    const outcome = await run(vm, host, A, code)
    assert.deepEqual(JSON.parse(outcome.result!), [ALICE, A, BLOCK.height, BLOCK.timestamp, BLOCK.parentHash])
  })

  test('a failing init reverts the deploy, the stored code included', async () => {
    const host = new MemoryHost()
    const outcome = await deploy(vm, host, A, `export function init() { state.set('x', 1); revert('no thanks') }`)
    assert.deepEqual({ ...outcome, gasUsed: 0 }, { status: 'reverted', gasUsed: 0, result: null, error: 'no thanks', events: [], touched: [A] })
    assert.equal(host.getCode(A), undefined)
    assert.equal(host.getState(A, 'x'), undefined)
  })

  for (const [name, code, error] of [
    ['a syntax error', 'export function f( {', /^SyntaxError: /],
    ['an import', `import x from 'other'\nexport function f() {}`, /could not load module 'other'/],
    ['a re-export', `export { x } from 'other'`, /could not load module 'other'/],
    ['top-level await', 'await 1\nexport function f() {}', /top-level await is not supported/],
    ['a top-level throw', 'throw new RangeError("bad")', /^RangeError: bad \(line 1, column 21\)$/],
    ['an init that is not a function', 'export const init = 1', /init is exported but is not a function/],
  ] as const) {
    test(`a deploy with ${name} reverts and stores nothing`, async () => {
      const host = new MemoryHost()
      const outcome = await deploy(vm, host, A, code)
      assert.equal(outcome.status, 'reverted')
      assert.match(outcome.error!, error)
      assert.equal(host.getCode(A), undefined)
      assert.equal((await checkContractSource(code))?.replace(/ at .*/, ''), outcome.error!.replace(/ at .*/, ''))
    })
  }

  test('checkContractSource accepts a contract without running init', async () => {
    assert.equal(await checkContractSource(`export function init() { revert('init is not run') }`), undefined)
  })

  test('deploy arguments need an init; a contract without one deploys with []', async () => {
    const host = new MemoryHost()
    assert.equal((await deploy(vm, host, A, 'export function f() {}', [1])).error, 'deploy arguments given, but the contract exports no init')
    assert.equal((await deploy(vm, host, A, 'export function f() { return 2 }')).status, 'ok')
    assert.equal((await call(vm, host, A, 'f')).result, '2')
  })

  test('a second deploy at the same address reverts', async () => {
    const host = new MemoryHost()
    assert.equal((await deploy(vm, host, A, 'export function f() {}')).status, 'ok')
    assert.equal((await deploy(vm, host, A, 'export function g() {}')).error, `a contract is already deployed at ${A}`)
    assert.equal(host.getCode(A), 'export function f() {}')
  })

  test('unknown contracts and methods, init and bad names are refused with a clear message', async () => {
    const host = new MemoryHost()
    assert.equal((await call(vm, host, A, 'f')).error, `no contract is deployed at ${A}`)
    await deploy(vm, host, A, 'export function init() {}\nexport const notAFunction = 3\nexport function f() {}')
    assert.equal((await call(vm, host, A, 'g')).error, `${A} has no method "g"`)
    assert.equal((await call(vm, host, A, 'notAFunction')).error, `${A} has no method "notAFunction"`)
    assert.equal((await call(vm, host, A, 'init')).error, 'init runs once, at deploy, and cannot be called')
    assert.equal((await call(vm, host, A, 'a-b')).error, 'method names are identifiers, got "a-b"')
  })

  test('arguments must be a JSON array', async () => {
    const host = new MemoryHost()
    await deploy(vm, host, A, 'export function f(a) { return a }')
    const bad = async (args: string): Promise<string | null> => (await vm.call({ host, block: BLOCK, sender: ALICE, contract: A, gasLimit: 10_000_000, method: 'f', args })).error
    assert.equal(await bad('{"a":1}'), 'TypeError: arguments must be a JSON array')
    assert.match((await bad('[1,'))!, /^SyntaxError: /)
  })
})

describe('values are JSON', () => {
  test('undefined, NaN, Infinity, -0, functions and Dates-as-strings follow JSON.stringify', async () => {
    const host = new MemoryHost()
    const code = `
      export function undef() {}
      export function numbers() { return [NaN, Infinity, -0, 1.5] }
      export function nested() { return { a: undefined, f() {}, b: [undefined, () => 1], s: Symbol('x') } }
      export function fn() { return () => 1 }
      export function store() { state.set('v', { a: undefined, n: NaN }); return state.get('v') }
      export function storeUndefined() { state.set('u', undefined) }
      export function storeFunction() { state.set('u', () => 1) }
      export function missing() { return state.get('nothing') === undefined && !state.has('nothing') }`
    await deploy(vm, host, A, code)
    assert.equal((await call(vm, host, A, 'undef')).result, 'null')
    assert.equal((await call(vm, host, A, 'numbers')).result, '[null,null,0,1.5]')
    assert.equal((await call(vm, host, A, 'nested')).result, '{"b":[null,null]}')
    assert.equal((await call(vm, host, A, 'fn')).result, 'null')
    assert.equal((await call(vm, host, A, 'store')).result, '{"n":null}')
    assert.equal(host.getState(A, 'v'), '{"n":null}')
    const message = 'TypeError: state value is not a JSON value (use state.delete to remove a key)'
    assert.equal((await call(vm, host, A, 'storeUndefined')).error, `${message} (line 7, column 51)`)
    assert.equal(bare((await call(vm, host, A, 'storeFunction')).error), message)
    assert.equal((await call(vm, host, A, 'missing')).result, 'true')
  })

  test('BigInt works inside a call but cannot be stored or returned', async () => {
    const host = new MemoryHost()
    const code = `
      export function compute() { return (2n ** 64n + 1n).toString() }
      export function storeBig() { state.set('b', 1n) }
      export function returnBig() { return 1n }`
    await deploy(vm, host, A, code)
    assert.equal((await call(vm, host, A, 'compute')).result, '"18446744073709551617"')
    assert.match((await call(vm, host, A, 'storeBig')).error!, /^TypeError: .*BigInt/)
    assert.match((await call(vm, host, A, 'returnBig')).error!, /^TypeError: .*BigInt/)
  })

  test('state keys are well-formed strings', async () => {
    const host = new MemoryHost()
    await deploy(vm, host, A, `export function set(k) { state.set(k, 1) }\nexport function lone() { state.set('a\\uD800', 1) }\nexport function num() { state.set(1, 1) }`)
    assert.equal(bare((await call(vm, host, A, 'lone')).error), 'TypeError: state keys must be well-formed Unicode (no lone surrogates)')
    assert.equal(bare((await call(vm, host, A, 'num')).error), 'TypeError: state keys are strings, got number')
    assert.equal((await call(vm, host, A, 'set', ['ü'])).status, 'ok')
    assert.equal(host.getState(A, 'ü'), '1')
  })
})

describe('limits', () => {
  const host = new MemoryHost()
  const code = `
    export function key(n) { state.set('k'.repeat(n), 1) }
    export function value(n) { state.set('v', 'x'.repeat(n)) }
    export function result(n) { return 'x'.repeat(n) }
    export function events(n) { for (let i = 0; i < n; i++) emit('E', i) }
    export function eventData(n) { emit('E', 'x'.repeat(n)) }
    export function eventName(name) { emit(name, 1) }
    export function message() { revert('line one\\nline two\\t' + 'x'.repeat(1000)) }`
  before(async () => {
    await deploy(vm, host, A, code)
  })

  test('state keys', async () => {
    assert.equal((await call(vm, host, A, 'key', [MAX_STATE_KEY_BYTES])).status, 'ok')
    assert.equal(bare((await call(vm, host, A, 'key', [MAX_STATE_KEY_BYTES + 1])).error), `RangeError: state key of ${MAX_STATE_KEY_BYTES + 1} bytes, above the limit of ${MAX_STATE_KEY_BYTES}`)
  })
  test('state values (JSON text, quotes included)', async () => {
    assert.equal((await call(vm, host, A, 'value', [MAX_STATE_VALUE_BYTES - 2])).status, 'ok')
    assert.equal(bare((await call(vm, host, A, 'value', [MAX_STATE_VALUE_BYTES - 1])).error), `RangeError: state value of ${MAX_STATE_VALUE_BYTES + 1} bytes, above the limit of ${MAX_STATE_VALUE_BYTES}`)
  })
  test('return values', async () => {
    assert.equal((await call(vm, host, A, 'result', [MAX_RESULT_BYTES - 2])).status, 'ok')
    assert.equal((await call(vm, host, A, 'result', [MAX_RESULT_BYTES - 1])).error, `return value of ${MAX_RESULT_BYTES + 1} bytes, above the limit of ${MAX_RESULT_BYTES}`)
  })
  test('events: count, data size and names', async () => {
    assert.equal((await call(vm, host, A, 'events', [MAX_EVENTS])).events.length, MAX_EVENTS)
    assert.equal(bare((await call(vm, host, A, 'events', [MAX_EVENTS + 1])).error), `RangeError: more than ${MAX_EVENTS} events in one transaction`)
    assert.equal((await call(vm, host, A, 'eventData', [4096 - 2])).status, 'ok')
    assert.equal(bare((await call(vm, host, A, 'eventData', [4096 - 1])).error), 'RangeError: event data of 4097 bytes, above the limit of 4096')
    assert.equal(bare((await call(vm, host, A, 'eventName', ['not an identifier'])).error), 'TypeError: event names are identifiers of at most 64 characters, got "not an identifier"')
  })
  test('revert messages are one line of bounded length', async () => {
    const { error } = await call(vm, host, A, 'message')
    assert.equal(error!.length, MAX_ERROR_CHARS)
    assert.ok(error!.startsWith('line one line two x'))
    assert.ok(error!.endsWith('…'))
  })
})

describe('nested calls', () => {
  const host = new MemoryHost()
  const callee = `
    export function set(v) { state.set('v', v); emit('Set', v); return v * 2 }
    export function fail() { state.set('v', 'failed'); emit('Never', 1); revert('callee says no') }
    export function sender() { return msg.sender }
    export function back(address) { return call(address, 'value') }`
  const caller = `
    export function value() { return 1 }
    export function both(callee) { state.set('mine', 1); return call(callee, 'set', 21) }
    export function propagate(callee) { state.set('mine', 2); call(callee, 'fail') }
    export function recover(callee) {
      state.set('mine', 3)
      try { call(callee, 'fail') } catch (e) { emit('Caught', e.message) ; return e.name }
    }
    export function sender(callee) { return call(callee, 'sender') }
    export function reenter(callee) { return call(callee, 'back', msg.contract) }
    export function self() { return call(msg.contract, 'value') }
    export function missing(address) { return call(address, 'x') }
    export function badAddress() { return call('ct1nope', 'x') }`
  before(async () => {
    await deploy(vm, host, A, caller)
    await deploy(vm, host, B, callee)
  })

  test('a successful nested call keeps both frames changes and events, in order', async () => {
    const outcome = await call(vm, host, A, 'both', [B])
    assert.equal(outcome.result, '42')
    assert.deepEqual(outcome.events, [{ contract: B, name: 'Set', data: '21' }])
    assert.deepEqual(outcome.touched, [A, B])
    assert.equal(host.getState(A, 'mine'), '1')
    assert.equal(host.getState(B, 'v'), '21')
  })

  test('a failing nested call that propagates reverts the callee and the caller', async () => {
    const outcome = await call(vm, host, A, 'propagate', [B])
    assert.equal(outcome.status, 'reverted')
    assert.equal(outcome.error, `CallError: ${B}.fail failed: callee says no (line 4, column 67)`)
    assert.deepEqual(outcome.touched, [A, B])
    assert.equal(host.getState(A, 'mine'), '1')
    assert.equal(host.getState(B, 'v'), '21')
    assert.equal(host.depth, 0)
  })

  test('a caught nested failure reverts only the callee', async () => {
    const outcome = await call(vm, host, A, 'recover', [B])
    assert.equal(outcome.status, 'ok')
    assert.equal(outcome.result, '"CallError"')
    assert.deepEqual(outcome.events, [{ contract: A, name: 'Caught', data: JSON.stringify(`${B}.fail failed: callee says no`) }])
    assert.equal(host.getState(A, 'mine'), '3')
    assert.equal(host.getState(B, 'v'), '21')
  })

  test("msg.sender of a nested call is the calling contract", async () => {
    assert.equal((await call(vm, host, A, 'sender', [B])).result, JSON.stringify(A))
  })

  test('re-entry into a contract on the call stack is refused, itself included', async () => {
    assert.equal(bare((await call(vm, host, A, 'reenter', [B])).error), `CallError: ${B}.back failed: CallError: re-entry into ${A} refused: it is already on the call stack`)
    assert.equal(bare((await call(vm, host, A, 'self')).error), `CallError: re-entry into ${A} refused: it is already on the call stack`)
  })

  test('calls to nowhere or to a malformed address fail in the caller', async () => {
    assert.equal(bare((await call(vm, host, A, 'missing', [C])).error), `CallError: no contract is deployed at ${C}`)
    assert.equal(bare((await call(vm, host, A, 'badAddress')).error), 'TypeError: not a contract address: "ct1nope"')
  })

  test(`calls nest at most ${MAX_CALL_DEPTH} deep`, async () => {
    const chainHost = new MemoryHost()
    // Each frame passes the rest of the list on; a refused call is caught where it happens.
    const relay = `export function relay(addresses) {
      if (addresses.length === 0) return 'end'
      try { return call(addresses[0], 'relay', addresses.slice(1)) } catch (e) { return e.message }
    }`
    const addresses = Array.from({ length: MAX_CALL_DEPTH + 1 }, (_, i) => contractAddress(100 + i))
    for (const address of addresses) await deploy(vm, chainHost, address, relay)
    const atLimit = await call(vm, chainHost, addresses[0]!, 'relay', [addresses.slice(1, MAX_CALL_DEPTH)])
    assert.equal(atLimit.result, '"end"')
    assert.equal(atLimit.touched.length, MAX_CALL_DEPTH)
    const over = await call(vm, chainHost, addresses[0]!, 'relay', [addresses.slice(1)])
    assert.equal(over.result, JSON.stringify(`call depth above ${MAX_CALL_DEPTH}`))
    assert.equal(over.touched.length, MAX_CALL_DEPTH)
  })
})

describe('revert()', () => {
  test('cannot be caught: the frame fails with its message whatever the code does next', async () => {
    const host = new MemoryHost()
    const outcome = await run(vm, host, A, `export function main() { try { revert('final') } catch {} ; state.set('after', 1); return 'ignored' }`)
    assert.deepEqual({ ...outcome, gasUsed: 0 }, { status: 'reverted', gasUsed: 0, result: null, error: 'final', events: [], touched: [A] })
    assert.equal(host.getState(A, 'after'), undefined)
  })

  test('a caught revert followed by an endless loop ends at once, reverted', async () => {
    const host = new MemoryHost()
    const outcome = await run(vm, host, A, `export function main() { try { revert('stop') } catch {} ; for (;;) {} }`)
    assert.equal(outcome.status, 'reverted')
    assert.equal(outcome.error, 'stop')
    assert.ok(outcome.gasUsed < GAS_USED_BOUND)
  })
})
const GAS_USED_BOUND = 5_000_000

describe('this node could not execute', () => {
  test('a slow execution is reported once and runs on to its outcome: the clock decides nothing', async () => {
    const slow: Array<{ contract: string; elapsedMs: number }> = []
    const alarmed = new ContractVm({ alarmMs: 50, onSlowExecution: (contract, elapsedMs) => slow.push({ contract, elapsedMs }) })
    try {
      const host = new MemoryHost()
      await deploy(alarmed, host, A, `export function spin() { state.set('x', 1); for (;;) {} }`)
      slow.length = 0 // the deploy may have been slow too, on a busy machine
      const outcome = await call(alarmed, host, A, 'spin', [], { gasLimit: 200_000_000 })
      assert.deepEqual({ status: outcome.status, gasUsed: outcome.gasUsed }, { status: 'out-of-gas', gasUsed: 200_000_000 })
      assert.equal(slow.length, 1)
      assert.equal(slow[0]!.contract, A)
      assert.ok(slow[0]!.elapsedMs >= 50)
      assert.equal(host.getState(A, 'x'), undefined)
    } finally {
      alarmed.close()
    }
  })

  test("the node's event loop runs while an execution does", async () => {
    const host = new MemoryHost()
    await deploy(vm, host, A, `export function spin() { for (;;) {} }`)
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    try {
      const outcome = await call(vm, host, A, 'spin', [], { gasLimit: 100_000_000 })
      assert.equal(outcome.status, 'out-of-gas')
    } finally {
      clearInterval(timer)
    }
    assert.ok(ticks >= 2, `the timer fired ${ticks} times during the execution`)
  })

  test('a host that throws gives VM_ERROR_HOST and is left as it was', async () => {
    const host = new MemoryHost()
    await deploy(vm, host, A, `export function main() { state.set('a', 1); return state.get('b') }`)
    const failing = Object.assign(Object.create(host) as MemoryHost, {
      getState(): never {
        throw new Error('disk on fire')
      },
    })
    await assert.rejects(
      call(vm, failing, A, 'main'),
      (error: unknown) => {
        assert.ok(error instanceof VmError)
        assert.deepEqual({ code: error.code, data: error.data }, { code: 'VM_ERROR_HOST', data: { contract: A, detail: 'getState: disk on fire' } })
        return true
      },
    )
    assert.equal(host.depth, 0)
    assert.equal(host.getState(A, 'a'), undefined)
    assert.equal((await call(vm, host, A, 'main')).result, 'null')
  })

  test('a host that fails while the changes of a successful call are applied gives VM_ERROR_HOST and is left as it was', async () => {
    const host = new MemoryHost()
    await deploy(vm, host, A, `export function main() { state.set('a', 1); state.set('b', 2) }`)
    let writes = 0
    const failing = Object.assign(Object.create(host) as MemoryHost, {
      setState(address: string, key: string, value: string): void {
        if (++writes === 2) throw new Error('disk full')
        host.setState(address, key, value)
      },
    })
    await assert.rejects(call(vm, failing, A, 'main'), (error: unknown) => {
      assert.ok(error instanceof VmError)
      assert.deepEqual({ code: error.code, data: error.data }, { code: 'VM_ERROR_HOST', data: { contract: A, detail: 'apply: disk full' } })
      return true
    })
    assert.equal(host.depth, 0)
    assert.deepEqual([host.getState(A, 'a'), host.getState(A, 'b')], [undefined, undefined])
    assert.equal((await call(vm, host, A, 'main')).status, 'ok')
    assert.deepEqual([host.getState(A, 'a'), host.getState(A, 'b')], ['1', '2'])
  })

  test('a closed VM refuses work', async () => {
    const closed = new ContractVm()
    closed.close()
    await assert.rejects(
      call(closed, new MemoryHost(), A, 'main'),
      (error: unknown) => error instanceof VmError && error.code === 'VM_ERROR_CLOSED' && error.data.contract === A,
    )
  })
})


