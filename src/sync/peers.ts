/**
 * The peers of one sync run: which may serve the target, how busy each is, which failed or
 * lied, and who served what. It picks the peer for a batch (the least busy that has not
 * failed it, or that did when all have, within our own request pace), and turns every
 * failure into its consequences:
 * penalty points, a peer not asked again, a moment's rest for a busy one.
 */
import type { Logger } from '../log.js'
import { SyncError } from '../network/errors.js'
import type { RateLimiter } from '../network/rate-limit.js'
import { bytesEqual } from '../encoding/bytes.js'
import type { Batch } from './batch.js'
import { DownloadError, peerVerdict, requestFailure } from './errors.js'
import type { SyncTarget } from './headers.js'
import type { RunSettings, SyncNetwork } from './types.js'

interface PeerRecord {
  inFlight: number
  failures: number
  excluded: boolean
  busyUntil: number
  served: number
}

export interface RunPeersComponents {
  readonly network: SyncNetwork
  readonly limiter: RateLimiter
  readonly log: Logger
  readonly now: () => number
}

export class RunPeers {
  private readonly records = new Map<string, PeerRecord>()

  constructor(
    private readonly components: RunPeersComponents,
    private readonly target: SyncTarget,
    private readonly settings: Pick<RunSettings, 'maxRequestsPerPeer' | 'maxPeerFailures' | 'peerBusyBackoffMs'>,
  ) {}

  private record(peer: string): PeerRecord {
    let record = this.records.get(peer)
    if (record === undefined) {
      record = { inFlight: 0, failures: 0, excluded: false, busyUntil: 0, served: 0 }
      this.records.set(peer, record)
    }
    return record
  }

  /** Peers whose status is at least as heavy as the target: their chain holds it, or one built on it. */
  serving(): string[] {
    return [...this.components.network.statuses()].filter(([, status]) => status.totalWork >= this.target.totalWork).map(([peer]) => peer)
  }

  /** Whether `peer` announced the target itself as its head (so its canonical chain holds it). */
  hasTarget(peer: string): boolean {
    const status = this.components.network.statuses().get(peer)
    return status !== undefined && bytesEqual(status.headHash, this.target.hash)
  }

  /** Peers that announced the target with the work it was chosen for. */
  announcers(): string[] {
    return [...this.components.network.statuses()]
      .filter(([, status]) => bytesEqual(status.headHash, this.target.hash) && status.totalWork === this.target.totalWork)
      .map(([peer]) => peer)
  }

  /** Whether every one of `peers` proved useless for this target. */
  allExcluded(peers: readonly string[]): boolean {
    return peers.length > 0 && peers.every((peer) => this.record(peer).excluded)
  }

  /**
   * The least busy of `peers` that may take `batch` now, if any; it takes one of our request
   * tokens. A batch goes back to a peer that failed it only when every peer still asked has
   * failed it: with a single peer, one timeout would otherwise stall the run until it is given
   * up, and its target shunned for minutes. The batch's attempts and the peer's failures still
   * bound the retries.
   */
  pick(batch: Batch<unknown, unknown>, peers: readonly string[]): string | undefined {
    const now = this.components.now()
    const asked = peers.filter((peer) => !this.record(peer).excluded)
    const fresh = asked.filter((peer) => !batch.hasFailed(peer))
    const ready = (fresh.length > 0 ? fresh : asked)
      .filter((peer) => {
        const record = this.record(peer)
        return record.busyUntil <= now && record.inFlight < this.settings.maxRequestsPerPeer
      })
      .sort((a, b) => this.record(a).inFlight - this.record(b).inFlight || this.record(a).served - this.record(b).served)
    return ready.find((peer) => this.components.limiter.take(peer))
  }

  /** A request to `peer` starts; the returned function says it ended. */
  started(peer: string): () => void {
    const record = this.record(peer)
    record.inFlight++
    return () => void record.inFlight--
  }

  served(peer: string): void {
    this.record(peer).served++
  }

  /** Batches each peer served. */
  servedBy(): Record<string, number> {
    return Object.fromEntries([...this.records].filter(([, record]) => record.served > 0).map(([peer, record]) => [peer, record.served]))
  }

  /** Charges `peer` what `error` costs, and stops asking it if the error says so. */
  blame(peer: string | undefined, error: DownloadError): void {
    if (peer === undefined) return
    const verdict = peerVerdict(error.code)
    if (verdict.penalty !== undefined) this.components.network.reportPeer(peer, verdict.penalty)
    if (verdict.exclude) this.record(peer).excluded = true
    this.components.log.debug('peer data refused', { peer, code: error.code, detail: error.data.detail, penalty: verdict.penalty })
  }

  /**
   * Decides what a failed request means for `batch` and `peer`, and moves the batch on.
   * Returns the error when it is none of the expected kinds (a bug, or the network stopped
   * under us): the run ends with it.
   */
  requestFailed(batch: Batch<unknown, unknown>, peer: string, error: unknown): Error | undefined {
    if (error instanceof DownloadError) {
      this.blame(peer, error)
      batch.downloadFailed(error)
      return undefined
    }
    if (!(error instanceof SyncError)) {
      const unexpected = error instanceof Error ? error : new Error(String(error))
      batch.downloadFailed(unexpected, false)
      return unexpected
    }
    // The network client charged the peer already where the failure shows misbehaviour.
    const record = this.record(peer)
    const kind = requestFailure(error.code)
    switch (kind) {
      case 'liar':
        record.excluded = true
        batch.downloadFailed(error)
        break
      case 'flaky':
        if (++record.failures >= this.settings.maxPeerFailures) record.excluded = true
        batch.downloadFailed(error)
        break
      case 'busy':
        record.busyUntil = this.components.now() + this.settings.peerBusyBackoffMs
        batch.downloadFailed(error, false)
        break
      case 'stopped':
        batch.downloadFailed(error, false)
        break
    }
    this.components.log.debug('request failed', { peer, code: error.code, detail: error.data.detail, outcome: kind })
    return undefined
  }
}
