/**
 * The penalty book: points add up and decay, a ban comes at the threshold, lasts its time,
 * and the connection gater refuses banned peers; memory stays bounded.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { BAN_THRESHOLD_POINTS, PENALTY_BOOK_MAX_PEERS, PENALTY_HALF_LIFE_MS, PENALTY_POINTS } from '../../src/network/constants.js'
import { PenaltyBook } from '../../src/network/penalties.js'

const PEER = '12D3KooWRQbAwm4oyjRYUfKg3vJs6MgRfZ1yeoZXVf1B4YheDaJ6'

function book(banDurationMs = 60_000): { book: PenaltyBook; clock: { now: number }; bans: string[] } {
  const clock = { now: 1_000_000 }
  const penalties = new PenaltyBook({ banDurationMs, now: () => clock.now })
  const bans: string[] = []
  penalties.on('ban', (peer, reason, untilMs) => bans.push(`${peer} ${reason} ${untilMs}`))
  return { book: penalties, clock, bans }
}

test('points add up and halve every half-life', () => {
  const { book: penalties, clock } = book()
  assert.equal(penalties.points(PEER), 0)
  assert.deepEqual(penalties.report(PEER, 'timeout'), { points: PENALTY_POINTS.timeout, banned: false })
  clock.now += PENALTY_HALF_LIFE_MS
  assert.equal(penalties.points(PEER), PENALTY_POINTS.timeout / 2)
  penalties.report(PEER, 'rate-limited')
  assert.equal(penalties.points(PEER), PENALTY_POINTS.timeout / 2 + PENALTY_POINTS['rate-limited'])
})

test('a peer is banned when its points reach the threshold, once, until the ban ends', () => {
  const { book: penalties, clock, bans } = book(60_000)
  const start = clock.now
  assert.equal(penalties.report(PEER, 'invalid-block').banned, false)
  assert.deepEqual(penalties.report(PEER, 'invalid-block'), { points: BAN_THRESHOLD_POINTS, banned: true })
  assert.deepEqual(bans, [`${PEER} invalid-block ${start + 60_000}`])
  assert.equal(penalties.isBanned(PEER), true)
  assert.deepEqual(penalties.bans(), [{ peer: PEER, untilMs: start + 60_000 }])
  // Reports while banned do not ban again.
  penalties.report(PEER, 'wrong-network')
  assert.equal(bans.length, 1)

  const gater = penalties.gater()
  const id = peerIdFromString(PEER)
  assert.equal(gater.denyDialPeer?.(id), true)
  assert.equal(gater.denyInboundEncryptedConnection?.(id, undefined as never), true)
  assert.equal(gater.denyOutboundEncryptedConnection?.(id, undefined as never), true)

  clock.now = start + 60_000
  assert.equal(penalties.isBanned(PEER), false)
  assert.equal(gater.denyDialPeer?.(id), false)
  assert.deepEqual(penalties.bans(), [])
})

test('wrong-network bans at once; a second ban after the first ends starts from zero', () => {
  const { book: penalties, clock, bans } = book(1_000)
  assert.equal(penalties.report(PEER, 'wrong-network').banned, true)
  clock.now += 1_000
  assert.equal(penalties.points(PEER), 0)
  assert.equal(penalties.report(PEER, 'bad-response').banned, false)
  assert.equal(penalties.report(PEER, 'bad-response').banned, true)
  assert.equal(bans.length, 2)
})

test('the book forgets the longest-unreported unbanned peer when full, never a banned one', () => {
  const { book: penalties } = book()
  const banned = 'banned peer'
  penalties.report(banned, 'wrong-network')
  for (let i = 0; i < PENALTY_BOOK_MAX_PEERS; i++) penalties.report(`peer ${i}`, 'timeout')
  assert.equal(penalties.isBanned(banned), true)
  assert.equal(penalties.points('peer 0'), 0, 'the oldest unbanned record made room')
  assert.equal(penalties.points(`peer ${PENALTY_BOOK_MAX_PEERS - 1}`), PENALTY_POINTS.timeout)
})
