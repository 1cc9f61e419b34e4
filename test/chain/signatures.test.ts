/**
 * Signatures at the chain: block import checks them in the verify pool (real worker threads),
 * refuses a block whole for its last bad signature and goes on with the next block, survives a
 * worker killed in the middle (and, when every worker keeps dying, fails with nothing applied),
 * and never checks a signature twice: a transaction admitted to the mempool is not checked
 * again when a block includes it. Admission serves its sources in turn, so a flood of bad
 * signatures from one source does not hold back another's. The event loop turns while a large
 * block's signatures are out.
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Chain } from '../../src/chain/chain.js'
import { TxAdmission } from '../../src/chain/admission.js'
import { Mempool } from '../../src/chain/mempool.js'
import { createConsensus } from '../../src/consensus/create.js'
import type { SignedMessage } from '../../src/crypto/ed25519.js'
import { VerifyPool, type BatchVerifier } from '../../src/crypto/verify-pool/pool.js'
import { readParticipant } from '../../src/state/executor.js'
import { intrinsicGas, signTransaction, transactionHash, type Transaction } from '../../src/ledger/transaction.js'
import { toHex } from '../../src/encoding/bytes.js'
import { ContractVm } from '../../src/vm/vm.js'
import { flipBit } from '../crypto/ed25519-cases.js'
import { makeBlock, signed, tempDir, testGenesis, testKey } from '../helpers/chain.js'

const REGISTRATION = { kind: 'participant' as const, name: null }
const REGISTRATION_GAS = intrinsicGas(REGISTRATION)
/** Longest a test waits for the pool to have work (thread start-up on a busy machine). */
const WAIT_MS = 30_000

/** A pool of two threads, counting the signatures sent to it. */
function countingPool(t: TestContext): { pool: VerifyPool; verifier: BatchVerifier; sent: () => number } {
  const pool = new VerifyPool({ threads: 2 })
  t.after(() => pool.close())
  let sent = 0
  const verifier: BatchVerifier = {
    verifyBatch: (items: readonly SignedMessage[]) => {
      sent += items.length
      return pool.verifyBatch(items)
    },
  }
  return { pool, verifier, sent: () => sent }
}

async function pooledChain(t: TestContext, verifier: BatchVerifier): Promise<Chain> {
  const genesis = testGenesis()
  const vm = new ContractVm()
  const chain = await Chain.open({ path: join(await tempDir(t), 'db'), genesis, consensus: createConsensus(genesis), vm, verifier, create: true })
  t.after(async () => {
    await chain.close()
    vm.close()
  })
  return chain
}

function registrations(chain: Chain, count: number, salt: string): Transaction[] {
  return Array.from({ length: count }, (_, i) => signed(chain, testKey(`${salt} ${i}`), 0, REGISTRATION, REGISTRATION_GAS))
}

const withBadSignature = (tx: Transaction): Transaction => ({ ...tx, signature: flipBit(tx.signature, 3) })

