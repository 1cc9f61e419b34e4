/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) as `chain` speaks it: the error codes
 * and the typed error that crosses the wire both ways (docs/rpc.md).
 */
import { ChainError } from '../errors.js'

/** Error codes: the spec's own, then the application's in the range it reserves (-32000 to -32099). */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** The block, transaction, participant or contract does not exist. */
  NotFound: -32004,
  /** A transaction was refused: invalid, or not admissible to the pool (data.code says why). */
  TransactionRejected: -32010,
  /** A read-only call failed: unknown contract, reverted, out of gas. */
  CallFailed: -32020,
  /** Missing or wrong cookie. */
  Unauthorized: -32030,
  /** The node could not do it now (shutting down, could not execute). */
  Unavailable: -32040,
  /** A bound was reached: subscriptions per connection, requests in flight, connections. */
  LimitExceeded: -32050,
} as const
export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode]

/** An error a method raises on purpose, sent to the client as a JSON-RPC error object. */
export class RpcError extends ChainError<'RPC_ERROR', { rpcCode: number; detail?: unknown }> {
  constructor(rpcCode: number, message: string, detail?: unknown) {
    super('RPC_ERROR', detail === undefined ? { rpcCode } : { rpcCode, detail }, message)
  }
}

export interface RpcRequest {
  readonly jsonrpc: '2.0'
  readonly id: string | number | null
  readonly method: string
  readonly params?: unknown
}

export type RpcResponse =
  | { readonly jsonrpc: '2.0'; readonly id: string | number | null; readonly result: unknown }
  | { readonly jsonrpc: '2.0'; readonly id: string | number | null; readonly error: { code: number; message: string; data?: unknown } }

/** Largest request body the server reads: a deploy of the largest contract, hex-encoded, with room. */
export const MAX_REQUEST_BYTES = 512 * 1024
/**
 * Most calls in one batch (JSON-RPC 2.0 §6): a bulk send of transactions fits, and one request
 * cannot queue unbounded work (geth's default batch limit is also 1,000).
 */
export const MAX_BATCH_CALLS = 1_000
/** Largest WebSocket frame (message) the server reads: the same bound as an HTTP request. */
export const MAX_FRAME_BYTES = MAX_REQUEST_BYTES
/**
 * Notifications queued for a WebSocket client beyond which it is disconnected: a client that
 * stops reading must not make the node hold an ever-growing buffer.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024
/** Most WebSocket connections open at once. */
export const MAX_WEBSOCKETS = 64
/** Most requests of one WebSocket connection being answered at once. */
export const MAX_IN_FLIGHT_PER_CONNECTION = 32

/** Largest response the client reads (a block of a megabyte as JSON, with room). */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024
