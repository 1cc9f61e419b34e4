/**
 * Contract events, past and live: the index the store keeps of every canonical block's events
 * (by contract, and by contract and name), the paged query over it, and the events a head
 * change adds and removes (what subscriptions are sent, removed ones flagged).
 *
 * The index is written in the same atomic batch as the block that makes its events canonical
 * and deleted in the batch that reverts it (src/chain/chain.ts), so a query never sees the
 * events of an abandoned branch.
 */
import { ChainError } from '../errors.js'
import { toHex } from '../encoding/bytes.js'
import { formatContractAddress } from '../crypto/identity.js'
import { transactionHashes, type Block } from '../ledger/block.js'
import type { Receipt } from '../state/receipts.js'
import { StoreBatch, StoreError, type ChainStore, type StoredEvent } from '../store/chain-store.js'
import type { EventPosition } from '../store/keys.js'

/** Most events one query returns; the next page starts at the cursor it gives. */
export const MAX_EVENTS_PAGE = 1_000
export const DEFAULT_EVENTS_PAGE = 100
/** Most names one filter may list: each is one range scan of the index. */
export const MAX_FILTER_NAMES = 16
/**
 * Most blocks one query without a contract reads (it walks the receipts, which the index does
 * not cover): a wide range is answered a page at a time rather than holding the node up.
 */
export const MAX_SCAN_BLOCKS = 2_000
/** Blocks indexed per batch when an older database's index is built at start. */
const INDEX_BUILD_BATCH_BLOCKS = 500

export type EventsErrorCode =
  | 'EVENTS_ERROR_BAD_RANGE' // from above to, or a limit out of bounds
  | 'EVENTS_ERROR_TOO_MANY_NAMES' // more names than MAX_FILTER_NAMES
  | 'EVENTS_ERROR_BAD_CURSOR' // a cursor that is not one a query returned

export class EventsError extends ChainError<EventsErrorCode, { detail: string }> {
  constructor(code: EventsErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}

/** Which events: of one contract (or all), with one of some names (or any). */
export interface EventFilter {
  readonly contract?: Uint8Array | undefined
  readonly names?: readonly string[] | undefined
}

export interface EventQuery extends EventFilter {
  readonly fromHeight: number
  /** Inclusive; the head's height when omitted. */
  readonly toHeight?: number | undefined
  readonly limit?: number | undefined
  /** Where a previous page stopped. */
  readonly cursor?: string | undefined
}

export interface EventPage {
  readonly events: readonly StoredEvent[]
  /** Where the next page starts, or `null` when the range is exhausted. */
  readonly cursor: string | null
}

/** The JSON shape of an event (docs/rpc.md, "Events"). */
export interface EventView {
  readonly contract: string
  readonly name: string
  readonly data: unknown
  readonly height: number
  readonly blockHash: string
  readonly txHash: string
  readonly txIndex: number
  readonly eventIndex: number
  /** Set on events of blocks that a reorganisation took out of the chain. */
  readonly removed: boolean
}

export function eventView(event: StoredEvent, removed = false): EventView {
  return {
    contract: formatContractAddress(event.contract),
    name: event.name,
    data: JSON.parse(event.data) as unknown,
    height: event.height,
    blockHash: toHex(event.blockHash),
    txHash: toHex(event.txHash),
    txIndex: event.txIndex,
    eventIndex: event.eventIndex,
    removed,
  }
}

export function checkFilter(filter: EventFilter): void {
  if (filter.names !== undefined && filter.names.length > MAX_FILTER_NAMES) {
    throw new EventsError('EVENTS_ERROR_TOO_MANY_NAMES', `at most ${MAX_FILTER_NAMES} names, got ${filter.names.length}`)
  }
}

export function matchesFilter(filter: EventFilter, event: StoredEvent): boolean {
  if (filter.contract !== undefined && toHex(filter.contract) !== toHex(event.contract)) return false
  return filter.names === undefined || filter.names.length === 0 || filter.names.includes(event.name)
}

const comparePositions = (a: EventPosition, b: EventPosition): number => a.height - b.height || a.txIndex - b.txIndex || a.eventIndex - b.eventIndex

const formatCursor = (position: EventPosition): string => `${position.height}.${position.txIndex}.${position.eventIndex}`

function parseCursor(cursor: string): EventPosition {
  const match = /^(\d{1,15})\.(\d{1,9})\.(\d{1,9})$/.exec(cursor)
  if (match === null) throw new EventsError('EVENTS_ERROR_BAD_CURSOR', `not a cursor: ${JSON.stringify(cursor.slice(0, 40))}`)
  return { height: Number(match[1]), txIndex: Number(match[2]), eventIndex: Number(match[3]) }
}

/** The events of a block's receipts, in chain order. */
export function blockEvents(height: number, blockHash: Uint8Array, txHashes: readonly Uint8Array[], receipts: readonly Receipt[]): StoredEvent[] {
  return receipts.flatMap((receipt, txIndex) =>
    receipt.events.map((event, eventIndex) => ({ ...event, height, txIndex, eventIndex, txHash: txHashes[txIndex]!, blockHash })),
  )
}

/** The events of a stored, executed block. */
function storedBlockEvents(store: ChainStore, block: Block, hash: Uint8Array): StoredEvent[] {
  const receipts = store.receipts(hash)
  if (receipts === undefined) throw new StoreError('STORE_ERROR_CORRUPT', store.path, `receipts of ${toHex(hash)} are missing`)
  return blockEvents(block.header.height, hash, transactionHashes(block.transactions), receipts)
}

/**
 * One page of the canonical chain's events matching `query`, at heights up to `headHeight`.
 * With a contract it reads the index; without one it walks at most MAX_SCAN_BLOCKS blocks'
 * receipts, and the cursor says where to go on.
 */
export async function queryEvents(store: ChainStore, headHeight: number, query: EventQuery): Promise<EventPage> {
  checkFilter(query)
  const limit = query.limit ?? DEFAULT_EVENTS_PAGE
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_EVENTS_PAGE) {
    throw new EventsError('EVENTS_ERROR_BAD_RANGE', `limit must be 1 to ${MAX_EVENTS_PAGE}, got ${limit}`)
  }
  const toHeight = Math.min(query.toHeight ?? headHeight, headHeight)
  if (query.fromHeight > (query.toHeight ?? headHeight)) {
    throw new EventsError('EVENTS_ERROR_BAD_RANGE', `from ${query.fromHeight} is above to ${query.toHeight ?? headHeight}`)
  }
  const from = query.cursor === undefined ? { height: query.fromHeight, txIndex: 0, eventIndex: 0 } : parseCursor(query.cursor)
  if (from.height < query.fromHeight) throw new EventsError('EVENTS_ERROR_BAD_CURSOR', `cursor ${query.cursor} is before height ${query.fromHeight}`)
  const end = { height: toHeight + 1, txIndex: 0, eventIndex: 0 }
  if (from.height > toHeight) return { events: [], cursor: null }
  if (query.contract === undefined) return scanReceipts(store, query, from, toHeight, limit)
  const contract = query.contract
  const names = query.names === undefined || query.names.length === 0 ? [undefined] : [...new Set(query.names)]
  // One scan per name, each a page long: the first `limit` of their merge are the page.
  const found = (await Promise.all(names.map((name) => store.contractEvents(contract, name, from, end, limit + 1)))).flat().sort(comparePositions)
  const next = found[limit]
  return { events: found.slice(0, limit), cursor: next === undefined ? null : formatCursor(next) }
}

