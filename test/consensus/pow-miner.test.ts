/**
 * Mining off the main thread: `PowMiner` finds seals, stops promptly when aborted or closed and
 * can search again afterwards; the worker itself reports the nonce and the hashes it tried.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { utf8 } from '../../src/encoding/bytes.js'
import { sha256 } from '../../src/crypto/hash.js'
import { BLOCK_VERSION, blockHash, encodeHeader, type BlockHeader } from '../../src/ledger/block.js'
import { EMPTY_MERKLE_ROOT } from '../../src/ledger/merkle.js'
import { PowMiner } from '../../src/consensus/pow-miner.js'
import { meetsTarget, ProofOfWork, searchNonce, targetBytes } from '../../src/consensus/pow.js'
import type { MiningJob, MiningReport } from '../../src/consensus/pow-worker.js'
import { MINING_CHUNK_HASHES } from '../../src/consensus/constants.js'

/** The largest difficulty a header can carry: no search will ever finish. */
const HUGE = (1n << 64n) - 1n
/** How long an abort may take before the test calls it stuck; not a timing assertion, a hang guard. */
const PROMPT_MS = 5_000

function header(difficulty: bigint, tag = 'x'): BlockHeader {
  return {
    version: BLOCK_VERSION,
    height: 1,
    parentHash: sha256(utf8(`parent ${tag}`)),
    timestamp: Date.UTC(2026, 0, 1),
    txRoot: EMPTY_MERKLE_ROOT,
    stateRoot: EMPTY_MERKLE_ROOT,
    receiptsRoot: EMPTY_MERKLE_ROOT,
    gasUsed: 0,
    producer: new Uint8Array(20),
    difficulty,
    seal: new Uint8Array(8),
  }
}

/** Resolves with the promise's value, or rejects if it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function search(miner: PowMiner, h: BlockHeader, signal = new AbortController().signal): Promise<bigint | undefined> {
  return miner.search(encodeHeader(h), targetBytes(h.difficulty), signal)
}

describe('PowMiner', () => {
  it('finds a seal at a small difficulty, and ProofOfWork accepts the sealed header', async (t) => {
    const miner = new PowMiner()
    t.after(() => miner.close())
    const pow = new ProofOfWork({ type: 'pow', initialDifficulty: 2_000n, minimumDifficulty: 1n }, 1_000, miner)
    const sealed = await within(pow.seal(header(2_000n), new AbortController().signal), 60_000, 'mining at difficulty 2000')
    assert.ok(sealed)
    assert.equal(meetsTarget(blockHash(sealed), 2_000n), true)
    assert.ok(miner.hashes > 0)
  })

  it('stops a search at a huge difficulty when aborted, and can search again afterwards', async (t) => {
    const miner = new PowMiner()
    t.after(() => miner.close())
    const controller = new AbortController()
    const running = search(miner, header(HUGE), controller.signal)
    setTimeout(() => controller.abort(), 50)
    assert.equal(await within(running, PROMPT_MS, 'an aborted search'), undefined)
    const nonce = await within(search(miner, header(100n, 'again')), 60_000, 'the next search')
    assert.notEqual(nonce, undefined)
  })

  it('answers undefined at once for a signal aborted before the search', async (t) => {
    const miner = new PowMiner()
    t.after(() => miner.close())
    assert.equal(await search(miner, header(HUGE), AbortSignal.abort()), undefined)
  })

  it('runs one search at a time', async (t) => {
    const miner = new PowMiner()
    t.after(() => miner.close())
    const controller = new AbortController()
    const running = search(miner, header(HUGE), controller.signal)
    await assert.rejects(search(miner, header(1n)), { message: 'PowMiner runs one search at a time' })
    controller.abort()
    assert.equal(await within(running, PROMPT_MS, 'an aborted search'), undefined)
  })

  it('close() ends the worker, ends a search in progress, and a later search starts a new worker', async () => {
    const miner = new PowMiner()
    const running = search(miner, header(HUGE))
    const worker = Reflect.get(miner, 'worker') as Worker
    assert.ok(worker instanceof Worker)
    const exited = once(worker, 'exit')
    await miner.close()
    await within(exited, PROMPT_MS, 'the worker exit')
    assert.equal(await within(running, PROMPT_MS, 'a search ended by close()'), undefined)
    assert.notEqual(await within(search(miner, header(100n)), 60_000, 'a search after close()'), undefined)
    assert.notEqual(Reflect.get(miner, 'worker'), worker)
    await miner.close()
    await miner.close() // closing twice is harmless
  })
})

describe('the mining worker', () => {
  /** How many nonces after `start` `nonce` is, counting through the wrap at 2^64. */
  const offset = (start: bigint, nonce: bigint): bigint => (nonce - start + (1n << 64n)) % (1n << 64n)

  /** A header whose first solution from `start` lies past the first chunk, so the count spans chunks. */
  function jobPastFirstChunk(difficulty: bigint, start: bigint): { encoded: Uint8Array; found: bigint } {
    for (let tag = 0; ; tag++) {
      const encoded = encodeHeader(header(difficulty, `worker ${tag}`))
      const found = searchNonce(encoded, targetBytes(difficulty), start, 400_000)
      if (found !== undefined && offset(start, found) >= BigInt(MINING_CHUNK_HASHES)) return { encoded, found }
    }
  }

  it('reports the first nonce from its start and every hash it tried', async (t) => {
    const worker = new Worker(new URL('../../src/consensus/pow-worker.js', import.meta.url))
    t.after(() => worker.terminate())
    const start = (1n << 64n) - 3n // the search wraps past 2^64 - 1
    const { encoded, found } = jobPastFirstChunk(20_000n, start)
    const reports: MiningReport[] = []
    const done = new Promise<void>((resolve) => {
      worker.on('message', (report: MiningReport) => {
        reports.push(report)
        if (report.type === 'done') resolve()
      })
    })
    const stop = new Int32Array(new SharedArrayBuffer(4))
    worker.postMessage({ id: 7, encodedHeader: encoded, target: targetBytes(20_000n), startNonce: start, stop } satisfies MiningJob)
    await within(done, 60_000, 'the worker search')
    const last = reports.at(-1)!
    assert.deepEqual({ ...last, hashes: 0 }, { id: 7, type: 'done', nonce: found, hashes: 0 })
    const tried = reports.reduce((sum, r) => sum + r.hashes, 0)
    assert.equal(BigInt(tried), offset(start, found) + 1n)
  })

  it('stops between chunks when the shared flag is set', async (t) => {
    const worker = new Worker(new URL('../../src/consensus/pow-worker.js', import.meta.url))
    t.after(() => worker.terminate())
    const stop = new Int32Array(new SharedArrayBuffer(4))
    const reply = once(worker, 'message') as Promise<[MiningReport]>
    worker.postMessage({ id: 1, encodedHeader: encodeHeader(header(HUGE)), target: targetBytes(HUGE), startNonce: 0n, stop } satisfies MiningJob)
    setTimeout(() => Atomics.store(stop, 0, 1), 50)
    const [report] = await within(reply, PROMPT_MS, 'a stopped worker')
    assert.equal(report.type, 'done')
    assert.equal(report.type === 'done' ? report.nonce : 'progress', undefined)
    assert.equal(report.hashes % MINING_CHUNK_HASHES, 0)
  })
})
