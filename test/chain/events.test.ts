import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { eventsOfChange, EventsError, indexCanonicalEvents, MAX_FILTER_NAMES, queryEvents } from '../../src/chain/events.js'
import type { Chain, HeadChange } from '../../src/chain/chain.js'
import { contractAddressOf } from '../../src/crypto/identity.js'
import { blockHash, transactionHashes } from '../../src/ledger/block.js'
import { StoreBatch } from '../../src/store/chain-store.js'
import { verifyChainStore } from '../../src/chain/verify.js'
import { extendChain, openTestChain, signed, testKey } from '../helpers/chain.js'
import { REPO_ROOT } from '../helpers/cli.js'

const ALICE = testKey('alice')
const COUNTER = readFile(join(REPO_ROOT, 'docs', 'examples', 'counter.js'), 'utf8')
const REGISTRY = readFile(join(REPO_ROOT, 'docs', 'examples', 'registry.js'), 'utf8')
const COUNTER_ADDRESS = contractAddressOf(ALICE.id, 1)

/** Alice registers (block 1), deploys the counter (block 2), then increments it once a block by `by(height)`. */
async function counterChain(chain: Chain, blocks: number, by: (height: number) => number): Promise<void> {
  const code = await COUNTER
  await extendChain(chain, blocks, (height) => {
    if (height === 1) return [signed(chain, ALICE, 0, { kind: 'participant', name: 'alice' })]
    if (height === 2) return [signed(chain, ALICE, 1, { kind: 'contract-deploy', code, args: '[0]' })]
    return [signed(chain, ALICE, height - 1, { kind: 'contract-call', contract: COUNTER_ADDRESS, method: 'increment', args: JSON.stringify([by(height)]) })]
  })
}

const summary = (events: readonly { height: number; name: string; data: string }[]): string[] => events.map((e) => `${e.height}:${e.name}:${e.data}`)

test('events are indexed by contract and name, queried by height range, and paged with a cursor', async (t) => {
  const chain = await openTestChain(t)
  await counterChain(chain, 12, () => 1)
  const head = chain.head.header.height
  const all = await queryEvents(chain.store, head, { contract: COUNTER_ADDRESS, fromHeight: 0 })
  assert.deepEqual(summary(all.events), Array.from({ length: 10 }, (_, i) => `${i + 3}:Incremented:{"by":1,"count":${i + 1}}`))
  assert.equal(all.cursor, null)
  const event = all.events[0]!
  const block3 = chain.store.block(chain.store.canonicalHash(3)!)!
  assert.deepEqual(event.txHash, transactionHashes(block3.transactions)[0])
  assert.deepEqual(event.blockHash, blockHash(block3.header))

  const byName = await queryEvents(chain.store, head, { contract: COUNTER_ADDRESS, names: ['Incremented', 'Other'], fromHeight: 5, toHeight: 7 })
  assert.deepEqual(summary(byName.events), ['5:Incremented:{"by":1,"count":3}', '6:Incremented:{"by":1,"count":4}', '7:Incremented:{"by":1,"count":5}'])
  assert.deepEqual((await queryEvents(chain.store, head, { contract: COUNTER_ADDRESS, names: ['Other'], fromHeight: 0 })).events, [])

  // Pages of 4, each starting where the last stopped, add up to the whole list.
  const paged: string[] = []
  let cursor: string | undefined
  for (let pages = 0; pages < 10; pages++) {
    const page = await queryEvents(chain.store, head, { contract: COUNTER_ADDRESS, fromHeight: 0, limit: 4, cursor })
    paged.push(...summary(page.events))
    if (page.cursor === null) break
    cursor = page.cursor
  }
  assert.deepEqual(paged, summary(all.events))

  // Without a contract the receipts are walked: the same events, and the same paging.
  const walked = await queryEvents(chain.store, head, { fromHeight: 0, limit: 6 })
  assert.deepEqual(summary(walked.events), summary(all.events).slice(0, 6))
  assert.equal(walked.cursor, '9.0.0')
  assert.deepEqual(summary((await queryEvents(chain.store, head, { fromHeight: 0, cursor: walked.cursor })).events), summary(all.events).slice(6))
})

