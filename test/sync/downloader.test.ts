/**
 * The downloader between real libp2p hosts on 127.0.0.1 and real chains in LevelDB, in one
 * process: a sync from two peers, a reorganisation onto a heavier fork, a peer that stalls, a
 * peer whose chain is wrong, and a run stopped half way that resumes from what it stored.
 * (The same, with node processes, is in test/node/sync.test.ts.)
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Chain } from '../../src/chain/chain.js'
import { verifyChainStore } from '../../src/chain/verify.js'
import { bytesEqual, toHex } from '../../src/encoding/bytes.js'
import { blockHash, type Block } from '../../src/ledger/block.js'
import { PENALTY_POINTS } from '../../src/network/constants.js'
import type { Network } from '../../src/network/network.js'
import { decodeRequest, encodeStatusAnswer, type ChainStatus } from '../../src/network/sync-codec.js'
import { Downloader, syncNetworkOf, type DownloaderInit, type RunReport, type SyncNetwork } from '../../src/sync/index.js'
import { openTestChain, tempDir, testGenesis } from '../helpers/chain.js'
import { chainReaderOf, startNetwork, waitFor } from '../network/helpers.js'
import { copyChain, fixtureChain, lyingReader } from './fixtures.js'

const GENESIS = testGenesis()
const LENGTH = 400
/** Small batches, so a short chain makes many of them. */
const SMALL: DownloaderInit = { headerBatchSize: 64, bodyBatchSize: 16, checkIntervalMs: 100, shortGapBlocks: 0, shortGapGraceMs: 0 }

/** A copy of the fixture chain of `length` blocks (`salt` tells chains apart), opened. */
async function fixtureCopy(t: TestContext, length = LENGTH, salt = 'main'): Promise<{ chain: Chain; blocks: Block[] }> {
  const fixture = await fixtureChain(GENESIS, { length, salt })
  const path = join(await tempDir(t), 'db')
  await copyChain(fixture.path, path)
  return { chain: await openTestChain(t, GENESIS, path), blocks: fixture.blocks }
}

/** A SyncNetwork over `network` that records the heights of the headers and bodies it asks for. */
function counting(network: Network, heightOf: (hash: Uint8Array) => number): SyncNetwork & { readonly headerTops: number[]; readonly bodyHeights: number[] } {
  const inner = syncNetworkOf(network)
  const headerTops: number[] = []
  const bodyHeights: number[] = []
  return {
    ...inner,
    headerTops,
    bodyHeights,
    requestHeaders: (peer, query, signal) => {
      headerTops.push('height' in query.start ? query.start.height : heightOf(query.start.hash))
      return inner.requestHeaders(peer, query, signal)
    },
    requestBodies: (peer, hashes, signal) => {
      bodyHeights.push(...hashes.map(heightOf))
      return inner.requestBodies(peer, hashes, signal)
    },
  }
}

/** The height of each block of `blocks`, by hash. */
function heights(blocks: readonly Block[]): (hash: Uint8Array) => number {
  const byHash = new Map(blocks.map((block) => [toHex(blockHash(block.header)), block.header.height]))
  return (hash) => byHash.get(toHex(hash)) ?? -1
}

/** The status `chain` announces. */
function statusOf(chain: Chain): ChainStatus {
  return { genesisHash: chain.networkId, headHash: chain.head.hash, headHeight: chain.head.header.height, totalWork: chain.head.totalWork }
}

/**
 * Makes `network` a peer that answers `status` with `status` and never answers anything else:
 * a peer that stalls.
 */
async function stallWith(network: Network, status: ChainStatus): Promise<void> {
  await network.libp2p.unhandle(network.names.syncProtocol)
  await network.libp2p.handle(
    network.names.syncProtocol,
    async (stream: Stream) => {
      const lp = lpStream(stream)
      const request = decodeRequest((await lp.read()).subarray())
      if (request.kind !== 'status') return
      await lp.write(encodeStatusAnswer(status))
      await stream.close()
    },
    { maxInboundStreams: 64 },
  )
}

