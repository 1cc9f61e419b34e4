/**
 * The header side of a target (src/sync/headers.ts) on a real 30-block chain, in batches of 5:
 * planning below the linked part within a window and down to a floor, asking by hash where the
 * hash is known, linking top-down whatever order batches arrive in, dropping a batch that does
 * not join, stopping at the common ancestor, and going below the floor for a deeper fork.
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { Chain } from '../../src/chain/chain.js'
import { BatchStatus } from '../../src/sync/batch.js'
import { HeaderChain, type HeaderBatch } from '../../src/sync/headers.js'
import { verifyHeaderBatch, type VerifyContext } from '../../src/sync/verify.js'
import { extendChain, openTestChain, signed, testKey } from '../helpers/chain.js'

async function chainOf(t: TestContext, salt?: string): Promise<Chain> {
  const chain = await openTestChain(t)
  await extendChain(chain, 30, (height) => (salt === undefined ? [] : [signed(chain, testKey(`${salt} ${height}`), 0, { kind: 'participant', name: null })]))
  return chain
}

function context(chain: Chain, known: number): VerifyContext {
  return {
    consensus: chain.consensus,
    nowMs: Date.now(),
    validHeader: (hash) => {
      const header = chain.store.header(hash)
      return header !== undefined && header.height <= known ? header : undefined
    },
  }
}

/** Delivers `source`'s headers for `batch` as if `peer` had sent them. */
function deliver(batch: HeaderBatch, source: Chain, peer: string, ctx: VerifyContext): void {
  const { top, count } = batch.range
  const headers = Array.from({ length: count }, (_, i) => {
    const hash = source.store.canonicalHash(top - i)!
    return { hash, header: source.store.header(hash)! }
  })
  batch.startDownload(peer)
  batch.downloaded(verifyHeaderBatch(headers, batch.range, ctx))
}

/** (A function, so the compiler does not carry an assertion about the getter across `link`.) */
const ancestorHeight = (headers: HeaderChain): number | undefined => headers.ancestor?.height
const tops = (batches: readonly HeaderBatch[]): number[] => batches.map((batch) => batch.range.top)
const target = (chain: Chain): { hash: Uint8Array; height: number; totalWork: bigint } => ({ hash: chain.head.hash, height: 30, totalWork: chain.head.totalWork })
const linkContext = (chain: Chain, hasTarget = true) => ({ consensus: chain.consensus, nowMs: Date.now(), hasTarget: () => hasTarget })

test('batches are planned top-down, a window at a time, down to the floor; the top one is asked by the target hash', async (t) => {
  const chain = await chainOf(t)
  const headers = new HeaderChain(target(chain), 10, { batchSize: 5, maxBatchesAhead: 3 })
  const planned = headers.plan()
  assert.deepEqual(planned.map((batch) => batch.range), [{ top: 30, count: 5 }, { top: 25, count: 5 }, { top: 20, count: 5 }])
  assert.deepEqual(headers.plan(), [], 'the window is full')
  assert.deepEqual(headers.requestRange(planned[0]!), { top: 30, count: 5, topHash: chain.head.hash })
  assert.deepEqual(headers.requestRange(planned[1]!), { top: 25, count: 5 })
  // A target one block above a longer chain of ours: one batch of one header.
  const short = new HeaderChain(target(chain), 40, { batchSize: 5, maxBatchesAhead: 3 })
  assert.deepEqual(short.plan().map((batch) => batch.range), [{ top: 30, count: 1 }])
})

test('batches link top-down whatever order they arrive in; then the next is asked by hash; linking stops at the ancestor', async (t) => {
  const chain = await chainOf(t)
  const ctx = context(chain, 10)
  const headers = new HeaderChain(target(chain), 10, { batchSize: 5, maxBatchesAhead: 3 })
  const [b30, b25, b20] = headers.plan()
  deliver(b25!, chain, 'peer-b', ctx)
  assert.deepEqual(headers.link(linkContext(chain)), { linked: [] }, 'nothing links before the top')
  deliver(b30!, chain, 'peer-a', ctx)
  assert.deepEqual(tops(headers.link(linkContext(chain)).linked), [30, 25])
  assert.deepEqual(headers.requestRange(b20!), { top: 20, count: 5, topHash: chain.store.canonicalHash(20) })
  assert.deepEqual(tops(headers.plan()), [15], 'one more batch, down to the floor')
  assert.deepEqual(tops(headers.awaiting()), [20, 15])
  const [, b15] = headers.awaiting()
  deliver(b20!, chain, 'peer-a', ctx)
  deliver(b15!, chain, 'peer-b', ctx)
  assert.deepEqual(tops(headers.link(linkContext(chain)).linked), [20, 15])
  assert.deepEqual(headers.ancestor, { hash: chain.store.canonicalHash(10), height: 10 })
  assert.equal(headers.linkedCount, 20)
  assert.equal(headers.work, 20n)
  assert.deepEqual(headers.plan(), [], 'nothing below the ancestor')
  assert.equal(headers.servedBy(27), 'peer-a')
  assert.equal(headers.servedBy(23), 'peer-b')
  assert.equal(headers.servedBy(5), undefined)
})

