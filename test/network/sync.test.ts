/**
 * The sync protocol between real libp2p hosts on 127.0.0.1, served from real chains in
 * LevelDB: status exchange, headers, bodies, bounds, hostile answers and requests, timeouts,
 * peers of another network, and the short-gap ancestor fetch.
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { decode, encode } from '../../src/encoding/cbor.js'
import { blockHash, encodeHeader, type Block } from '../../src/ledger/block.js'
import type { Chain } from '../../src/chain/chain.js'
import { PENALTY_POINTS, STATUS_REFRESH_INTERVAL_MS, SYNC_MAX_HEADERS, SYNC_MAX_REQUEST_BYTES } from '../../src/network/constants.js'
import { SyncError } from '../../src/network/errors.js'
import type { Network } from '../../src/network/network.js'
import { encodeHeadersAnswer } from '../../src/network/sync-codec.js'
import type { ChainReader } from '../../src/network/sync-server.js'
import { extendChain, openTestChain, signed, testKey } from '../helpers/chain.js'
import { chainReaderOf, connected, freshNetworkId, sampleTx, startNetwork, waitFor, type TestNetworkOptions } from './helpers.js'

/** A chain of `length` blocks, every other one with a participant registration. */
async function chainOf(t: TestContext, length: number): Promise<{ chain: Chain; blocks: Block[] }> {
  const chain = await openTestChain(t)
  const blocks = await extendChain(chain, length, (height) => (height % 2 === 0 ? [signed(chain, testKey(`p${height}`), 0, { kind: 'participant', name: null })] : []))
  return { chain, blocks }
}

async function pair(t: TestContext, server: ChainReader, networkId: Uint8Array, clientOptions: Partial<TestNetworkOptions> = {}): Promise<{ a: Network; b: Network }> {
  const a = await startNetwork(t, { networkId, chain: server })
  const b = await startNetwork(t, { networkId, join: [a], ...clientOptions })
  await waitFor('the status exchange', () => a.peerStatus(b.peerId) !== undefined && b.peerStatus(a.peerId) !== undefined)
  return { a, b }
}

/** Replaces `network`'s sync handler by `handler` (a hostile or broken server). */
async function serveWith(network: Network, handler: (stream: Stream) => Promise<void>): Promise<void> {
  await network.libp2p.unhandle(network.names.syncProtocol)
  await network.libp2p.handle(network.names.syncProtocol, async (stream) => handler(stream))
}

/** Sends `frame` as one length-prefixed frame on a sync stream; returns the decoded answer. */
async function rawRequest(from: Network, to: Network, frame: Uint8Array): Promise<unknown> {
  const stream = await from.libp2p.dialProtocol(peerIdFromString(to.peerId), to.names.syncProtocol)
  const lp = lpStream(stream)
  await lp.write(frame)
  await stream.close()
  return decode((await lp.read()).subarray(), 'answer', 1024)
}

async function syncError(promise: Promise<unknown>): Promise<{ code: string; data: object }> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof SyncError, `expected a SyncError, got ${String(error)}`)
    return { code: error.code, data: error.data }
  }
  assert.fail('expected a SyncError')
}

test('statuses are exchanged on connect, both ways, and kept per peer', async (t) => {
  const { chain } = await chainOf(t, 6)
  const { a, b } = await pair(t, chainReaderOf(chain), chain.networkId)
  assert.deepEqual(b.peerStatus(a.peerId), { genesisHash: chain.networkId, headHash: chain.head.hash, headHeight: 6, totalWork: 7n })
  assert.deepEqual(a.peerStatus(b.peerId), b.localStatus())
  assert.deepEqual([...b.statuses().keys()], [a.peerId])
  assert.deepEqual(b.peers().map((peer) => ({ id: peer.id, direction: peer.direction, status: peer.status })), [
    { id: a.peerId, direction: 'outbound', status: b.peerStatus(a.peerId) },
  ])
  assert.deepEqual(await b.requestStatus(a.peerId), b.peerStatus(a.peerId))
})

