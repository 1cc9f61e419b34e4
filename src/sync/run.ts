/**
 * One sync run: the download and import of one target's chain (docs/sync.md, "The
 * downloader").
 *
 * A loop, woken by every answer and at least every RUN_TICK_MS: plan header batches (taking
 * any already in the store), link what arrived, queue the bodies of linked headers, hand
 * awaiting batches to idle peers, and import every block whose body is at hand, oldest first
 * from the common ancestor. Requests run beside the loop; each answer is checked, persisted,
 * and only then marks its batch downloaded, so what the store holds is always checked data.
 */
import type { Chain } from '../chain/chain.js'
import { bytesEqual, toHex } from '../encoding/bytes.js'
import { ChainError, errorMessage } from '../errors.js'
import { blockHash, type BlockHeader } from '../ledger/block.js'
import type { Transaction } from '../ledger/transaction.js'
import type { Logger } from '../log.js'
import type { RateLimiter } from '../network/rate-limit.js'
import type { ReceivedHeader } from '../network/sync-codec.js'
import { StoreBatch } from '../store/chain-store.js'
import { BatchStatus, type Batch } from './batch.js'
import { BodyQueue, type BodyBatch } from './bodies.js'
import { RUN_TICK_MS } from './constants.js'
import type { ImportErrorCode } from '../chain/import-errors.js'
import { DownloadError, importBlame } from './errors.js'
import { HeaderChain, type HeaderBatch, type SyncTarget } from './headers.js'
import { RunPeers } from './peers.js'
import type { RunReport, RunSettings, SyncNetwork, SyncProgress } from './types.js'
import { verifyBody, verifyHeaderBatch, type Ancestor, type VerifyContext } from './verify.js'

export interface RunComponents {
  readonly chain: Chain
  readonly network: SyncNetwork
  /** Our own pace per peer, shared by every run. */
  readonly limiter: RateLimiter
  readonly log: Logger
  readonly now: () => number
  readonly onProgress: (progress: SyncProgress) => void
}

const aborted = (): DownloadError => new DownloadError('DOWNLOAD_ERROR_ABORTED', { detail: 'the downloader is stopping' })

export class SyncRun {
  private readonly headers: HeaderChain
  private readonly bodies: BodyQueue
  private readonly peers: RunPeers
  private readonly tasks = new Set<Promise<void>>()
  private readonly stopRequests = new AbortController()
  /** Ends the requests in flight: the downloader stopping, or the run ending. */
  private requestSignal: AbortSignal = this.stopRequests.signal
  private readonly startHeight: number
  private fatal: Error | undefined
  /** The next height to import, once the ancestor is known. */
  private cursor: number | undefined
  private lowestLinked = Number.POSITIVE_INFINITY
  private lastActivity: number
  private woken = false
  private wakeUp: (() => void) | undefined
  private cleanup: number[] = []
  private readonly counts = { imported: 0, headersDownloaded: 0, headersRestored: 0, bodiesDownloaded: 0, bodiesRestored: 0, bodiesAtHand: 0, headerRequests: 0, bodyRequests: 0 }

  constructor(
    private readonly components: RunComponents,
    readonly target: SyncTarget,
    private readonly settings: RunSettings,
  ) {
    const head = components.chain.head.header.height
    this.startHeight = head
    this.headers = new HeaderChain(target, head, { batchSize: settings.headerBatchSize, maxBatchesAhead: settings.maxHeaderBatchesAhead })
    this.bodies = new BodyQueue(settings.bodyBatchSize)
    this.peers = new RunPeers(components, target, settings)
    this.lastActivity = components.now()
  }

  progress(): SyncProgress {
    const ancestor = this.headers.ancestor
    return {
      target: this.target.height,
      current: this.components.chain.head.header.height,
      startHeight: this.startHeight,
      imported: this.counts.imported,
      toImport: ancestor === undefined ? undefined : this.target.height - ancestor.height,
      headers: this.headers.linkedCount,
      bodies: this.counts.bodiesAtHand,
    }
  }

  /** Downloads and imports the target's chain; throws `DownloadError` when it cannot. */
  async execute(signal: AbortSignal): Promise<RunReport> {
    this.requestSignal = AbortSignal.any([signal, this.stopRequests.signal])
    const onAbort = (): void => this.wake()
    signal.addEventListener('abort', onAbort)
    try {
      await this.persistTarget()
      for (;;) {
        this.woken = false
        if (signal.aborted) throw aborted()
        if (this.fatal !== undefined) throw this.fatal
        this.advanceHeaders()
        this.schedule()
        await this.importAvailable(signal)
        if (this.reached()) break
        this.checkStalled()
        await this.sleep(RUN_TICK_MS)
      }
      await this.settle()
      await this.components.chain.store.clearSyncData()
      return this.report()
    } finally {
      signal.removeEventListener('abort', onAbort)
      await this.settle().catch(() => undefined)
    }
  }

