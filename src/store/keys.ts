/**
 * The LevelDB key layout: one ASCII letter of prefix per table (docs/data-formats.md, "Store").
 *
 *   m schema            → [schema version, network id]           (written once, at creation)
 *   m head              → hash of the head block
 *   h ‖ hash            → encoded header
 *   b ‖ hash            → encoded body: [tx bytes, ...]
 *   i ‖ hash            → block info: [height, total work, status]
 *   n ‖ height (u64 BE) → hash of the canonical block at that height (big-endian sorts by height)
 *   t ‖ tx hash         → [block hash, index] for transactions in canonical blocks
 *   r ‖ hash            → receipts of an executed block
 *   u ‖ hash            → undo log of an executed block: [[key, previous value | null], ...]
 *   s ‖ state key       → the head state, flat (what contracts read, synchronously)
 *   x ‖ node hash       → state trie node (never deleted: every old state stays readable)
 *   e ‖ contract ‖ position        → [name, data, tx hash, block hash] of an event of a canonical block
 *   E ‖ contract ‖ name digest ‖ position → (empty) the same event, found by its name
 *   m events-index      → present once every canonical block's events are in `e`/`E`
 *
 * An event's position is height (u64 BE) ‖ transaction index (u32 BE) ‖ event index (u32 BE),
 * so a range scan returns a contract's events in chain order; the name digest is the first 8
 * bytes of SHA-256 of the name (fixed width, so names cannot run into the position).
 *
 * The sync downloader's tables (src/sync): data downloaded but not yet imported, unvalidated,
 * so never in `h`/`b`, which the sync server serves to others. One target at a time, so a
 * height names one header.
 *   m sync-target       → [hash, height, total work] of the chain being downloaded
 *   H ‖ height (u64 BE) → encoded header of the target's chain at that height
 *   B ‖ height (u64 BE) → encoded body of that header, checked against its transactions root
 */
import { concatBytes, uint64BE, utf8 } from '../encoding/bytes.js'
import { sha256 } from '../crypto/hash.js'
import { BoundedCache, BYTE_ARRAY_OVERHEAD_BYTES } from '../cache/bounded-cache.js'

const prefix = (letter: string): Uint8Array => utf8(letter)

const SCHEMA = utf8('mschema')
const HEAD = utf8('mhead')
const HEADER = prefix('h')
const BODY = prefix('b')
const INFO = prefix('i')
const CANONICAL = prefix('n')
const TX = prefix('t')
const RECEIPTS = prefix('r')
const UNDO = prefix('u')
export const STATE_PREFIX = prefix('s')
const TRIE_NODE = prefix('x')
export const EVENT_PREFIX = prefix('e')
export const EVENT_NAME_PREFIX = prefix('E')
const EVENTS_INDEXED = utf8('mevents-index')
/** Bytes of an event's position in the chain: height, transaction index, event index. */
export const EVENT_POSITION_BYTES = 8 + 4 + 4
const EVENT_NAME_DIGEST_BYTES = 8
const SYNC_TARGET = utf8('msync-target')
export const SYNC_HEADER_PREFIX = prefix('H')
export const SYNC_BODY_PREFIX = prefix('B')

export interface EventPosition {
  readonly height: number
  readonly txIndex: number
  readonly eventIndex: number
}

export function encodeEventPosition(position: EventPosition): Uint8Array {
  const bytes = new Uint8Array(EVENT_POSITION_BYTES)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, BigInt(position.height))
  view.setUint32(8, position.txIndex)
  view.setUint32(12, position.eventIndex)
  return bytes
}

/** The position at the end of an event key. */
export function decodeEventPosition(key: Uint8Array): EventPosition {
  const view = new DataView(key.buffer, key.byteOffset + key.length - EVENT_POSITION_BYTES, EVENT_POSITION_BYTES)
  return { height: Number(view.getBigUint64(0)), txIndex: view.getUint32(8), eventIndex: view.getUint32(12) }
}

/**
 * Digests of the event names met lately, bounded in bytes (names come from contracts): a
 * contract emits the same few names block after block, and each event's index key has one.
 */
const nameDigests = new BoundedCache<Uint8Array>(64 * 1024, () => EVENT_NAME_DIGEST_BYTES + BYTE_ARRAY_OVERHEAD_BYTES)

function eventNameDigest(name: string): Uint8Array {
  let digest = nameDigests.get(name)
  if (digest === undefined) {
    digest = sha256(utf8(name)).slice(0, EVENT_NAME_DIGEST_BYTES)
    nameDigests.set(name, digest)
  }
  return digest
}

export const keys = {
  schema: (): Uint8Array => SCHEMA,
  head: (): Uint8Array => HEAD,
  header: (hash: Uint8Array): Uint8Array => concatBytes(HEADER, hash),
  body: (hash: Uint8Array): Uint8Array => concatBytes(BODY, hash),
  info: (hash: Uint8Array): Uint8Array => concatBytes(INFO, hash),
  canonical: (height: number): Uint8Array => concatBytes(CANONICAL, uint64BE(height)),
  tx: (hash: Uint8Array): Uint8Array => concatBytes(TX, hash),
  receipts: (hash: Uint8Array): Uint8Array => concatBytes(RECEIPTS, hash),
  undo: (hash: Uint8Array): Uint8Array => concatBytes(UNDO, hash),
  state: (key: Uint8Array): Uint8Array => concatBytes(STATE_PREFIX, key),
  trieNode: (hash: Uint8Array): Uint8Array => concatBytes(TRIE_NODE, hash),
  event: (contract: Uint8Array, position: Uint8Array): Uint8Array => concatBytes(EVENT_PREFIX, contract, position),
  eventByName: (contract: Uint8Array, name: string, position: Uint8Array): Uint8Array => concatBytes(EVENT_NAME_PREFIX, contract, eventNameDigest(name), position),
  eventsIndexed: (): Uint8Array => EVENTS_INDEXED,
  syncTarget: (): Uint8Array => SYNC_TARGET,
  syncHeader: (height: number): Uint8Array => concatBytes(SYNC_HEADER_PREFIX, uint64BE(height)),
  syncBody: (height: number): Uint8Array => concatBytes(SYNC_BODY_PREFIX, uint64BE(height)),
}
