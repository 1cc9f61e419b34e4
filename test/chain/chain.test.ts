import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../src/encoding/bytes.js'
import { blockHash, transactionHashes, transactionsRoot, type Block } from '../../src/ledger/block.js'
import { meetsTarget, nonceSeal, sealSync } from '../../src/consensus/pow.js'
import { readParticipant } from '../../src/state/executor.js'
import { verifyChainStore } from '../../src/chain/verify.js'
import { findTransaction } from '../../src/chain/queries.js'
import type { Chain } from '../../src/chain/chain.js'
import { extendChain, makeBlock, openTestChain, signed, testGenesis, testKey } from '../helpers/chain.js'

const ALICE = testKey('alice')

/** Everything about the head a refused block must leave alone. */
function snapshot(chain: Chain): string {
  return JSON.stringify({ head: toHex(chain.head.hash), work: chain.head.totalWork.toString(), stored: toHex(chain.store.head()!) })
}

async function assertConsistent(chain: Chain): Promise<void> {
  const report = await verifyChainStore(chain.store, chain.consensus)
  assert.deepEqual(report.problems, [])
}

test('a 1,000-block chain with transactions imports, and every index agrees', async (t) => {
  const source = await openTestChain(t)
  const target = await openTestChain(t)
  const names = Array.from({ length: 50 }, (_, i) => testKey(`user ${i}`))
  const blocks = await extendChain(source, 1_000, (height) =>
    height <= names.length ? [signed(source, names[height - 1]!, 0, { kind: 'participant', name: `user ${height - 1}` })] : [],
  )
  for (const block of blocks) assert.equal((await target.importBlock(block)).status, 'head')
  assert.equal(target.head.header.height, 1_000)
  assert.deepEqual(target.head.hash, source.head.hash)
  assert.deepEqual(target.head.header.stateRoot, source.head.header.stateRoot)
  assert.equal(target.head.totalWork, 1_001n)
  const report = await verifyChainStore(target.store, target.consensus)
  assert.deepEqual(report.problems, [])
  assert.equal(report.transactions, names.length)
  assert.equal(report.stateKeys, names.length)
  assert.equal(readParticipant(target.stateAt(), names[7]!.id)?.name, 'user 7')
  // the state at an earlier height is readable: user 7 registered at height 8
  assert.equal(readParticipant(target.stateAt(7), names[7]!.id), undefined)
  assert.equal(readParticipant(target.stateAt(8), names[7]!.id)?.nonce, 1)
})

test('a heavier fork reorganises the canonical chain, its indexes and its state', async (t) => {
  const a = await openTestChain(t)
  const b = await openTestChain(t)
  const common = await extendChain(a, 5)
  for (const block of common) await b.importBlock(block)
  // branch A: alice registers at height 6; branch B: bob registers, and B is longer
  const bob = testKey('bob')
  const branchA = await extendChain(a, 3, (h) => (h === 6 ? [signed(a, ALICE, 0, { kind: 'participant', name: 'alice' })] : []))
  const branchB = await extendChain(b, 5, (h) => (h === 7 ? [signed(b, bob, 0, { kind: 'participant', name: 'bob' })] : []))
  const aliceTx = transactionHashes(branchA[0]!.transactions)[0]!

  const events: { reverted: number; applied: number }[] = []
  a.on('head', (change) => events.push({ reverted: change.reverted.length, applied: change.applied.length }))
  for (const block of branchB.slice(0, 2)) assert.equal((await a.importBlock(block)).status, 'side')
  // Equal work at equal height: the lower hash is preferred (a total order, never first seen).
  const tieWins = Buffer.compare(blockHash(branchB[2]!.header), blockHash(branchA[2]!.header)) < 0
  assert.equal((await a.importBlock(branchB[2]!)).status, tieWins ? 'head' : 'side')
  const result = await a.importBlock(branchB[3]!)
  assert.equal(result.status, 'head')
  assert.deepEqual(events, tieWins ? [{ reverted: 3, applied: 3 }, { reverted: 0, applied: 1 }] : [{ reverted: 3, applied: 4 }])
  assert.equal(a.head.header.height, 9)
  await a.importBlock(branchB[4]!)
  assert.deepEqual(a.head.hash, b.head.hash)
  assert.deepEqual(a.head.header.stateRoot, b.head.header.stateRoot)
  for (let height = 6; height <= 10; height++) assert.deepEqual(a.store.canonicalHash(height), blockHash(branchB[height - 6]!.header))
  assert.equal(findTransaction(a.store, aliceTx), undefined, 'a transaction of the abandoned branch is no longer indexed')
  assert.equal(readParticipant(a.stateAt(), ALICE.id), undefined)
  assert.equal(readParticipant(a.stateAt(), bob.id)?.name, 'bob')
  await assertConsistent(a)
})

