/**
 * Verification of downloaded headers and bodies (src/sync/verify.ts) on headers of real chains:
 * a good batch and where it meets our chain; every way a batch can be wrong (short, wrong
 * start, no proof-of-work, broken links, bad difficulty, dated in the future); junctions
 * between batches and whose fault a broken one is; bodies against their transactions root;
 * and, as a property, that no single altered field of any header gets through.
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Chain } from '../../src/chain/chain.js'
import { sealSync } from '../../src/consensus/pow.js'
import { blockHash, type BlockHeader } from '../../src/ledger/block.js'
import type { ReceivedHeader } from '../../src/network/sync-codec.js'
import { DownloadError } from '../../src/sync/errors.js'
import { verifyBody, verifyHeaderBatch, verifyJunction, type HeaderRange, type VerifyContext } from '../../src/sync/verify.js'
import { extendChain, openTestChain, signed, testKey } from '../helpers/chain.js'

const LENGTH = 30

async function chainOf(t: TestContext, salt?: string): Promise<Chain> {
  const chain = await openTestChain(t)
  await extendChain(chain, LENGTH, (height) => (salt === undefined ? [] : [signed(chain, testKey(`${salt} ${height}`), 0, { kind: 'participant', name: null })]))
  return chain
}

/** The canonical headers of `chain` from `top` down, `count` of them, as the client hands them over. */
function received(chain: Chain, top: number, count: number): ReceivedHeader[] {
  return Array.from({ length: count }, (_, i) => {
    const hash = chain.store.canonicalHash(top - i)!
    return { hash, header: chain.store.header(hash)! }
  })
}

const item = (header: BlockHeader): ReceivedHeader => ({ hash: blockHash(header), header })

/** A context in which we have, as valid blocks, `chain`'s blocks up to height `known`. */
function context(chain: Chain, known: number, nowMs = Date.now()): VerifyContext {
  return {
    consensus: chain.consensus,
    nowMs,
    validHeader: (hash) => {
      const header = chain.store.header(hash)
      return header !== undefined && header.height <= known && chain.store.meta(hash)?.status === 'valid' ? header : undefined
    },
    peer: 'peer-x',
  }
}

function failure(run: () => unknown): { code: string; data: object } {
  try {
    run()
  } catch (error) {
    assert.ok(error instanceof DownloadError, `expected a DownloadError, got ${String(error)}`)
    return { code: error.code, data: error.data }
  }
  assert.fail('expected a DownloadError')
}

test('a good batch: its ends, the work above our chain, and the ancestor where it meets it', async (t) => {
  const chain = await chainOf(t)
  const batch = received(chain, 30, 10)
  const range: HeaderRange = { top: 30, count: 10, topHash: batch[0]!.hash }

  const below = verifyHeaderBatch(batch, range, context(chain, 20))
  assert.deepEqual(below, { top: batch[0], bottom: batch[9], needed: 10, work: 10n, ancestor: { hash: chain.store.canonicalHash(20), height: 20 } })
  const inside = verifyHeaderBatch(batch, range, context(chain, 25))
  assert.deepEqual({ needed: inside.needed, work: inside.work, ancestor: inside.ancestor }, { needed: 5, work: 5n, ancestor: { hash: chain.store.canonicalHash(25), height: 25 } })
  const none = verifyHeaderBatch(batch, { top: 30, count: 10 }, context(chain, 10))
  assert.deepEqual({ needed: none.needed, work: none.work, ancestor: none.ancestor }, { needed: 10, work: 10n, ancestor: undefined })
  const all = verifyHeaderBatch(batch, range, context(chain, 30))
  assert.deepEqual({ needed: all.needed, work: all.work, ancestor: all.ancestor?.height }, { needed: 0, work: 0n, ancestor: 30 })
})

