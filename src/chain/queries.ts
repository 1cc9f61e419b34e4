/**
 * Lookups over the chain database that both the offline commands and the node's RPC answer:
 * a block by height, hash or `latest`, a transaction with where it was included, the encrypted
 * records a participant can read.
 */
import { ChainError } from '../errors.js'
import { fromHex, toHex } from '../encoding/bytes.js'
import { HASH_BYTES } from '../crypto/hash.js'
import type { Block } from '../ledger/block.js'
import { transactionHashes } from '../ledger/block.js'
import type { Transaction } from '../ledger/transaction.js'
import type { Receipt } from '../state/receipts.js'
import { decodeRecordIndexEntry, recordIndexPrefix, type RecordIndexEntry } from '../state/records.js'
import type { BlockMeta, ChainStore } from '../store/chain-store.js'

export type QueryErrorCode =
  | 'QUERY_ERROR_BAD_SELECTOR' // not `latest`, a height or a block hash
  | 'QUERY_ERROR_BAD_HASH' // not 32 bytes of hex

export class QueryError extends ChainError<QueryErrorCode, { input: string }> {
  constructor(code: QueryErrorCode, input: string, message: string) {
    super(code, { input }, message)
  }
}

/** `latest`, a height, or a block hash (64 hex digits, `0x` optional). */
export type BlockSelector = { readonly latest: true } | { readonly height: number } | { readonly hash: Uint8Array }

export function parseHash(text: string, what: string): Uint8Array {
  const hash = fromHex(text)
  if (hash?.length !== HASH_BYTES) throw new QueryError('QUERY_ERROR_BAD_HASH', text, `${what} must be 64 hex digits, got ${JSON.stringify(text.slice(0, 80))}`)
  return hash
}

export function parseBlockSelector(text: string): BlockSelector {
  if (text === 'latest') return { latest: true }
  if (/^[0-9]{1,15}$/.test(text)) return { height: Number(text) }
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) return { hash: parseHash(text, 'block hash') }
  throw new QueryError('QUERY_ERROR_BAD_SELECTOR', text, `expected latest, a height or a block hash, got ${JSON.stringify(text.slice(0, 80))}`)
}

export interface FoundBlock {
  readonly hash: Uint8Array
  readonly block: Block
  readonly meta: BlockMeta
  /** Whether the block is on the canonical chain (side branches are stored too). */
  readonly canonical: boolean
}

export function findBlock(store: ChainStore, selector: BlockSelector): FoundBlock | undefined {
  const hash = 'latest' in selector ? store.head() : 'height' in selector ? store.canonicalHash(selector.height) : selector.hash
  if (hash === undefined) return undefined
  const block = store.block(hash)
  const meta = store.meta(hash)
  if (block === undefined || meta === undefined) return undefined
  const canonical = toHex(store.canonicalHash(meta.height) ?? new Uint8Array()) === toHex(hash)
  return { hash, block, meta, canonical }
}

export interface FoundTransaction {
  readonly hash: Uint8Array
  readonly tx: Transaction
  readonly blockHash: Uint8Array
  readonly height: number
  readonly index: number
  readonly receipt: Receipt | undefined
}

/** A transaction included in the canonical chain. */
export function findTransaction(store: ChainStore, hash: Uint8Array): FoundTransaction | undefined {
  const location = store.txLocation(hash)
  if (location === undefined) return undefined
  const block = store.block(location.blockHash)
  const tx = block?.transactions[location.index]
  if (block === undefined || tx === undefined || toHex(transactionHashes([tx])[0]!) !== toHex(hash)) return undefined
  return {
    hash,
    tx,
    blockHash: location.blockHash,
    height: block.header.height,
    index: location.index,
    receipt: store.receipts(location.blockHash)?.[location.index],
  }
}

/** The encrypted records `recipient` is among the readers of, at the head, oldest first. */
export async function recordsReadableBy(store: ChainStore, recipient: Uint8Array): Promise<RecordIndexEntry[]> {
  const entries: RecordIndexEntry[] = []
  for await (const { key, value } of store.stateEntries(recordIndexPrefix(recipient))) {
    if (value !== null) entries.push(decodeRecordIndexEntry(key, value))
  }
  return entries.sort((a, b) => a.height - b.height)
}
