/**
 * Checks of downloaded data, before any of it is believed: pure functions of the data, the
 * consensus rules and a look-up of the blocks we have.
 *
 * A header batch, on arrival: it starts where asked and is complete, every header carries its
 * own seal (`consensus.checkSeal`: proof-of-work, or a signature's shape), and each header is
 * valid against its parent in the batch (`consensus.validateLink`: link, height, timestamps,
 * difficulty where the parent decides it). Where the batch reaches
 * a block we have (the common ancestor), the header above it is checked against our copy.
 * Once the batch below arrives, the junction: its top must be the parent of our bottom.
 * A body: its transactions root must be its header's.
 */
import { bytesEqual, toHex } from '../encoding/bytes.js'
import { ConsensusError, type Consensus } from '../consensus/consensus.js'
import { transactionsRoot, type BlockHeader } from '../ledger/block.js'
import type { Transaction } from '../ledger/transaction.js'
import type { ReceivedHeader } from '../network/sync-codec.js'
import { DownloadError } from './errors.js'

/** The heights a header batch covers, newest first from `top`, and its top's hash when known. */
export interface HeaderRange {
  readonly top: number
  readonly count: number
  /** Known once the batch above is linked, or for the target itself: the batch is asked by hash. */
  readonly topHash?: Uint8Array
}

export interface Ancestor {
  readonly hash: Uint8Array
  readonly height: number
}

/** What a header batch says once checked on its own (the headers themselves are in the store). */
export interface HeaderSpan {
  readonly top: ReceivedHeader
  readonly bottom: ReceivedHeader
  /** How many headers, from the top, are above the common ancestor: the blocks to import. */
  readonly needed: number
  /** The total work of those headers. */
  readonly work: bigint
  /** Where the batch meets our chain, if it does: the highest of its headers we have as a valid block, or the bottom's parent. */
  readonly ancestor?: Ancestor
}

export interface VerifyContext {
  readonly consensus: Consensus
  readonly nowMs: number
  /** Our header of a block we have as a valid (executed) block; undefined for any other hash. */
  readonly validHeader: (hash: Uint8Array) => BlockHeader | undefined
  /** The peer that sent the data, named in errors. */
  readonly peer?: string
}

/** Runs `checkSeal` (the proof a header carries by itself), turning its error into the downloader's. */
function checkSeal(header: BlockHeader, hash: Uint8Array, context: { readonly consensus: Consensus; readonly peer?: string | undefined }): void {
  try {
    context.consensus.checkSeal(header, hash)
  } catch (error) {
    if (!(error instanceof ConsensusError)) throw error
    if (error.code === 'CONSENSUS_ERROR_INSUFFICIENT_WORK') {
      throw new DownloadError('DOWNLOAD_ERROR_BAD_WORK', { detail: `header ${header.height} (${toHex(hash)}) does not meet its difficulty ${header.difficulty}`, peer: context.peer, height: header.height })
    }
    throw new DownloadError('DOWNLOAD_ERROR_BAD_HEADER', { detail: `header ${header.height}: ${error.data.detail}`, peer: context.peer, height: header.height, cause: error.code })
  }
}

/**
 * Runs `validateLink` (the checks that need only the parent), turning its error into the
 * downloader's. What needs older ancestors (proof-of-authority's signer set) is checked when
 * each block is imported, oldest first, with its ancestors stored.
 */
function validateAgainstParent(header: BlockHeader, parent: BlockHeader, context: { readonly consensus: Consensus; readonly nowMs: number; readonly peer?: string | undefined }): void {
  try {
    context.consensus.validateLink(header, parent, context.nowMs)
  } catch (error) {
    if (!(error instanceof ConsensusError)) throw error
    const future = error.code === 'CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE'
    throw new DownloadError(future ? 'DOWNLOAD_ERROR_FUTURE_HEADER' : 'DOWNLOAD_ERROR_BAD_HEADER', {
      detail: `header ${header.height}: ${error.data.detail}`,
      peer: context.peer,
      height: header.height,
      cause: error.code,
    })
  }
}