test('a short, empty, overlong or misplaced batch is refused', async (t) => {
  const chain = await chainOf(t)
  const ctx = context(chain, 0)
  assert.deepEqual(failure(() => verifyHeaderBatch(received(chain, 30, 9), { top: 30, count: 10 }, ctx)), {
    code: 'DOWNLOAD_ERROR_INCOMPLETE',
    data: { detail: '9 headers of the 10 asked from 30', peer: 'peer-x', height: 30 },
  })
  assert.equal(failure(() => verifyHeaderBatch([], { top: 30, count: 10 }, ctx)).code, 'DOWNLOAD_ERROR_INCOMPLETE')
  assert.deepEqual(failure(() => verifyHeaderBatch(received(chain, 29, 10), { top: 30, count: 10 }, ctx)), {
    code: 'DOWNLOAD_ERROR_WRONG_START',
    data: { detail: 'asked 10 from 30, got 10 from 29', peer: 'peer-x', height: 30 },
  })
  assert.equal(failure(() => verifyHeaderBatch(received(chain, 30, 10), { top: 30, count: 10, topHash: chain.store.canonicalHash(29)! }, ctx)).code, 'DOWNLOAD_ERROR_WRONG_START')
  assert.equal(failure(() => verifyHeaderBatch(received(chain, 30, 11), { top: 30, count: 10 }, ctx)).code, 'DOWNLOAD_ERROR_WRONG_START')
})

test('a header without its proof-of-work is refused, a difficulty of zero included', async (t) => {
  const chain = await chainOf(t)
  const batch = received(chain, 30, 5)
  const unsealed = { ...batch[0]!.header, difficulty: 1n << 60n }
  assert.deepEqual(failure(() => verifyHeaderBatch([item(unsealed), ...batch.slice(1)], { top: 30, count: 5 }, context(chain, 0))), {
    code: 'DOWNLOAD_ERROR_BAD_WORK',
    data: { detail: `header 30 (${Buffer.from(blockHash(unsealed)).toString('hex')}) does not meet its difficulty ${1n << 60n}`, peer: 'peer-x', height: 30 },
  })
  const zero = { ...batch[2]!.header, difficulty: 0n }
  assert.equal(failure(() => verifyHeaderBatch([...batch.slice(0, 2), item(zero), ...batch.slice(3)], { top: 30, count: 5 }, context(chain, 0))).code, 'DOWNLOAD_ERROR_BAD_WORK')
})

test('headers that do not link, or break the consensus rules on their parent, are refused with the rule', async (t) => {
  const chain = await chainOf(t)
  const fork = await chainOf(t, 'fork')
  const batch = received(chain, 30, 10)
  const mixed = [...batch.slice(0, 5), ...received(fork, 25, 5)]
  assert.deepEqual(failure(() => verifyHeaderBatch(mixed, { top: 30, count: 10 }, context(chain, 0))), {
    code: 'DOWNLOAD_ERROR_BAD_HEADER',
    data: { detail: `header 26: parent ${Buffer.from(batch[4]!.header.parentHash).toString('hex')} is not ${Buffer.from(mixed[5]!.hash).toString('hex')}`, peer: 'peer-x', height: 26, cause: 'CONSENSUS_ERROR_BAD_PARENT' },
  })
  // The top header made harder than retargeting allows (and sealed for it).
  const harder = sealSync({ ...batch[0]!.header, difficulty: 2n })
  assert.deepEqual(failure(() => verifyHeaderBatch([item(harder), ...batch.slice(1)], { top: 30, count: 10 }, context(chain, 0))), {
    code: 'DOWNLOAD_ERROR_BAD_HEADER',
    data: { detail: 'header 30: difficulty 2, expected 1', peer: 'peer-x', height: 30, cause: 'CONSENSUS_ERROR_BAD_DIFFICULTY' },
  })
  // Dated ahead of our clock: an honest peer's clock may differ, so it has its own code.
  const early = batch[0]!.header.timestamp - 60_000
  assert.equal(failure(() => verifyHeaderBatch(batch, { top: 30, count: 10 }, context(chain, 0, early))).code, 'DOWNLOAD_ERROR_FUTURE_HEADER')
  // The header above our chain is checked against our copy of its parent.
  const parent = chain.store.header(chain.store.canonicalHash(20)!)!
  const sameTime = sealSync({ ...batch[9]!.header, timestamp: parent.timestamp })
  assert.deepEqual(failure(() => verifyHeaderBatch([item(sameTime)], { top: 21, count: 1 }, context(chain, 20))), {
    code: 'DOWNLOAD_ERROR_BAD_HEADER',
    data: { detail: `header 21: timestamp ${parent.timestamp} not after ${parent.timestamp}`, peer: 'peer-x', height: 21, cause: 'CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT' },
  })
})