test('a batch that does not join the one above is dropped and waits for another peer; blame depends on the peer’s head', async (t) => {
  const chain = await chainOf(t)
  const fork = await chainOf(t, 'fork')
  const ctx = context(chain, 0)
  for (const [hasTarget, code] of [[true, 'DOWNLOAD_ERROR_UNLINKED'], [false, 'DOWNLOAD_ERROR_OFF_BRANCH']] as const) {
    const headers = new HeaderChain(target(chain), 10, { batchSize: 5, maxBatchesAhead: 3 })
    const [b30, b25] = headers.plan()
    deliver(b30!, chain, 'honest', ctx)
    deliver(b25!, fork, 'other', ctx)
    const step = headers.link(linkContext(chain, hasTarget))
    assert.deepEqual(tops(step.linked), [30])
    assert.equal(step.rejected?.batch, b25)
    assert.equal(step.rejected?.peer, 'other')
    assert.equal(step.rejected?.error.code, code)
    assert.equal(b25!.status, BatchStatus.AwaitingDownload)
    assert.equal(b25!.hasFailed('other'), true)
    assert.deepEqual(headers.requestRange(b25!).topHash, chain.store.canonicalHash(25), 'asked by hash next time')
  }
})

test('a fork below the floor: planning goes on toward genesis once the floor is linked', async (t) => {
  const chain = await chainOf(t)
  // We have blocks only up to 10 (of this chain), yet our head is at 20 (of another branch).
  const ctx = context(chain, 10)
  const headers = new HeaderChain(target(chain), 20, { batchSize: 5, maxBatchesAhead: 3 })
  const first = headers.plan()
  assert.deepEqual(tops(first), [30, 25])
  for (const batch of first) deliver(batch, chain, 'peer', ctx)
  assert.deepEqual(tops(headers.link(linkContext(chain)).linked), [30, 25])
  assert.equal(ancestorHeight(headers), undefined)
  const deeper = headers.plan()
  assert.deepEqual(tops(deeper), [20, 15, 10])
  for (const batch of deeper) deliver(batch, chain, 'peer', ctx)
  assert.deepEqual(tops(headers.link(linkContext(chain)).linked), [20, 15])
  assert.equal(ancestorHeight(headers), 10)
})

test('restored data whose top is not the target is rejected; a header invalid on its true parent fails the target', async (t) => {
  const chain = await chainOf(t)
  const ctx = context(chain, 0)
  const headers = new HeaderChain({ ...target(chain), hash: new Uint8Array(32).fill(1) }, 10, { batchSize: 5, maxBatchesAhead: 3 })
  const [b30] = headers.plan()
  const items = Array.from({ length: 5 }, (_, i) => ({ hash: chain.store.canonicalHash(30 - i)!, header: chain.store.header(chain.store.canonicalHash(30 - i)!)! }))
  b30!.restored(verifyHeaderBatch(items, b30!.range, ctx))
  const step = headers.link(linkContext(chain))
  assert.equal(step.rejected?.error.code, 'DOWNLOAD_ERROR_WRONG_START')
  assert.equal(step.rejected?.peer, undefined)

  const strict = { ...linkContext(chain), nowMs: chain.head.header.timestamp - 60_000 }
  const good = new HeaderChain(target(chain), 10, { batchSize: 5, maxBatchesAhead: 3 })
  const [top, below] = good.plan()
  deliver(top!, chain, 'a', ctx)
  deliver(below!, chain, 'b', ctx)
  assert.throws(() => good.link(strict), (error: Error & { code?: string; data?: { peer?: string } }) => error.code === 'DOWNLOAD_ERROR_FUTURE_HEADER' && error.data?.peer === 'a')
})