test('bad queries are refused with their code', async (t) => {
  const chain = await openTestChain(t)
  await counterChain(chain, 3, () => 1)
  const refused = async (query: Parameters<typeof queryEvents>[2], code: string): Promise<void> => {
    await assert.rejects(queryEvents(chain.store, 3, query), (error: unknown) => error instanceof EventsError && error.code === code)
  }
  await refused({ fromHeight: 3, toHeight: 2 }, 'EVENTS_ERROR_BAD_RANGE')
  await refused({ fromHeight: 0, limit: 0 }, 'EVENTS_ERROR_BAD_RANGE')
  await refused({ fromHeight: 0, limit: 1_001 }, 'EVENTS_ERROR_BAD_RANGE')
  await refused({ fromHeight: 0, names: Array.from({ length: MAX_FILTER_NAMES + 1 }, (_, i) => `E${i}`) }, 'EVENTS_ERROR_TOO_MANY_NAMES')
  await refused({ fromHeight: 0, cursor: '<script>' }, 'EVENTS_ERROR_BAD_CURSOR')
  await refused({ fromHeight: 2, cursor: '1.0.0' }, 'EVENTS_ERROR_BAD_CURSOR')
})

test('a reorganisation takes the abandoned branch’s events out of the index and reports them removed', async (t) => {
  const a = await openTestChain(t)
  const b = await openTestChain(t)
  await counterChain(a, 4, () => 1)
  for (let height = 1; height <= 4; height++) await b.importBlock(a.store.block(a.store.canonicalHash(height)!)!)
  // A increments by 1 at heights 5-6; B by 100 at heights 5-7 (heavier).
  await extendChain(a, 2, (height) => [signed(a, ALICE, height - 1, { kind: 'contract-call', contract: COUNTER_ADDRESS, method: 'increment', args: '[1]' })])
  const branchB = await extendChain(b, 3, (height) => [signed(b, ALICE, height - 1, { kind: 'contract-call', contract: COUNTER_ADDRESS, method: 'increment', args: '[100]' })])
  const changes: HeadChange[] = []
  a.on('head', (change) => changes.push(change))
  for (const block of branchB) await a.importBlock(block)
  // B's block 6 ties A's in work: the total order (the lower hash) may make it the head at
  // once, so the reorganisation arrives as one change or as two (then block 7 extends it).
  assert.ok(changes.length === 1 || changes.length === 2, `${changes.length} head changes`)
  const reported = changes.map((change) => eventsOfChange(a.store, change, (block) => blockHash(block.header)))
  const removed = reported.flatMap((events) => events.removed)
  const added = reported.flatMap((events) => events.added)
  assert.deepEqual(summary(removed), ['6:Incremented:{"by":1,"count":4}', '5:Incremented:{"by":1,"count":3}'])
  assert.deepEqual(summary(added), ['5:Incremented:{"by":100,"count":102}', '6:Incremented:{"by":100,"count":202}', '7:Incremented:{"by":100,"count":302}'])
  const indexed = await queryEvents(a.store, a.head.header.height, { contract: COUNTER_ADDRESS, names: ['Incremented'], fromHeight: 5 })
  assert.deepEqual(summary(indexed.events), summary(added))
  assert.deepEqual(summary((await queryEvents(a.store, a.head.header.height, { contract: COUNTER_ADDRESS, fromHeight: 5 })).events), summary(added))
  const report = await verifyChainStore(a.store, a.consensus)
  assert.deepEqual(report.problems, [])
  assert.equal(report.events, 5, 'heights 3-4 and the three of the new branch')
})

test('a database made before the index gets it built when opened', async (t) => {
  const chain = await openTestChain(t)
  await counterChain(chain, 6, () => 2)
  const registry = await REGISTRY
  await extendChain(chain, 1, () => [signed(chain, ALICE, 6, { kind: 'contract-deploy', code: registry, args: '[]' })])
  const head = chain.head.header.height
  const before = await queryEvents(chain.store, head, { fromHeight: 0 })
  assert.equal(before.events.length, 4)
  // Take the index out, as a database of the previous version has none.
  const batch = new StoreBatch()
  for (let height = 0; height <= head; height++) batch.clearEvents(height, chain.store.receipts(chain.store.canonicalHash(height)!)!)
  await chain.store.write(batch)
  assert.deepEqual((await queryEvents(chain.store, head, { contract: COUNTER_ADDRESS, fromHeight: 0 })).events, [])
  const broken = await verifyChainStore(chain.store, chain.consensus)
  assert.equal(broken.problems.length, 4 + 1, 'each missing event, and the count')
  assert.match(broken.problems[0]!, /^height 6: event 0\.0 \(Incremented\) missing from the events index$/)
  await indexCanonicalEvents(chain.store)
  assert.deepEqual((await verifyChainStore(chain.store, chain.consensus)).problems, [])
  assert.equal(chain.store.eventsIndexed(), true)
  assert.deepEqual(summary((await queryEvents(chain.store, head, { contract: COUNTER_ADDRESS, fromHeight: 0 })).events), summary(before.events))
})
