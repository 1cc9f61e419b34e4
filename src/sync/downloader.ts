/**
 * The sync downloader: a service of the node that catches its chain up with the heaviest chain
 * among its peers, downloading it newest-first from several peers at once (docs/sync.md, "The
 * downloader"). It picks a target, hands it to a `SyncRun`, and picks again when the run ends.
 *
 *   Stopped -> Idle          start()
 *   Idle    -> Syncing       a target is chosen (at start, on a peer's status, or on a tick)
 *   Syncing -> Idle          the run ended: reached, failed, or superseded
 *   Idle | Syncing -> Stopped   stop() (a run in progress is aborted; its data stays stored)
 *
 * The target is the head of the heaviest status heavier than our chain, or, after a restart,
 * the target whose data the store still holds. A head of exactly our chain's work that we have
 * not seen is a target too: fork choice's tie-break then picks between the two, alike on every
 * node. Without it, nodes whose heads tie never learn of each other's (a block gossiped before
 * its producer had peers is heard by nobody), and proof-of-authority signers can deadlock: each
 * on its own block, none allowed to seal on it. A target a few blocks ahead (a gap the gossip
 * short-gap fetch fills) is left to gossip for SHORT_GAP_GRACE_MS first.
 */
import { EventEmitter } from 'node:events'
import type { Chain } from '../chain/chain.js'
import { bytesEqual, toHex } from '../encoding/bytes.js'
import { errorMessage } from '../errors.js'
import { SILENT_LOGGER, type Logger } from '../log.js'
import type { Network } from '../network/network.js'
import { RateLimiter } from '../network/rate-limit.js'
import {
  BODY_BATCH_SIZE,
  CLEANUP_EVERY_BLOCKS,
  FAILED_TARGET_RETRY_MS,
  HEADER_BATCH_SIZE,
  MAX_BODIES_AHEAD,
  MAX_HEADER_BATCHES_AHEAD,
  MAX_PEER_FAILURES,
  MAX_REQUESTS_PER_PEER,
  PEER_BUSY_BACKOFF_MS,
  PROGRESS_INTERVAL_MS,
  REQUEST_RATE_BURST,
  REQUEST_RATE_PER_SECOND,
  SHORT_GAP_BLOCKS,
  SHORT_GAP_GRACE_MS,
  STALL_TIMEOUT_MS,
  TARGET_CHECK_INTERVAL_MS,
} from './constants.js'
import { DownloadError, type DownloadErrorCode } from './errors.js'
import type { SyncTarget } from './headers.js'
import { SyncRun } from './run.js'
import type { RunReport, RunSettings, SyncNetwork, SyncProgress } from './types.js'

export interface DownloaderComponents {
  readonly chain: Chain
  readonly network: SyncNetwork
  readonly log?: Logger
}

/** Settings, defaulted from constants.ts; tests shorten the timings. */
export interface DownloaderInit extends Partial<RunSettings> {
  readonly shortGapBlocks?: number
  readonly shortGapGraceMs?: number
  readonly checkIntervalMs?: number
  readonly failedTargetRetryMs?: number
  readonly progressIntervalMs?: number
  readonly requestRatePerSecond?: number
  readonly requestRateBurst?: number
  readonly now?: () => number
}

export interface SyncStart {
  readonly target: SyncTarget
  /** The target's data was in the store (a restart): the run takes it from there. */
  readonly resumed: boolean
  /** Our head's height at the start. */
  readonly from: number
}

export interface DownloaderEvents {
  'sync:start': [start: SyncStart]
  /** At most every PROGRESS_INTERVAL_MS while blocks are imported. */
  'sync:progress': [progress: SyncProgress]
  'sync:done': [report: RunReport]
  'sync:failed': [target: SyncTarget, error: DownloadError]
}

export enum DownloaderStatus {
  Stopped = 'stopped',
  Idle = 'idle',
  Syncing = 'syncing',
}

type DownloaderState =
  | { readonly status: DownloaderStatus.Stopped }
  /** `waiting`: a short-gap target seen first at `since`, left to gossip for now. */
  | { readonly status: DownloaderStatus.Idle; readonly waiting?: { readonly hash: Uint8Array; readonly since: number } }
  | { readonly status: DownloaderStatus.Syncing; readonly run: SyncRun; readonly controller: AbortController; readonly done: Promise<void> }

/** Failures after which the target's stored data is dropped: it is wrong, not merely late. */
const DATA_IS_WRONG: Record<DownloadErrorCode, boolean> = {
  DOWNLOAD_ERROR_INCOMPLETE: false,
  DOWNLOAD_ERROR_WRONG_START: true,
  DOWNLOAD_ERROR_BAD_WORK: true,
  DOWNLOAD_ERROR_BAD_HEADER: true,
  DOWNLOAD_ERROR_FUTURE_HEADER: true,
  DOWNLOAD_ERROR_UNLINKED: true,
  DOWNLOAD_ERROR_OFF_BRANCH: true,
  DOWNLOAD_ERROR_BAD_BODY: true,
  DOWNLOAD_ERROR_WORK_MISMATCH: true,
  DOWNLOAD_ERROR_INVALID_BLOCK: true,
  DOWNLOAD_ERROR_ATTEMPTS: true,
  DOWNLOAD_ERROR_IMPORT_FAILED: false,
  DOWNLOAD_ERROR_STALLED: false,
  DOWNLOAD_ERROR_ABORTED: false,
}