async function busy(pool: VerifyPool): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (pool.pending === 0) {
    if (Date.now() > deadline) throw new Error('the pool never became busy')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('a block whose last signature is bad is refused whole; the pool is not stuck, the next block imports', async (t) => {
  const { pool, verifier } = countingPool(t)
  const chain = await pooledChain(t, verifier)
  const txs = registrations(chain, 300, 'last bad')
  const bad = await makeBlock(chain, [...txs.slice(0, -1), withBadSignature(txs.at(-1)!)])
  await assert.rejects(chain.importBlock(bad), {
    code: 'BLOCK_ERROR_BAD_TX',
    data: { detail: 'transaction 299: invalid transaction: signature does not verify', index: 299, txCode: 'TX_ERROR_BAD_SIGNATURE' },
  })
  assert.equal(chain.head.header.height, 0)
  assert.equal(readParticipant(chain.stateAt(), testKey('last bad 0').id), undefined, 'nothing of the refused block was applied')
  assert.equal(pool.pending, 0)
  // Another network's signature is as bad as a flipped bit.
  const foreign = signTransaction({ ...REGISTRATION, publicKey: testKey('foreign').publicKey, nonce: 0, gasLimit: REGISTRATION_GAS }, testKey('foreign').secretKey, new Uint8Array(32))
  await assert.rejects(chain.importBlock(await makeBlock(chain, [foreign])), {
    code: 'BLOCK_ERROR_BAD_TX',
    data: { detail: 'transaction 0: invalid transaction: signature does not verify', index: 0, txCode: 'TX_ERROR_BAD_SIGNATURE' },
  })

  const good = await makeBlock(chain, txs)
  assert.equal((await chain.importBlock(good)).status, 'head')
  assert.ok(readParticipant(chain.stateAt(), testKey('last bad 299').id) !== undefined)
})

test('a verify worker killed during an import is replaced and the import completes; workers that keep dying fail it with nothing applied', async (t) => {
  const { pool, verifier } = countingPool(t)
  const chain = await pooledChain(t, verifier)
  const first = await makeBlock(chain, registrations(chain, 400, 'killed'))
  const before = pool.workers.map((worker) => worker.threadId)
  const imported = chain.importBlock(first)
  await busy(pool)
  await pool.workers[0]!.terminate()
  assert.equal((await imported).status, 'head')
  assert.notDeepEqual(pool.workers.map((worker) => worker.threadId), before, 'the dead worker was replaced')

  const second = await makeBlock(chain, registrations(chain, 400, 'doomed'))
  let settled = false
  const doomed = chain.importBlock(second).finally(() => (settled = true))
  const killing = (async () => {
    while (!settled) {
      for (const worker of pool.workers) await worker.terminate()
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  await assert.rejects(doomed, { code: 'VERIFY_POOL_ERROR_WORKER_FAILED' })
  await killing
  assert.equal(chain.head.header.height, 1, 'the head did not move')
  assert.equal(readParticipant(chain.stateAt(), testKey('doomed 0').id), undefined)
  // Our own trouble, not the block's: it imports once the threads live.
  assert.equal((await chain.importBlock(second)).status, 'head')
})

test('each signature is checked once: admitted transactions are not checked again when a block includes them', async (t) => {
  const { verifier, sent } = countingPool(t)
  const chain = await pooledChain(t, verifier)
  const mempool = new Mempool((sender) => readParticipant(chain.stateAt(), sender)?.nonce)
  const admission = new TxAdmission({ verifier: chain.signatures, mempool, blockGasLimit: chain.params.blockGasLimit }, { verifyThreads: 2 })
  const txs = registrations(chain, 100, 'once')
  await Promise.all(txs.map((tx) => admission.admit(tx, 'rpc')))
  assert.equal(sent(), 100)
  assert.equal(mempool.size, 100)
  // The same transactions again (from a peer, say): refused as known before any signature check.
  await assert.rejects(admission.admit(txs[0]!, 'peer'), { code: 'MEMPOOL_ERROR_KNOWN' })
  const late = registrations(chain, 10, 'once late')
  const block = await makeBlock(chain, [...mempool.pending(), ...late])
  assert.equal((await chain.importBlock(block)).status, 'head')
  assert.equal(sent(), 110, 'only the ten not admitted before were checked')
})

test('a transaction out for checking is not sent again: a second check shares the first one\'s round, a bad answer included', async (t) => {
  const { verifier, sent } = countingPool(t)
  const chain = await pooledChain(t, verifier)
  const txs = registrations(chain, 20, 'shared')
  txs[5] = withBadSignature(txs[5]!)
  const hashes = txs.map(transactionHash)
  const first = chain.signatures.check(txs.slice(0, 10), hashes.slice(0, 10))
  const both = chain.signatures.check(txs, hashes)
  const [firstAnswers, bothAnswers] = await Promise.all([first, both])
  assert.equal(sent(), 20, 'the ten out already were not sent again')
  for (const answers of [firstAnswers, bothAnswers]) {
    assert.equal(answers[5]?.code, 'TX_ERROR_BAD_SIGNATURE')
    assert.deepEqual(answers.filter((answer) => answer !== undefined).length, 1)
  }
  assert.equal(bothAnswers.length, 20)
  // Checked once: asked again, nothing is sent; the bad one is not remembered as good.
  assert.deepEqual((await chain.signatures.check(txs, hashes)).map((answer) => answer?.code), bothAnswers.map((answer) => answer?.code))
  assert.equal(sent(), 21)
})

test('a transaction given twice in one check is sent once, and both places get its answer', async (t) => {
  const { verifier, sent } = countingPool(t)
  const chain = await pooledChain(t, verifier)
  const [good, other] = registrations(chain, 2, 'twice')
  const bad = withBadSignature(other!)
  const txs = [good!, bad, good!, bad, good!]
  const answers = await chain.signatures.check(txs, txs.map(transactionHash))
  assert.equal(sent(), 2)
  assert.deepEqual(
    answers.map((answer) => answer?.code),
    [undefined, 'TX_ERROR_BAD_SIGNATURE', undefined, 'TX_ERROR_BAD_SIGNATURE', undefined],
  )
})

test('admitAll: one outcome per transaction, in order, whatever refused each', async (t) => {
  const { verifier } = countingPool(t)
  const chain = await pooledChain(t, verifier)
  const mempool = new Mempool((sender) => readParticipant(chain.stateAt(), sender)?.nonce)
  const admission = new TxAdmission({ verifier: chain.signatures, mempool, blockGasLimit: chain.params.blockGasLimit }, { verifyThreads: 2 })
  const [good, pooled, bad, cheap] = registrations(chain, 4, 'all')
  await admission.admit(pooled!, 'peer')
  const outcomes = await admission.admitAll([good!, pooled!, withBadSignature(bad!), { ...cheap!, gasLimit: 1 }], 'peer')
  assert.deepEqual(
    outcomes.map((outcome) => (outcome.status === 'fulfilled' ? toHex(outcome.value) : (outcome.reason as { code: string }).code)),
    [toHex(transactionHash(good!)), 'MEMPOOL_ERROR_KNOWN', 'TX_ERROR_BAD_SIGNATURE', 'TX_ERROR_GAS_LIMIT_TOO_LOW'],
  )
  assert.equal(mempool.size, 2)
  assert.deepEqual(await admission.admitAll([], 'peer'), [])
})

test('admission serves sources in turn: a flood of bad signatures does not hold back an honest source', async (t) => {
  const { verifier } = countingPool(t)
  const chain = await pooledChain(t, verifier)
  const mempool = new Mempool((sender) => readParticipant(chain.stateAt(), sender)?.nonce)
  const admission = new TxAdmission({ verifier: chain.signatures, mempool, blockGasLimit: chain.params.blockGasLimit }, { verifyThreads: 2, maxQueuedPerSource: 1_500 })
  const flood = registrations(chain, 2_000, 'flood').map(withBadSignature)
  const honest = registrations(chain, 20, 'honest')
  const finished: string[] = []
  const floodDone = flood.map((tx) =>
    admission.admit(tx, 'flooder').then(
      () => finished.push('flood accepted'),
      (error: { code?: string }) => finished.push(`flood ${error.code}`),
    ),
  )
  const honestDone = honest.map((tx) => admission.admit(tx, 'honest').then(() => finished.push('honest')))
  await Promise.all([...floodDone, ...honestDone])
  // The flooder's queue is bounded: what did not fit (beyond the batches already out) was refused at once.
  const busy = finished.filter((entry) => entry === 'flood ADMISSION_ERROR_BUSY').length
  const refused = finished.filter((entry) => entry === 'flood TX_ERROR_BAD_SIGNATURE').length
  assert.equal(busy + refused, 2_000)
  assert.ok(busy >= 2_000 - 1_500 - 4 * 32 && busy <= 500, `${busy} refused as busy`)
  assert.deepEqual(finished.slice(0, busy), new Array<string>(busy).fill('flood ADMISSION_ERROR_BUSY'))
  assert.equal(finished.filter((entry) => entry === 'honest').length, 20)
  // Served in turn: every honest transaction was pooled before the flood's first hundred were judged.
  const lastHonest = finished.lastIndexOf('honest')
  const judged = finished.slice(0, lastHonest).filter((entry) => entry === 'flood TX_ERROR_BAD_SIGNATURE').length
  assert.ok(judged <= 100, `${judged} flood transactions were judged before the last honest one`)
  assert.equal(mempool.size, 20)
})

test('the event loop keeps turning while a large block’s signatures are checked in the pool', async (t) => {
  const { pool, verifier } = countingPool(t)
  const chain = await pooledChain(t, verifier)
  const block = await makeBlock(chain, registrations(chain, 1_000, 'responsive'))
  const imported = chain.importBlock(block)
  await busy(pool)
  // Each turn is a chance for libp2p, RPC and timers to run; counted while signatures are out.
  let turns = 0
  while (pool.pending > 0) {
    turns++
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.equal((await imported).status, 'head')
  assert.ok(turns >= 10, `the loop turned ${turns} times while 1,000 signatures were checked`)
})