test('a tie in work and height goes to the lower hash, whatever order the blocks arrive in', async (t) => {
  const source = await openTestChain(t)
  const [parent] = await extendChain(source, 1)
  const first = await makeBlock(source, [], parent!.header.timestamp + 1_000)
  const second = await makeBlock(source, [], parent!.header.timestamp + 2_000)
  const lower = Buffer.compare(blockHash(first.header), blockHash(second.header)) < 0 ? first : second
  for (const order of [[first, second], [second, first]]) {
    const chain = await openTestChain(t)
    await chain.importBlock(parent!)
    for (const block of order) await chain.importBlock(block)
    assert.deepEqual(chain.head.hash, blockHash(lower.header))
  }
})

test('a fork back to a branch that was canonical before re-executes it', async (t) => {
  const a = await openTestChain(t)
  const b = await openTestChain(t)
  const branchA = await extendChain(a, 2, (h) => (h === 1 ? [signed(a, ALICE, 0, { kind: 'participant', name: 'alice' })] : []))
  const branchB = await extendChain(b, 3)
  for (const block of branchB) await a.importBlock(block)
  assert.deepEqual(a.head.hash, b.head.hash)
  assert.equal(readParticipant(a.stateAt(), ALICE.id), undefined)
  // extend A's old branch to 4 blocks through a third chain that holds it
  const c = await openTestChain(t)
  for (const block of branchA) await c.importBlock(block)
  const tail = await extendChain(c, 2)
  for (const block of tail) await a.importBlock(block)
  assert.deepEqual(a.head.hash, c.head.hash)
  assert.equal(readParticipant(a.stateAt(), ALICE.id)?.name, 'alice')
  await assertConsistent(a)
})

/** A block on `chain`'s head, changed by `mutate`, resealed so that only the mutation is wrong. */
async function mutated(chain: Chain, mutate: (block: Block) => Block, txs = [] as Block['transactions']): Promise<Block> {
  const good = await makeBlock(chain, txs)
  const bad = mutate(good)
  return { ...bad, header: sealSync(bad.header) }
}

test('invalid blocks are refused with their error and change nothing', async (t) => {
  const chain = await openTestChain(t)
  await extendChain(chain, 3)
  const before = snapshot(chain)
  const register = signed(chain, ALICE, 0, { kind: 'participant', name: 'alice' })
  const cases: { name: string; block: Block; code: string }[] = [
    {
      name: 'unknown parent',
      block: await mutated(chain, (b) => ({ ...b, header: { ...b.header, parentHash: new Uint8Array(32).fill(7) } })),
      code: 'CHAIN_ERROR_UNKNOWN_PARENT',
    },
    {
      name: 'wrong height',
      block: await mutated(chain, (b) => ({ ...b, header: { ...b.header, height: b.header.height + 1 } })),
      code: 'CONSENSUS_ERROR_BAD_HEIGHT',
    },
    {
      name: 'timestamp not after the parent',
      block: await mutated(chain, (b) => ({ ...b, header: { ...b.header, timestamp: chain.head.header.timestamp } })),
      code: 'CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT',
    },
    {
      name: 'timestamp in the future',
      block: await mutated(chain, (b) => ({ ...b, header: { ...b.header, timestamp: Date.now() + 60_000 } })),
      code: 'CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE',
    },
    {
      name: 'wrong difficulty',
      block: await mutated(chain, (b) => ({ ...b, header: { ...b.header, difficulty: 2n } })),
      code: 'CONSENSUS_ERROR_BAD_DIFFICULTY',
    },
    {
      name: 'bad transactions root',
      block: await mutated(chain, (b) => ({ ...b, header: { ...b.header, txRoot: transactionsRoot([]) } }), [register]),
      code: 'BLOCK_ERROR_BAD_TX_ROOT',
    },
    {
      name: 'bad transaction signature',
      block: await mutated(
        chain,
        (b) => {
          const forged = { ...b.transactions[0]!, signature: Uint8Array.from(b.transactions[0]!.signature, (x, i) => (i === 0 ? x ^ 1 : x)) }
          return { transactions: [forged], header: { ...b.header, txRoot: transactionsRoot([forged]) } }
        },
        [register],
      ),
      code: 'BLOCK_ERROR_BAD_TX',
    },
    {
      name: 'bad state root',
      block: await mutated(chain, (b) => ({ ...b, header: { ...b.header, stateRoot: new Uint8Array(32) } })),
      code: 'EXECUTION_ERROR_STATE_ROOT_MISMATCH',
    },
    {
      name: 'bad gas used',
      block: await mutated(chain, (b) => ({ ...b, header: { ...b.header, gasUsed: b.header.gasUsed + 1 } }), [register]),
      code: 'EXECUTION_ERROR_GAS_USED_MISMATCH',
    },
  ]
  for (const { name, block, code } of cases) {
    await assert.rejects(chain.importBlock(block), (error: { code?: string }) => error.code === code, name)
    assert.equal(snapshot(chain), before, `${name}: head unchanged`)
  }
  await assertConsistent(chain)
  // a block refused at execution is remembered as invalid, and so are blocks built on it
  const badState = cases.find((c) => c.code === 'EXECUTION_ERROR_STATE_ROOT_MISMATCH')!.block
  assert.equal(chain.store.meta(blockHash(badState.header))?.status, 'invalid')
  await assert.rejects(chain.importBlock(badState), { code: 'CHAIN_ERROR_KNOWN_INVALID' })
  // the good block still imports
  const good = await makeBlock(chain, [register])
  assert.equal((await chain.importBlock(good)).status, 'head')
})

