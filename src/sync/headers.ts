/**
 * The header side of one sync target, newest first: the range between the target's head and
 * our chain split into batches, planned a few at a time below the part already linked, and
 * linked top-down as they arrive (each batch's top must be the parent of the bottom of the
 * batch above). Linking stops at the common ancestor: the first header, going down, whose
 * block we have as a valid block.
 *
 * Batches are planned down to a floor: our head's height (or just below the target, for a
 * heavier chain that is shorter than ours). In the usual case our head is the ancestor and
 * nothing below it is fetched. When the floor is linked without meeting our chain (a fork
 * below our head), planning goes on toward genesis, where every chain of the network meets.
 */
import { bytesEqual } from '../encoding/bytes.js'
import { Batch, BatchStatus } from './batch.js'
import { HEADER_BATCH_SIZE, MAX_HEADER_BATCHES_AHEAD } from './constants.js'
import { DownloadError, type DownloadErrorCode } from './errors.js'
import { verifyJunction, type Ancestor, type HeaderRange, type HeaderSpan, type JunctionContext } from './verify.js'

export type HeaderBatch = Batch<HeaderRange, HeaderSpan>

/** The chain being downloaded: its head as its peers announced it. */
export interface SyncTarget {
  readonly hash: Uint8Array
  readonly height: number
  readonly totalWork: bigint
}

export interface HeaderChainInit {
  readonly batchSize?: number
  readonly maxBatchesAhead?: number
}

/** A batch found wrong when linked: the peer to hold it against, and why. */
export interface Rejection {
  readonly batch: HeaderBatch
  readonly peer: string | undefined
  readonly error: DownloadError
}

/** Junction failures that are the lower batch's fault (its data is dropped and fetched again). */
const LOWER_BATCH_FAULTS: readonly DownloadErrorCode[] = ['DOWNLOAD_ERROR_UNLINKED', 'DOWNLOAD_ERROR_OFF_BRANCH']

export class HeaderChain {
  /** Planned batches not linked yet, top-down: `pending[0]` is just below the linked part. */
  private readonly pending: HeaderBatch[] = []
  /** Linked batches, top-down. */
  private readonly linkedBatches: HeaderBatch[] = []
  private readonly batchSize: number
  private readonly maxBatchesAhead: number
  /** Height of the top of the next batch to plan. */
  private nextTop: number
  /** Batches are planned for heights above this. */
  private floor: number
  private found: Ancestor | undefined
  private linkedWork = 0n
  private linkedNeeded = 0

  constructor(
    readonly target: SyncTarget,
    floor: number,
    init: HeaderChainInit = {},
  ) {
    this.batchSize = init.batchSize ?? HEADER_BATCH_SIZE
    this.maxBatchesAhead = init.maxBatchesAhead ?? MAX_HEADER_BATCHES_AHEAD
    this.nextTop = target.height
    this.floor = Math.max(0, Math.min(floor, target.height - 1))
  }

  /** The common ancestor, once linking reached our chain. */
  get ancestor(): Ancestor | undefined {
    return this.found
  }

  /** Total work of the linked headers above the ancestor. */
  get work(): bigint {
    return this.linkedWork
  }

  /** Linked headers above the ancestor: the blocks to import. */
  get linkedCount(): number {
    return this.linkedNeeded
  }

  /** Batches in planning order (top-down) that wait for a download. */
  awaiting(): HeaderBatch[] {
    return this.pending.filter((batch) => batch.status === BatchStatus.AwaitingDownload)
  }

  /** Whether `batch` is still wanted (batches below the ancestor are dropped once it is found). */
  isPending(batch: HeaderBatch): boolean {
    return this.pending.includes(batch)
  }

  /** The batch that fails the run, if one ran out of attempts. */
  failed(): HeaderBatch | undefined {
    return this.pending.find((batch) => batch.status === BatchStatus.Failed)
  }