test('junctions: the batch below must end at the parent of the batch above; whose fault it is when not', async (t) => {
  const chain = await chainOf(t)
  const fork = await chainOf(t, 'fork')
  const ctx = context(chain, 0)
  const upper = verifyHeaderBatch(received(chain, 30, 10), { top: 30, count: 10 }, ctx)
  const lower = verifyHeaderBatch(received(chain, 20, 10), { top: 20, count: 10 }, ctx)
  const stranger = verifyHeaderBatch(received(fork, 20, 10), { top: 20, count: 10 }, ctx)
  const junction = { consensus: chain.consensus, nowMs: Date.now(), lowerPeer: 'lower', upperPeer: 'upper' }
  verifyJunction(lower, upper, { ...junction, lowerPeerHasTarget: true })
  const detail = `header 20 (${Buffer.from(stranger.top.hash).toString('hex')}) is not the parent of header 21`
  assert.deepEqual(failure(() => verifyJunction(stranger, upper, { ...junction, lowerPeerHasTarget: true })), { code: 'DOWNLOAD_ERROR_UNLINKED', data: { detail, peer: 'lower', height: 20 } })
  assert.deepEqual(failure(() => verifyJunction(stranger, upper, { ...junction, lowerPeerHasTarget: false })), { code: 'DOWNLOAD_ERROR_OFF_BRANCH', data: { detail, peer: 'lower', height: 20 } })
  // Linked by hash, but invalid on its true parent: the upper chain is at fault.
  const parent = lower.top.header
  const invalid = verifyHeaderBatch([item(sealSync({ ...upper.bottom.header, timestamp: parent.timestamp }))], { top: 21, count: 1 }, ctx)
  assert.deepEqual(failure(() => verifyJunction(lower, invalid, { ...junction, lowerPeerHasTarget: true })), {
    code: 'DOWNLOAD_ERROR_BAD_HEADER',
    data: { detail: `header 21: timestamp ${parent.timestamp} not after ${parent.timestamp}`, peer: 'upper', height: 21, cause: 'CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT' },
  })
})

test('a body must be the one its header commits to', async (t) => {
  const chain = await chainOf(t, 'bodies')
  const block = chain.store.block(chain.store.canonicalHash(5)!)!
  verifyBody(block.header, block.transactions, 'peer-x')
  assert.deepEqual(failure(() => verifyBody(block.header, [], 'peer-x')), {
    code: 'DOWNLOAD_ERROR_BAD_BODY',
    data: { detail: 'the body of block 5 does not match its transactions root', peer: 'peer-x', height: 5 },
  })
  const other = chain.store.block(chain.store.canonicalHash(6)!)!
  assert.equal(failure(() => verifyBody(block.header, other.transactions)).code, 'DOWNLOAD_ERROR_BAD_BODY')
})

test('property: any one field of any header altered, the batch is refused (asked by hash)', async (t) => {
  const chain = await chainOf(t)
  const batch = received(chain, 30, 10)
  const range = { top: 30, count: 10, topHash: batch[0]!.hash }
  const ctx = context(chain, 0)
  const alterations: Record<string, (header: BlockHeader, n: number) => BlockHeader> = {
    height: (header, n) => ({ ...header, height: header.height + n }),
    timestamp: (header, n) => ({ ...header, timestamp: header.timestamp + n }),
    parentHash: (header, n) => ({ ...header, parentHash: header.parentHash.map((byte, i) => (i === n % 32 ? byte ^ 1 : byte)) }),
    stateRoot: (header, n) => ({ ...header, stateRoot: header.stateRoot.map((byte, i) => (i === n % 32 ? byte ^ 1 : byte)) }),
    gasUsed: (header, n) => ({ ...header, gasUsed: header.gasUsed + n }),
    difficulty: (header, n) => ({ ...header, difficulty: header.difficulty + BigInt(n) }),
    seal: (header, n) => ({ ...header, seal: header.seal.map((byte, i) => (i === n % 8 ? byte ^ 1 : byte)) }),
  }
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 9 }), fc.constantFrom(...Object.keys(alterations)), fc.integer({ min: 1, max: 1000 }), (index, field, n) => {
      // The bottom's parent link is the junction's to check (with the batch below), not the batch's.
      fc.pre(!(index === 9 && field === 'parentHash'))
      const altered = batch.map((entry, i) => (i === index ? item(alterations[field]!(entry.header, n)) : entry))
      const { code } = failure(() => verifyHeaderBatch(altered, range, ctx))
      assert.ok(['DOWNLOAD_ERROR_WRONG_START', 'DOWNLOAD_ERROR_BAD_WORK', 'DOWNLOAD_ERROR_BAD_HEADER', 'DOWNLOAD_ERROR_FUTURE_HEADER'].includes(code), code)
    }),
    { numRuns: 300 },
  )
})