test('proof-of-work is checked: a seal that misses the target is refused', async (t) => {
  const difficulty = 100_000n
  const chain = await openTestChain(t, testGenesis({ initialDifficulty: Number(difficulty), minimumDifficulty: Number(difficulty) }))
  const good = await makeBlock(chain)
  assert.ok(meetsTarget(blockHash(good.header), difficulty), 'the sealed block meets its target')
  let missing = good
  for (let nonce = 1; meetsTarget(blockHash(missing.header), difficulty); nonce++) {
    missing = { ...good, header: { ...good.header, seal: new Uint8Array(8).fill(nonce) } }
  }
  await assert.rejects(chain.importBlock(missing), { code: 'CONSENSUS_ERROR_INSUFFICIENT_WORK' })
  assert.equal(chain.head.header.height, 0)
  assert.equal((await chain.importBlock(good)).status, 'head')
})

test('stateful rules: unregistered senders, replayed nonces and double registrations make a block invalid', async (t) => {
  const chain = await openTestChain(t)
  const counterTx = signed(chain, ALICE, 0, { kind: 'contract-deploy', code: 'export function get() { return 1 }', args: '[]' })
  const produceOnly = async (txs: Block['transactions']): Promise<Block> => {
    const good = await makeBlock(chain)
    const header = { ...good.header, txRoot: transactionsRoot(txs) }
    return { header: sealSync(header), transactions: txs }
  }
  await assert.rejects(chain.importBlock(await produceOnly([counterTx])), { code: 'EXECUTION_ERROR_NOT_REGISTERED' })
  const register = signed(chain, ALICE, 0, { kind: 'participant', name: 'alice' })
  await extendChain(chain, 1, () => [register])
  await assert.rejects(chain.importBlock(await produceOnly([signed(chain, ALICE, 0, { kind: 'participant', name: 'again' })])), {
    code: 'EXECUTION_ERROR_ALREADY_REGISTERED',
  })
  await assert.rejects(chain.importBlock(await produceOnly([counterTx])), { code: 'EXECUTION_ERROR_BAD_NONCE' })
  assert.equal(chain.head.header.height, 1)
  await assertConsistent(chain)
})

test('blocks arrive in any order: a side block waits for nothing, a block with an unknown parent is refused', async (t) => {
  const source = await openTestChain(t)
  const target = await openTestChain(t)
  const blocks = await extendChain(source, 3)
  await assert.rejects(target.importBlock(blocks[1]!), { code: 'CHAIN_ERROR_UNKNOWN_PARENT' })
  assert.equal((await target.importBlock(blocks[0]!)).status, 'head')
  assert.equal((await target.importBlock(blocks[0]!)).status, 'known')
  assert.equal((await target.importBlock(blocks[1]!)).status, 'head')
  assert.deepEqual(target.head.hash, blockHash(blocks[1]!.header))
})

test('onChecked is told once the checks before execution pass, only for a block extending the head, and before its execution', async (t) => {
  // A difficulty a seal can miss (at 1 every hash meets it), cheap to seal.
  const chain = await openTestChain(t, testGenesis({ initialDifficulty: 1_000, minimumDifficulty: 1_000 }))
  const told: string[] = []
  const importNoting = (block: Block, label: string): Promise<unknown> =>
    chain.importBlock(block, undefined, {
      onChecked: () => {
        // Not executed yet: the head is still the parent.
        assert.deepEqual(chain.head.hash, block.header.parentHash)
        told.push(label)
      },
    })
  const [first] = await extendChain(chain, 1)
  // Two blocks on the same parent: the lower hash wins the tie and is told; the other is
  // stored as a side block, never executed, and not told.
  const twins = [await makeBlock(chain, [], first!.header.timestamp + 1_000), await makeBlock(chain, [], first!.header.timestamp + 2_000)]
  twins.sort((a, b) => Buffer.compare(blockHash(a.header), blockHash(b.header)))
  assert.equal(((await importNoting(twins[0]!, 'extends')) as { status: string }).status, 'head')
  assert.equal(((await importNoting(twins[1]!, 'side')) as { status: string }).status, 'side')
  // A bad seal, and a bad state root: refused, the first before being told, the second after.
  const unsealed = await makeBlock(chain)
  let nonce = 0n
  while (meetsTarget(blockHash({ ...unsealed.header, seal: nonceSeal(nonce) }), unsealed.header.difficulty)) nonce++
  await assert.rejects(importNoting({ ...unsealed, header: { ...unsealed.header, seal: nonceSeal(nonce) } }, 'bad seal'), { code: 'CONSENSUS_ERROR_INSUFFICIENT_WORK' })
  const good = await makeBlock(chain)
  const badRoot = { ...good, header: sealSync({ ...good.header, stateRoot: new Uint8Array(32).fill(1) }) }
  await assert.rejects(importNoting(badRoot, 'bad state root'), { code: 'EXECUTION_ERROR_STATE_ROOT_MISMATCH' })
  assert.deepEqual(told, ['extends', 'bad state root'])
})
