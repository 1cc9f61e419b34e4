/**
 * The verify pool with real worker threads: the same answers as `verify` on every edge case,
 * batches from many callers coalesced and answered each in order, a worker that dies replaced
 * and its work given again (or the batch failed with a typed error after MAX_ATTEMPTS), and a
 * closed pool refusing work instead of hanging.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { generateSecretKey, publicKeyOf, sign, verify, type SignedMessage } from '../../src/crypto/ed25519.js'
import { MAX_ATTEMPTS, MAX_THREADS, VERIFY_THREAD_NICE, VerifyPool, VerifyPoolError, verifyOnThisThread } from '../../src/crypto/verify-pool/pool.js'
import { utf8 } from '../../src/encoding/bytes.js'
import { flipBit, hex, RFC8032_VECTORS, SPECCHECK_VECTORS } from './ed25519-cases.js'

/** Longest the tests wait for a worker to be busy (thread start-up on a busy machine). */
const WAIT_MS = 30_000

function signedMessages(count: number, salt: string): SignedMessage[] {
  const secretKey = generateSecretKey()
  const publicKey = publicKeyOf(secretKey)
  return Array.from({ length: count }, (_, i) => {
    const message = utf8(`${salt} ${i}`)
    return { signature: sign(secretKey, message), message, publicKey }
  })
}

/** Every other item spoiled: a flipped bit of the signature, the message or the key. */
function spoilEveryOther(items: readonly SignedMessage[]): SignedMessage[] {
  return items.map((item, i) => {
    if (i % 2 === 0) return item
    const part = (['signature', 'message', 'publicKey'] as const)[(i >> 1) % 3]!
    return { ...item, [part]: flipBit(item[part], (i * 7) % (item[part].length * 8)) }
  })
}

/** Resolves once the pool has work out, so a test can kill a worker in the middle of it. */
async function busy(pool: VerifyPool): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (pool.pending === 0) {
    if (Date.now() > deadline) throw new Error('the pool never became busy')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('the pool answers as verify does: known answers, edge cases, spoiled signatures, odd lengths', async (t) => {
  const pool = new VerifyPool({ threads: 2 })
  t.after(() => pool.close())
  const items: SignedMessage[] = [
    ...RFC8032_VECTORS.map((v) => ({ signature: hex(v.signature), message: hex(v.message), publicKey: hex(v.publicKey) })),
    ...SPECCHECK_VECTORS.map((v) => ({ signature: hex(v.signature), message: hex(v.message), publicKey: hex(v.publicKey) })),
    ...spoilEveryOther(signedMessages(100, 'pool')),
    { signature: new Uint8Array(63), message: new Uint8Array(32), publicKey: new Uint8Array(32) },
    { signature: new Uint8Array(64), message: new Uint8Array(0), publicKey: new Uint8Array(31) },
  ]
  const expected = items.map((item) => verify(item.signature, item.message, item.publicKey))
  assert.ok(expected.includes(true) && expected.includes(false))
  assert.deepEqual(await pool.verifyBatch(items), expected)
  assert.deepEqual(await verifyOnThisThread.verifyBatch(items), expected)
  assert.deepEqual(await pool.verifyBatch([]), [])
})

test('batches of many callers at once are each answered in full and in order', async (t) => {
  const pool = new VerifyPool({ threads: 2 })
  t.after(() => pool.close())
  const batches = Array.from({ length: 40 }, (_, i) => spoilEveryOther(signedMessages(1 + ((i * 13) % 70), `caller ${i}`)))
  const answers = await Promise.all(batches.map((batch) => pool.verifyBatch(batch)))
  answers.forEach((answer, i) => assert.deepEqual(answer, batches[i]!.map((_, k) => k % 2 === 0)))
  assert.equal(pool.pending, 0)
})

test('a worker that dies is replaced and its signatures checked again; one that keeps dying fails the batch, typed', async (t) => {
  const pool = new VerifyPool({ threads: 2 })
  t.after(() => pool.close())
  const items = spoilEveryOther(signedMessages(600, 'dies'))
  const before = pool.workers.map((worker) => worker.threadId)
  const answer = pool.verifyBatch(items)
  await busy(pool)
  await pool.workers[0]!.terminate()
  assert.deepEqual(await answer, items.map((_, i) => i % 2 === 0))
  assert.equal(pool.workers.length, 2, 'the dead worker was replaced')
  assert.notDeepEqual(pool.workers.map((worker) => worker.threadId), before)

  // Every worker killed as soon as it has work: each chunk is tried MAX_ATTEMPTS times, then the batch fails.
  const doomed = pool.verifyBatch(items)
  let settled = false
  const killing = (async () => {
    while (!settled) {
      for (const worker of pool.workers) await worker.terminate()
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  await assert.rejects(
    doomed.finally(() => (settled = true)),
    (error: unknown) => error instanceof VerifyPoolError && error.code === 'VERIFY_POOL_ERROR_WORKER_FAILED' && error.message.includes(`${MAX_ATTEMPTS} times`),
  )
  await killing
  // Not stuck: the next batch is answered by new workers.
  assert.deepEqual(await pool.verifyBatch(items.slice(0, 50)), items.slice(0, 50).map((_, i) => i % 2 === 0))
})

test('a closed pool fails what it had not answered and refuses new work; sizes are checked', async () => {
  const pool = new VerifyPool({ threads: 1 })
  const refused = assert.rejects(pool.verifyBatch(signedMessages(2_000, 'closing')), { code: 'VERIFY_POOL_ERROR_CLOSED' })
  await pool.close()
  await refused
  await assert.rejects(pool.verifyBatch(signedMessages(1, 'late')), { code: 'VERIFY_POOL_ERROR_CLOSED' })
  await pool.close()
  for (const threads of [0, -1, 1.5, MAX_THREADS + 1]) {
    assert.throws(() => new VerifyPool({ threads }), { code: 'VERIFY_POOL_ERROR_BAD_SIZE', message: `verify threads: expected an integer from 1 to ${MAX_THREADS}, got ${threads}` })
  }
})

/** The nice value of each thread of this process whose name is `name`, by thread id (Linux). */
function threadNices(name: string): Map<string, number> {
  const nices = new Map<string, number>()
  for (const id of readdirSync('/proc/self/task')) {
    if (readFileSync(`/proc/self/task/${id}/comm`, 'utf8').trim() !== name) continue
    const stat = readFileSync(`/proc/self/task/${id}/stat`, 'utf8')
    // Fields after the name (which may hold spaces): state is field 3, nice field 19.
    nices.set(id, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]))
  }
  return nices
}

test('the verify threads run below the node’s thread’s priority, the node’s thread at its own', { skip: process.platform !== 'linux' && 'nice values are per thread on Linux only' }, async (t) => {
  const before = new Set(threadNices('WorkerThread').keys())
  const pool = new VerifyPool({ threads: 2 })
  t.after(() => pool.close())
  assert.deepEqual(await pool.verifyBatch(signedMessages(8, 'nice')), Array(8).fill(true))
  const started = [...threadNices('WorkerThread')].filter(([id]) => !before.has(id))
  assert.equal(started.length, 2, 'the pool’s two threads')
  for (const [id, nice] of started) assert.equal(nice, VERIFY_THREAD_NICE, `thread ${id}`)
  assert.deepEqual([...threadNices('MainThread').values()], [0])
})
