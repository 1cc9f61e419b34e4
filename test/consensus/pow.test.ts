/**
 * Proof-of-work: the target arithmetic, retargeting, header validation against the parent with
 * each `ConsensusError` code, sealing on the calling thread and through a `SealSearcher`.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { toHex, utf8 } from '../../src/encoding/bytes.js'
import { sha256 } from '../../src/crypto/hash.js'
import { BLOCK_VERSION, blockHash, encodeHeader, type BlockHeader } from '../../src/ledger/block.js'
import { EMPTY_MERKLE_ROOT } from '../../src/ledger/merkle.js'
import type { ConsensusErrorCode } from '../../src/consensus/consensus.js'
import { MAX_FUTURE_DRIFT_MS } from '../../src/consensus/constants.js'
import {
  meetsTarget,
  nextDifficulty,
  nonceSeal,
  ProofOfWork,
  sealSync,
  searchNonce,
  targetBytes,
  targetOf,
  type SealSearcher,
} from '../../src/consensus/pow.js'

const TARGET_MS = 1_000
const T0 = Date.UTC(2026, 0, 1)

function header(changes: Partial<BlockHeader> = {}): BlockHeader {
  return {
    version: BLOCK_VERSION,
    height: 7,
    parentHash: sha256(utf8('block 6')),
    timestamp: T0,
    txRoot: EMPTY_MERKLE_ROOT,
    stateRoot: sha256(utf8('state')),
    receiptsRoot: EMPTY_MERKLE_ROOT,
    gasUsed: 0,
    producer: new Uint8Array(20).fill(1),
    difficulty: 8_000n,
    seal: new Uint8Array(8),
    ...changes,
  }
}

function consensusError(code: ConsensusErrorCode, detail: string): object {
  return { name: 'ConsensusError', code, data: { detail } }
}

describe('targets', () => {
  it('is (2^256 - 1) / difficulty, as 32 big-endian bytes', () => {
    assert.equal(toHex(targetBytes(1n)), 'ff'.repeat(32))
    assert.equal(toHex(targetBytes(2n)), `7f${'ff'.repeat(31)}`)
    assert.equal(toHex(targetBytes(1n << 64n)), `${'00'.repeat(8)}${'ff'.repeat(24)}`)
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), (d) => {
      assert.equal(BigInt(`0x${toHex(targetBytes(d))}`), targetOf(d))
    }))
  })

  it('is met by a hash at most the target, and not by one above it', () => {
    fc.assert(fc.property(fc.bigInt({ min: 2n, max: (1n << 64n) - 1n }), (d) => {
      const target = targetOf(d)
      const asHash = (n: bigint): Uint8Array => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'))
      assert.equal(meetsTarget(asHash(target), d), true)
      assert.equal(meetsTarget(asHash(target + 1n), d), false)
      assert.equal(meetsTarget(new Uint8Array(32), d), true)
    }))
  })
})

describe('nextDifficulty', () => {
  const parent = header({ difficulty: 8_000n })
  const next = (intervalMs: number, minimum = 1n): bigint => nextDifficulty(parent, parent.timestamp + intervalMs, TARGET_MS, minimum)

  it('rises by 1/8 at interval 0, holds at the target, falls by 1/4 at three targets and no further', () => {
    assert.equal(next(0), 9_000n)
    assert.equal(next(TARGET_MS / 2), 8_500n)
    assert.equal(next(TARGET_MS), 8_000n)
    assert.equal(next(2 * TARGET_MS), 7_000n)
    assert.equal(next(3 * TARGET_MS), 6_000n)
    assert.equal(next(100 * TARGET_MS), 6_000n)
  })

  it('treats a timestamp before the parent’s as interval 0', () => {
    assert.equal(next(-5 * TARGET_MS), 9_000n)
  })

  it('never goes below the network minimum', () => {
    assert.equal(next(3 * TARGET_MS, 7_000n), 7_000n)
    assert.equal(next(100 * TARGET_MS, 8_001n), 8_001n)
    assert.equal(next(0, 7_000n), 9_000n)
  })

  it('stays within [3/4, 9/8] of the parent (at least +1 for a fast block), above the minimum, and falls as the interval grows', () => {
    const difficulty = fc.bigInt({ min: 1n, max: 1n << 62n })
    fc.assert(
      fc.property(difficulty, difficulty, fc.nat(10 * TARGET_MS), fc.nat(10 * TARGET_MS), (d, minimum, a, b) => {
        const p = header({ difficulty: d })
        const [short, long] = a < b ? [a, b] : [b, a]
        const dShort = nextDifficulty(p, p.timestamp + short, TARGET_MS, minimum)
        const dLong = nextDifficulty(p, p.timestamp + long, TARGET_MS, minimum)
        assert.ok(dShort >= dLong)
        assert.ok(dLong >= minimum)
        const most = (d * 9n) / 8n > d ? (d * 9n) / 8n : d + 1n
        assert.ok(dShort <= most || dShort === minimum)
        assert.ok(dLong >= (d * 3n) / 4n || dLong === minimum)
      }),
    )
  })
})

describe('ProofOfWork.validateHeader', () => {
  const pow = new ProofOfWork({ type: 'pow', initialDifficulty: 1_000n, minimumDifficulty: 1n }, TARGET_MS)
  const parent = header({ difficulty: 1_000n })
  const NOW = parent.timestamp + 10 * TARGET_MS

  function child(changes: Partial<BlockHeader> = {}): BlockHeader {
    const timestamp = changes.timestamp ?? parent.timestamp + TARGET_MS
    return header({
      height: parent.height + 1,
      parentHash: blockHash(parent),
      timestamp,
      difficulty: pow.difficultyAt(parent, timestamp),
      ...changes,
    })
  }

  it('accepts a header sealed by sealSync, at one block of work', () => {
    const sealed = sealSync(child())
    pow.validateHeader(sealed, parent, NOW)
    assert.equal(pow.work(sealed), sealed.difficulty)
    assert.equal(sealed.difficulty, 1_000n)
  })

  it('refuses a wrong height', () => {
    for (const height of [parent.height, parent.height + 2, 0]) {
      assert.throws(() => pow.validateHeader(sealSync(child({ height })), parent, NOW), consensusError('CONSENSUS_ERROR_BAD_HEIGHT', `height ${height} on a parent at ${parent.height}`))
    }
  })

  it('refuses a parent hash that is not the parent’s', () => {
    const wrong = sha256(utf8('another block'))
    assert.throws(
      () => pow.validateHeader(sealSync(child({ parentHash: wrong })), parent, NOW),
      consensusError('CONSENSUS_ERROR_BAD_PARENT', `parent ${toHex(wrong)} is not ${toHex(blockHash(parent))}`),
    )
  })

  it('refuses a timestamp not after the parent’s', () => {
    for (const timestamp of [parent.timestamp, parent.timestamp - 1]) {
      const h = sealSync(child({ timestamp }))
      assert.throws(() => pow.validateHeader(h, parent, NOW), consensusError('CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT', `timestamp ${timestamp} not after ${parent.timestamp}`))
    }
    pow.validateHeader(sealSync(child({ timestamp: parent.timestamp + 1 })), parent, NOW)
  })

  it('refuses a timestamp more than the allowed drift ahead of the local clock, and accepts one at the bound', () => {
    const timestamp = parent.timestamp + 5 * TARGET_MS
    pow.validateHeader(sealSync(child({ timestamp })), parent, timestamp - MAX_FUTURE_DRIFT_MS)
    const now = timestamp - MAX_FUTURE_DRIFT_MS - 1
    assert.throws(
      () => pow.validateHeader(sealSync(child({ timestamp })), parent, now),
      consensusError('CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE', `timestamp ${timestamp} is ${MAX_FUTURE_DRIFT_MS + 1} ms ahead`),
    )
  })

  it('refuses a difficulty other than the retargeted one, higher or lower', () => {
    for (const difficulty of [999n, 1_001n, 1n]) {
      assert.throws(() => pow.validateHeader(sealSync(child({ difficulty })), parent, NOW), consensusError('CONSENSUS_ERROR_BAD_DIFFICULTY', `difficulty ${difficulty}, expected 1000`))
    }
  })

  it('refuses a seal that is not 8 bytes', () => {
    for (const length of [0, 7, 9, 64]) {
      assert.throws(() => pow.validateHeader(child({ seal: new Uint8Array(length) }), parent, NOW), consensusError('CONSENSUS_ERROR_BAD_SEAL', `seal of ${length} bytes, expected 8`))
    }
  })

  it('refuses a seal whose hash is above the target', () => {
    const unsealed = child()
    let nonce = 0n
    while (meetsTarget(blockHash({ ...unsealed, seal: nonceSeal(nonce) }), unsealed.difficulty)) nonce++
    assert.throws(
      () => pow.validateHeader({ ...unsealed, seal: nonceSeal(nonce) }, parent, NOW),
      consensusError('CONSENSUS_ERROR_INSUFFICIENT_WORK', 'hash above the target of difficulty 1000'),
    )
  })
})

describe('searchNonce and sealing', () => {
  /** The first nonce from `start` (wrapping at 2^64) whose hash meets `target`, by plain hashing. */
  function bruteForce(encoded: Uint8Array, target: Buffer, start: bigint, count: number): bigint | undefined {
    for (let i = 0n; i < BigInt(count); i++) {
      const nonce = (start + i) % (1n << 64n)
      const bytes = Buffer.from(encoded)
      bytes.writeBigUInt64BE(nonce, bytes.length - 8)
      if (Buffer.compare(createHash('sha256').update(bytes).digest(), target) <= 0) return nonce
    }
    return undefined
  }

  it('finds the same nonce as hashing each candidate header, across the 2^64 wrap', () => {
    const start = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: (1n << 64n) - 40n, max: (1n << 64n) - 1n }))
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 9, maxLength: 120 }), start, fc.bigInt({ min: 1n, max: 64n }), (encoded, from, difficulty) => {
        const target = targetBytes(difficulty)
        assert.equal(searchNonce(encoded, target, from, 80), bruteForce(encoded, target, from, 80))
      }),
      { numRuns: 200 },
    )
  })

  it('writes the nonce as the seal, big-endian', () => {
    assert.equal(toHex(nonceSeal(0x0102030405060708n)), '0102030405060708')
    assert.equal(toHex(nonceSeal((1n << 64n) - 1n)), 'ff'.repeat(8))
  })

  it('sealSync gives up after its attempts with a plain error', () => {
    assert.throws(() => sealSync(header({ difficulty: 1n << 60n }), 10), { message: `no seal found in 10 attempts at difficulty ${1n << 60n}` })
  })

  it('seal() without a searcher seals on the calling thread', async () => {
    const pow = new ProofOfWork({ type: 'pow', initialDifficulty: 100n, minimumDifficulty: 1n }, TARGET_MS)
    const sealed = await pow.seal(header({ difficulty: 100n, seal: new Uint8Array(3) }), new AbortController().signal)
    assert.ok(sealed)
    assert.deepEqual(sealed, sealSync(header({ difficulty: 100n })))
  })

  it('seal() hands the searcher the unsealed encoding and the target, and writes the nonce it returns', async () => {
    const calls: { encoded: string; target: string }[] = []
    let answer: bigint | undefined = 0x0a0b0c0d0e0f1011n
    const searcher: SealSearcher = {
      search: (encoded, target) => {
        calls.push({ encoded: toHex(encoded), target: toHex(target) })
        return Promise.resolve(answer)
      },
    }
    const pow = new ProofOfWork({ type: 'pow', initialDifficulty: 100n, minimumDifficulty: 1n }, TARGET_MS, searcher)
    const h = header({ difficulty: 12_345n, seal: Uint8Array.of(9, 9) })
    const sealed = await pow.seal(h, new AbortController().signal)
    assert.deepEqual(sealed, { ...h, seal: nonceSeal(answer) })
    assert.deepEqual(calls, [{ encoded: toHex(encodeHeader({ ...h, seal: new Uint8Array(8) })), target: toHex(targetBytes(12_345n)) }])
    answer = undefined
    assert.equal(await pow.seal(h, new AbortController().signal), undefined)
  })
})
