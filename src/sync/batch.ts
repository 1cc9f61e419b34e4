/**
 * One batch of the downloader: a run of headers or bodies fetched with one request, as a state
 * machine (after Lodestar's `sync/range/batch.ts`). Each status carries the data valid in it,
 * and each transition is one method that checks it starts from the right status:
 *
 *   AwaitingDownload -> Downloading        startDownload(peer)
 *   AwaitingDownload -> Downloaded         restored(data)          (found in the store after a restart)
 *   Downloading      -> Downloaded         downloaded(data)        (checked on its own and persisted)
 *   Downloading      -> AwaitingDownload   downloadFailed(error)   (or Failed after MAX_BATCH_ATTEMPTS)
 *   Downloaded       -> AwaitingDownload   rejected(error)         (found wrong once linked; or Failed)
 *   Downloaded       -> Done               complete()
 *
 * A batch remembers the peers that failed it, so a retry goes to another peer.
 */
import { MAX_BATCH_ATTEMPTS } from './constants.js'
import { DownloadError } from './errors.js'

export enum BatchStatus {
  AwaitingDownload = 'awaiting-download',
  Downloading = 'downloading',
  Downloaded = 'downloaded',
  Done = 'done',
  Failed = 'failed',
}

export type BatchState<Data> =
  | { readonly status: BatchStatus.AwaitingDownload }
  | { readonly status: BatchStatus.Downloading; readonly peer: string }
  /** `peer` is undefined for data restored from the store. */
  | { readonly status: BatchStatus.Downloaded; readonly peer: string | undefined; readonly data: Data }
  | { readonly status: BatchStatus.Done; readonly peer: string | undefined; readonly data: Data }
  | { readonly status: BatchStatus.Failed; readonly error: Error }

/** A transition asked of a batch in the wrong status: a bug in the downloader, not a peer's doing. */
function wrongStatus(transition: string, status: BatchStatus): Error {
  return new Error(`batch: ${transition} in status ${status}`)
}

export class Batch<Range, Data> {
  private current: BatchState<Data> = { status: BatchStatus.AwaitingDownload }
  private failures = 0
  private readonly failedPeers = new Set<string>()

  constructor(
    /** What the batch covers: heights, and a hash to start from when known. */
    readonly range: Range,
    private readonly maxAttempts = MAX_BATCH_ATTEMPTS,
  ) {}

  get state(): BatchState<Data> {
    return this.current
  }

  get status(): BatchStatus {
    return this.current.status
  }

  /** Failed attempts so far (downloads that failed, and data rejected once linked). */
  get attempts(): number {
    return this.failures
  }

  /** Whether `peer` failed this batch before (it is not asked again). */
  hasFailed(peer: string): boolean {
    return this.failedPeers.has(peer)
  }

  /** The data of a Downloaded or Done batch. */
  get data(): Data {
    if (this.current.status !== BatchStatus.Downloaded && this.current.status !== BatchStatus.Done) throw wrongStatus('data', this.current.status)
    return this.current.data
  }

  /** AwaitingDownload -> Downloading */
  startDownload(peer: string): void {
    this.expect(BatchStatus.AwaitingDownload, 'startDownload')
    this.current = { status: BatchStatus.Downloading, peer }
  }

  /** AwaitingDownload -> Downloaded: the data was in the store, checked again on reading. */
  restored(data: Data): void {
    this.expect(BatchStatus.AwaitingDownload, 'restored')
    this.current = { status: BatchStatus.Downloaded, peer: undefined, data }
  }

  /** Downloading -> Downloaded */
  downloaded(data: Data): void {
    const state = this.expect(BatchStatus.Downloading, 'downloaded')
    this.current = { status: BatchStatus.Downloaded, peer: state.peer, data }
  }

  /**
   * Downloading -> AwaitingDownload, or Failed when out of attempts. `counts` is false for a
   * failure that says nothing about the batch (the peer was busy): no attempt is used, and the
   * peer may be asked again.
   */
  downloadFailed(error: Error, counts = true): void {
    const state = this.expect(BatchStatus.Downloading, 'downloadFailed')
    if (!counts) {
      this.current = { status: BatchStatus.AwaitingDownload }
      return
    }
    this.fail(state.peer, error)
  }

  /** Downloaded -> AwaitingDownload (or Failed): the data did not link to the chain above. */
  rejected(error: Error): void {
    const state = this.expect(BatchStatus.Downloaded, 'rejected')
    this.fail(state.peer, error)
  }

  /** Downloaded -> Done */
  complete(): void {
    const state = this.expect(BatchStatus.Downloaded, 'complete')
    this.current = { status: BatchStatus.Done, peer: state.peer, data: state.data }
  }

  private fail(peer: string | undefined, error: Error): void {
    if (peer !== undefined) this.failedPeers.add(peer)
    this.failures++
    this.current =
      this.failures >= this.maxAttempts
        ? { status: BatchStatus.Failed, error: new DownloadError('DOWNLOAD_ERROR_ATTEMPTS', { detail: `${this.failures} attempts failed, the last: ${error.message}` }) }
        : { status: BatchStatus.AwaitingDownload }
  }

  private expect<S extends BatchStatus>(status: S, transition: string): Extract<BatchState<Data>, { status: S }> {
    if (this.current.status !== status) throw wrongStatus(transition, this.current.status)
    return this.current as Extract<BatchState<Data>, { status: S }>
  }
}
