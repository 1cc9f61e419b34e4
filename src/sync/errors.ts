/**
 * Typed errors of the sync downloader, and the decisions they lead to: whether a peer is
 * penalised (and for what), whether it is asked again, and whose fault a failed import is.
 * Every decision is a switch over every code with no default, so a new code does not compile
 * until its effect is decided.
 */
import { ChainError } from '../errors.js'
import { importFault, type ImportErrorCode } from '../chain/import-errors.js'
import type { PenaltyReason } from '../network/constants.js'
import type { SyncErrorCode } from '../network/errors.js'

export type DownloadErrorCode =
  | 'DOWNLOAD_ERROR_INCOMPLETE' // fewer headers or bodies than asked, or none: the peer lacks them (or is on another branch now)
  | 'DOWNLOAD_ERROR_WRONG_START' // a header batch that does not start at the hash or height asked
  | 'DOWNLOAD_ERROR_BAD_WORK' // a header whose hash does not meet its own difficulty (its proof-of-work is missing)
  | 'DOWNLOAD_ERROR_BAD_HEADER' // a header that fails consensus.checkSeal, or validateLink against its parent (data.cause)
  | 'DOWNLOAD_ERROR_FUTURE_HEADER' // a header dated too far ahead of our clock (a clock apart, or a trick)
  | 'DOWNLOAD_ERROR_UNLINKED' // a batch, asked of a peer whose head is the target, that is not the parent of the batch above
  | 'DOWNLOAD_ERROR_OFF_BRANCH' // the same, from a peer whose head is another block: its canonical chain left the target's
  | 'DOWNLOAD_ERROR_BAD_BODY' // a body whose transactions root is not its header's
  | 'DOWNLOAD_ERROR_WORK_MISMATCH' // the target's chain does not add up to the total work its peers announced
  | 'DOWNLOAD_ERROR_INVALID_BLOCK' // the chain refused a downloaded block (data.cause): the target is invalid
  | 'DOWNLOAD_ERROR_IMPORT_FAILED' // the import failed on our side (store, VM): nobody else's fault
  | 'DOWNLOAD_ERROR_ATTEMPTS' // a batch failed MAX_BATCH_ATTEMPTS times
  | 'DOWNLOAD_ERROR_STALLED' // nothing downloaded or imported for STALL_TIMEOUT_MS (no useful peer)
  | 'DOWNLOAD_ERROR_ABORTED' // the downloader is stopping

export interface DownloadErrorData {
  readonly detail: string
  /** The peer that sent the data, when a peer did. */
  readonly peer?: string
  /** The height concerned, when one is. */
  readonly height?: number
  /** The code of the underlying error (a consensus check, a block import). */
  readonly cause?: string
}

export class DownloadError extends ChainError<DownloadErrorCode, DownloadErrorData> {
  constructor(code: DownloadErrorCode, data: DownloadErrorData) {
    super(code, data, `${code}: ${data.detail}${data.peer === undefined ? '' : ` (peer ${data.peer})`}`)
  }
}

/** What a verification failure means for the peer that sent the data. */
export interface PeerVerdict {
  /** Penalty points to charge, if the data shows the peer lying. */
  readonly penalty: PenaltyReason | undefined
  /** Whether to stop asking it anything for this target (otherwise only this batch avoids it). */
  readonly exclude: boolean
}

/** The verdict on the peer whose data failed with `code`. */
export function peerVerdict(code: DownloadErrorCode): PeerVerdict {
  switch (code) {
    // Data an honest node never sends: it validated every header and block it stores.
    case 'DOWNLOAD_ERROR_WRONG_START':
    case 'DOWNLOAD_ERROR_BAD_WORK':
    case 'DOWNLOAD_ERROR_BAD_HEADER':
    case 'DOWNLOAD_ERROR_UNLINKED':
    case 'DOWNLOAD_ERROR_BAD_BODY':
    case 'DOWNLOAD_ERROR_WORK_MISMATCH':
    case 'DOWNLOAD_ERROR_INVALID_BLOCK':
      return { penalty: 'bad-response', exclude: true }
    // Honest nodes do this: their clock differs, or their chain moved since their status.
    case 'DOWNLOAD_ERROR_FUTURE_HEADER':
    case 'DOWNLOAD_ERROR_OFF_BRANCH':
      return { penalty: undefined, exclude: true }
    // It lacks what we asked: another peer may have it.
    case 'DOWNLOAD_ERROR_INCOMPLETE':
      return { penalty: undefined, exclude: false }
    // Not about a peer's data.
    case 'DOWNLOAD_ERROR_IMPORT_FAILED':
    case 'DOWNLOAD_ERROR_ATTEMPTS':
    case 'DOWNLOAD_ERROR_STALLED':
    case 'DOWNLOAD_ERROR_ABORTED':
      return { penalty: undefined, exclude: false }
  }
}

/**
 * What a failed request says about the peer (the network client has charged it already where
 * the failure shows misbehaviour): `liar` is not asked again, `flaky` counts toward
 * MAX_PEER_FAILURES, `busy` is left alone a moment, `stopped` means we are shutting down.
 */
export function requestFailure(code: SyncErrorCode): 'liar' | 'flaky' | 'busy' | 'stopped' {
  switch (code) {
    case 'SYNC_ERROR_MALFORMED':
    case 'SYNC_ERROR_TOO_LARGE':
    case 'SYNC_ERROR_BAD_RESPONSE':
    case 'SYNC_ERROR_UNSUPPORTED':
    case 'SYNC_ERROR_WRONG_NETWORK':
      return 'liar'
    case 'SYNC_ERROR_TIMEOUT':
    case 'SYNC_ERROR_STREAM':
    case 'SYNC_ERROR_NOT_AVAILABLE':
    case 'SYNC_ERROR_NO_KNOWN_ANCESTOR':
      return 'flaky'
    case 'SYNC_ERROR_REFUSED':
      return 'busy'
    case 'SYNC_ERROR_ABORTED':
      return 'stopped'
  }
}

/** Whose fault an import failure is: the block's (the target is invalid) or ours (retry later). */
export function importBlame(code: ImportErrorCode): 'block' | 'ours' {
  switch (importFault(code)) {
    case 'invalid':
      return 'block'
    // Checked at download already (refused now only if our clock went back); and the
    // downloader imports in order from a block it has, so the rest mean trouble here.
    case 'not-yet':
    case 'local':
      return 'ours'
  }
}
