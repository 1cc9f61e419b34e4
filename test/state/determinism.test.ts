import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { contractAddressOf, formatParticipantId } from '../../src/crypto/identity.js'
import type { Transaction } from '../../src/ledger/transaction.js'
import { nextNonce } from '../../src/state/executor.js'
import { REPO_ROOT } from '../helpers/cli.js'
import { extendChain, makeBlock, openTestChain, signed, testKey } from '../helpers/chain.js'

const example = (name: string): string => readFileSync(join(REPO_ROOT, 'docs', 'examples', name), 'utf8')
const USERS = ['ann', 'ben', 'cid'].map((name) => testKey(`determinism ${name}`))
const idOf = (user: number): string => formatParticipantId(USERS[user]!.id)
const RUNS = 1_000
const CALL_GAS = 2_000_000

type ContractName = 'counter' | 'token' | 'registry'

interface Step {
  readonly sender: number
  readonly contract: ContractName
  readonly method: string
  /** The arguments, users already turned into their ids. */
  readonly args: readonly unknown[]
}

const user = fc.integer({ min: 0, max: USERS.length - 1 })
const name = fc.constantFrom('a', 'b', 'c')
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(user, fc.integer({ min: -5, max: 5 })).map(([sender, by]) => ({ sender, contract: 'counter' as const, method: 'increment', args: [by] })),
  fc.tuple(user, user, fc.integer({ min: 0, max: 2_000 })).map(([sender, to, amount]) => ({ sender, contract: 'token' as const, method: 'transfer', args: [idOf(to), amount] })),
  fc.tuple(user, user, fc.integer({ min: 0, max: 500 })).map(([sender, spender, amount]) => ({ sender, contract: 'token' as const, method: 'approve', args: [idOf(spender), amount] })),
  fc.tuple(user, user, user, fc.integer({ min: 0, max: 800 })).map(([sender, from, to, amount]) => ({ sender, contract: 'token' as const, method: 'transferFrom', args: [idOf(from), idOf(to), amount] })),
  fc.tuple(user, name, user).map(([sender, n, target]) => ({ sender, contract: 'registry' as const, method: 'register', args: [n, idOf(target)] })),
  fc.tuple(user, name, user).map(([sender, n, owner]) => ({ sender, contract: 'registry' as const, method: 'transfer', args: [n, idOf(owner)] })),
)

test(`${RUNS} random call sequences on the example contracts: a second store executing the same blocks agrees on every root, receipt and gas`, async (t) => {
  const a = await openTestChain(t)
  const b = await openTestChain(t)
  // every user registers; the first deploys the three examples
  const owner = USERS[0]!
  const sources: Record<ContractName, [string, string]> = {
    counter: [example('counter.js'), '[0]'],
    token: [example('token.js'), '["Gold","GLD",1000000]'],
    registry: [example('registry.js'), '[]'],
  }
  const addresses = {} as Record<ContractName, Uint8Array>
  const setup = await extendChain(a, 2, (height) =>
    height === 1
      ? USERS.map((key) => signed(a, key, 0, { kind: 'participant', name: null }))
      : (Object.keys(sources) as ContractName[]).map((contract, i) => {
          addresses[contract] = contractAddressOf(owner.id, i + 1)
          return signed(a, owner, i + 1, { kind: 'contract-deploy', code: sources[contract][0], args: sources[contract][1] }, 50_000_000)
        }),
  )
  for (const block of setup) assert.equal((await b.importBlock(block)).status, 'head')
  assert.ok(a.store.receipts(a.head.hash)!.every((receipt) => receipt.status === 'ok'), 'the examples deploy')

  let calls = 0
  let failed = 0
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 4 }), async (steps) => {
      const nonces = USERS.map((key) => nextNonce(a.stateAt(), key.id))
      const txs: Transaction[] = steps.map((s) =>
        signed(a, USERS[s.sender]!, nonces[s.sender]!++, { kind: 'contract-call', contract: addresses[s.contract], method: s.method, args: JSON.stringify(s.args) }, CALL_GAS),
      )
      const block = await makeBlock(a, txs)
      assert.equal((await a.importBlock(block)).status, 'head')
      // the second store executes the block itself: its import checks the state root, the
      // receipts root and the gas used of the header against its own execution
      assert.equal((await b.importBlock(block)).status, 'head')
      const receipts = a.store.receipts(a.head.hash)!
      assert.deepEqual(b.store.receipts(b.head.hash), receipts)
      calls += receipts.length
      failed += receipts.filter((receipt) => receipt.status !== 'ok').length
    }),
    { numRuns: RUNS },
  )
  assert.deepEqual(b.head.header.stateRoot, a.head.header.stateRoot)
  assert.ok(failed > 0 && failed < calls, `both outcomes exercised: ${failed} of ${calls} calls failed`)
})