  /** Ends the requests in flight, waits for their writes, and writes the pending clean-up. */
  private async settle(): Promise<void> {
    this.stopRequests.abort()
    await Promise.allSettled(this.tasks)
    await this.flushCleanup()
  }

  /** The target's block is ours (head or not), or our chain became heavier another way. */
  private reached(): boolean {
    const { head, store } = this.components.chain
    return (this.cursor !== undefined && this.cursor > this.target.height) || head.totalWork > this.target.totalWork || store.meta(this.target.hash) !== undefined
  }

  /** Records the target; a record of another target means its data is of no use now. */
  private async persistTarget(): Promise<void> {
    const store = this.components.chain.store
    const stored = store.syncTarget()
    if (stored !== undefined && bytesEqual(stored.hash, this.target.hash)) return
    if (stored !== undefined) await store.clearSyncData()
    await store.write(new StoreBatch().putSyncTarget(this.target))
  }

  // ---- Headers ----------------------------------------------------------------------------

  private verifyContext(peer: string | undefined): VerifyContext {
    const { chain, now } = this.components
    const validHeader = (hash: Uint8Array): ReturnType<VerifyContext['validHeader']> => (chain.store.meta(hash)?.status === 'valid' ? chain.store.header(hash) : undefined)
    return { consensus: chain.consensus, nowMs: now(), validHeader, ...(peer === undefined ? {} : { peer }) }
  }

  /** Plans, restores and links header batches as far as they go; queues the bodies of what links. */
  private advanceHeaders(): void {
    for (;;) {
      for (const batch of this.headers.plan()) this.restoreHeaders(batch)
      let step
      try {
        step = this.headers.link({ consensus: this.components.chain.consensus, nowMs: this.components.now(), hasTarget: (peer) => this.peers.hasTarget(peer) })
      } catch (error) {
        // A header invalid on its true parent: the target's chain is invalid.
        if (error instanceof DownloadError) this.peers.blame(error.data.peer, error)
        throw error
      }
      if (step.rejected !== undefined) this.peers.blame(step.rejected.peer, step.rejected.error)
      for (const batch of step.linked) this.queueBodies(batch)
      const failed = this.headers.failed()
      if (failed?.state.status === BatchStatus.Failed) throw failed.state.error
      if (this.headers.ancestor !== undefined && this.cursor === undefined) this.foundAncestor(this.headers.ancestor)
      if (step.linked.length === 0) return
    }
  }

  /** Takes a planned batch from the store when all its headers are there and still check out. */
  private restoreHeaders(batch: HeaderBatch): void {
    const store = this.components.chain.store
    const range = this.headers.requestRange(batch)
    const items: ReceivedHeader[] = []
    for (let height = range.top; height > range.top - range.count; height--) {
      const header = store.syncHeader(height)
      if (header === undefined) return
      items.push({ hash: blockHash(header), header })
    }
    try {
      batch.restored(verifyHeaderBatch(items, range, this.verifyContext(undefined)))
      this.counts.headersRestored += items.length
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error
      this.components.log.debug('stored headers dropped', { top: range.top, code: error.code })
    }
  }

  /** Queues the bodies of a linked batch's needed headers, but for those already at hand. */
  private queueBodies(batch: HeaderBatch): void {
    const { top, needed } = batch.data
    if (needed === 0) return
    const highest = top.header.height
    const lowest = highest - needed + 1
    this.lowestLinked = Math.min(this.lowestLinked, lowest)
    let missingFrom: number | undefined
    for (let height = lowest; height <= highest; height++) {
      if (!this.bodyAtHand(height)) {
        missingFrom ??= height
        continue
      }
      this.counts.bodiesAtHand++
      if (missingFrom !== undefined) this.bodies.add(missingFrom, height - missingFrom)
      missingFrom = undefined
    }
    if (missingFrom !== undefined) this.bodies.add(missingFrom, highest + 1 - missingFrom)
  }

  /** Whether the body at `height` is stored (downloaded before a restart, and matching) or its block is ours. */
  private bodyAtHand(height: number): boolean {
    const store = this.components.chain.store
    const header = store.syncHeader(height)!
    const body = store.syncBody(height)
    if (body !== undefined) {
      try {
        verifyBody(header, body)
        this.counts.bodiesRestored++
        return true
      } catch {
        return false
      }
    }
    return store.block(blockHash(header)) !== undefined
  }

