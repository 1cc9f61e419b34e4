/**
 * The serving side of the sync protocol (docs/sync.md): answers `status`, `headers` and
 * `bodies` from a narrow read interface over the chain store.
 *
 * Every stream carries one request. Before reading it the server checks its own load (at most
 * SYNC_MAX_CONCURRENT_SERVED answers at once: `busy`) and the asker's rate (a token bucket per
 * peer: `rate-limited`); the request frame must arrive within SYNC_REQUEST_READ_TIMEOUT_MS and
 * decode strictly (`invalid-request`, and a penalty). Data the server does not have gives an
 * empty answer, never a hang; answers are bounded in count and bytes.
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from '../log.js'
import { bytesEqual } from '../encoding/bytes.js'
import { encodeHeader, type Block, type BlockHeader } from '../ledger/block.js'
import { encodeTransaction, type Transaction } from '../ledger/transaction.js'
import {
  SYNC_BODIES_RESPONSE_BYTES,
  SYNC_MAX_CONCURRENT_SERVED,
  SYNC_MAX_REQUEST_BYTES,
  SYNC_RATE_BURST,
  SYNC_RATE_PER_SECOND,
  SYNC_REQUEST_READ_TIMEOUT_MS,
  type PenaltyReason,
  SYNC_POOLED_RESPONSE_BYTES,
} from './constants.js'
import { SyncError } from './errors.js'
import { framed, readFrame, streamError, writeFrame, type Deadlines } from './frames.js'
import { RateLimiter } from './rate-limit.js'
import {
  decodeRequest,
  encodeBodiesAnswer,
  encodeErrorAnswer,
  encodeHeadersAnswer,
  encodePooledAnswer,
  encodeStatusAnswer,
  type ChainStatus,
  type HeadersQuery,
} from './sync-codec.js'

/** What the server reads of the chain: the chain store fits it (see docs/network.md). */
export interface ChainReader {
  head(): { readonly hash: Uint8Array; readonly height: number; readonly totalWork: bigint }
  header(hash: Uint8Array): BlockHeader | undefined
  /** The hash of the canonical block at `height`, if the chain is that long. */
  canonicalHash(height: number): Uint8Array | undefined
  block(hash: Uint8Array): Block | undefined
}

/** What the server reads of the mempool: the pending transactions, oldest first. */
export type PendingTransactions = (limit: number) => readonly Transaction[]

export interface SyncServerComponents {
  readonly chain: ChainReader
  readonly pending: PendingTransactions
  readonly networkId: Uint8Array
  readonly reportPeer: (peer: string, reason: PenaltyReason) => void
  /** Called with the status a peer sent in its own `status` request. */
  readonly onStatus: (peer: string, status: ChainStatus) => void
  /** The signal that fires when the network stops: answers in progress are abandoned. */
  readonly shutdown: () => AbortSignal
  readonly log: Logger
}

export interface SyncServerInit {
  readonly maxBlockBytes: number
  readonly rateBurst?: number
  readonly ratePerSecond?: number
  readonly maxConcurrent?: number
  readonly requestTimeoutMs?: number
}

/** Bytes of the CBOR head of a byte string or array of `length` (RFC 8949 §3). */
function cborHeadBytes(length: number): number {
  return length < 24 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : length < 0x100000000 ? 5 : 9
}

/** The budget of one bodies answer: a single body always fits, being at most maxBlockBytes. */
export function bodiesAnswerBudget(maxBlockBytes: number): number {
  return Math.max(SYNC_BODIES_RESPONSE_BYTES, maxBlockBytes)
}

export class SyncServer {
  private readonly limiter: RateLimiter
  private readonly maxConcurrent: number
  private readonly requestTimeoutMs: number
  private active = 0

  constructor(
    private readonly components: SyncServerComponents,
    private readonly init: SyncServerInit,
  ) {
    this.limiter = new RateLimiter({ burst: init.rateBurst ?? SYNC_RATE_BURST, perSecond: init.ratePerSecond ?? SYNC_RATE_PER_SECOND })
    this.maxConcurrent = init.maxConcurrent ?? SYNC_MAX_CONCURRENT_SERVED
    this.requestTimeoutMs = init.requestTimeoutMs ?? SYNC_REQUEST_READ_TIMEOUT_MS
  }

