/**
 * Typed errors of the network layer: `NetworkError` for the host (keys, addresses, life
 * cycle) and `SyncError` for the request/response protocol, whose codes the sync client turns
 * into peer penalties (see `penaltyFor` in sync-client.ts).
 */
import { ChainError } from '../errors.js'

export type NetworkErrorCode =
  | 'NETWORK_ERROR_BAD_PEER_KEY' // the peer key file is unreadable, or not a protobuf Ed25519 private key
  | 'NETWORK_ERROR_BAD_ADDRESS' // a listen or bootstrap multiaddr that does not parse (bootstrap: or has no /p2p/ id)
  | 'NETWORK_ERROR_NOT_STARTED' // an operation that needs the host running, called before start() or after stop()

export class NetworkError extends ChainError<NetworkErrorCode, { detail: string }> {
  constructor(code: NetworkErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}

export type SyncErrorCode =
  | 'SYNC_ERROR_MALFORMED' // a frame that is not the canonical encoding of a message of the protocol
  | 'SYNC_ERROR_TOO_LARGE' // a frame longer than its maximum, refused before it is read
  | 'SYNC_ERROR_TIMEOUT' // no first byte, or no complete answer, in time (data.stage says which)
  | 'SYNC_ERROR_STREAM' // the stream could not be opened, or closed or reset before the answer ended
  | 'SYNC_ERROR_UNSUPPORTED' // the peer does not speak this network's sync protocol
  | 'SYNC_ERROR_REFUSED' // the peer answered with an error: rate limited, busy, invalid request (data.reason)
  | 'SYNC_ERROR_BAD_RESPONSE' // a well-formed answer that does not answer the request (too many items, wrong hashes, broken links)
  | 'SYNC_ERROR_WRONG_NETWORK' // the peer's genesis block is not ours
  | 'SYNC_ERROR_NOT_AVAILABLE' // the peer answered but has not got the blocks asked for (an empty answer)
  | 'SYNC_ERROR_NO_KNOWN_ANCESTOR' // fetchAncestors walked maxCount headers back without reaching a block we have
  | 'SYNC_ERROR_ABORTED' // the caller's signal fired, or the network is stopping

export type SyncStage = 'request' | 'first-byte' | 'response'

export interface SyncErrorData {
  /** The peer asked or answered (its peer id). */
  readonly peer: string
  readonly detail: string
  /** For timeouts: which deadline passed. */
  readonly stage?: SyncStage
  /** For refusals: the answer's error code name. */
  readonly reason?: string
}

export class SyncError extends ChainError<SyncErrorCode, SyncErrorData> {
  constructor(code: SyncErrorCode, data: SyncErrorData) {
    super(code, data, `${code}: ${data.detail} (peer ${data.peer})`)
  }
}