test('headers go backwards along parent links or forwards along the canonical chain, by hash or height, within the caps', async (t) => {
  const { chain, blocks } = await chainOf(t, 20)
  // A lighter side branch from height 10 stored beside the canonical chain.
  const fork = await openTestChain(t)
  for (const block of blocks.slice(0, 10)) await fork.importBlock(block)
  const side = await extendChain(fork, 3, (height) => [signed(fork, testKey(`side ${height}`), 0, { kind: 'participant', name: 'side' })])
  for (const block of side) assert.equal((await chain.importBlock(block)).status, 'side')
  const { b, a } = await pair(t, chainReaderOf(chain), chain.networkId)
  const heights = (headers: { header: { height: number } }[]): number[] => headers.map((item) => item.header.height)
  const hashAt = (height: number): Uint8Array => chain.store.canonicalHash(height)!

  const back = await b.requestHeaders(a.peerId, { start: { hash: chain.head.hash }, count: 5, backwards: true })
  assert.deepEqual(heights(back), [20, 19, 18, 17, 16])
  assert.deepEqual(back.map((item) => item.hash), [20, 19, 18, 17, 16].map(hashAt))
  assert.deepEqual(back.map((item) => encodeHeader(item.header)), [20, 19, 18, 17, 16].map((h) => encodeHeader(chain.store.header(hashAt(h))!)))
  assert.deepEqual(heights(await b.requestHeaders(a.peerId, { start: { height: 0 }, count: SYNC_MAX_HEADERS, backwards: false })), [...Array(21).keys()])
  assert.deepEqual(heights(await b.requestHeaders(a.peerId, { start: { height: 3 }, count: 10, backwards: true })), [3, 2, 1, 0])
  assert.deepEqual(heights(await b.requestHeaders(a.peerId, { start: { height: 18 }, count: 10, backwards: false })), [18, 19, 20])

  const sideTip = blockHash(side[2]!.header)
  const sideBack = await b.requestHeaders(a.peerId, { start: { hash: sideTip }, count: 5, backwards: true })
  assert.deepEqual(sideBack.map((item) => item.hash), [...side.map((block) => blockHash(block.header)).reverse(), hashAt(10), hashAt(9)])
  // Forwards from a block off the canonical chain: only that block (no child index to follow).
  assert.deepEqual(heights(await b.requestHeaders(a.peerId, { start: { hash: blockHash(side[0]!.header) }, count: 5, backwards: false })), [11])

  // Unknown data: an empty answer, not an error and not a hang.
  assert.deepEqual(await b.requestHeaders(a.peerId, { start: { hash: new Uint8Array(32).fill(7) }, count: 5, backwards: true }), [])
  assert.deepEqual(await b.requestHeaders(a.peerId, { start: { height: 21 }, count: 5, backwards: false }), [])
  await assert.rejects(b.requestHeaders(a.peerId, { start: { height: 0 }, count: SYNC_MAX_HEADERS + 1, backwards: false }), RangeError)
})

test('bodies answer a prefix of the hashes asked, up to the first unknown; unknown alone is empty', async (t) => {
  const { chain, blocks } = await chainOf(t, 6)
  const { b, a } = await pair(t, chainReaderOf(chain), chain.networkId)
  const [h2, h3, h4] = [blocks[1]!, blocks[2]!, blocks[3]!].map((block) => blockHash(block.header))
  const unknown = new Uint8Array(32).fill(9)
  const bodies = await b.requestBodies(a.peerId, [h2!, h3!, unknown, h4!])
  assert.deepEqual(bodies, [blocks[1]!.transactions, blocks[2]!.transactions])
  assert.equal(bodies[0]!.length, 1, 'block 2 carries a registration')
  assert.deepEqual(await b.requestBodies(a.peerId, [unknown]), [])
})

test('pooled answers up to the count asked of the pending transactions, oldest first', async (t) => {
  const networkId = freshNetworkId()
  const pending = [0, 1, 2, 3].map((nonce) => sampleTx(networkId, nonce))
  const a = await startNetwork(t, { networkId, pending })
  const b = await startNetwork(t, { networkId, join: [a] })
  await waitFor('the status exchange', () => b.peerStatus(a.peerId) !== undefined)
  assert.deepEqual(await b.requestPooled(a.peerId, 3), pending.slice(0, 3))
  assert.deepEqual(await b.requestPooled(a.peerId, 1024), pending)
  assert.deepEqual(await a.requestPooled(b.peerId, 10), [], 'an empty pool answers nothing')
  await assert.rejects(b.requestPooled(a.peerId, 0), RangeError)
  await assert.rejects(b.requestPooled(a.peerId, 1025), RangeError)
})

