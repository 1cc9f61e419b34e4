/**
 * A block this node produced is imported with the producer's execution: its transactions are
 * not run again (counted through the VM), and what is stored is exactly what a node that
 * executes the same block stores. A produced execution that does not belong to the block is
 * not trusted.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { produceBlock } from '../../src/chain/producer.js'
import { verifyChainStore } from '../../src/chain/verify.js'
import type { Chain } from '../../src/chain/chain.js'
import { sealSync } from '../../src/consensus/pow.js'
import { contractAddressOf } from '../../src/crypto/identity.js'
import { toHex } from '../../src/encoding/bytes.js'
import type { Transaction } from '../../src/ledger/transaction.js'
import { encodeReceipts } from '../../src/state/receipts.js'
import { BLOCK_INTERVAL_MS, extendChain, openTestChain, PRODUCER, signed, testKey } from '../helpers/chain.js'
import { REPO_ROOT } from '../helpers/cli.js'

const ALICE = testKey('alice')
const COUNTER = contractAddressOf(ALICE.id, 1)
const CALLS = 20

/** Counts the contract executions `chain` runs (its VM's calls and deploys) and the blocks it executes on import. */
function countExecutions(chain: Chain): { transactions: number; blocks: number } {
  const counts = { transactions: 0, blocks: 0 }
  const { executor } = chain
  const { vm } = executor
  const call = vm.call.bind(vm)
  const deploy = vm.deploy.bind(vm)
  const execute = executor.execute.bind(executor)
  vm.call = (...args) => {
    counts.transactions++
    return call(...args)
  }
  vm.deploy = (...args) => {
    counts.transactions++
    return deploy(...args)
  }
  executor.execute = (...args) => {
    counts.blocks++
    return execute(...args)
  }
  return counts
}

/** Registers Alice and deploys the counter on `chain`; returns the setup blocks. */
async function withCounter(chain: Chain): ReturnType<typeof extendChain> {
  const code = await readFile(join(REPO_ROOT, 'docs', 'examples', 'counter.js'), 'utf8')
  return extendChain(chain, 2, (height) =>
    height === 1 ? [signed(chain, ALICE, 0, { kind: 'participant', name: 'alice' })] : [signed(chain, ALICE, 1, { kind: 'contract-deploy', code, args: '[0]' })],
  )
}

const increments = (chain: Chain): Transaction[] =>
  Array.from({ length: CALLS }, (_, i) => signed(chain, ALICE, 2 + i, { kind: 'contract-call', contract: COUNTER, method: 'increment', args: '[1]' }))

test('a produced block is imported without executing it again, and stores what executing it stores', async (t) => {
  const producer = await openTestChain(t)
  const other = await openTestChain(t)
  for (const block of await withCounter(producer)) await other.importBlock(block)
  const produced = countExecutions(producer)
  const built = await produceBlock(producer, increments(producer), PRODUCER.id, producer.head.header.timestamp + BLOCK_INTERVAL_MS)
  assert.equal(built.skipped.length, 0)
  assert.deepEqual(produced, { transactions: CALLS, blocks: 0 }, 'production runs each transaction once')
  const sealed = { header: sealSync(built.block.header), transactions: built.block.transactions }
  const result = await producer.importBlock(sealed, built)
  assert.equal(result.status, 'head')
  assert.deepEqual(produced, { transactions: CALLS, blocks: 0 }, 'the import ran nothing again')

  // A node that did not produce it executes it, and ends with the same records.
  const imported = countExecutions(other)
  assert.equal((await other.importBlock(sealed)).status, 'head')
  assert.deepEqual(imported, { transactions: CALLS, blocks: 1 })
  assert.equal(toHex(producer.head.hash), toHex(other.head.hash))
  const receipts = (chain: Chain): string => toHex(encodeReceipts(chain.store.receipts(chain.head.hash)!))
  assert.equal(receipts(producer), receipts(other))
  assert.deepEqual(producer.store.undo(producer.head.hash), other.store.undo(other.head.hash))
  // The flat state, the trie nodes (rebuilt root), indexes and events all agree with the header.
  assert.deepEqual((await verifyChainStore(producer.store, producer.consensus)).problems, [])
  // The next block builds on the producer's trie nodes: they were written.
  await extendChain(producer, 1, () => [signed(producer, ALICE, 2 + CALLS, { kind: 'contract-call', contract: COUNTER, method: 'increment', args: '[1]' })])
  assert.equal(producer.head.header.height, 4)
})

test('a produced execution that is not the block’s is ignored: the block is verified and executed', async (t) => {
  const chain = await openTestChain(t)
  await withCounter(chain)
  const timestamp = chain.head.header.timestamp + BLOCK_INTERVAL_MS
  const txs = increments(chain)
  const first = await produceBlock(chain, txs, PRODUCER.id, timestamp)
  const second = await produceBlock(chain, txs, PRODUCER.id, timestamp + 1)
  const counts = countExecutions(chain)
  // The second template's execution handed in with the first template's block: another timestamp.
  const sealed = { header: sealSync(first.block.header), transactions: first.block.transactions }
  assert.equal((await chain.importBlock(sealed, second)).status, 'head')
  assert.deepEqual(counts, { transactions: CALLS, blocks: 1 })
  assert.deepEqual((await verifyChainStore(chain.store, chain.consensus)).problems, [])
})

test('the VM’s view of the state goes on from the head’s block to the next, and starts afresh after a reorganisation', async (t) => {
  const ours = await openTestChain(t)
  const theirs = await openTestChain(t)
  const target = await openTestChain(t)
  const setup = await withCounter(ours)
  for (const block of setup) for (const chain of [theirs, target]) await chain.importBlock(block)
  const increment = (chain: Chain, by: number) => (height: number) => [signed(chain, ALICE, height - 1, { kind: 'contract-call', contract: COUNTER, method: 'increment', args: `[${by}]` })]
  const [ours3, ours4] = await extendChain(ours, 2, increment(ours, 1))
  const theirBranch = await extendChain(theirs, 3, increment(theirs, 100))
  const { vm } = target.executor

  assert.equal((await target.importBlock(ours3!)).status, 'head')
  const readsBefore = vm.stateReads
  assert.equal((await target.importBlock(ours4!)).status, 'head')
  assert.equal(vm.stateReads, readsBefore, 'block 4 ran on what the VM knew after block 3: no state read crossed threads')

  // Their heavier branch takes blocks 3 and 4 back: what the VM knew of them must not be used.
  for (const block of theirBranch) await target.importBlock(block)
  assert.equal(toHex(target.head.hash), toHex(theirs.head.hash))
  assert.ok(vm.stateReads > readsBefore, 'after the reorganisation the VM read the state again')
  const [next] = await extendChain(theirs, 1, increment(theirs, 1))
  assert.equal((await target.importBlock(next!)).status, 'head', 'the next block executes to the same state root')
  assert.deepEqual((await verifyChainStore(target.store, target.consensus)).problems, [])

  // A producer's next template goes on from the block it produced.
  const built = await produceBlock(target, increment(target, 1)(target.head.header.height + 1), PRODUCER.id, target.head.header.timestamp + BLOCK_INTERVAL_MS)
  await target.importBlock({ header: sealSync(built.block.header), transactions: built.block.transactions }, built)
  const readsAfterProduced = vm.stateReads
  const again = await produceBlock(target, increment(target, 1)(target.head.header.height + 1), PRODUCER.id, target.head.header.timestamp + BLOCK_INTERVAL_MS)
  assert.equal(again.skipped.length, 0)
  assert.equal(vm.stateReads, readsAfterProduced, 'the template on the produced block read nothing across threads')
})
