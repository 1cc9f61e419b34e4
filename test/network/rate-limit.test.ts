/** The per-peer token buckets of the sync server. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RateLimiter } from '../../src/network/rate-limit.js'

test('a burst is allowed, then the sustained rate, per key', () => {
  const clock = { now: 0 }
  const limiter = new RateLimiter({ burst: 3, perSecond: 2, now: () => clock.now })
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a')), [true, true, true, false])
  assert.equal(limiter.take('b'), true, 'buckets are per key')
  clock.now += 499
  assert.equal(limiter.take('a'), false)
  clock.now += 1
  assert.equal(limiter.take('a'), true, 'one token every 500 ms')
  assert.equal(limiter.take('a'), false)
  clock.now += 60_000
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a')), [true, true, true, false], 'refills no higher than the burst')
})

test('settings are checked', () => {
  assert.throws(() => new RateLimiter({ burst: 0, perSecond: 1 }), { name: 'RangeError', message: 'rate limit: expected burst >= 1 and perSecond > 0, got 0 and 1' })
  assert.throws(() => new RateLimiter({ burst: 1, perSecond: 0 }), RangeError)
})