test('malformed requests get an invalid-request answer and cost the asker', async (t) => {
  const { chain } = await chainOf(t, 2)
  const invalid = (reason: string): unknown => [1, reason]
  const cases: [Uint8Array, string][] = [
    [Uint8Array.from([0xff, 0xfe]), 'sync request: indefinite length items not allowed'],
    [encode([1, 0, 0, true]), 'count: expected at least 1 header'],
    [encode([1, 0, SYNC_MAX_HEADERS + 1, true]), `count: expected an integer from 0 to ${SYNC_MAX_HEADERS}, got number ${SYNC_MAX_HEADERS + 1}`],
    [encode([7]), 'request kind: unknown kind 7'],
  ]
  const { a, b } = await pair(t, chainReaderOf(chain), chain.networkId)
  for (const [index, [request, reason]] of cases.entries()) {
    // Two malformed requests ban the asker: a fresh one for every other case.
    const asker = index % 2 === 0 ? b : await startNetwork(t, { networkId: chain.networkId, join: [a] })
    await waitFor('the connection', () => connected(a, asker))
    assert.deepEqual(await rawRequest(asker, a, request), invalid(reason))
  }
  assert.equal(a.isBanned(b.peerId), true, 'two malformed requests are a ban')
})

test('an oversized request frame is refused from its length prefix', async (t) => {
  const { chain } = await chainOf(t, 1)
  const { a, b } = await pair(t, chainReaderOf(chain), chain.networkId)
  const answer = await rawRequest(b, a, new Uint8Array(SYNC_MAX_REQUEST_BYTES + 1))
  assert.deepEqual(answer, [1, `Message length too long - ${SYNC_MAX_REQUEST_BYTES + 1} > ${SYNC_MAX_REQUEST_BYTES}`])
  assert.equal(a.penalties.points(b.peerId) > 0, true)
})

test('malformed, oversized and lying answers are typed errors and cost the server', async (t) => {
  const { chain } = await chainOf(t, 4)
  const query = { start: { height: 1 }, count: 2, backwards: false }
  /** A fresh pair whose server answers with `answer` (raw bytes on the stream). */
  const lyingServer = async (answer: (lp: ReturnType<typeof lpStream>, stream: Stream) => Promise<void>): Promise<{ a: Network; b: Network }> => {
    const { a, b } = await pair(t, chainReaderOf(chain), chain.networkId)
    await serveWith(a, async (stream) => {
      const lp = lpStream(stream)
      await lp.read()
      await answer(lp, stream)
    })
    return { a, b }
  }

  const malformed = await lyingServer(async (lp, stream) => {
    await lp.write(Uint8Array.from([0x82, 0x00]))
    await stream.close()
  })
  assert.deepEqual(await syncError(malformed.b.requestHeaders(malformed.a.peerId, query)), {
    code: 'SYNC_ERROR_MALFORMED',
    data: { peer: malformed.a.peerId, detail: 'sync answer: found array but not enough entries (got 1, expected 2)' },
  })
  assert.ok(malformed.b.penalties.points(malformed.a.peerId) > 0.99 * PENALTY_POINTS['malformed-response'])

  const huge = await lyingServer(async (_lp, stream) => {
    stream.send(Uint8Array.from([0xff, 0xff, 0xff, 0x7f])) // a varint length of 256 MiB
    await stream.close()
  })
  // Refused at the varint itself: 2 bytes can say any length up to the limit (5,126 here).
  assert.deepEqual(await syncError(huge.b.requestHeaders(huge.a.peerId, query)), {
    code: 'SYNC_ERROR_TOO_LARGE',
    data: { peer: huge.a.peerId, detail: 'Message length length too long - 4 > 2' },
  })

  // Well-formed headers that are not the ones asked for, or do not link.
  const encoded = (height: number): Uint8Array => encodeHeader(chain.store.header(chain.store.canonicalHash(height)!)!)
  const wrongStart = await lyingServer(async (lp, stream) => {
    await lp.write(encodeHeadersAnswer([encoded(3), encoded(4)]))
    await stream.close()
  })
  assert.deepEqual(await syncError(wrongStart.b.requestHeaders(wrongStart.a.peerId, query)), {
    code: 'SYNC_ERROR_BAD_RESPONSE',
    data: { peer: wrongStart.a.peerId, detail: 'the first header is not the one asked for' },
  })
  const unlinked = await lyingServer(async (lp, stream) => {
    await lp.write(encodeHeadersAnswer([encoded(1), encoded(3)]))
    await stream.close()
  })
  assert.deepEqual(await syncError(unlinked.b.requestHeaders(unlinked.a.peerId, query)), {
    code: 'SYNC_ERROR_BAD_RESPONSE',
    data: { peer: unlinked.a.peerId, detail: 'header 1 does not link to header 0' },
  })
  assert.ok(unlinked.b.penalties.points(unlinked.a.peerId) > 0.99 * PENALTY_POINTS['bad-response'])
  const tooMany = await lyingServer(async (lp, stream) => {
    await lp.write(encodeHeadersAnswer([encoded(1), encoded(2), encoded(3)]))
    await stream.close()
  })
  assert.deepEqual(await syncError(tooMany.b.requestHeaders(tooMany.a.peerId, query)), {
    code: 'SYNC_ERROR_MALFORMED',
    data: { peer: tooMany.a.peerId, detail: 'headers: expected an array of at most 2, got an array of 3' },
  })
})