  /** The libp2p stream handler of the sync protocol. */
  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    const log = this.components.log
    const shutdown = this.components.shutdown()
    const deadlines: Deadlines = { cancelled: shutdown, total: AbortSignal.timeout(this.requestTimeoutMs), totalStage: 'request' }
    const lp = framed(stream, SYNC_MAX_REQUEST_BYTES)
    const answer = async (bytes: Uint8Array): Promise<void> =>
      writeFrame(lp, stream, bytes, AbortSignal.any([shutdown, AbortSignal.timeout(this.requestTimeoutMs)]))
    if (this.active >= this.maxConcurrent) {
      await answer(encodeErrorAnswer('busy', `serving ${this.active} requests`)).catch(() => stream.abort(new Error('busy')))
      return
    }
    this.active++
    // Penalties are charged after the answer is sent: a ban closes the connection, and the
    // peer should learn why it was refused.
    let penalty: PenaltyReason | undefined
    try {
      penalty = await this.serve(peer, lp, AbortSignal.any([deadlines.cancelled, deadlines.total]), deadlines, answer)
    } catch (error) {
      const failure = error instanceof SyncError ? error : streamError(error, peer, deadlines)
      log.debug('sync answer not delivered', { peer, code: failure.code, detail: failure.data.detail })
      stream.abort(failure)
    } finally {
      this.active--
    }
    if (penalty !== undefined) this.components.reportPeer(peer, penalty)
  }

  /** Reads, checks and answers one request; returns what the asker is to be charged, if anything. */
  private async serve(
    peer: string,
    lp: ReturnType<typeof framed>,
    readSignal: AbortSignal,
    deadlines: Deadlines,
    answer: (bytes: Uint8Array) => Promise<void>,
  ): Promise<PenaltyReason | undefined> {
    const log = this.components.log
    if (!this.limiter.take(peer)) {
      await answer(encodeErrorAnswer('rate-limited', 'too many requests'))
      return 'rate-limited'
    }
    let bytes: Uint8Array
    try {
      bytes = await readFrame(lp, readSignal)
    } catch (error) {
      const failure = streamError(error, peer, deadlines)
      log.debug('sync request unreadable', { peer, code: failure.code, detail: failure.data.detail })
      if (failure.code !== 'SYNC_ERROR_TOO_LARGE' && failure.code !== 'SYNC_ERROR_MALFORMED') throw failure
      await answer(encodeErrorAnswer('invalid-request', failure.data.detail))
      return 'malformed-request'
    }
    let request
    try {
      request = decodeRequest(bytes)
    } catch (error) {
      log.debug('sync request malformed', { peer, error })
      await answer(encodeErrorAnswer('invalid-request', (error as Error).message))
      return 'malformed-request'
    }
    let reply: Uint8Array
    let wrongNetwork = false
    try {
      switch (request.kind) {
        case 'status':
          wrongNetwork = !bytesEqual(request.status.genesisHash, this.components.networkId)
          if (!wrongNetwork) this.components.onStatus(peer, request.status)
          reply = encodeStatusAnswer(this.status())
          break
        case 'headers':
          reply = encodeHeadersAnswer(this.headers(request))
          break
        case 'bodies':
          reply = encodeBodiesAnswer(this.bodies(request.hashes))
          break
        case 'pooled':
          reply = encodePooledAnswer(this.pooled(request.count))
          break
      }
    } catch (error) {
      log.error('sync request failed on our side', { peer, kind: request.kind, error })
      await answer(encodeErrorAnswer('server-error', 'the server could not read its store'))
      return undefined
    }
    await answer(reply)
    log.debug('sync request served', { peer, kind: request.kind, bytes: reply.length })
    // Our status went out first, so the peer learns our genesis and why it is dropped.
    return wrongNetwork ? 'wrong-network' : undefined
  }

  /** Our status, as a `status` answer and as our own `status` request carry it. */
  status(): ChainStatus {
    const head = this.components.chain.head()
    return { genesisHash: this.components.networkId, headHash: head.hash, headHeight: head.height, totalWork: head.totalWork }
  }

  /**
   * Backwards: from the start block along parent links (any branch), newest first. Forwards:
   * up the canonical chain from the start, which must be canonical (else only the start itself).
   */
  private headers(query: HeadersQuery): Uint8Array[] {
    const chain = this.components.chain
    const startHash = 'hash' in query.start ? query.start.hash : chain.canonicalHash(query.start.height)
    if (startHash === undefined) return []
    let header = chain.header(startHash)
    if (header === undefined) return []
    const out = [encodeHeader(header)]
    if (query.backwards) {
      while (out.length < query.count && header.height > 0) {
        header = chain.header(header.parentHash)
        if (header === undefined) break
        out.push(encodeHeader(header))
      }
      return out
    }
    const canonical = chain.canonicalHash(header.height)
    if (canonical === undefined || !bytesEqual(canonical, startHash)) return out
    for (let height = header.height + 1; out.length < query.count; height++) {
      const hash = chain.canonicalHash(height)
      const next = hash === undefined ? undefined : chain.header(hash)
      if (next === undefined) break
      out.push(encodeHeader(next))
    }
    return out
  }

  /** The bodies of a prefix of `hashes`: up to the first one unknown, or the byte budget. */
  private bodies(hashes: readonly Uint8Array[]): Uint8Array[][] {
    const budget = bodiesAnswerBudget(this.init.maxBlockBytes)
    const out: Uint8Array[][] = []
    let used = 0
    for (const hash of hashes) {
      const block = this.components.chain.block(hash)
      if (block === undefined) break
      const txs = block.transactions.map(encodeTransaction)
      const size = txs.reduce((sum, tx) => sum + cborHeadBytes(tx.length) + tx.length, cborHeadBytes(txs.length))
      if (out.length > 0 && used + size > budget) break
      used += size
      out.push(txs)
    }
    return out
  }

  /** Up to `count` pending transactions, within the answer's byte budget. */
  private pooled(count: number): Uint8Array[] {
    const out: Uint8Array[] = []
    let used = 0
    for (const tx of this.components.pending(count)) {
      const bytes = encodeTransaction(tx)
      if (used + bytes.length + cborHeadBytes(bytes.length) > SYNC_POOLED_RESPONSE_BYTES) break
      used += bytes.length + cborHeadBytes(bytes.length)
      out.push(bytes)
    }
    return out
  }
}