export class Downloader extends EventEmitter<DownloaderEvents> {
  private state: DownloaderState = { status: DownloaderStatus.Stopped }
  private readonly settings: RunSettings
  private readonly limiter: RateLimiter
  private readonly log: Logger
  private readonly now: () => number
  /** Targets whose run failed, by hex hash, with when they may be tried again. */
  private readonly failedTargets = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined
  private lastProgressAt = 0

  constructor(
    private readonly components: DownloaderComponents,
    private readonly init: DownloaderInit = {},
  ) {
    super()
    this.log = components.log ?? SILENT_LOGGER
    this.now = init.now ?? Date.now
    this.limiter = new RateLimiter({ burst: init.requestRateBurst ?? REQUEST_RATE_BURST, perSecond: init.requestRatePerSecond ?? REQUEST_RATE_PER_SECOND, now: this.now })
    this.settings = {
      headerBatchSize: init.headerBatchSize ?? HEADER_BATCH_SIZE,
      bodyBatchSize: init.bodyBatchSize ?? BODY_BATCH_SIZE,
      maxHeaderBatchesAhead: init.maxHeaderBatchesAhead ?? MAX_HEADER_BATCHES_AHEAD,
      maxBodiesAhead: init.maxBodiesAhead ?? MAX_BODIES_AHEAD,
      maxRequestsPerPeer: init.maxRequestsPerPeer ?? MAX_REQUESTS_PER_PEER,
      maxPeerFailures: init.maxPeerFailures ?? MAX_PEER_FAILURES,
      peerBusyBackoffMs: init.peerBusyBackoffMs ?? PEER_BUSY_BACKOFF_MS,
      stallTimeoutMs: init.stallTimeoutMs ?? STALL_TIMEOUT_MS,
      cleanupEveryBlocks: init.cleanupEveryBlocks ?? CLEANUP_EVERY_BLOCKS,
    }
  }

  get status(): DownloaderStatus {
    return this.state.status
  }

  /** `{ current, target }` heights while syncing, else `false` (the RPC's `syncing`). */
  progress(): { readonly current: number; readonly target: number } | false {
    if (this.state.status !== DownloaderStatus.Syncing) return false
    const { current, target } = this.state.run.progress()
    return { current, target }
  }

  /** Stopped -> Idle: watches the peers' statuses (idempotent). Resumes a stored target at once. */
  start(): void {
    if (this.state.status !== DownloaderStatus.Stopped) return
    this.state = { status: DownloaderStatus.Idle }
    this.unsubscribe = this.components.network.onStatus(() => this.check())
    this.timer = setInterval(() => this.check(), this.init.checkIntervalMs ?? TARGET_CHECK_INTERVAL_MS)
    this.timer.unref()
    this.check()
  }

  /** -> Stopped: aborts the run in progress and waits for it to put its data down (idempotent). */
  async stop(): Promise<void> {
    const state = this.state
    if (state.status === DownloaderStatus.Stopped) return
    this.state = { status: DownloaderStatus.Stopped }
    clearInterval(this.timer)
    this.timer = undefined
    this.unsubscribe?.()
    this.unsubscribe = undefined
    if (state.status === DownloaderStatus.Syncing) {
      state.controller.abort()
      await state.done
    }
  }

  /** Idle -> Syncing when there is a target worth a sync. */
  private check(): void {
    try {
      this.checkNow()
    } catch (error) {
      // A timer or an event called this: a failure (the store closing under us) must not escape.
      this.log.error('sync target check failed', { error: errorMessage(error) })
    }
  }

  private checkNow(): void {
    if (this.state.status !== DownloaderStatus.Idle) return
    const choice = this.choose(this.state.waiting)
    if (choice === undefined) return
    if ('wait' in choice) {
      this.state = { status: DownloaderStatus.Idle, waiting: choice.wait }
      return
    }
    this.begin(choice.target, choice.resumed)
  }

  private isFailed(hash: Uint8Array): boolean {
    const until = this.failedTargets.get(toHex(hash))
    if (until === undefined) return false
    if (until > this.now()) return true
    this.failedTargets.delete(toHex(hash))
    return false
  }

  /** A head we do not have (a block we have is our head, on a branch, or known invalid) with at least our work, not failed lately. */
  private isWorthSyncing(hash: Uint8Array, totalWork: bigint): boolean {
    const { head, store } = this.components.chain
    return totalWork >= head.totalWork && store.meta(hash) === undefined && !this.isFailed(hash)
  }

