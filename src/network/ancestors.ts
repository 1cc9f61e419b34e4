/**
 * The short-gap fetch of issue 5: a gossiped block arrived whose parent we lack, so we ask the
 * peer that sent it for the missing ancestors. Headers come first, backwards from the missing
 * hash until one whose parent we have (each checked to link to the one before), then the
 * bodies, each checked against its header's transactions root. The blocks come back oldest
 * first, ready for the caller to import in order; the import checks everything else (seal,
 * state), as for any block.
 *
 * A gap longer than `maxCount` is not a short gap: SYNC_ERROR_NO_KNOWN_ANCESTOR tells the
 * caller to leave it to the sync downloader.
 */
import { bytesEqual, toHex } from '../encoding/bytes.js'
import { transactionsRoot, type Block } from '../ledger/block.js'
import { SYNC_MAX_BODIES, SYNC_MAX_HEADERS } from './constants.js'
import { SyncError } from './errors.js'
import type { SyncClient } from './sync-client.js'
import type { ReceivedHeader } from './sync-codec.js'

export interface AncestorSource {
  readonly client: SyncClient
  /** Whether we have the block (header and body) with this hash. */
  readonly known: (hash: Uint8Array) => boolean
}

/** Headers from `hash` back to the first one whose parent we know, newest first. */
async function missingHeaders(source: AncestorSource, peer: string, hash: Uint8Array, maxCount: number, signal?: AbortSignal): Promise<ReceivedHeader[]> {
  const headers: ReceivedHeader[] = []
  let cursor = hash
  while (!source.known(cursor)) {
    const room = maxCount - headers.length
    if (room <= 0) {
      throw new SyncError('SYNC_ERROR_NO_KNOWN_ANCESTOR', { peer, detail: `no block we know within ${maxCount} ancestors of ${toHex(hash)}` })
    }
    const batch = await source.client.headers(peer, { start: { hash: cursor }, count: Math.min(room, SYNC_MAX_HEADERS), backwards: true }, signal)
    if (batch.length === 0) throw new SyncError('SYNC_ERROR_NOT_AVAILABLE', { peer, detail: `the peer has no block ${toHex(cursor)}` })
    for (const item of batch) {
      headers.push(item)
      if (source.known(item.header.parentHash)) return headers
    }
    const last = batch[batch.length - 1]!
    if (last.header.height === 0) {
      source.client.fail('SYNC_ERROR_WRONG_NETWORK', { peer, detail: `its ancestry of ${toHex(hash)} ends in a genesis block that is not ours` })
    }
    cursor = last.header.parentHash
  }
  return headers
}

/**
 * Fetches from `peer` the blocks between the last block we know and `hash` (included), at
 * most `maxCount` of them, oldest first. Empty when we have `hash` already.
 */
export async function fetchAncestors(source: AncestorSource, peer: string, hash: Uint8Array, maxCount: number, signal?: AbortSignal): Promise<Block[]> {
  const headers = (await missingHeaders(source, peer, hash, maxCount, signal)).reverse()
  const blocks: Block[] = []
  while (blocks.length < headers.length) {
    const wanted = headers.slice(blocks.length, blocks.length + SYNC_MAX_BODIES)
    const bodies = await source.client.bodies(peer, wanted.map((item) => item.hash), signal)
    if (bodies.length === 0) throw new SyncError('SYNC_ERROR_NOT_AVAILABLE', { peer, detail: `the peer has no body of block ${toHex(wanted[0]!.hash)}` })
    bodies.forEach((transactions, index) => {
      const { header, hash: blockHash } = wanted[index]!
      if (!bytesEqual(transactionsRoot(transactions), header.txRoot)) {
        source.client.fail('SYNC_ERROR_BAD_RESPONSE', { peer, detail: `the body sent for block ${toHex(blockHash)} does not match its transactions root` })
      }
      blocks.push({ header, transactions })
    })
  }
  return blocks
}
