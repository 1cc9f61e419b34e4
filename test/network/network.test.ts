/**
 * The network service's life cycle and its checks of what the node gives it: idempotent
 * start and stop, typed errors for bad addresses and for use while stopped, and the peer list.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createNetwork } from '../../src/network/network.js'
import { connected, freshNetworkId, headOnlyChain, MAX_BLOCK_BYTES, recorder, sampleBlock, startNetwork, waitFor } from './helpers.js'

async function unstarted(init: { bootstrap?: string[]; listen?: string[] } = {}) {
  const rec = recorder()
  return createNetwork(
    { peerKey: await generateKeyPair('Ed25519'), networkId: freshNetworkId(), chain: headOnlyChain(), pending: () => [], ...rec },
    { maxBlockBytes: MAX_BLOCK_BYTES, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, ...init },
  )
}

test('start and stop are idempotent, and the network can start again', async (t) => {
  const network = await unstarted()
  t.after(() => network.stop())
  await Promise.all([network.start(), network.start()])
  assert.equal(network.started, true)
  assert.equal(network.multiaddrs().length, 1)
  assert.match(network.multiaddrs()[0]!, new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${network.peerId}$`))
  await network.stop()
  await network.stop()
  assert.equal(network.started, false)
  await assert.rejects(network.publishBlock(sampleBlock(1)), { code: 'NETWORK_ERROR_NOT_STARTED', data: { detail: 'publishBlock: the network is not running' } })
  await assert.rejects(network.requestStatus('x'), { code: 'NETWORK_ERROR_NOT_STARTED', data: { detail: 'requestStatus: the network is not running' } })
  await network.start()
  const peer = await startNetwork(t, { networkId: network.localStatus().genesisHash, join: [network] })
  await waitFor('a peer to join the restarted network', () => network.peerStatus(peer.peerId) !== undefined)
  assert.equal(network.started, true)
})

test('bad addresses are refused with typed errors before anything starts', async () => {
  await assert.rejects(unstarted({ listen: ['not a multiaddr'] }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'NETWORK_ERROR_BAD_ADDRESS')
    assert.match(error.message, /^listen address "not a multiaddr" is not a multiaddr: /)
    return true
  })
  await assert.rejects(unstarted({ bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }), {
    code: 'NETWORK_ERROR_BAD_ADDRESS',
    data: { detail: 'bootstrap address /ip4/127.0.0.1/tcp/4001 has no /p2p/<peer id> at its end' },
  })
})

test('peers() lists each connected peer once, with its address, direction and status', async (t) => {
  const networkId = freshNetworkId()
  const a = await startNetwork(t, { networkId })
  const b = await startNetwork(t, { networkId, join: [a] })
  await waitFor('the status exchange', () => a.peerStatus(b.peerId) !== undefined && b.peerStatus(a.peerId) !== undefined)
  const [seenByA] = a.peers()
  assert.deepEqual(
    { ...seenByA, gossipScore: typeof seenByA?.gossipScore },
    { id: b.peerId, addresses: [seenByA!.addresses[0]], direction: 'inbound', status: b.localStatus(), gossipScore: 'number', penaltyPoints: 0 },
  )
  assert.match(seenByA!.addresses[0]!, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
  assert.deepEqual(b.peers().map((peer) => [peer.id, peer.direction]), [[a.peerId, 'outbound']])
  assert.equal(connected(a, b), true)
})
