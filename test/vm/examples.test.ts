/**
 * The contracts of docs/examples, driven through ContractVm as the executor would: counter,
 * token (fungible, with allowances), registry (names to ids, changed only by their owner).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ContractVm, type ExecutionOutcome } from '../../src/vm/vm.js'
import { MemoryHost } from './memory-host.js'
import { ALICE, BOB, CAROL, bare, call, contractAddress, deploy, example } from './fixtures.js'

const vm = new ContractVm()
after(() => vm.close())
const COUNTER = contractAddress(40)
const TOKEN = contractAddress(41)
const REGISTRY = contractAddress(42)
const SPENDER_CONTRACT = contractAddress(43)

function ok(outcome: ExecutionOutcome): unknown {
  assert.equal(outcome.status, 'ok', outcome.error ?? undefined)
  return JSON.parse(outcome.result!)
}

function events(outcome: ExecutionOutcome): [string, unknown][] {
  return outcome.events.map((event) => [event.name, JSON.parse(event.data)])
}

describe('counter.js', () => {
  test('starts where init says (0 by default) and counts', async () => {
    const host = new MemoryHost()
    ok(await deploy(vm, host, COUNTER, example('counter')))
    assert.equal(ok(await call(vm, host, COUNTER, 'get')), 0)
    assert.equal(ok(await call(vm, host, COUNTER, 'increment')), 1)
    const outcome = await call(vm, host, COUNTER, 'increment', [41])
    assert.equal(ok(outcome), 42)
    assert.deepEqual(events(outcome), [['Incremented', { by: 41, count: 42 }]])
    assert.equal(ok(await call(vm, host, COUNTER, 'get')), 42)
  })
})

describe('token.js', () => {
  const host = new MemoryHost()
  let deployed: ExecutionOutcome
  before(async () => {
    deployed = await deploy(vm, host, TOKEN, example('token'), ['Gold', 'GLD', 1000])
  })
  const token = async (method: string, args: unknown[] = [], sender = ALICE): Promise<ExecutionOutcome> => await call(vm, host, TOKEN, method, args, { sender })

  test('init gives the whole supply to the deployer', async () => {
    assert.deepEqual(events(deployed), [['Transfer', { from: null, to: ALICE, amount: 1000 }]])
    assert.deepEqual([ok(await token('name')), ok(await token('symbol')), ok(await token('totalSupply'))], ['Gold', 'GLD', 1000])
    assert.equal(ok(await token('balanceOf', [ALICE])), 1000)
    assert.equal(ok(await token('balanceOf', [BOB])), 0)
  })

  test('transfer moves balance and emits Transfer', async () => {
    const outcome = await token('transfer', [BOB, 300])
    assert.equal(ok(outcome), true)
    assert.deepEqual(events(outcome), [['Transfer', { from: ALICE, to: BOB, amount: 300 }]])
    assert.deepEqual([ok(await token('balanceOf', [ALICE])), ok(await token('balanceOf', [BOB]))], [700, 300])
  })

  test('a transfer above the balance reverts and changes nothing', async () => {
    const outcome = await token('transfer', [CAROL, 301], BOB)
    assert.equal(outcome.status, 'reverted')
    assert.equal(outcome.error, `insufficient balance: ${BOB} has 300, needs 301`)
    assert.deepEqual([ok(await token('balanceOf', [BOB])), ok(await token('balanceOf', [CAROL]))], [300, 0])
  })

  test('amounts must be non-negative safe integers', async () => {
    for (const amount of [-1, 1.5, '5', 2 ** 53, null]) {
      assert.equal((await token('transfer', [BOB, amount])).error, `amount must be a non-negative safe integer, got ${JSON.stringify(amount)}`)
    }
  })

  test('approve, allowance and transferFrom, down to zero', async () => {
    const approval = await token('approve', [BOB, 100])
    assert.deepEqual(events(approval), [['Approval', { owner: ALICE, spender: BOB, amount: 100 }]])
    assert.equal(ok(await token('allowance', [ALICE, BOB])), 100)
    assert.equal((await token('transferFrom', [ALICE, CAROL, 101], BOB)).error, `allowance exceeded: ${BOB} may spend 100 of ${ALICE}, needs 101`)
    const spent = await token('transferFrom', [ALICE, CAROL, 60], BOB)
    assert.deepEqual(events(spent), [['Transfer', { from: ALICE, to: CAROL, amount: 60 }]])
    assert.equal(ok(await token('allowance', [ALICE, BOB])), 40)
    ok(await token('transferFrom', [ALICE, CAROL, 40], BOB))
    assert.equal(ok(await token('allowance', [ALICE, BOB])), 0)
    assert.equal(host.getState(TOKEN, `allowance:${ALICE}:${BOB}`), undefined)
    assert.deepEqual([ok(await token('balanceOf', [ALICE])), ok(await token('balanceOf', [CAROL]))], [600, 100])
  })

  test('an allowance cannot be spent by anyone else', async () => {
    ok(await token('approve', [BOB, 10]))
    assert.equal((await token('transferFrom', [ALICE, CAROL, 1], CAROL)).error, `allowance exceeded: ${CAROL} may spend 0 of ${ALICE}, needs 1`)
  })

  test('a contract can hold an allowance and spend it through call()', async () => {
    const spender = `export function pull(token, from, to, amount) { return call(token, 'transferFrom', from, to, amount) }`
    ok(await deploy(vm, host, SPENDER_CONTRACT, spender))
    ok(await token('approve', [SPENDER_CONTRACT, 5]))
    const outcome = await call(vm, host, SPENDER_CONTRACT, 'pull', [TOKEN, ALICE, BOB, 5], { sender: CAROL })
    assert.equal(ok(outcome), true)
    assert.deepEqual(outcome.touched, [SPENDER_CONTRACT, TOKEN])
    assert.deepEqual(events(outcome), [['Transfer', { from: ALICE, to: BOB, amount: 5 }]])
    const again = await call(vm, host, SPENDER_CONTRACT, 'pull', [TOKEN, ALICE, BOB, 1], { sender: CAROL })
    assert.equal(bare(again.error), `CallError: ${TOKEN}.transferFrom failed: allowance exceeded: ${SPENDER_CONTRACT} may spend 0 of ${ALICE}, needs 1`)
  })

  test('the supply is conserved', async () => {
    let total = 0
    for (const id of [ALICE, BOB, CAROL, SPENDER_CONTRACT]) total += ok(await token('balanceOf', [id])) as number
    assert.equal(total, 1000)
  })
})

describe('registry.js', () => {
  const host = new MemoryHost()
  before(async () => {
    ok(await deploy(vm, host, REGISTRY, example('registry')))
  })
  const registry = async (method: string, args: unknown[] = [], sender = ALICE): Promise<ExecutionOutcome> => await call(vm, host, REGISTRY, method, args, { sender })

  test('register and lookup', async () => {
    const outcome = await registry('register', ['alice', ALICE])
    assert.deepEqual(events(outcome), [['Registered', { name: 'alice', owner: ALICE, target: ALICE }]])
    assert.equal(ok(await registry('lookup', ['alice'])), ALICE)
    assert.equal(ok(await registry('ownerOf', ['alice'])), ALICE)
    assert.equal(ok(await registry('lookup', ['nobody'])), null)
  })

  test('a name is registered once', async () => {
    assert.equal((await registry('register', ['alice', BOB], BOB)).error, 'alice is already registered')
  })

  test('names are checked', async () => {
    for (const name of ['', 'Alice', '-x', 'a'.repeat(64), 'a b', 7]) {
      assert.match((await registry('register', [name, ALICE])).error!, /^names are 1 to 63 of a-z/)
    }
  })

  test('only the owner updates, transfers or releases a name', async () => {
    assert.equal((await registry('update', ['alice', BOB], BOB)).error, `alice belongs to ${ALICE}, not ${BOB}`)
    assert.equal((await registry('transfer', ['alice', BOB], BOB)).error, `alice belongs to ${ALICE}, not ${BOB}`)
    assert.equal((await registry('release', ['alice'], BOB)).error, `alice belongs to ${ALICE}, not ${BOB}`)
    assert.deepEqual(events(await registry('update', ['alice', 'https://alice.example'])), [['Updated', { name: 'alice', target: 'https://alice.example' }]])
    assert.equal(ok(await registry('lookup', ['alice'])), 'https://alice.example')
  })

  test('a transferred name belongs to its new owner only', async () => {
    assert.deepEqual(events(await registry('transfer', ['alice', BOB])), [['Transferred', { name: 'alice', from: ALICE, to: BOB }]])
    assert.equal(ok(await registry('ownerOf', ['alice'])), BOB)
    assert.equal((await registry('update', ['alice', CAROL])).error, `alice belongs to ${BOB}, not ${ALICE}`)
    ok(await registry('update', ['alice', CAROL], BOB))
    assert.equal(ok(await registry('lookup', ['alice'])), CAROL)
  })

  test('a released name can be registered again', async () => {
    assert.equal((await registry('release', ['nobody'])).error, 'nobody is not registered')
    assert.deepEqual(events(await registry('release', ['alice'], BOB)), [['Released', { name: 'alice' }]])
    assert.equal(ok(await registry('lookup', ['alice'])), null)
    ok(await registry('register', ['alice', CAROL], CAROL))
    assert.equal(ok(await registry('ownerOf', ['alice'])), CAROL)
  })
})