  /** The peer whose linked batch holds the header at `height` (undefined when restored from the store). */
  servedBy(height: number): string | undefined {
    const batch = this.linkedBatches.find((item) => height <= item.range.top && height > item.range.top - item.range.count)
    return batch?.state.status === BatchStatus.Done ? batch.state.peer : undefined
  }

  /**
   * Plans batches below the last planned one, up to `maxBatchesAhead` not yet linked, and
   * returns the new ones (so the caller can look for them in the store first).
   */
  plan(): HeaderBatch[] {
    const planned: HeaderBatch[] = []
    if (this.found !== undefined) return planned
    // The floor is linked and our chain not met: the fork is deeper; go on toward genesis.
    if (this.pending.length === 0 && this.nextTop <= this.floor) this.floor = 0
    while (this.pending.length < this.maxBatchesAhead && this.nextTop > this.floor) {
      const bottom = Math.max(this.floor + 1, this.nextTop - this.batchSize + 1)
      const batch: HeaderBatch = new Batch({ top: this.nextTop, count: this.nextTop - bottom + 1 })
      this.pending.push(batch)
      planned.push(batch)
      this.nextTop = bottom - 1
    }
    return planned
  }

  /**
   * What to ask for `batch`: by hash when its top's hash is known (the target itself, or the
   * parent of the lowest linked header), which any peer can answer; otherwise by height, which
   * only peers whose canonical chain holds the target answer right.
   */
  requestRange(batch: HeaderBatch): HeaderRange {
    if (batch !== this.pending[0]) return batch.range
    const lowest = this.linkedBatches.at(-1)
    return { ...batch.range, topHash: lowest === undefined ? this.target.hash : lowest.data.bottom.header.parentHash }
  }

  /**
   * Links downloaded batches below the linked part, top-down, until one is missing or the
   * ancestor is reached. Returns the batches linked and the one rejected, if any: its data is
   * dropped and it waits for another download. A header invalid on its true parent means the
   * target's chain is invalid: that throws.
   */
  link(context: Omit<JunctionContext, 'lowerPeer' | 'upperPeer' | 'lowerPeerHasTarget'> & { readonly hasTarget: (peer: string) => boolean }): { linked: HeaderBatch[]; rejected?: Rejection } {
    const linked: HeaderBatch[] = []
    for (let batch = this.pending[0]; batch?.state.status === BatchStatus.Downloaded; batch = this.pending[0]) {
      const lowerPeer = batch.state.peer
      const upper = this.linkedBatches.at(-1)
      if (upper !== undefined) {
        const upperPeer = upper.state.status === BatchStatus.Done ? upper.state.peer : undefined
        try {
          verifyJunction(batch.data, upper.data, { ...context, lowerPeer, upperPeer, lowerPeerHasTarget: lowerPeer !== undefined && context.hasTarget(lowerPeer) })
        } catch (error) {
          if (!(error instanceof DownloadError) || !LOWER_BATCH_FAULTS.includes(error.code)) throw error
          batch.rejected(error)
          return { linked, rejected: { batch, peer: lowerPeer, error } }
        }
      } else if (!bytesEqual(batch.data.top.hash, this.target.hash)) {
        // Only restored data can get here: a download of the top batch is asked by the target's hash.
        const error = new DownloadError('DOWNLOAD_ERROR_WRONG_START', { detail: 'the top batch is not the target', peer: lowerPeer, height: this.target.height })
        batch.rejected(error)
        return { linked, rejected: { batch, peer: lowerPeer, error } }
      }
      batch.complete()
      this.pending.shift()
      this.linkedBatches.push(batch)
      linked.push(batch)
      this.linkedWork += batch.data.work
      this.linkedNeeded += batch.data.needed
      if (batch.data.ancestor !== undefined) {
        this.found = batch.data.ancestor
        // Everything below the ancestor is ours already.
        this.pending.length = 0
        break
      }
    }
    return { linked }
  }
}
