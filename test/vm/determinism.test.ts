/**
 * Determinism at VM level: the same requests give the same outcomes (status, gas, result,
 * events) and the same host contents on separate VMs, whatever each VM ran before; and the
 * memory and stack limits fall at exactly the same point.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ContractVm, type ExecutionOutcome } from '../../src/vm/vm.js'
import { MemoryHost } from './memory-host.js'
import { ALICE, BOB, CAROL, call, contractAddress, deploy, example } from './fixtures.js'

const COUNTER = contractAddress(50)
const TOKEN = contractAddress(51)
const REGISTRY = contractAddress(52)
const PROBE = contractAddress(53)
const CALLER = contractAddress(54)

/** Contracts whose outcomes depend on every kind of metering: ticks, fixed costs, limits. */
const PROBE_CODE = `
  export function loop(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s }
  export function memory() {
    // How many chunks fit before QuickJS's allocator refuses: the exact point the memory limit falls.
    const chunks = []
    try { for (;;) chunks.push(new Array(1000).fill(chunks.length)) } catch (e) { return [chunks.length, String(e)] }
  }
  export function depth() {
    let deepest = 0
    function dive(n) { deepest = n; return dive(n + 1) + 1 }
    try { dive(0) } catch (e) { return [deepest, String(e)] }
  }
  export function writes(n) { for (let i = 0; i < n; i++) state.set('k' + i, { i, text: 'v'.repeat(i) }); return n }`
const CALLER_CODE = `export function relay(target, method, ...args) { state.set('relayed', method); return call(target, method, ...args) }`

/** The same requests, in the same order, from a fresh host. */
async function workload(vm: ContractVm): Promise<{ outcomes: ExecutionOutcome[]; host: ReturnType<MemoryHost['snapshot']> }> {
  const host = new MemoryHost()
  const outcomes = [
    await deploy(vm, host, COUNTER, example('counter'), [3]),
    await deploy(vm, host, TOKEN, example('token'), ['Gold', 'GLD', 1_000_000]),
    await deploy(vm, host, PROBE, PROBE_CODE),
    await deploy(vm, host, CALLER, CALLER_CODE),
    await call(vm, host, COUNTER, 'increment', [2]),
    await call(vm, host, TOKEN, 'transfer', [BOB, 10]),
    await call(vm, host, PROBE, 'loop', [123_457]),
    await call(vm, host, PROBE, 'loop', [10_000_000], { gasLimit: 3_333_333 }),
    await call(vm, host, PROBE, 'memory', [], { gasLimit: 2_000_000_000 }),
    await call(vm, host, PROBE, 'depth', [], { gasLimit: 2_000_000_000 }),
    await call(vm, host, PROBE, 'writes', [40]),
    await call(vm, host, CALLER, 'relay', [TOKEN, 'transfer', CAROL, 5]),
    await call(vm, host, CALLER, 'relay', [PROBE, 'loop', 54_321]),
  ]
  return { outcomes, host: host.snapshot() }
}

/** Work of every kind, including queries whose changes are thrown away and executions that fail. */
async function history(vm: ContractVm): Promise<void> {
  const scratch = new MemoryHost()
  await deploy(vm, scratch, PROBE, PROBE_CODE)
  await deploy(vm, scratch, COUNTER, example('counter'))
  for (let i = 0; i < 25; i++) await call(vm, scratch, COUNTER, 'increment', [i])
  await call(vm, scratch, PROBE, 'loop', [77_777])
  await call(vm, scratch, PROBE, 'memory', [], { gasLimit: 2_000_000_000 })
  await call(vm, scratch, PROBE, 'depth', [], { gasLimit: 2_000_000_000 })
  await call(vm, scratch, PROBE, 'loop', [1e9], { gasLimit: 1_000_000 })
  await call(vm, new MemoryHost(), COUNTER, 'get')
}

