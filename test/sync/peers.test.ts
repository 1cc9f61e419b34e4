/**
 * How a run picks the peer for a batch after a failure: another peer when there is one, the
 * same peer when it is the only one left (a single timeout must not stall a sync from one
 * peer), and never a peer that failed too often or lied.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SyncError } from '../../src/network/errors.js'
import { RateLimiter } from '../../src/network/rate-limit.js'
import type { ChainStatus } from '../../src/network/sync-codec.js'
import { SILENT_LOGGER } from '../../src/log.js'
import { Batch, BatchStatus } from '../../src/sync/batch.js'
import { MAX_PEER_FAILURES, MAX_REQUESTS_PER_PEER, PEER_BUSY_BACKOFF_MS } from '../../src/sync/constants.js'
import { RunPeers } from '../../src/sync/peers.js'

const TARGET = { hash: new Uint8Array(32).fill(9), height: 100, totalWork: 101n }

/** A run's peers over `peers`, each announcing the target. */
function runPeers(peers: readonly string[]): RunPeers {
  const status: ChainStatus = { genesisHash: new Uint8Array(32), headHash: TARGET.hash, headHeight: TARGET.height, totalWork: TARGET.totalWork }
  const statuses = new Map(peers.map((peer) => [peer, status]))
  return new RunPeers(
    {
      network: {
        statuses: () => statuses,
        requestHeaders: () => Promise.reject(new Error('not asked here')),
        requestBodies: () => Promise.reject(new Error('not asked here')),
        reportPeer: () => undefined,
        onStatus: () => () => undefined,
      },
      limiter: new RateLimiter({ burst: 1_000, perSecond: 1_000 }),
      log: SILENT_LOGGER,
      now: Date.now,
    },
    TARGET,
    { maxRequestsPerPeer: MAX_REQUESTS_PER_PEER, maxPeerFailures: MAX_PEER_FAILURES, peerBusyBackoffMs: PEER_BUSY_BACKOFF_MS },
  )
}

const timeout = (peer: string): SyncError => new SyncError('SYNC_ERROR_TIMEOUT', { peer, detail: 'no answer in time' })

/** Hands `batch` to `peer` and fails it with a timeout. */
function timedOut(peers: RunPeers, batch: Batch<unknown, unknown>, peer: string): void {
  batch.startDownload(peer)
  const ended = peers.started(peer)
  assert.equal(peers.requestFailed(batch, peer, timeout(peer)), undefined)
  ended()
}

test('a batch that timed out goes to another peer when there is one, and waits for it when it is busy', () => {
  const peers = runPeers(['a', 'b'])
  const batch = new Batch<null, number>(null)
  timedOut(peers, batch, 'a')
  assert.equal(batch.status, BatchStatus.AwaitingDownload)
  assert.equal(peers.pick(batch, ['a', 'b']), 'b')
  // b is busy with as many requests as it may have: the batch waits for b, not for a.
  const ends = Array.from({ length: MAX_REQUESTS_PER_PEER }, () => peers.started('b'))
  assert.equal(peers.pick(batch, ['a', 'b']), undefined)
  for (const end of ends) end()
  assert.equal(peers.pick(batch, ['a', 'b']), 'b')
})

test('a batch that timed out at the only peer goes back to it, until the peer has failed too often', () => {
  const peers = runPeers(['a'])
  const batch = new Batch<null, number>(null)
  for (let failures = 1; failures < MAX_PEER_FAILURES; failures++) {
    timedOut(peers, batch, 'a')
    assert.equal(peers.pick(batch, ['a']), 'a', `after ${failures} timeout(s)`)
  }
  timedOut(peers, batch, 'a')
  assert.equal(peers.pick(batch, ['a']), undefined, 'a peer that failed MAX_PEER_FAILURES times is not asked again')
  assert.equal(peers.allExcluded(['a']), true)
})

test('a batch whose other peer lied goes back to the peer that only timed out', () => {
  const peers = runPeers(['a', 'b'])
  const batch = new Batch<null, number>(null)
  timedOut(peers, batch, 'a')
  batch.startDownload('b')
  peers.requestFailed(batch, 'b', new SyncError('SYNC_ERROR_MALFORMED', { peer: 'b', detail: 'garbage' }))
  assert.equal(peers.pick(batch, ['a', 'b']), 'a')
})
