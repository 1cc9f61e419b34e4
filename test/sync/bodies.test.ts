/**
 * The body side of a target (src/sync/bodies.ts): ranges split into batches, served lowest
 * first within a limit, a prefix answer re-queueing the rest, and who served which height.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BatchStatus } from '../../src/sync/batch.js'
import { BodyQueue } from '../../src/sync/bodies.js'

const ranges = (queue: BodyQueue, limit = Number.POSITIVE_INFINITY): { from: number; count: number }[] => queue.awaiting(limit).map((batch) => batch.range)

test('ranges are split into batches and served lowest first, below the limit', () => {
  const queue = new BodyQueue(4)
  queue.add(20, 6)
  queue.add(3, 5)
  assert.deepEqual(ranges(queue), [{ from: 3, count: 4 }, { from: 7, count: 1 }, { from: 20, count: 4 }, { from: 24, count: 2 }])
  assert.deepEqual(ranges(queue, 20), [{ from: 3, count: 4 }, { from: 7, count: 1 }])
  assert.deepEqual(ranges(queue, 3), [])
})

test('a prefix answer completes the batch and queues the heights it did not deliver', () => {
  const queue = new BodyQueue(4)
  queue.add(1, 4)
  const [batch] = queue.awaiting(10)
  batch!.startDownload('peer-a')
  assert.deepEqual(ranges(queue), [], 'a batch in flight is not awaiting')
  queue.delivered(batch!, 3)
  assert.equal(batch!.status, BatchStatus.Done)
  assert.deepEqual(ranges(queue), [{ from: 4, count: 1 }])
  assert.equal(queue.servedBy(1), 'peer-a')
  assert.equal(queue.servedBy(3), 'peer-a')
  assert.equal(queue.servedBy(4), undefined)
})

test('a batch out of attempts is the queue’s failure', () => {
  const queue = new BodyQueue(4)
  queue.add(1, 2)
  const [batch] = queue.awaiting(10)
  for (const peer of ['a', 'b', 'c', 'd', 'e']) {
    batch!.startDownload(peer)
    batch!.downloadFailed(new Error('lost'))
  }
  assert.equal(queue.failed(), batch)
  assert.deepEqual(ranges(queue), [])
})

test('bodies below a height imported another way are forgotten; a batch across it keeps its upper part', () => {
  const queue = new BodyQueue(4)
  queue.add(1, 10)
  const [first] = queue.awaiting(100)
  first!.startDownload('peer-a')
  queue.trimBelow(7)
  assert.deepEqual(ranges(queue), [{ from: 7, count: 2 }, { from: 9, count: 2 }])
  assert.equal(first!.status, BatchStatus.Downloading, 'a batch in flight is left to finish')
})