test('a peer over its request rate is refused, and so is anyone while the server is at its cap', async (t) => {
  const { chain } = await chainOf(t, 1)
  const server = await startNetwork(t, { networkId: chain.networkId, chain: chainReaderOf(chain), syncRateBurst: 3, syncRatePerSecond: 0.01, syncMaxConcurrentServed: 1 })
  const client = await startNetwork(t, { networkId: chain.networkId, join: [server], minPeers: 0 })
  await waitFor('the status exchange', () => client.peerStatus(server.peerId) !== undefined)
  const peer = server.peerId
  const query = { start: { height: 0 }, count: 1, backwards: false }
  // The status exchange on connect took one token; two more remain.
  assert.equal((await client.requestHeaders(peer, query)).length, 1)
  assert.equal((await client.requestHeaders(peer, query)).length, 1)
  assert.deepEqual(await syncError(client.requestHeaders(peer, query)), {
    code: 'SYNC_ERROR_REFUSED',
    data: { peer, detail: 'too many requests', reason: 'rate-limited' },
  })
  assert.ok(server.penalties.points(client.peerId) > 0.99 * PENALTY_POINTS['rate-limited'])

  // A stream that never sends its request holds the one place until its read deadline.
  const other = await startNetwork(t, { networkId: chain.networkId, join: [server], minPeers: 0 })
  await waitFor('the other status exchange', () => other.peerStatus(peer) !== undefined)
  const holder = await other.libp2p.dialProtocol(peerIdFromString(peer), server.names.syncProtocol, { negotiateFully: true })
  await waitFor('the held stream to reach the server', () =>
    server.libp2p.getConnections(peerIdFromString(other.peerId)).some((connection) => connection.streams.some((stream) => stream.protocol === server.names.syncProtocol)),
  )
  // Busy is checked before the rate: even the rate-limited client hears it.
  assert.deepEqual(await syncError(client.requestHeaders(peer, query)), {
    code: 'SYNC_ERROR_REFUSED',
    data: { peer, detail: 'serving 1 requests', reason: 'busy' },
  })
  holder.abort(new Error('done'))
})

test('a stalling server times out, first for the first byte, then for the whole answer', async (t) => {
  const { chain } = await chainOf(t, 1)
  const { a, b } = await pair(t, chainReaderOf(chain), chain.networkId, { syncFirstByteTimeoutMs: 300, syncResponseTimeoutMs: 900 })
  const peer = a.peerId
  const stalled: Stream[] = []
  await serveWith(a, async (stream) => {
    stalled.push(stream)
    await lpStream(stream).read()
  })
  assert.deepEqual(await syncError(b.requestStatus(peer)), {
    code: 'SYNC_ERROR_TIMEOUT',
    data: { peer, detail: 'no answer in time', stage: 'first-byte' },
  })
  await serveWith(a, async (stream) => {
    stalled.push(stream)
    await lpStream(stream).read()
    stream.send(Uint8Array.from([0x40])) // announces 64 bytes, sends none
  })
  assert.deepEqual(await syncError(b.requestStatus(peer)), {
    code: 'SYNC_ERROR_TIMEOUT',
    data: { peer, detail: 'no complete response in time', stage: 'response' },
  })
  const points = b.penalties.points(peer)
  assert.ok(points > 1.9 * PENALTY_POINTS.timeout && points <= 2 * PENALTY_POINTS.timeout, `points ${points}`)
  assert.equal(stalled.length, 2)
})

