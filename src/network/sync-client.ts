/**
 * The asking side of the sync protocol (docs/sync.md): one request per stream, with a
 * deadline for the first byte of the answer and one for the whole answer, strict decoding, and
 * the checks that need nothing but the request (counts, where the headers start, that they
 * link). Every failure is a `SyncError`; the ones that show a peer misbehaving also cost it
 * penalty points (`penaltyFor`), so callers need only decide what to do next.
 */
import type { Stream } from '@libp2p/interface'
import type { Logger } from '../log.js'
import { bytesEqual, toHex } from '../encoding/bytes.js'
import type { Transaction } from '../ledger/transaction.js'
import { MAX_HEADER_BYTES } from '../ledger/constants.js'
import {
  SYNC_FIRST_BYTE_TIMEOUT_MS,
  SYNC_MAX_BODIES,
  SYNC_MAX_HEADERS,
  SYNC_RESPONSE_OVERHEAD_BYTES,
  SYNC_RESPONSE_TIMEOUT_MS,
  type PenaltyReason,
  SYNC_MAX_POOLED,
  SYNC_POOLED_RESPONSE_BYTES,
} from './constants.js'
import { SyncError, type SyncErrorCode, type SyncErrorData } from './errors.js'
import { framed, readFrame, streamError, writeFrame, type Deadlines } from './frames.js'
import { bodiesAnswerBudget } from './sync-server.js'
import {
  decodeBodiesAnswer,
  decodeHeadersAnswer,
  decodeStatusAnswer,
  encodeRequest,
  type Answer,
  type ChainStatus,
  type HeadersQuery,
  type ReceivedHeader,
  type SyncRequest,
  decodePooledAnswer,
} from './sync-codec.js'

/** What a sync failure costs the peer; `undefined` when it says nothing against it. */
export function penaltyFor(code: SyncErrorCode): PenaltyReason | undefined {
  switch (code) {
    case 'SYNC_ERROR_MALFORMED':
    case 'SYNC_ERROR_TOO_LARGE':
      return 'malformed-response'
    case 'SYNC_ERROR_BAD_RESPONSE':
      return 'bad-response'
    case 'SYNC_ERROR_TIMEOUT':
      return 'timeout'
    case 'SYNC_ERROR_UNSUPPORTED':
    case 'SYNC_ERROR_WRONG_NETWORK':
      return 'wrong-network'
    // Load, a closing connection, data it may lack, or our own decision: nothing against it.
    case 'SYNC_ERROR_STREAM':
    case 'SYNC_ERROR_REFUSED':
    case 'SYNC_ERROR_NOT_AVAILABLE':
    case 'SYNC_ERROR_NO_KNOWN_ANCESTOR':
    case 'SYNC_ERROR_ABORTED':
      return undefined
  }
}

export interface SyncClientComponents {
  /** Opens a stream of the sync protocol to `peer` (dialing it if need be). */
  readonly openStream: (peer: string, signal: AbortSignal) => Promise<Stream>
  readonly reportPeer: (peer: string, reason: PenaltyReason) => void
  /** The signal that fires when the network stops: requests in flight end with SYNC_ERROR_ABORTED. */
  readonly shutdown: () => AbortSignal
  readonly log: Logger
}

export interface SyncClientInit {
  readonly maxBlockBytes: number
  readonly firstByteTimeoutMs?: number
  readonly responseTimeoutMs?: number
}

/** A status answer: two hashes, a height and a work of at most 32 bytes. */
const STATUS_ANSWER_BYTES = 256

export class SyncClient {
  private readonly firstByteTimeoutMs: number
  private readonly responseTimeoutMs: number

  constructor(
    private readonly components: SyncClientComponents,
    private readonly init: SyncClientInit,
  ) {
    this.firstByteTimeoutMs = init.firstByteTimeoutMs ?? SYNC_FIRST_BYTE_TIMEOUT_MS
    this.responseTimeoutMs = init.responseTimeoutMs ?? SYNC_RESPONSE_TIMEOUT_MS
  }

  /** Throws (and charges the peer for) a failure found after decoding. */
  fail(code: SyncErrorCode, data: SyncErrorData): never {
    this.penalise(new SyncError(code, data))
  }

  private penalise(error: SyncError): never {
    const reason = penaltyFor(error.code)
    if (reason !== undefined) this.components.reportPeer(error.data.peer, reason)
    this.components.log.debug('sync request failed', { peer: error.data.peer, code: error.code, detail: error.data.detail })
    throw error
  }