  /** The target to sync to now, or a short gap to keep waiting on, or nothing. */
  private choose(waiting: { hash: Uint8Array; since: number } | undefined): { target: SyncTarget; resumed: boolean } | { wait: { hash: Uint8Array; since: number } } | undefined {
    const head = this.components.chain.head
    const stored = this.components.chain.store.syncTarget()
    if (stored !== undefined && this.isWorthSyncing(stored.hash, stored.totalWork)) return { target: stored, resumed: true }
    let best: SyncTarget | undefined
    for (const status of this.components.network.statuses().values()) {
      if ((best !== undefined && status.totalWork <= best.totalWork) || !this.isWorthSyncing(status.headHash, status.totalWork)) continue
      best = { hash: status.headHash, height: status.headHeight, totalWork: status.totalWork }
    }
    if (best === undefined) return undefined
    if (best.height - head.header.height > (this.init.shortGapBlocks ?? SHORT_GAP_BLOCKS)) return { target: best, resumed: false }
    if (waiting === undefined || !bytesEqual(waiting.hash, best.hash)) return { wait: { hash: best.hash, since: this.now() } }
    if (this.now() - waiting.since < (this.init.shortGapGraceMs ?? SHORT_GAP_GRACE_MS)) return { wait: waiting }
    return { target: best, resumed: false }
  }

  private begin(target: SyncTarget, resumed: boolean): void {
    const controller = new AbortController()
    const run = new SyncRun(
      {
        chain: this.components.chain,
        network: this.components.network,
        limiter: this.limiter,
        log: this.log,
        now: this.now,
        onProgress: (progress) => this.progressed(progress),
      },
      target,
      this.settings,
    )
    const from = this.components.chain.head.header.height
    const context = { target: toHex(target.hash).slice(0, 12), height: target.height }
    this.log.info(resumed ? 'sync resumed' : 'sync started', { ...context, from, work: target.totalWork })
    const done = run
      .execute(controller.signal)
      .then(
        (report) => {
          // The event first: a progress bar ends its line before the log line is written.
          this.emit('sync:done', report)
          const servedBy = Object.fromEntries(Object.entries(report.servedBy).map(([peer, count]) => [peer.slice(-8), count]))
          this.log.info('sync finished', { ...context, imported: report.imported, headers: report.headers, bodies: report.bodies, requests: report.requests, servedBy })
        },
        (error: unknown) => this.failed(target, error),
      )
      // A listener that throws must not leave `done` rejected: stop() awaits it.
      .catch((error: unknown) => this.log.error('sync event listener failed', { error: errorMessage(error) }))
      .finally(() => this.ended(run))
    this.state = { status: DownloaderStatus.Syncing, run, controller, done }
    this.emit('sync:start', { target, resumed, from })
  }

  private failed(target: SyncTarget, error: unknown): Promise<void> | void {
    const failure = error instanceof DownloadError ? error : new DownloadError('DOWNLOAD_ERROR_IMPORT_FAILED', { detail: errorMessage(error) })
    if (failure.code === 'DOWNLOAD_ERROR_ABORTED') return
    // Expired entries go as new ones come: a peer announcing a new bad head every few seconds
    // must not grow this map for as long as the node runs.
    for (const [hash, until] of this.failedTargets) if (until <= this.now()) this.failedTargets.delete(hash)
    this.failedTargets.set(toHex(target.hash), this.now() + (this.init.failedTargetRetryMs ?? FAILED_TARGET_RETRY_MS))
    this.emit('sync:failed', target, failure)
    if (!(error instanceof DownloadError)) this.log.error('sync failed unexpectedly', { error: errorMessage(error) })
    this.log.warn('sync failed', { target: toHex(target.hash).slice(0, 12), height: target.height, code: failure.code, detail: failure.data.detail })
    if (DATA_IS_WRONG[failure.code]) return this.components.chain.store.clearSyncData().catch((cause: unknown) => this.log.warn('could not clear sync data', { error: errorMessage(cause) }))
  }

  /** Syncing -> Idle, and a look for the next target (unless stopping). */
  private ended(run: SyncRun): void {
    if (this.state.status !== DownloaderStatus.Syncing || this.state.run !== run) return
    this.state = { status: DownloaderStatus.Idle }
    setImmediate(() => this.check())
  }

  private progressed(progress: SyncProgress): void {
    const now = this.now()
    const last = progress.current >= progress.target
    if (!last && now - this.lastProgressAt < (this.init.progressIntervalMs ?? PROGRESS_INTERVAL_MS)) return
    this.lastProgressAt = now
    this.emit('sync:progress', progress)
  }
}

/** The downloader's view of a `Network`: its own methods, and its status events as a subscription. */
export function syncNetworkOf(network: Network): SyncNetwork {
  return {
    statuses: () => network.statuses(),
    requestHeaders: (peer, query, signal) => network.requestHeaders(peer, query, signal),
    requestBodies: (peer, hashes, signal) => network.requestBodies(peer, hashes, signal),
    reportPeer: (peer, reason) => network.reportPeer(peer, reason),
    onStatus: (listener) => {
      network.on('peer:status', listener)
      return () => void network.off('peer:status', listener)
    },
  }
}
