/**
 * The latest status of each connected peer: exchanged on connect, refreshed every
 * STATUS_REFRESH_INTERVAL_MS, and taken from the status a peer sends in its own request.
 * The sync downloader reads these to pick its target; a peer's status is forgotten when it
 * disconnects or is banned.
 */
import type { Logger } from '../log.js'
import { STATUS_REFRESH_INTERVAL_MS } from './constants.js'
import { SyncError } from './errors.js'
import type { ChainStatus } from './sync-codec.js'

export interface PeerStatusesComponents {
  /** Exchanges statuses with a peer (a `status` request), returning its status. */
  readonly exchange: (peer: string) => Promise<ChainStatus>
  readonly connectedPeers: () => readonly string[]
  readonly isConnected: (peer: string) => boolean
  /** Told of every status recorded. */
  readonly onStatus: (peer: string, status: ChainStatus) => void
  readonly log: Logger
}

export class PeerStatuses {
  private readonly statuses = new Map<string, ChainStatus>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly components: PeerStatusesComponents,
    private readonly refreshIntervalMs = STATUS_REFRESH_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => this.refreshAll(), this.refreshIntervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.statuses.clear()
  }

  /** Records a peer's status, unless it is no longer connected (a late answer). */
  record(peer: string, status: ChainStatus): void {
    if (!this.components.isConnected(peer)) return
    this.statuses.set(peer, status)
    this.components.onStatus(peer, status)
  }

  forget(peer: string): void {
    this.statuses.delete(peer)
  }

  get(peer: string): ChainStatus | undefined {
    return this.statuses.get(peer)
  }

  all(): ReadonlyMap<string, ChainStatus> {
    return this.statuses
  }

  /** Exchanges statuses with `peer` now and records its answer. */
  async refresh(peer: string): Promise<ChainStatus> {
    const status = await this.components.exchange(peer)
    this.record(peer, status)
    return status
  }

  private refreshAll(): void {
    for (const peer of this.components.connectedPeers()) {
      this.refresh(peer).catch((error: unknown) => {
        // SyncErrors were charged and logged by the client; anything else is ours.
        if (!(error instanceof SyncError)) this.components.log.warn('status refresh failed', { peer, error })
      })
    }
  }
}
