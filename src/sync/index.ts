/**
 * The sync downloader's public face, for the node: a `Downloader` over the chain and the
 * network's narrow functions (`SyncNetwork`), and the view that shows its progress.
 * docs/sync.md ("The downloader") describes the algorithm.
 */
export { Downloader, DownloaderStatus, syncNetworkOf, type DownloaderComponents, type DownloaderEvents, type DownloaderInit, type SyncStart } from './downloader.js'
export { DownloadError, type DownloadErrorCode, type DownloadErrorData } from './errors.js'
export type { SyncTarget } from './headers.js'
export { SyncProgressView, type ProgressViewInit } from './progress-view.js'
export type { RunReport, SyncNetwork, SyncProgress } from './types.js'