/** Starts a downloader for `chain` over `network`; stopped when the test ends (if not before). */
function startDownloader(t: TestContext, chain: Chain, network: SyncNetwork, init: DownloaderInit = SMALL): Downloader {
  const downloader = new Downloader({ chain, network }, init)
  t.after(() => downloader.stop())
  downloader.start()
  return downloader
}

/** The report of the downloader's next run; the downloader is stopped then (before its chain closes). */
async function nextReport(downloader: Downloader): Promise<RunReport> {
  try {
    return await new Promise((resolve, reject) => {
      downloader.once('sync:done', resolve)
      downloader.once('sync:failed', (_target, error) => reject(error))
    })
  } finally {
    await downloader.stop()
  }
}

async function assertSameChain(synced: Chain, source: Chain): Promise<void> {
  assert.equal(synced.head.header.height, source.head.header.height)
  assert.ok(bytesEqual(synced.head.hash, source.head.hash), 'same head')
  assert.ok(bytesEqual(synced.head.header.stateRoot, source.head.header.stateRoot), 'same state root')
  assert.deepEqual((await verifyChainStore(synced.store, synced.consensus)).problems, [])
  assert.equal(synced.store.syncTarget(), undefined, 'the download records are gone')
  assert.equal(synced.store.syncHeader(source.head.header.height), undefined)
}

test('a new node syncs a chain of mixed transactions from two peers, both serving batches', async (t) => {
  const a = await fixtureCopy(t)
  const b = await fixtureCopy(t)
  const fresh = await openTestChain(t, GENESIS)
  const netA = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(a.chain) })
  const netB = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(b.chain) })
  const net = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(fresh), join: [netA, netB] })
  await waitFor('both statuses', () => net.statuses().size === 2)
  const downloader = startDownloader(t, fresh, syncNetworkOf(net))
  const report = await nextReport(downloader)
  await assertSameChain(fresh, a.chain)
  assert.equal(report.imported, LENGTH)
  assert.deepEqual(report.ancestor, { hash: fresh.store.canonicalHash(0), height: 0 })
  assert.deepEqual(Object.keys(report.servedBy).sort(), [netA.peerId, netB.peerId].sort(), 'both peers served batches')
  assert.deepEqual(report.headers, { downloaded: LENGTH, restored: 0 })
  assert.deepEqual(report.bodies, { downloaded: LENGTH, restored: 0 })
  assert.equal(downloader.progress(), false)
})

test('a heavier fork, shorter than our chain and parted from it at genesis, replaces it', async (t) => {
  // Ours: 150 blocks at the target block time. Theirs: 100 blocks made twice as fast, so their
  // difficulty climbs and 100 of them outweigh our 150.
  const ours = await fixtureCopy(t, 150, 'ours')
  const fixture = await fixtureChain(GENESIS, { length: 100, salt: 'theirs', intervalMs: 500 })
  const theirs = await openTestChain(t, GENESIS, join(await tempDir(t), 'db'))
  for (const block of fixture.blocks) await theirs.importBlock(block)
  assert.ok(theirs.head.totalWork > ours.chain.head.totalWork && theirs.head.header.height < ours.chain.head.header.height)
  const netTheirs = await startNetwork(t, { networkId: theirs.networkId, chain: chainReaderOf(theirs) })
  const net = await startNetwork(t, { networkId: theirs.networkId, chain: chainReaderOf(ours.chain), join: [netTheirs] })
  await waitFor('a status', () => net.statuses().size === 1)
  const heads: number[] = []
  ours.chain.on('head', (change) => heads.push(change.reverted.length))
  const report = await nextReport(startDownloader(t, ours.chain, syncNetworkOf(net)))
  await assertSameChain(ours.chain, theirs)
  assert.equal(report.ancestor?.height, 0)
  assert.equal(report.imported, 100)
  assert.ok(heads.includes(150), 'one reorganisation took all 150 of our blocks back')
  assert.equal(ours.chain.store.meta(blockHash(ours.blocks[149]!.header))?.status, 'valid', 'our old blocks stay stored')
})