  /** Sends `request`, returns the answer's bytes (at most `maxAnswerBytes`). */
  private async exchange(peer: string, request: SyncRequest, maxAnswerBytes: number, signal?: AbortSignal): Promise<Uint8Array> {
    const firstByte = new AbortController()
    const timer = setTimeout(() => firstByte.abort(), this.firstByteTimeoutMs)
    const deadlines: Deadlines = {
      cancelled: AbortSignal.any(signal === undefined ? [this.components.shutdown()] : [this.components.shutdown(), signal]),
      firstByte: firstByte.signal,
      total: AbortSignal.timeout(this.responseTimeoutMs),
      totalStage: 'response',
    }
    const all = AbortSignal.any([deadlines.cancelled, firstByte.signal, deadlines.total])
    let stream: Stream | undefined
    try {
      stream = await this.components.openStream(peer, all)
      stream.addEventListener('message', () => clearTimeout(timer), { once: true })
      const lp = framed(stream, maxAnswerBytes)
      await writeFrame(lp, stream, encodeRequest(request), all)
      return await readFrame(lp, all)
    } catch (error) {
      const failure = streamError(error, peer, deadlines)
      stream?.abort(failure)
      this.penalise(failure)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Decodes an answer; malformed bytes and error answers become `SyncError`s. */
  private answer<T>(peer: string, decode: () => Answer<T>): T {
    let answer: Answer<T>
    try {
      answer = decode()
    } catch (error) {
      this.fail('SYNC_ERROR_MALFORMED', { peer, detail: (error as Error).message })
    }
    if (!answer.ok) this.fail('SYNC_ERROR_REFUSED', { peer, detail: answer.reason, reason: answer.error })
    return answer.value
  }

  /** Exchanges statuses: sends ours, returns the peer's; SYNC_ERROR_WRONG_NETWORK for another genesis. */
  async status(peer: string, ours: ChainStatus, signal?: AbortSignal): Promise<ChainStatus> {
    const bytes = await this.exchange(peer, { kind: 'status', status: ours }, STATUS_ANSWER_BYTES, signal)
    const theirs = this.answer(peer, () => decodeStatusAnswer(bytes, STATUS_ANSWER_BYTES))
    if (!bytesEqual(theirs.genesisHash, ours.genesisHash)) {
      this.fail('SYNC_ERROR_WRONG_NETWORK', { peer, detail: `genesis ${toHex(theirs.genesisHash)}, ours ${toHex(ours.genesisHash)}` })
    }
    return theirs
  }

  /**
   * Up to `query.count` headers, checked to start where asked and to link by hash, one height
   * apart, in the direction asked. Fewer (or none) when the peer has fewer.
   */
  async headers(peer: string, query: HeadersQuery, signal?: AbortSignal): Promise<ReceivedHeader[]> {
    if (!(query.count >= 1 && query.count <= SYNC_MAX_HEADERS)) throw new RangeError(`headers: count must be 1 to ${SYNC_MAX_HEADERS}, got ${query.count}`)
    const maxBytes = query.count * (MAX_HEADER_BYTES + 3) + SYNC_RESPONSE_OVERHEAD_BYTES
    const bytes = await this.exchange(peer, { kind: 'headers', ...query }, maxBytes, signal)
    const headers = this.answer(peer, () => decodeHeadersAnswer(bytes, maxBytes, query.count))
    const first = headers[0]
    if (first === undefined) return headers
    const start = query.start
    if ('hash' in start ? !bytesEqual(first.hash, start.hash) : first.header.height !== start.height) {
      this.fail('SYNC_ERROR_BAD_RESPONSE', { peer, detail: 'the first header is not the one asked for' })
    }
    for (let i = 1; i < headers.length; i++) {
      const [newer, older] = query.backwards ? [headers[i - 1]!, headers[i]!] : [headers[i]!, headers[i - 1]!]
      if (!bytesEqual(newer.header.parentHash, older.hash) || newer.header.height !== older.header.height + 1) {
        this.fail('SYNC_ERROR_BAD_RESPONSE', { peer, detail: `header ${i} does not link to header ${i - 1}` })
      }
    }
    return headers
  }

  /**
   * The bodies (transaction lists) of a prefix of `hashes`, in their order: the peer stops at
   * the first block it lacks or at its byte budget. Matching them to their headers' roots is
   * the caller's check (it has the headers).
   */
  async bodies(peer: string, hashes: readonly Uint8Array[], signal?: AbortSignal): Promise<Transaction[][]> {
    if (!(hashes.length >= 1 && hashes.length <= SYNC_MAX_BODIES)) throw new RangeError(`bodies: 1 to ${SYNC_MAX_BODIES} hashes, got ${hashes.length}`)
    const maxBytes = bodiesAnswerBudget(this.init.maxBlockBytes) + SYNC_RESPONSE_OVERHEAD_BYTES
    const bytes = await this.exchange(peer, { kind: 'bodies', hashes }, maxBytes, signal)
    return this.answer(peer, () => decodeBodiesAnswer(bytes, maxBytes, hashes.length))
  }

  /** Up to `count` of the peer's pending transactions (decoded, not yet validated). */
  async pooled(peer: string, count: number, signal?: AbortSignal): Promise<Transaction[]> {
    if (!(count >= 1 && count <= SYNC_MAX_POOLED)) throw new RangeError(`pooled: count must be 1 to ${SYNC_MAX_POOLED}, got ${count}`)
    const maxBytes = SYNC_POOLED_RESPONSE_BYTES + SYNC_RESPONSE_OVERHEAD_BYTES
    const bytes = await this.exchange(peer, { kind: 'pooled', count }, maxBytes, signal)
    return this.answer(peer, () => decodePooledAnswer(bytes, maxBytes, count))
  }
}