  /** Checks the target's announced work against its headers, and starts the import. */
  private foundAncestor(ancestor: Ancestor): void {
    const { chain, log } = this.components
    const total = chain.store.meta(ancestor.hash)!.totalWork + this.headers.work
    if (total !== this.target.totalWork) {
      const error = new DownloadError('DOWNLOAD_ERROR_WORK_MISMATCH', { detail: `the headers add up to work ${total}, the target was announced with ${this.target.totalWork}` })
      for (const peer of this.peers.announcers()) this.peers.blame(peer, error)
      throw error
    }
    this.cursor = ancestor.height + 1
    log.debug('common ancestor found', { height: ancestor.height, hash: toHex(ancestor.hash).slice(0, 12), toImport: this.target.height - ancestor.height })
  }

  // ---- Requests ---------------------------------------------------------------------------

  /**
   * Hands awaiting batches to peers: headers top-down first, then bodies lowest first. Called
   * by the loop, and also as each answer lands and each block is imported, so downloads go on
   * while the import runs.
   */
  private schedule(): void {
    const signal = this.requestSignal
    if (signal.aborted || this.fatal !== undefined) return
    const peers = this.peers.serving()
    if (peers.length === 0) return
    for (const batch of this.headers.awaiting()) {
      const peer = this.peers.pick(batch, peers)
      if (peer !== undefined) this.track(peer, () => this.fetchHeaders(batch, peer, signal))
    }
    if (this.cursor !== undefined) this.bodies.trimBelow(this.cursor)
    const base = this.cursor ?? this.lowestLinked
    for (const batch of this.bodies.awaiting(base + this.settings.maxBodiesAhead)) {
      const peer = this.peers.pick(batch, peers)
      if (peer !== undefined) this.track(peer, () => this.fetchBodies(batch, peer, signal))
    }
  }

  private track(peer: string, request: () => Promise<void>): void {
    const ended = this.peers.started(peer)
    const task = request()
      .catch((error: unknown) => {
        // Requests handle their own failures; anything left is a bug, and ends the run.
        this.fatal ??= error instanceof Error ? error : new Error(String(error))
      })
      .finally(() => {
        ended()
        this.tasks.delete(task)
        this.schedule()
        this.wake()
      })
    this.tasks.add(task)
  }

  private async fetchHeaders(batch: HeaderBatch, peer: string, signal: AbortSignal): Promise<void> {
    const range = this.headers.requestRange(batch)
    batch.startDownload(peer)
    this.counts.headerRequests++
    const byHash = range.topHash !== undefined
    this.components.log.debug('headers requested', { peer, top: range.top, count: range.count, byHash })
    try {
      const start = range.topHash === undefined ? { height: range.top } : { hash: range.topHash }
      const received = await this.components.network.requestHeaders(peer, { start, count: range.count, backwards: true }, signal)
      const span = verifyHeaderBatch(received, range, this.verifyContext(peer))
      if (!this.headers.isPending(batch)) return
      const write = new StoreBatch()
      for (const { header } of received) write.putSyncHeader(header.height, header)
      await this.components.chain.store.write(write)
      batch.downloaded(span)
      this.served(peer, 'headers', received.length)
      this.components.log.debug('headers stored', { peer, top: range.top, count: received.length })
    } catch (error) {
      this.requestFailed(batch, peer, error, this.headers.isPending(batch))
    }
  }

  private async fetchBodies(batch: BodyBatch, peer: string, signal: AbortSignal): Promise<void> {
    const { from, count } = batch.range
    const store = this.components.chain.store
    const headers = Array.from({ length: count }, (_, i) => store.syncHeader(from + i)!)
    batch.startDownload(peer)
    this.counts.bodyRequests++
    this.components.log.debug('bodies requested', { peer, from, count })
    try {
      const bodies = await this.components.network.requestBodies(peer, headers.map(blockHash), signal)
      if (bodies.length === 0) throw new DownloadError('DOWNLOAD_ERROR_INCOMPLETE', { detail: `no body of block ${from}`, peer, height: from })
      bodies.forEach((transactions, i) => verifyBody(headers[i]!, transactions, peer))
      const write = new StoreBatch()
      bodies.forEach((transactions, i) => write.putSyncBody(from + i, transactions))
      await store.write(write)
      this.bodies.delivered(batch, bodies.length)
      this.counts.bodiesAtHand += bodies.length
      this.served(peer, 'bodies', bodies.length)
      this.components.log.debug('bodies stored', { peer, from, count: bodies.length })
    } catch (error) {
      this.requestFailed(batch, peer, error, true)
    }
  }

  private served(peer: string, kind: 'headers' | 'bodies', items: number): void {
    this.peers.served(peer)
    if (kind === 'headers') this.counts.headersDownloaded += items
    else this.counts.bodiesDownloaded += items
    this.lastActivity = this.components.now()
  }