test('two nodes whose heads tie in work fetch each other’s and settle on the one fork choice prefers', async (t) => {
  // Equal work, different blocks: each node alone would keep its own head for ever.
  const x = await fixtureCopy(t, 20, 'x')
  const y = await fixtureCopy(t, 20, 'y')
  assert.equal(x.chain.head.totalWork, y.chain.head.totalWork)
  const [xHead, yHead] = [x.chain.head.hash, y.chain.head.hash]
  const netX = await startNetwork(t, { networkId: x.chain.networkId, chain: chainReaderOf(x.chain) })
  const netY = await startNetwork(t, { networkId: y.chain.networkId, chain: chainReaderOf(y.chain), join: [netX] })
  await waitFor('both statuses', () => netX.statuses().size === 1 && netY.statuses().size === 1)
  const downloaders = [startDownloader(t, x.chain, syncNetworkOf(netX)), startDownloader(t, y.chain, syncNetworkOf(netY))]
  const starts = [0, 0]
  downloaders.forEach((downloader, i) => downloader.on('sync:start', () => starts[i]!++))
  const reports = await Promise.all(downloaders.map((downloader) => new Promise<RunReport>((resolve) => downloader.once('sync:done', resolve))))
  assert.deepEqual(reports.map((report) => report.imported), [20, 20])
  for (const chain of [x.chain, y.chain]) assert.ok(chain.store.meta(xHead) !== undefined && chain.store.meta(yHead) !== undefined, 'both tips are stored on both nodes')
  assert.ok(bytesEqual(x.chain.head.hash, y.chain.head.hash), 'one head on both')
  const preferred = x.chain.consensus.compareHeads({ hash: xHead, header: x.blocks[19]!.header, totalWork: x.chain.head.totalWork }, { hash: yHead, header: y.blocks[19]!.header, totalWork: y.chain.head.totalWork }, x.chain.store) > 0 ? xHead : yHead
  assert.ok(bytesEqual(x.chain.head.hash, preferred), 'the head fork choice prefers')
  // A tip it has is no target: no run starts again.
  const startsAtEnd = [...starts]
  await new Promise((resolve) => setTimeout(resolve, 10 * SMALL.checkIntervalMs!))
  assert.deepEqual(starts, startsAtEnd)
})

test('a peer that stalls is charged for its timeouts and the sync finishes from the others', async (t) => {
  const a = await fixtureCopy(t)
  const fresh = await openTestChain(t, GENESIS)
  const netA = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(a.chain) })
  // Its own status requests must announce the same chain as its answers do.
  const staller = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(a.chain) })
  await stallWith(staller, statusOf(a.chain))
  const net = await startNetwork(t, {
    networkId: fresh.networkId,
    chain: chainReaderOf(fresh),
    join: [netA, staller],
    syncFirstByteTimeoutMs: 300,
    syncResponseTimeoutMs: 600,
  })
  await waitFor('both statuses', () => net.statuses().size === 2)
  const report = await nextReport(startDownloader(t, fresh, syncNetworkOf(net)))
  await assertSameChain(fresh, a.chain)
  assert.deepEqual(Object.keys(report.servedBy), [netA.peerId])
  assert.ok(net.penalties.points(staller.peerId) > 0, 'the staller was charged for its timeouts')
})

