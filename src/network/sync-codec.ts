/**
 * Messages of the sync protocol `/chain/<net>/sync/1` (docs/sync.md) and their canonical CBOR
 * encoding. One request per stream, one answer; each is a single length-prefixed frame.
 *
 *   request  = [0, genesis, headHash, headHeight, totalWork]          status (the asker's own)
 *            | [1, start (hash | height), count, backwards (bool)]    headers
 *            | [2, [hash, ...]]                                       bodies
 *            | [3, count]                                             pooled (pending transactions)
 *   response = [0, payload]                                           ok
 *            | [code >= 1, reason text]                               error (ANSWER_ERRORS)
 *
 * Decoding is strict: canonical CBOR, exact shapes, every count and length bounded before
 * anything is built. Errors are `EncodingError` (bad bytes) or the ledger's `BlockError` /
 * `TxError` (a header or transaction inside that does not decode); callers turn them into
 * `SyncError`s naming the peer.
 */
import { decode, encode, EncodingError, type CborValue } from '../encoding/cbor.js'
import { readArray, readBytes, readList, readText, readUint } from '../encoding/shape.js'
import { HASH_BYTES, sha256 } from '../crypto/hash.js'
import { decodeHeader, type BlockHeader } from '../ledger/block.js'
import { MAX_BLOCK_TXS, MAX_HEADER_BYTES } from '../ledger/constants.js'
import { readTransaction, type Transaction } from '../ledger/transaction.js'
import { SYNC_MAX_BODIES, SYNC_MAX_HEADERS, SYNC_MAX_POOLED, SYNC_MAX_REASON_BYTES, SYNC_MAX_REQUEST_BYTES } from './constants.js'

/** What a node tells a peer about its chain. */
export interface ChainStatus {
  readonly genesisHash: Uint8Array
  readonly headHash: Uint8Array
  readonly headHeight: number
  /** Cumulative proof-of-work of the head: the fork-choice weight. */
  readonly totalWork: bigint
}

/** Where a `headers` request starts: a block hash (any branch) or a height (canonical chain). */
export type HeadersStart = { readonly hash: Uint8Array } | { readonly height: number }

export interface HeadersQuery {
  readonly start: HeadersStart
  /** 1 to SYNC_MAX_HEADERS. */
  readonly count: number
  /** Newest first (following parent links) when true; up the canonical chain when false. */
  readonly backwards: boolean
}

export type SyncRequest =
  | { readonly kind: 'status'; readonly status: ChainStatus }
  | ({ readonly kind: 'headers' } & HeadersQuery)
  | { readonly kind: 'bodies'; readonly hashes: readonly Uint8Array[] }
  | { readonly kind: 'pooled'; readonly count: number }

export type RequestKind = SyncRequest['kind']

/** A header as received: decoded, with the hash of the bytes that came over the wire. */
export interface ReceivedHeader {
  readonly hash: Uint8Array
  readonly header: BlockHeader
}

/** The error answers a server can give; the number is the response code on the wire. */
export const ANSWER_ERRORS = {
  'invalid-request': 1, // the request did not decode or broke a bound
  'rate-limited': 2, // the asker is over its request rate
  'busy': 3, // the server is serving as many requests as it will at once
  'server-error': 4, // the server failed to read its own store
} as const

export type AnswerError = keyof typeof ANSWER_ERRORS

const REQUEST_CODES = { status: 0, headers: 1, bodies: 2, pooled: 3 } as const satisfies Record<RequestKind, number>
const ERROR_NAMES = new Map<number, AnswerError>(Object.entries(ANSWER_ERRORS).map(([name, code]) => [code, name as AnswerError]))