/**
 * Checks a header batch (newest first) against what was asked and against itself, and finds
 * where it meets our chain. Throws `DownloadError`.
 */
export function verifyHeaderBatch(headers: readonly ReceivedHeader[], range: HeaderRange, context: VerifyContext): HeaderSpan {
  const { peer } = context
  const top = headers[0]
  const bottom = headers[headers.length - 1]
  if (top === undefined || bottom === undefined || headers.length < range.count) {
    throw new DownloadError('DOWNLOAD_ERROR_INCOMPLETE', { detail: `${headers.length} headers of the ${range.count} asked from ${range.top}`, peer, height: range.top })
  }
  if (headers.length > range.count || top.header.height !== range.top || (range.topHash !== undefined && !bytesEqual(top.hash, range.topHash))) {
    throw new DownloadError('DOWNLOAD_ERROR_WRONG_START', { detail: `asked ${range.count} from ${range.top}, got ${headers.length} from ${top.header.height}`, peer, height: range.top })
  }
  for (const { hash, header } of headers) checkSeal(header, hash, context)
  for (let i = 0; i + 1 < headers.length; i++) validateAgainstParent(headers[i]!.header, headers[i + 1]!.header, context)

  let needed = headers.findIndex((item) => context.validHeader(item.hash) !== undefined)
  let ancestor: Ancestor | undefined
  if (needed >= 0) {
    ancestor = { hash: headers[needed]!.hash, height: headers[needed]!.header.height }
  } else {
    needed = headers.length
    const parent = context.validHeader(bottom.header.parentHash)
    if (parent !== undefined) {
      validateAgainstParent(bottom.header, parent, context)
      ancestor = { hash: bottom.header.parentHash, height: parent.height }
    }
  }
  let work = 0n
  for (let i = 0; i < needed; i++) work += context.consensus.work(headers[i]!.header)
  return { top, bottom, needed, work, ...(ancestor === undefined ? {} : { ancestor }) }
}

/** Who sent the two batches of a junction, and whether the lower one's sender holds the target. */
export interface JunctionContext {
  readonly consensus: Consensus
  readonly nowMs: number
  readonly lowerPeer: string | undefined
  readonly upperPeer: string | undefined
  /** The lower batch's peer announced the target as its head, so its canonical chain holds it. */
  readonly lowerPeerHasTarget: boolean
}

/**
 * Checks that `lower` (a batch just below `upper`) ends where `upper` begins: its top is the
 * parent of upper's bottom, and upper's bottom is valid on it. A broken link is the lower
 * batch's fault: `DOWNLOAD_ERROR_UNLINKED` when its peer holds the target (so it lied), else
 * `DOWNLOAD_ERROR_OFF_BRANCH`. A header invalid on its true parent is the upper chain's fault:
 * `DOWNLOAD_ERROR_BAD_HEADER` (or `_FUTURE_HEADER`) naming the upper peer.
 */
export function verifyJunction(lower: HeaderSpan, upper: HeaderSpan, context: JunctionContext): void {
  const child = upper.bottom.header
  if (!bytesEqual(child.parentHash, lower.top.hash) || lower.top.header.height !== child.height - 1) {
    throw new DownloadError(context.lowerPeerHasTarget ? 'DOWNLOAD_ERROR_UNLINKED' : 'DOWNLOAD_ERROR_OFF_BRANCH', {
      detail: `header ${lower.top.header.height} (${toHex(lower.top.hash)}) is not the parent of header ${child.height}`,
      peer: context.lowerPeer,
      height: lower.top.header.height,
    })
  }
  validateAgainstParent(child, lower.top.header, { consensus: context.consensus, nowMs: context.nowMs, peer: context.upperPeer })
}

/** Checks that a body is the one its header commits to. Throws DOWNLOAD_ERROR_BAD_BODY. */
export function verifyBody(header: BlockHeader, transactions: readonly Transaction[], peer?: string): void {
  if (!bytesEqual(transactionsRoot(transactions), header.txRoot)) {
    throw new DownloadError('DOWNLOAD_ERROR_BAD_BODY', { detail: `the body of block ${header.height} does not match its transactions root`, peer, height: header.height })
  }
}
