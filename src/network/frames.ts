/**
 * One length-prefixed frame each way on a libp2p 3 stream, with deadlines, and the mapping of
 * whatever libp2p throws on the way to one `SyncError` code.
 *
 * Frames are unsigned-varint length-prefixed (`lpStream` from @libp2p/utils) with a maximum
 * length checked on the prefix, before the body is buffered: a peer announcing a huge frame
 * costs us a few bytes. The read buffer is bounded by the same limit.
 */
import type { Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { SyncError, type SyncErrorCode, type SyncStage } from './errors.js'

/** Varint prefix of a frame length (at most 10 bytes) and slack. */
const PREFIX_SLACK_BYTES = 16

export function framed(stream: Stream, maxFrameBytes: number): LengthPrefixedStream<Stream> {
  return lpStream(stream, { maxDataLength: maxFrameBytes, maxBufferSize: maxFrameBytes + PREFIX_SLACK_BYTES })
}

/** Reads one frame; a stream that ends before a whole frame is an error (UnexpectedEOFError). */
export async function readFrame(lp: LengthPrefixedStream<Stream>, signal: AbortSignal): Promise<Uint8Array> {
  return (await lp.read({ signal })).subarray()
}

/** Writes one frame and closes our writing end: one message per direction. */
export async function writeFrame(lp: LengthPrefixedStream<Stream>, stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  await lp.write(bytes, { signal })
  await stream.close({ signal })
}

/** Why a deadline fired, if one did; checked before the error itself, which is then just an abort. */
export interface Deadlines {
  /** The caller's own signal or the network's shutdown. */
  readonly cancelled: AbortSignal
  readonly firstByte?: AbortSignal
  readonly total: AbortSignal
  /** The stage the total deadline names (`request` for a server reading one, `response` for a client). */
  readonly totalStage: SyncStage
}

const ERROR_CODES: Readonly<Record<string, SyncErrorCode>> = {
  // The varint announced more than the maximum frame, or was itself too long.
  InvalidDataLengthError: 'SYNC_ERROR_TOO_LARGE',
  InvalidDataLengthLengthError: 'SYNC_ERROR_TOO_LARGE',
  StreamBufferError: 'SYNC_ERROR_TOO_LARGE',
  InvalidMessageLengthError: 'SYNC_ERROR_MALFORMED',
  UnsupportedProtocolError: 'SYNC_ERROR_UNSUPPORTED',
}

/** Turns an error of opening, writing or reading a stream into a `SyncError`. */
export function streamError(error: unknown, peer: string, deadlines: Deadlines): SyncError {
  if (error instanceof SyncError) return error
  const detail = error instanceof Error ? error.message : String(error)
  if (deadlines.cancelled.aborted) return new SyncError('SYNC_ERROR_ABORTED', { peer, detail: 'cancelled' })
  if (deadlines.firstByte?.aborted === true) return new SyncError('SYNC_ERROR_TIMEOUT', { peer, detail: 'no answer in time', stage: 'first-byte' })
  if (deadlines.total.aborted) {
    return new SyncError('SYNC_ERROR_TIMEOUT', { peer, detail: `no complete ${deadlines.totalStage} in time`, stage: deadlines.totalStage })
  }
  const name = error instanceof Error ? error.name : ''
  return new SyncError(ERROR_CODES[name] ?? 'SYNC_ERROR_STREAM', { peer, detail })
}
