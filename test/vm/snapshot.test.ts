/**
 * The snapshot restore misses nothing: after calls of every kind (state, events, nested calls,
 * out of gas part way, out of memory, a stack overflow, a revert caught and ignored) each
 * instance's memory is byte for byte its snapshot again, and a failed setup leaves a blank
 * instance blank. Checked on the sandbox's own pieces in this thread, with the real binary.
 */
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execute } from '../../src/vm/frames.js'
import { ContractInstance } from '../../src/vm/contract-instance.js'
import { InstancePool } from '../../src/vm/instance-pool.js'
import { readMeteredQuickjs } from '../../src/vm/metered/binary.js'
import { compileQuickjs, MeteredInstance } from '../../src/vm/metered/instance.js'
import type { WireRequest } from '../../src/vm/protocol.js'
import { MAX_STACK_BYTES, MEMORY_LIMIT_BYTES } from '../../src/vm/constants.js'
import { MemoryHost } from './memory-host.js'
import { ALICE, BLOCK, contractAddress, example } from './fixtures.js'

const LIMITS = { memoryLimitBytes: MEMORY_LIMIT_BYTES, maxStackBytes: MAX_STACK_BYTES }
const A = contractAddress(70)
const B = contractAddress(71)
const CODE = `
  export function write(n) { for (let i = 0; i < n; i++) state.set('k' + i, { i, pad: 'p'.repeat(i) }); emit('Wrote', n); return n }
  export function relay(to) { return call(to, 'increment', 2) }
  export function spin() { const a = []; for (;;) a.push({ x: a.length }) }
  export function bomb() { const a = []; for (;;) a.push('x'.repeat(1e5) + a.length) }
  export function deep() { function f() { return f() + 1 } return f() }
  export function swallow() { try { revert('no') } catch {} for (;;) {} }
  export function big() { return JSON.stringify(Array.from({ length: 20000 }, (_, i) => [i, 'v' + i])).length }`

function request(mode: 'deploy' | 'call', contract: string, extra: { code?: string; method?: string; args?: string; gasLimit?: number }): WireRequest {
  const common = { scope: undefined, continues: undefined, block: BLOCK, sender: ALICE, contract, gasLimit: extra.gasLimit ?? 200_000_000, args: extra.args ?? '[]' }
  return mode === 'deploy' ? { ...common, mode, code: extra.code! } : { ...common, mode, method: extra.method! }
}

/** Whether the cached instance of `code` is its snapshot again. */
function pristine(pool: InstancePool, code: string): boolean {
  const instance = pool.acquire(code, 0)
  assert.ok(instance instanceof ContractInstance)
  try {
    return instance.metered.matchesSnapshot()
  } finally {
    pool.release(instance)
  }
}

describe('restoring a snapshot', () => {
  let pool: InstancePool
  const host = new MemoryHost()
  before(async () => {
    pool = await InstancePool.start(compileQuickjs(readMeteredQuickjs()), LIMITS)
    await pool.prepare()
    assert.equal(execute(pool, request('deploy', A, { code: CODE }), host).status, 'ok')
    assert.equal(execute(pool, request('deploy', B, { code: example('counter') }), host).status, 'ok')
  })

  for (const [method, args, status, gasLimit] of [
    ['write', '[40]', 'ok', undefined],
    ['relay', JSON.stringify([B]), 'ok', undefined],
    ['spin', '[]', 'out-of-gas', 30_000_000],
    ['bomb', '[]', 'reverted', undefined],
    ['deep', '[]', 'reverted', undefined],
    ['swallow', '[]', 'reverted', undefined],
    ['big', '[]', 'ok', undefined],
  ] as const) {
    test(`after ${method} (${status}) every page is the snapshot's again, and the next call pays the same gas`, () => {
      const first = execute(pool, request('call', A, { method, args, gasLimit }), host)
      assert.equal(first.status, status, first.error ?? undefined)
      assert.ok(pristine(pool, CODE))
      assert.ok(pristine(pool, example('counter')))
      const again = execute(pool, request('call', A, { method: 'write', args: '[3]' }), host)
      const third = execute(pool, request('call', A, { method: 'write', args: '[3]' }), host)
      assert.equal(again.gasUsed, third.gasUsed)
    })
  }

  test('a setup that fails leaves the instance blank', async () => {
    const compiled = compileQuickjs(readMeteredQuickjs())
    const metered = await MeteredInstance.create(compiled)
    for (const code of ['export function f( {', 'throw new Error("top")', 'for (;;) {}']) {
      const made = ContractInstance.setUp(metered, code, LIMITS, 50_000_000)
      assert.ok(!(made instanceof ContractInstance), code)
      assert.ok(metered.matchesSnapshot(), code)
    }
  })
})