test('a peer that serves wrong headers and one that serves wrong bodies are penalised; the sync finishes from the others', async (t) => {
  const a = await fixtureCopy(t)
  const b = await fixtureCopy(t)
  const fresh = await openTestChain(t, GENESIS)
  const netA = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(a.chain) })
  const netB = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(b.chain) })
  const headerLiar = await startNetwork(t, { networkId: fresh.networkId, chain: lyingReader(b.chain, { headers: true }) })
  const bodyLiar = await startNetwork(t, { networkId: fresh.networkId, chain: lyingReader(b.chain, { bodies: true }) })
  const net = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(fresh), join: [netA, netB, headerLiar, bodyLiar] })
  await waitFor('four statuses', () => net.statuses().size === 4)
  const network = syncNetworkOf(net)
  const charged: string[] = []
  const name = (peer: string): string => (peer === headerLiar.peerId ? 'header liar' : peer === bodyLiar.peerId ? 'body liar' : 'honest')
  const report = await nextReport(startDownloader(t, fresh, { ...network, reportPeer: (peer, reason) => (charged.push(`${name(peer)} ${reason}`), network.reportPeer(peer, reason)) }))
  await assertSameChain(fresh, a.chain)
  // Every header answer of the header liar fails: by hash the client finds the broken link, by
  // height the downloader finds it does not join the batch above.
  // (A ban wipes a peer's points: two offences in flight at once ban it.)
  const charges = (peer: string): number => (net.isBanned(peer) ? Number.POSITIVE_INFINITY : net.penalties.points(peer))
  assert.ok(charges(headerLiar.peerId) > PENALTY_POINTS['bad-response'] / 2)
  assert.ok(charges(bodyLiar.peerId) > PENALTY_POINTS['bad-response'] / 2)
  assert.ok(charged.includes('body liar bad-response'), charged.join(', '))
  assert.ok(charged.every((line) => !line.startsWith('honest')), charged.join(', '))
  assert.equal(net.penalties.points(netA.peerId) + net.penalties.points(netB.peerId), 0)
  assert.ok(report.servedBy[netA.peerId]! > 0 && report.servedBy[netB.peerId]! > 0)
})

test('a run stopped half way resumes from the store without asking for what it stored', async (t) => {
  const a = await fixtureCopy(t)
  const fresh = await openTestChain(t, GENESIS)
  const netA = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(a.chain) })
  const net = await startNetwork(t, { networkId: fresh.networkId, chain: chainReaderOf(fresh), join: [netA] })
  await waitFor('a status', () => net.statuses().size === 1)
  const heightOf = heights(a.blocks)

  const first = counting(net, heightOf)
  const stopped = new Promise<void>((resolve) => {
    // Every import reports: at the default interval the first report after the first block can be the last.
    const downloader = startDownloader(t, fresh, first, { ...SMALL, progressIntervalMs: 0 })
    downloader.on('sync:progress', (progress) => {
      if (progress.current >= LENGTH / 2) void downloader.stop().then(resolve)
    })
  })
  await stopped
  const head = fresh.head.header.height
  assert.ok(head >= LENGTH / 2 && head < LENGTH, `stopped at ${head}`)
  assert.deepEqual(fresh.store.syncTarget(), { hash: a.chain.head.hash, height: LENGTH, totalWork: a.chain.head.totalWork })
  const storedHeaders = Array.from({ length: LENGTH }, (_, i) => i + 1).filter((height) => fresh.store.syncHeader(height) !== undefined)
  const storedBodies = new Set(Array.from({ length: LENGTH }, (_, i) => i + 1).filter((height) => fresh.store.syncBody(height) !== undefined))
  assert.ok(storedBodies.size > 0, 'bodies were stored ahead of the import')
  assert.deepEqual(storedHeaders, Array.from({ length: LENGTH - head }, (_, i) => head + 1 + i), 'the headers above the head are stored, those imported are not')

  const second = counting(net, heightOf)
  const report = await nextReport(startDownloader(t, fresh, second))
  await assertSameChain(fresh, a.chain)
  assert.deepEqual(second.headerTops, [], 'no header asked again')
  assert.deepEqual(second.bodyHeights.filter((height) => storedBodies.has(height)), [], 'no stored body asked again')
  assert.deepEqual(report.headers, { downloaded: 0, restored: LENGTH - head })
  assert.equal(report.bodies.restored, storedBodies.size)
  assert.equal(report.imported, LENGTH - head)
})