  /** Moves a batch on after its request failed; a failure nobody expected ends the run. */
  private requestFailed(batch: Batch<unknown, unknown>, peer: string, error: unknown, wanted: boolean): void {
    const unexpected = this.peers.requestFailed(batch, peer, error)
    if (unexpected !== undefined) this.fatal ??= unexpected
    if (wanted && batch.state.status === BatchStatus.Failed) this.fatal ??= batch.state.error
  }

  // ---- Import -----------------------------------------------------------------------------

  /** Imports, oldest first, every block from the cursor whose body is at hand. */
  private async importAvailable(signal: AbortSignal): Promise<void> {
    const { chain, now, onProgress } = this.components
    const store = chain.store
    while (this.cursor !== undefined && this.cursor <= this.target.height && !signal.aborted && !this.reached()) {
      const height = this.cursor
      const header = store.syncHeader(height)
      if (header === undefined) throw new DownloadError('DOWNLOAD_ERROR_IMPORT_FAILED', { detail: `the downloaded header ${height} is missing from the store`, height })
      const transactions = this.bodyAt(height, header)
      if (transactions === undefined) return
      // The next block's signatures are checked in the verify pool while this one executes.
      const next = store.syncHeader(height + 1)
      const nextBody = next === undefined || height + 1 > this.target.height ? undefined : this.bodyAt(height + 1, next)
      if (nextBody !== undefined) chain.signatures.prefetch(nextBody)
      try {
        await chain.importBlock({ header, transactions })
      } catch (error) {
        throw this.importFailed(height, error)
      }
      this.cleanup.push(height)
      this.cursor = height + 1
      this.counts.imported++
      this.lastActivity = now()
      onProgress(this.progress())
      this.schedule()
      if (this.cleanup.length >= this.settings.cleanupEveryBlocks) await this.flushCleanup()
    }
  }

  /** The body of the downloaded header at `height`: downloaded, or of a block already stored. */
  private bodyAt(height: number, header: BlockHeader): readonly Transaction[] | undefined {
    const store = this.components.chain.store
    return store.syncBody(height) ?? store.block(blockHash(header))?.transactions
  }

  /** The error that ends the run after the chain refused block `height`; penalises its servers. */
  private importFailed(height: number, error: unknown): unknown {
    if (!(error instanceof ChainError)) return error
    const cause = error.code as ImportErrorCode
    const detail = `block ${height}: ${errorMessage(error)}`
    if (importBlame(cause) === 'ours') return new DownloadError('DOWNLOAD_ERROR_IMPORT_FAILED', { detail, height, cause })
    const servers = [...new Set([this.headers.servedBy(height), this.bodies.servedBy(height)])].filter((peer) => peer !== undefined)
    const invalid = new DownloadError('DOWNLOAD_ERROR_INVALID_BLOCK', { detail, height, cause, ...(servers[0] === undefined ? {} : { peer: servers[0] }) })
    for (const peer of servers) this.peers.blame(peer, invalid)
    return invalid
  }

  /** Forgets the download records of imported blocks. */
  private async flushCleanup(): Promise<void> {
    if (this.cleanup.length === 0) return
    const write = new StoreBatch()
    for (const height of this.cleanup.splice(0)) write.clearSyncBlock(height)
    await this.components.chain.store.write(write)
  }

  // ---- Waiting ----------------------------------------------------------------------------

  private checkStalled(): void {
    const idleMs = this.components.now() - this.lastActivity
    if (idleMs > this.settings.stallTimeoutMs) {
      throw new DownloadError('DOWNLOAD_ERROR_STALLED', { detail: `nothing downloaded or imported for ${Math.round(idleMs / 1000)} s` })
    }
    const peers = this.peers.serving()
    const waiting = this.headers.awaiting().length + this.bodies.awaiting(Number.POSITIVE_INFINITY).length > 0
    if (waiting && this.peers.allExcluded(peers)) {
      throw new DownloadError('DOWNLOAD_ERROR_STALLED', { detail: `every peer that could serve the target (${peers.length}) was found useless` })
    }
  }

  private wake(): void {
    this.woken = true
    const wakeUp = this.wakeUp
    this.wakeUp = undefined
    wakeUp?.()
  }

  /** Waits `ms`, or less if something happened (or happened since the loop last looked). */
  private sleep(ms: number): Promise<void> {
    if (this.woken) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), ms)
      this.wakeUp = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  private report(): RunReport {
    const c = this.counts
    return {
      target: this.target,
      ancestor: this.headers.ancestor,
      imported: c.imported,
      headers: { downloaded: c.headersDownloaded, restored: c.headersRestored },
      bodies: { downloaded: c.bodiesDownloaded, restored: c.bodiesRestored },
      requests: { headers: c.headerRequests, bodies: c.bodyRequests },
      servedBy: this.peers.servedBy(),
    }
  }
}
