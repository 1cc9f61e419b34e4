/**
 * The shapes the downloader's parts share: what it needs of the network, its settings, and
 * what a run reports.
 */
import type { Transaction } from '../ledger/transaction.js'
import type { PenaltyReason } from '../network/constants.js'
import type { ChainStatus, HeadersQuery, ReceivedHeader } from '../network/sync-codec.js'
import type { SyncTarget } from './headers.js'
import type { Ancestor } from './verify.js'

/** What the downloader needs of the network: the `Network`'s own methods, narrowed. */
export interface SyncNetwork {
  /** The last status of each connected peer. */
  statuses(): ReadonlyMap<string, ChainStatus>
  requestHeaders(peer: string, query: HeadersQuery, signal?: AbortSignal): Promise<ReceivedHeader[]>
  requestBodies(peer: string, hashes: readonly Uint8Array[], signal?: AbortSignal): Promise<Transaction[][]>
  reportPeer(peer: string, reason: PenaltyReason): void
  /** Calls `listener` whenever a peer's status arrives; returns the function that stops it. */
  onStatus(listener: () => void): () => void
}

/** The settings of a run (DownloaderInit, defaulted from constants.ts). */
export interface RunSettings {
  readonly headerBatchSize: number
  readonly bodyBatchSize: number
  readonly maxHeaderBatchesAhead: number
  readonly maxBodiesAhead: number
  readonly maxRequestsPerPeer: number
  readonly maxPeerFailures: number
  readonly peerBusyBackoffMs: number
  readonly stallTimeoutMs: number
  readonly cleanupEveryBlocks: number
}

export interface SyncProgress {
  readonly target: number
  /** Our head's height. */
  readonly current: number
  /** Our head's height when the run started. */
  readonly startHeight: number
  readonly imported: number
  /** Blocks this run imports in all, once the common ancestor is known. */
  readonly toImport: number | undefined
  /** Headers linked, and bodies at hand (downloaded, restored or already ours). */
  readonly headers: number
  readonly bodies: number
}

export interface RunReport {
  readonly target: SyncTarget
  readonly ancestor: Ancestor | undefined
  readonly imported: number
  /** Headers and bodies fetched from peers, and found in the store (a resumed run). */
  readonly headers: { readonly downloaded: number; readonly restored: number }
  readonly bodies: { readonly downloaded: number; readonly restored: number }
  readonly requests: { readonly headers: number; readonly bodies: number }
  /** Batches each peer served. */
  readonly servedBy: Readonly<Record<string, number>>
}