test('a peer of another network is disconnected and kept away', async (t) => {
  const { chain } = await chainOf(t, 1)
  const ours = await startNetwork(t, { networkId: chain.networkId, chain: chainReaderOf(chain) })
  const stranger = await startNetwork(t, { networkId: freshNetworkId(), join: [ours] })
  // Each side's status exchange is refused the other's protocol, and bans it; but the first
  // ban closes the connection, which may cut the other side's exchange short (a stream error,
  // not held against anyone), so only one ban is certain. A status exchange that times out on a
  // busy machine is tried again at the next refresh (STATUS_REFRESH_INTERVAL_MS).
  await waitFor('a side to ban the other', () => ours.isBanned(stranger.peerId) || stranger.isBanned(ours.peerId), 4 * STATUS_REFRESH_INTERVAL_MS)
  await waitFor('the disconnection', () => !connected(ours, stranger) && !connected(stranger, ours))
  // Kept away: the banning side's gater refuses a new connection, whoever dials.
  for (const [from, to] of [[stranger, ours], [ours, stranger]] as const) await from.libp2p.dial(to.libp2p.getMultiaddrs()[0]!).catch(() => undefined)
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.ok(!connected(ours, stranger) && !connected(stranger, ours), 'no connection survives')
  assert.equal(ours.peerStatus(stranger.peerId), undefined)
  assert.equal(stranger.peerStatus(ours.peerId), undefined)
})

test('fetchAncestors fills a short gap from the peer, oldest first, ready to import', async (t) => {
  const { chain: source, blocks } = await chainOf(t, 8)
  const target = await openTestChain(t)
  for (const block of blocks.slice(0, 3)) await target.importBlock(block)
  const { a, b } = await pair(t, chainReaderOf(source), source.networkId, { chain: chainReaderOf(target) })
  const tip = blocks[7]!
  // The node saw block 8 gossiped; its parent (7) is unknown: fetch 4..7.
  const missing = await b.fetchAncestors(a.peerId, tip.header.parentHash, 16)
  assert.deepEqual(missing, blocks.slice(3, 7))
  for (const block of [...missing, tip]) assert.equal((await target.importBlock(block)).status, 'head')
  assert.deepEqual(target.head.hash, source.head.hash)

  assert.deepEqual(await b.fetchAncestors(a.peerId, tip.header.parentHash, 16), [], 'nothing is missing now')
  assert.deepEqual(await syncError(b.fetchAncestors(a.peerId, new Uint8Array(32).fill(5), 4)), {
    code: 'SYNC_ERROR_NOT_AVAILABLE',
    data: { peer: a.peerId, detail: `the peer has no block ${'05'.repeat(32)}` },
  })
})

test('fetchAncestors refuses a gap longer than asked, and bodies that do not match their headers', async (t) => {
  const { chain: source, blocks } = await chainOf(t, 8)
  const target = await openTestChain(t)
  const reader = chainReaderOf(source)
  // A server whose bodies are those of other blocks: its headers are honest, its bodies lie.
  const liar: ChainReader = { ...reader, block: (hash) => {
    const block = reader.block(hash)
    return block === undefined ? undefined : { header: block.header, transactions: blocks[1]!.transactions }
  } }
  const { a, b } = await pair(t, liar, source.networkId, { chain: chainReaderOf(target) })
  const tip = blockHash(blocks[7]!.header)
  assert.deepEqual(await syncError(b.fetchAncestors(a.peerId, tip, 5)), {
    code: 'SYNC_ERROR_NO_KNOWN_ANCESTOR',
    data: { peer: a.peerId, detail: `no block we know within 5 ancestors of ${Buffer.from(tip).toString('hex')}` },
  })
  assert.deepEqual(await syncError(b.fetchAncestors(a.peerId, tip, 16)), {
    code: 'SYNC_ERROR_BAD_RESPONSE',
    data: { peer: a.peerId, detail: `the body sent for block ${Buffer.from(blockHash(blocks[0]!.header)).toString('hex')} does not match its transactions root` },
  })
  assert.ok(b.penalties.points(a.peerId) > 0.99 * PENALTY_POINTS['bad-response'])
})
