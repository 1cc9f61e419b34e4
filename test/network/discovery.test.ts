/**
 * Finding peers with real hosts: mDNS on this machine's multicast (skipped, with the reason,
 * where there is none), the network's own DHT, and the keeper re-dialing a dropped peer.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { multicastUnavailable } from '../helpers/multicast.js'
import { connected, freshNetworkId, startNetwork, waitFor } from './helpers.js'

test('two hosts with mDNS only find each other and connect', async (t) => {
  const noMulticast = await multicastUnavailable()
  if (noMulticast !== undefined) {
    console.log(`# skipping the mDNS test: ${noMulticast}`)
    t.skip(noMulticast)
    return
  }
  const networkId = freshNetworkId()
  const a = await startNetwork(t, { networkId, mdns: true, mdnsIntervalMs: 500 })
  const b = await startNetwork(t, { networkId, mdns: true, mdnsIntervalMs: 500 })
  // Responders answer every query; a lost datagram is retried at the next interval.
  await waitFor('the mDNS peers to connect', () => connected(a, b) && connected(b, a), 30_000)
  await waitFor('their status exchange', () => a.peerStatus(b.peerId) !== undefined && b.peerStatus(a.peerId) !== undefined)
  // A host of another network uses another mDNS service name: it is never even found.
  const stranger = await startNetwork(t, { networkId: freshNetworkId(), mdns: true, mdnsIntervalMs: 500 })
  const c = await startNetwork(t, { networkId, mdns: true, mdnsIntervalMs: 500 })
  await waitFor('a third host of the network to join', () => connected(a, c) && connected(b, c), 30_000)
  assert.equal(connected(stranger, a) || connected(stranger, b) || connected(stranger, c), false)
  assert.equal(stranger.penalties.bans().length + a.penalties.bans().length, 0, 'no wrong-network ban was needed')
})

test('hosts that know one bootstrap peer find a third through the DHT', async (t) => {
  const networkId = freshNetworkId()
  const options = { networkId, dht: true, dhtWalkIntervalMs: 300 }
  const hub = await startNetwork(t, options)
  const b = await startNetwork(t, { ...options, join: [hub] })
  const c = await startNetwork(t, { ...options, join: [hub] })
  await waitFor('b and c to find each other', () => connected(b, c) || connected(c, b), 30_000)
  await waitFor('their status exchange', () => b.peerStatus(c.peerId) !== undefined || c.peerStatus(b.peerId) !== undefined)
  assert.equal(b.libp2p.services.dht?.getMode(), 'server')
  const protocols = await b.libp2p.peerStore.get(peerIdFromString(c.peerId)).then((peer) => peer.protocols)
  assert.ok(protocols.includes(`/chain/${b.names.tag}/kad/1.0.0`), `c speaks the network's DHT protocol: ${protocols.join(' ')}`)
  assert.ok(!protocols.includes('/ipfs/kad/1.0.0'), 'and not the public IPFS DHT')
})

test('the keeper re-dials a dropped peer, again and again', async (t) => {
  const networkId = freshNetworkId()
  // a never re-dials (no minimum), so every reconnection is b's doing.
  const a = await startNetwork(t, { networkId, minPeers: 0 })
  const b = await startNetwork(t, { networkId, join: [a] })
  await waitFor('the first connection', () => connected(a, b))
  const events: string[] = []
  b.on('peer:connect', (peer) => events.push(`connect ${peer}`))
  b.on('peer:disconnect', (peer) => events.push(`disconnect ${peer}`))
  // libp2p's bootstrap module dials once; every reconnection after the first is the keeper's.
  for (let round = 1; round <= 3; round++) {
    await a.libp2p.hangUp(peerIdFromString(b.peerId))
    // Both ends must see the new connection before the next hang-up can close it.
    await waitFor(`b to re-dial a (round ${round})`, () => events.length === 2 * round && connected(b, a) && connected(a, b), 15_000)
  }
  assert.deepEqual(events, Array.from({ length: 3 }, () => [`disconnect ${a.peerId}`, `connect ${a.peerId}`]).flat())
})
