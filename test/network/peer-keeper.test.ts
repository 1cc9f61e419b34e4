/**
 * The peer keeper with stand-ins for libp2p's dial and peer list (its own collaborators): who
 * it dials, when, and whom it forgets. The real dialing is tested in discovery.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { SILENT_LOGGER } from '../../src/log.js'
import { REDIAL_BACKOFF_BASE_MS, REDIAL_BACKOFF_MAX_MS, REDIAL_MAX_FAILURES } from '../../src/network/constants.js'
import { PeerKeeper } from '../../src/network/peer-keeper.js'

async function peerId(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** A keeper whose dials fail (or succeed) as told, on a clock the test moves. */
function keeper(options: { succeed?: boolean; minPeers?: number; maxPeers?: number; maxKnown?: number; banned?: Set<string> } = {}) {
  const clock = { now: 0 }
  const dials: string[] = []
  const connected = new Set<string>()
  const pending: Promise<unknown>[] = []
  const k = new PeerKeeper(
    {
      dial: (peer) => {
        dials.push(peer.toString())
        const result = options.succeed === true ? Promise.resolve().then(() => connected.add(peer.toString())) : Promise.reject(new Error('refused'))
        pending.push(result.catch(() => undefined))
        return result
      },
      connectedPeers: () => [...connected],
      isBanned: (peer) => options.banned?.has(peer) ?? false,
      log: SILENT_LOGGER,
    },
    { minPeers: options.minPeers ?? 4, maxPeers: options.maxPeers ?? 50, maxKnown: options.maxKnown ?? 1_000, intervalMs: 3_600_000, now: () => clock.now },
  )
  const settle = async (): Promise<void> => {
    await Promise.all(pending.splice(0))
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { keeper: k, clock, dials, connected, settle }
}

test('discovered peers are dialed while below the maximum, banned ones never', async (t) => {
  const [a, b, c] = [await peerId(), await peerId(), await peerId()]
  const { keeper: k, dials, settle } = keeper({ succeed: true, maxPeers: 1, banned: new Set([c.toString()]) })
  k.start()
  t.after(() => k.stop())
  k.discovered({ id: c, multiaddrs: [] })
  k.discovered({ id: a, multiaddrs: [] })
  await settle()
  k.discovered({ id: b, multiaddrs: [] })
  await settle()
  assert.deepEqual(dials, [a.toString()], 'c is banned; b came when the one place was taken')
  assert.deepEqual(new Set(k.knownPeers()), new Set([a, b, c].map(String)))
})

test('re-dials back off exponentially up to the cap; a discovered peer is forgotten, a bootstrap peer never', async () => {
  const [found, pinned] = [await peerId(), await peerId()]
  const { keeper: k, clock, dials, settle } = keeper()
  k.remember(found)
  k.remember(pinned, true)
  for (let round = 0; round < REDIAL_MAX_FAILURES + 3; round++) {
    k.tick()
    await settle()
    clock.now += round < 3 ? REDIAL_BACKOFF_BASE_MS * 2 ** round : REDIAL_BACKOFF_MAX_MS
  }
  assert.deepEqual(dials.filter((d) => d === found.toString()).length, REDIAL_MAX_FAILURES)
  assert.deepEqual(dials.filter((d) => d === pinned.toString()).length, REDIAL_MAX_FAILURES + 3)
  assert.deepEqual(k.knownPeers(), [pinned.toString()])

  // Between attempts nothing is dialed before the backoff has passed.
  k.tick()
  await settle()
  const before = dials.length
  clock.now += REDIAL_BACKOFF_MAX_MS - 1
  k.tick()
  await settle()
  assert.equal(dials.length, before)
  clock.now += 1
  k.tick()
  await settle()
  assert.equal(dials.length, before + 1)
})

test('no re-dials at or above the minimum', async () => {
  const [a, b] = [await peerId(), await peerId()]
  const { keeper: k, dials, connected, settle } = keeper({ minPeers: 1 })
  connected.add(a.toString())
  k.remember(b)
  k.tick()
  await settle()
  assert.deepEqual(dials, [])
})

test('the table of known peers is bounded: a flood of new ids keeps the known peers, a failing one makes room', async () => {
  const [first, second, third, pinned, replacement] = [await peerId(), await peerId(), await peerId(), await peerId(), await peerId()]
  const { keeper: k, settle } = keeper({ maxKnown: 3 })
  for (const id of [first, second, third]) k.remember(id)
  // Discovered or connected from ever new ids: not remembered while the known ones never failed.
  const flood = await Promise.all(Array.from({ length: 20 }, () => peerId()))
  for (const id of flood) {
    k.discovered({ id, multiaddrs: [] })
    k.connected(id)
  }
  assert.deepEqual(k.knownPeers(), [first, second, third].map(String))
  // A bootstrap peer is always remembered.
  k.remember(pinned, true)
  assert.equal(k.knownPeers().length, 4)
  // Once known peers have failed, a new one takes the place of the one that failed most.
  k.tick()
  await settle()
  k.remember(replacement)
  assert.equal(k.knownPeers().length, 4)
  assert.ok(k.knownPeers().includes(replacement.toString()))
  assert.ok(k.knownPeers().includes(pinned.toString()))
})
