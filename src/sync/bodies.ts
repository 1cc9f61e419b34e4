/**
 * The body side of one sync target: the blocks whose headers are linked and whose bodies we
 * lack, in batches of consecutive heights, fetched lowest first (the import goes forward from
 * the common ancestor, so the lowest bodies are needed first). A server may answer a prefix of
 * the hashes asked (its byte budget): the rest becomes a batch of its own.
 */
import { Batch, BatchStatus } from './batch.js'
import { BODY_BATCH_SIZE } from './constants.js'

/** Consecutive heights, `from` upwards. */
export interface BodyRange {
  readonly from: number
  readonly count: number
}

/** A body batch's data: how many bodies (from `from`) were delivered. */
export type BodyBatch = Batch<BodyRange, number>

export class BodyQueue {
  /** Batches not done, by ascending height. */
  private readonly open: BodyBatch[] = []
  /** Batches done, for who served which heights. */
  private readonly done: BodyBatch[] = []

  constructor(private readonly batchSize = BODY_BATCH_SIZE) {}

  /** Queues the bodies of heights `from` to `from + count - 1`. */
  add(from: number, count: number): void {
    for (let start = from; start < from + count; start += this.batchSize) {
      const batch: BodyBatch = new Batch({ from: start, count: Math.min(this.batchSize, from + count - start) })
      const at = this.open.findIndex((other) => other.range.from > start)
      if (at < 0) this.open.push(batch)
      else this.open.splice(at, 0, batch)
    }
  }

  /** Batches waiting for a download that start below `limit`, lowest first. */
  awaiting(limit: number): BodyBatch[] {
    return this.open.filter((batch) => batch.status === BatchStatus.AwaitingDownload && batch.range.from < limit)
  }

  /**
   * Forgets the awaiting bodies below `height`: those blocks were imported another way (they
   * came by gossip meanwhile). A batch across `height` keeps its upper part.
   */
  trimBelow(height: number): void {
    for (const batch of this.open.filter((item) => item.status === BatchStatus.AwaitingDownload && item.range.from < height)) {
      this.open.splice(this.open.indexOf(batch), 1)
      const end = batch.range.from + batch.range.count
      if (end > height) this.add(height, end - height)
    }
  }

  /** The batch that fails the run, if one ran out of attempts. */
  failed(): BodyBatch | undefined {
    return this.open.find((batch) => batch.status === BatchStatus.Failed)
  }

  /**
   * Records that `batch` delivered its first `delivered` bodies (checked and stored): it is
   * done, and the heights it did not deliver are queued again.
   */
  delivered(batch: BodyBatch, delivered: number): void {
    batch.downloaded(delivered)
    batch.complete()
    this.open.splice(this.open.indexOf(batch), 1)
    this.done.push(batch)
    if (delivered < batch.range.count) this.add(batch.range.from + delivered, batch.range.count - delivered)
  }

  /** The peer that served the body at `height`, if a peer did. */
  servedBy(height: number): string | undefined {
    const batch = this.done.find((item) => height >= item.range.from && height < item.range.from + item.data)
    return batch?.state.status === BatchStatus.Done ? batch.state.peer : undefined
  }
}
