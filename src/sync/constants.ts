/**
 * Constants of the sync downloader, each with the reason for its value. `DownloaderInit`
 * defaults to these; tests shorten the timings.
 */
import { SYNC_MAX_BODIES, SYNC_MAX_HEADERS, SYNC_RATE_BURST, SYNC_RATE_PER_SECOND } from '../network/constants.js'

const SECOND_MS = 1_000
const MINUTE_MS = 60 * SECOND_MS

// ---- Batches -------------------------------------------------------------------------------

/** Headers per header batch: the protocol's maximum per request, so a batch is one request. */
export const HEADER_BATCH_SIZE = SYNC_MAX_HEADERS
/** Blocks per body batch: the protocol's maximum per request (a server may answer a prefix). */
export const BODY_BATCH_SIZE = SYNC_MAX_BODIES
/**
 * Header batches planned below the lowest linked one at most: 8 × 512 = 4,096 headers in
 * flight or waiting to link. Enough to keep several peers busy; bounded, so a peer announcing
 * an absurd height makes us plan a few batches, not millions.
 */
export const MAX_HEADER_BATCHES_AHEAD = 8
/**
 * Bodies downloaded ahead of the import at most (blocks above the import cursor): about 30
 * requests of bodies, enough to keep every peer busy while the import executes, bounded so a
 * chain that turns out invalid wastes little disk and bandwidth.
 */
export const MAX_BODIES_AHEAD = 32 * BODY_BATCH_SIZE
/**
 * Download attempts of one batch before the target is given up (Lodestar's
 * MAX_BATCH_DOWNLOAD_ATTEMPTS). Each failure moves the batch to another peer when there is one.
 */
export const MAX_BATCH_ATTEMPTS = 5

// ---- Peers ---------------------------------------------------------------------------------

/** Requests in flight to one peer: one being answered and one queued keeps its link busy. */
export const MAX_REQUESTS_PER_PEER = 2
/**
 * Requests per second we send one peer, sustained, and in a burst: below what a server grants
 * (SYNC_RATE_PER_SECOND, SYNC_RATE_BURST), leaving room for statuses and gossip fetches, so an
 * honest downloader is never refused (each refusal would cost it penalty points).
 */
export const REQUEST_RATE_PER_SECOND = SYNC_RATE_PER_SECOND - 2
export const REQUEST_RATE_BURST = SYNC_RATE_BURST - 4
/** Timeouts or dropped streams after which a peer is not asked again for this target. */
export const MAX_PEER_FAILURES = 3
/** A peer that refused a request (busy, rate limited) is left alone this long. */
export const PEER_BUSY_BACKOFF_MS = 1 * SECOND_MS

// ---- Targets and runs ----------------------------------------------------------------------

/**
 * A target at most this many blocks ahead is a gap the gossip short-gap fetch fills (the node
 * fetches up to 64 missing ancestors of a gossiped block): it starts a sync only when it is
 * still there after SHORT_GAP_GRACE_MS.
 */
export const SHORT_GAP_BLOCKS = 64
/** Several block times: time enough for the next gossiped block to close a short gap. */
export const SHORT_GAP_GRACE_MS = 5 * SECOND_MS
/** How often an idle downloader looks at the peers' statuses without being told of a change. */
export const TARGET_CHECK_INTERVAL_MS = 1 * SECOND_MS
/** A run that neither downloads nor imports anything for this long ends (peers gone or useless). */
export const STALL_TIMEOUT_MS = 30 * SECOND_MS
/** A target whose run failed is not chosen again for this long (its peers may be lying). */
export const FAILED_TARGET_RETRY_MS = 2 * MINUTE_MS
/** Downloaded blocks imported between two clean-ups of their download records. */
export const CLEANUP_EVERY_BLOCKS = BODY_BATCH_SIZE
/** Progress events at most this often: a progress bar redraws smoothly, logs stay short. */
export const PROGRESS_INTERVAL_MS = 1 * SECOND_MS
/** Progress log lines (when not in a terminal) at most this often. */
export const PROGRESS_LOG_INTERVAL_MS = 10 * SECOND_MS
/** The run looks around at least this often when nothing happens (backoffs ending, stalls). */
export const RUN_TICK_MS = 250
