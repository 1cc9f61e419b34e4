/**
 * The batch state machine: each transition from its one allowed status, the data and peer
 * carried in each status, failed peers remembered, attempts capped; and, as a property, any
 * sequence of transitions behaves like a small model of the diagram in src/sync/batch.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Batch, BatchStatus } from '../../src/sync/batch.js'
import { MAX_BATCH_ATTEMPTS } from '../../src/sync/constants.js'
import { DownloadError } from '../../src/sync/errors.js'

const failure = new Error('timed out')

test('a batch goes AwaitingDownload -> Downloading -> Downloaded -> Done, carrying its peer and data', () => {
  const batch = new Batch<{ top: number }, string>({ top: 100 })
  assert.deepEqual(batch.state, { status: BatchStatus.AwaitingDownload })
  batch.startDownload('peer-a')
  assert.deepEqual(batch.state, { status: BatchStatus.Downloading, peer: 'peer-a' })
  batch.downloaded('headers')
  assert.deepEqual(batch.state, { status: BatchStatus.Downloaded, peer: 'peer-a', data: 'headers' })
  assert.equal(batch.data, 'headers')
  batch.complete()
  assert.deepEqual(batch.state, { status: BatchStatus.Done, peer: 'peer-a', data: 'headers' })
  assert.equal(batch.attempts, 0)
  assert.deepEqual(batch.range, { top: 100 })
})

test('data restored from the store has no peer', () => {
  const batch = new Batch<null, string>(null)
  batch.restored('stored headers')
  assert.deepEqual(batch.state, { status: BatchStatus.Downloaded, peer: undefined, data: 'stored headers' })
  batch.rejected(failure)
  assert.deepEqual(batch.state, { status: BatchStatus.AwaitingDownload })
  assert.equal(batch.attempts, 1)
})

test('a failed download or rejected data goes back to AwaitingDownload and remembers the peer', () => {
  const batch = new Batch<null, string>(null)
  batch.startDownload('peer-a')
  batch.downloadFailed(failure)
  assert.deepEqual(batch.state, { status: BatchStatus.AwaitingDownload })
  assert.equal(batch.hasFailed('peer-a'), true)
  assert.equal(batch.hasFailed('peer-b'), false)
  batch.startDownload('peer-b')
  batch.downloaded('unlinked')
  batch.rejected(failure)
  assert.equal(batch.hasFailed('peer-b'), true)
  assert.equal(batch.attempts, 2)
})

test('a failure that says nothing about the batch (a busy peer) uses no attempt and does not mark the peer', () => {
  const batch = new Batch<null, string>(null)
  batch.startDownload('peer-a')
  batch.downloadFailed(failure, false)
  assert.deepEqual(batch.state, { status: BatchStatus.AwaitingDownload })
  assert.equal(batch.attempts, 0)
  assert.equal(batch.hasFailed('peer-a'), false)
})

test('after MAX_BATCH_ATTEMPTS failures the batch is Failed with DOWNLOAD_ERROR_ATTEMPTS', () => {
  const batch = new Batch<null, string>(null)
  for (let i = 0; i < MAX_BATCH_ATTEMPTS; i++) {
    assert.equal(batch.status, BatchStatus.AwaitingDownload)
    batch.startDownload(`peer-${i}`)
    batch.downloadFailed(new Error(`failure ${i}`))
  }
  const state = batch.state
  assert.equal(state.status, BatchStatus.Failed)
  assert.ok(state.error instanceof DownloadError)
  assert.deepEqual({ code: state.error.code, data: state.error.data }, {
    code: 'DOWNLOAD_ERROR_ATTEMPTS',
    data: { detail: `${MAX_BATCH_ATTEMPTS} attempts failed, the last: failure ${MAX_BATCH_ATTEMPTS - 1}` },
  })
  assert.throws(() => batch.startDownload('peer-x'), /startDownload in status failed/)
})

test('every transition refuses every status but its own, changing nothing', () => {
  const transitions = {
    startDownload: (batch: Batch<null, string>) => batch.startDownload('p'),
    restored: (batch: Batch<null, string>) => batch.restored('d'),
    downloaded: (batch: Batch<null, string>) => batch.downloaded('d'),
    downloadFailed: (batch: Batch<null, string>) => batch.downloadFailed(failure),
    rejected: (batch: Batch<null, string>) => batch.rejected(failure),
    complete: (batch: Batch<null, string>) => batch.complete(),
  }
  const allowedFrom: Record<keyof typeof transitions, BatchStatus> = {
    startDownload: BatchStatus.AwaitingDownload,
    restored: BatchStatus.AwaitingDownload,
    downloaded: BatchStatus.Downloading,
    downloadFailed: BatchStatus.Downloading,
    rejected: BatchStatus.Downloaded,
    complete: BatchStatus.Downloaded,
  }
  const reach: Record<Exclude<BatchStatus, BatchStatus.Failed>, (batch: Batch<null, string>) => void> = {
    [BatchStatus.AwaitingDownload]: () => undefined,
    [BatchStatus.Downloading]: (batch) => batch.startDownload('p'),
    [BatchStatus.Downloaded]: (batch) => batch.restored('d'),
    [BatchStatus.Done]: (batch) => (batch.restored('d'), batch.complete()),
  }
  for (const [status, setUp] of Object.entries(reach) as [BatchStatus, (batch: Batch<null, string>) => void][]) {
    for (const [name, transition] of Object.entries(transitions)) {
      const batch = new Batch<null, string>(null)
      setUp(batch)
      const before = batch.state
      if (allowedFrom[name as keyof typeof transitions] === status) {
        transition(batch)
        assert.notDeepEqual(batch.state, before, `${name} from ${status}`)
      } else {
        assert.throws(() => transition(batch), new RegExp(`batch: ${name} in status ${status}`))
        assert.equal(batch.state, before, `${name} from ${status} changed nothing`)
      }
    }
  }
})

test('property: any sequence of transitions matches the model of the state diagram', () => {
  type Op = { kind: 'start'; peer: string } | { kind: 'restore' } | { kind: 'download' } | { kind: 'fail'; counts: boolean } | { kind: 'reject' } | { kind: 'complete' }
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('start' as const), peer: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
    fc.constant({ kind: 'restore' as const }),
    fc.constant({ kind: 'download' as const }),
    fc.record({ kind: fc.constant('fail' as const), counts: fc.boolean() }),
    fc.constant({ kind: 'reject' as const }),
    fc.constant({ kind: 'complete' as const }),
  )
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const batch = new Batch<null, number>(null)
      let status = BatchStatus.AwaitingDownload
      let peer: string | undefined
      let attempts = 0
      const failed = new Set<string>()
      ops.forEach((next, step) => {
        const legal =
          (next.kind === 'start' || next.kind === 'restore') ? status === BatchStatus.AwaitingDownload
          : next.kind === 'download' || next.kind === 'fail' ? status === BatchStatus.Downloading
          : status === BatchStatus.Downloaded
        const act = (): void => {
          if (next.kind === 'start') batch.startDownload(next.peer)
          else if (next.kind === 'restore') batch.restored(step)
          else if (next.kind === 'download') batch.downloaded(step)
          else if (next.kind === 'fail') batch.downloadFailed(failure, next.counts)
          else if (next.kind === 'reject') batch.rejected(failure)
          else batch.complete()
        }
        if (!legal) {
          assert.throws(act)
          return
        }
        act()
        if (next.kind === 'start') [status, peer] = [BatchStatus.Downloading, next.peer]
        else if (next.kind === 'restore') [status, peer] = [BatchStatus.Downloaded, undefined]
        else if (next.kind === 'download') status = BatchStatus.Downloaded
        else if (next.kind === 'complete') status = BatchStatus.Done
        else if (next.kind === 'fail' && !next.counts) status = BatchStatus.AwaitingDownload
        else {
          if (peer !== undefined) failed.add(peer)
          attempts++
          status = attempts >= MAX_BATCH_ATTEMPTS ? BatchStatus.Failed : BatchStatus.AwaitingDownload
        }
        assert.equal(batch.status, status)
        assert.equal(batch.attempts, attempts)
        for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) assert.equal(batch.hasFailed(name), failed.has(name))
      })
    }),
    { numRuns: 500 },
  )
})