function scanReceipts(store: ChainStore, filter: EventFilter, from: EventPosition, toHeight: number, limit: number): EventPage {
  const events: StoredEvent[] = []
  const lastHeight = Math.min(toHeight, from.height + MAX_SCAN_BLOCKS - 1)
  for (let height = from.height; height <= lastHeight; height++) {
    const hash = store.canonicalHash(height)
    const block = hash === undefined ? undefined : store.block(hash)
    if (hash === undefined || block === undefined) break
    for (const event of storedBlockEvents(store, block, hash)) {
      if (comparePositions(event, from) < 0 || !matchesFilter(filter, event)) continue
      if (events.length === limit) return { events, cursor: formatCursor(event) }
      events.push(event)
    }
  }
  return { events, cursor: lastHeight < toHeight ? formatCursor({ height: lastHeight + 1, txIndex: 0, eventIndex: 0 }) : null }
}

/** What a head change did to the events of the canonical chain. */
export interface EventsChange {
  /** Events of the blocks that left the chain, newest first. */
  readonly removed: readonly StoredEvent[]
  /** Events of the blocks that joined it, oldest first. */
  readonly added: readonly StoredEvent[]
}

export function eventsOfChange(store: ChainStore, change: { readonly reverted: readonly Block[]; readonly applied: readonly Block[] }, hashOf: (block: Block) => Uint8Array): EventsChange {
  return {
    removed: change.reverted.flatMap((block) => storedBlockEvents(store, block, hashOf(block)).reverse()),
    added: change.applied.flatMap((block) => storedBlockEvents(store, block, hashOf(block))),
  }
}

/** Builds the events index of a database made before it existed, from the canonical blocks' receipts. */
export async function indexCanonicalEvents(store: ChainStore): Promise<void> {
  const head = store.head()
  const headHeight = head === undefined ? -1 : (store.meta(head)?.height ?? -1)
  let batch = new StoreBatch()
  for (let height = 0; height <= headHeight; height++) {
    const hash = store.canonicalHash(height)
    const block = hash === undefined ? undefined : store.block(hash)
    const receipts = hash === undefined ? undefined : store.receipts(hash)
    if (hash === undefined || block === undefined || receipts === undefined) {
      throw new StoreError('STORE_ERROR_CORRUPT', store.path, `canonical block ${height} or its receipts are missing`)
    }
    batch.putEvents(height, hash, transactionHashes(block.transactions), receipts)
    if (height % INDEX_BUILD_BATCH_BLOCKS === INDEX_BUILD_BATCH_BLOCKS - 1) {
      await store.write(batch)
      batch = new StoreBatch()
    }
  }
  await store.write(batch.markEventsIndexed())
}