/** Total work as the shortest big-endian bytes (zero is empty): unbounded by 64 bits, one encoding per value. */
function workBytes(work: bigint): Uint8Array {
  if (work === 0n) return new Uint8Array(0)
  const hex = work.toString(16)
  return Uint8Array.from(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex'))
}

function readWork(value: unknown): bigint {
  const bytes = readBytes(value, 'totalWork')
  if (bytes.length > HASH_BYTES || bytes[0] === 0) {
    throw new EncodingError('ENCODING_ERROR_BAD_SHAPE', 'totalWork', `expected at most ${HASH_BYTES} bytes without leading zeros`)
  }
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

function statusFields(status: ChainStatus): CborValue[] {
  return [status.genesisHash, status.headHash, status.headHeight, workBytes(status.totalWork)]
}

function readStatus(fields: unknown[]): ChainStatus {
  const [genesisHash, headHash, headHeight, totalWork] = fields
  return {
    genesisHash: readBytes(genesisHash, 'genesisHash', HASH_BYTES),
    headHash: readBytes(headHash, 'headHash', HASH_BYTES),
    headHeight: readUint(headHeight, 'headHeight'),
    totalWork: readWork(totalWork),
  }
}

function badShape(what: string, detail: string): EncodingError {
  return new EncodingError('ENCODING_ERROR_BAD_SHAPE', what, detail)
}

export function encodeRequest(request: SyncRequest): Uint8Array {
  switch (request.kind) {
    case 'status':
      return encode([REQUEST_CODES.status, ...statusFields(request.status)])
    case 'headers': {
      const start = 'hash' in request.start ? request.start.hash : request.start.height
      return encode([REQUEST_CODES.headers, start, request.count, request.backwards])
    }
    case 'bodies':
      return encode([REQUEST_CODES.bodies, [...request.hashes]])
    case 'pooled':
      return encode([REQUEST_CODES.pooled, request.count])
  }
}

export function decodeRequest(bytes: Uint8Array): SyncRequest {
  const value = decode(bytes, 'sync request', SYNC_MAX_REQUEST_BYTES)
  if (!Array.isArray(value) || value.length === 0) throw badShape('sync request', 'expected a non-empty array')
  const fields = value as unknown[]
  const code = readUint(fields[0], 'request kind', 255)
  switch (code) {
    case REQUEST_CODES.status:
      return { kind: 'status', status: readStatus(readArray(fields, 'status request', 5).slice(1)) }
    case REQUEST_CODES.headers: {
      const [, start, count, backwards] = readArray(fields, 'headers request', 4)
      const n = readUint(count, 'count', SYNC_MAX_HEADERS)
      if (n === 0) throw badShape('count', 'expected at least 1 header')
      if (typeof backwards !== 'boolean') throw badShape('backwards', 'expected a boolean')
      const from: HeadersStart = start instanceof Uint8Array ? { hash: readBytes(start, 'start hash', HASH_BYTES) } : { height: readUint(start, 'start height') }
      return { kind: 'headers', start: from, count: n, backwards }
    }
    case REQUEST_CODES.bodies: {
      const [, list] = readArray(fields, 'bodies request', 2)
      const hashes = readList(list, 'hashes', SYNC_MAX_BODIES).map((hash) => readBytes(hash, 'hash', HASH_BYTES))
      if (hashes.length === 0) throw badShape('hashes', 'expected at least 1 hash')
      return { kind: 'bodies', hashes }
    }
    case REQUEST_CODES.pooled: {
      const [, count] = readArray(fields, 'pooled request', 2)
      const n = readUint(count, 'count', SYNC_MAX_POOLED)
      if (n === 0) throw badShape('count', 'expected at least 1 transaction')
      return { kind: 'pooled', count: n }
    }
    default:
      throw badShape('request kind', `unknown kind ${code}`)
  }
}

// ---- Answers -------------------------------------------------------------------------------

export function encodeStatusAnswer(status: ChainStatus): Uint8Array {
  return encode([0, statusFields(status)])
}

/** Headers as their encoded bytes (the server's stored encoding is the canonical one). */
export function encodeHeadersAnswer(headers: readonly Uint8Array[]): Uint8Array {
  return encode([0, [...headers]])
}

/** Bodies, each the list of its transactions' encodings. */
export function encodeBodiesAnswer(bodies: readonly (readonly Uint8Array[])[]): Uint8Array {
  return encode([0, bodies.map((txs) => [...txs])])
}

/** Pending transactions, each as its encoding. */
export function encodePooledAnswer(txs: readonly Uint8Array[]): Uint8Array {
  return encode([0, [...txs]])
}

export function encodeErrorAnswer(error: AnswerError, reason: string): Uint8Array {
  let text = reason
  while (Buffer.byteLength(text) > SYNC_MAX_REASON_BYTES) text = text.slice(0, -1)
  return encode([ANSWER_ERRORS[error], text])
}

export type Answer<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AnswerError; readonly reason: string }

/** Splits an answer into its code and payload; an error answer is decoded here whatever was asked. */
function readAnswer<T>(bytes: Uint8Array, maxBytes: number, readPayload: (payload: unknown) => T): Answer<T> {
  const [code, payload] = readArray(decode(bytes, 'sync answer', maxBytes), 'sync answer', 2)
  const number = readUint(code, 'answer code', 255)
  if (number === 0) return { ok: true, value: readPayload(payload) }
  const error = ERROR_NAMES.get(number)
  if (error === undefined) throw badShape('answer code', `unknown code ${number}`)
  return { ok: false, error, reason: readText(payload, 'reason', SYNC_MAX_REASON_BYTES) }
}

export function decodeStatusAnswer(bytes: Uint8Array, maxBytes: number): Answer<ChainStatus> {
  return readAnswer(bytes, maxBytes, (payload) => readStatus(readArray(payload, 'status', 4)))
}

/** At most `maxCount` headers; each must decode as a header (BlockError otherwise). */
export function decodeHeadersAnswer(bytes: Uint8Array, maxBytes: number, maxCount: number): Answer<ReceivedHeader[]> {
  return readAnswer(bytes, maxBytes, (payload) =>
    readList(payload, 'headers', maxCount).map((item) => {
      const encoded = readBytes(item, 'header')
      if (encoded.length > MAX_HEADER_BYTES) throw badShape('header', `${encoded.length} bytes, limit ${MAX_HEADER_BYTES}`)
      return { hash: sha256(encoded), header: decodeHeader(encoded) }
    }),
  )
}

/** At most `maxCount` bodies; every transaction must decode (TxError otherwise). */
export function decodeBodiesAnswer(bytes: Uint8Array, maxBytes: number, maxCount: number): Answer<Transaction[][]> {
  return readAnswer(bytes, maxBytes, (payload) =>
    readList(payload, 'bodies', maxCount).map((body) => readList(body, 'body', MAX_BLOCK_TXS).map(readTransaction)),
  )
}

/** At most `maxCount` transactions; each must decode (TxError otherwise). */
export function decodePooledAnswer(bytes: Uint8Array, maxBytes: number, maxCount: number): Answer<Transaction[]> {
  return readAnswer(bytes, maxBytes, (payload) => readList(payload, 'transactions', maxCount).map(readTransaction))
}