describe('outcomes do not depend on what a VM ran before', () => {
  const fresh = new ContractVm()
  const used = new ContractVm()
  const other = new ContractVm()
  after(() => [fresh, used, other].forEach((vm) => vm.close()))

  test('a fresh VM and a VM with a long history give identical outcomes and state', async () => {
    await history(used)
    const expected = await workload(fresh)
    assert.deepEqual(await workload(used), expected)
    // The same VM again, now that it has run the workload itself.
    assert.deepEqual(await workload(used), expected)
    await history(other)
    await workload(other)
    assert.deepEqual(await workload(other), expected)
  })

  test('the memory and stack limits fall at a fixed point, and a loop runs out of gas at its limit', async () => {
    const { outcomes } = await workload(fresh)
    const [memory, depth] = [JSON.parse(outcomes[8]!.result!), JSON.parse(outcomes[9]!.result!)] as [[number, string], [number, string]]
    assert.equal(memory[1], 'InternalError: out of memory')
    assert.ok(memory[0] > 1000, `only ${memory[0]} chunks`)
    assert.equal(depth[1], 'InternalError: stack overflow')
    assert.ok(depth[0] > 500, `only ${depth[0]} levels`)
    assert.deepEqual({ status: outcomes[7]!.status, gasUsed: outcomes[7]!.gasUsed }, { status: 'out-of-gas', gasUsed: 3_333_333 })
  })
})

// --- 1,000 random call sequences on the examples -------------------------------------------

const senders = [ALICE, BOB, CAROL] as const
const names = ['alice', 'bob', 'shop', 'x'] as const

type Step = { readonly contract: string; readonly method: string; readonly args: unknown[]; readonly sender: string; readonly gasLimit: number }

const sender = fc.constantFrom(...senders)
const gasLimit = fc.oneof(fc.constant(50_000_000), fc.integer({ min: 5_000, max: 40_000 }))
const amount = fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.constantFrom(-1, 0.5, 2 ** 53))
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ contract: fc.constant(COUNTER), method: fc.constant('increment'), args: fc.tuple(fc.integer({ min: -5, max: 5 })), sender, gasLimit }),
  fc.record({ contract: fc.constant(COUNTER), method: fc.constant('get'), args: fc.constant<unknown[]>([]), sender, gasLimit }),
  fc.record({ contract: fc.constant(TOKEN), method: fc.constant('transfer'), args: fc.tuple(sender, amount), sender, gasLimit }),
  fc.record({ contract: fc.constant(TOKEN), method: fc.constant('approve'), args: fc.tuple(sender, amount), sender, gasLimit }),
  fc.record({ contract: fc.constant(TOKEN), method: fc.constant('transferFrom'), args: fc.tuple(sender, sender, amount), sender, gasLimit }),
  fc.record({ contract: fc.constant(TOKEN), method: fc.constant('balanceOf'), args: fc.tuple(sender), sender, gasLimit }),
  fc.record({ contract: fc.constant(REGISTRY), method: fc.constantFrom('register', 'update', 'transfer'), args: fc.tuple(fc.constantFrom(...names), sender), sender, gasLimit }),
  fc.record({ contract: fc.constant(REGISTRY), method: fc.constantFrom('release', 'lookup', 'ownerOf'), args: fc.tuple(fc.constantFrom(...names)), sender, gasLimit }),
  fc.record({ contract: fc.constant(CALLER), method: fc.constant('relay'), args: fc.tuple(fc.constantFrom(TOKEN, COUNTER), fc.constantFrom('transfer', 'increment'), sender, amount), sender, gasLimit }),
)

async function replay(vm: ContractVm, steps: readonly Step[]): Promise<{ outcomes: ExecutionOutcome[]; host: ReturnType<MemoryHost['snapshot']> }> {
  const host = new MemoryHost()
  const outcomes = [
    await deploy(vm, host, COUNTER, example('counter')),
    await deploy(vm, host, TOKEN, example('token'), ['Gold', 'GLD', 10_000]),
    await deploy(vm, host, REGISTRY, example('registry')),
    await deploy(vm, host, CALLER, CALLER_CODE),
  ]
  for (const s of steps) outcomes.push(await call(vm, host, s.contract, s.method, s.args, { sender: s.sender, gasLimit: s.gasLimit }))
  assert.equal(host.depth, 0)
  return { outcomes, host: host.snapshot() }
}

describe('1,000 random call sequences on the examples', () => {
  const first = new ContractVm()
  const second = new ContractVm()
  after(() => [first, second].forEach((vm) => vm.close()))

  test('two VMs with separate hosts give identical outcomes and host contents', async () => {
    const statuses = new Set<string>()
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const a = await replay(first, steps)
        const b = await replay(second, steps)
        assert.deepEqual(b, a)
        for (const outcome of a.outcomes) statuses.add(outcome.status)
      }),
      { numRuns: 1_000 },
    )
    // The sequences reached every kind of outcome, so the comparison covered each.
    assert.deepEqual([...statuses].sort(), ['ok', 'out-of-gas', 'reverted'])
  })
})
