/**
 * A full consistency check of a chain database: what `chain db verify` runs and what the crash
 * tests assert after every kill. It walks the canonical chain from the head to genesis and
 * checks that every record agrees with every other (the events index included), then rebuilds
 * the state trie from the flat state and compares its root with the head's.
 */
import { bytesEqual, toHex } from '../encoding/bytes.js'
import { blockHash, transactionHashes } from '../ledger/block.js'
import type { Consensus } from '../consensus/consensus.js'
import { NO_STORED_NODES, StateTrie } from '../state/trie.js'
import type { ChainStore } from '../store/chain-store.js'

export interface VerifyReport {
  readonly height: number
  readonly head: string
  readonly blocks: number
  readonly transactions: number
  /** Events of the canonical chain's receipts, each found in the events index. */
  readonly events: number
  readonly stateKeys: number
  /** Every inconsistency found, in the order found; empty when the database is consistent. */
  readonly problems: readonly string[]
}

const MAX_PROBLEMS = 20

export async function verifyChainStore(store: ChainStore, consensus: Consensus): Promise<VerifyReport> {
  const problems: string[] = []
  const problem = (text: string): void => void (problems.length < MAX_PROBLEMS && problems.push(text))
  const head = store.head()
  if (head === undefined) return { height: -1, head: '', blocks: 0, transactions: 0, events: 0, stateKeys: 0, problems: ['no head'] }
  const headHeader = store.header(head)
  if (headHeader === undefined) return { height: -1, head: toHex(head), blocks: 0, transactions: 0, events: 0, stateKeys: 0, problems: ['head block missing'] }

  const works: bigint[] = []
  let transactions = 0
  let events = 0
  let hash = head
  for (let height = headHeader.height; height >= 0; height--) {
    const at = `height ${height}`
    const block = store.block(hash)
    const meta = store.meta(hash)
    if (block === undefined || meta === undefined) {
      problem(`${at}: block or info of ${toHex(hash)} missing`)
      break
    }
    if (!bytesEqual(blockHash(block.header), hash)) problem(`${at}: stored header does not hash to ${toHex(hash)}`)
    if (block.header.height !== height || meta.height !== height) problem(`${at}: header or info says another height`)
    if (meta.status !== 'valid') problem(`${at}: canonical block has status ${meta.status}`)
    if (!bytesEqual(store.canonicalHash(height) ?? new Uint8Array(), hash)) problem(`${at}: canonical index does not name ${toHex(hash)}`)
    const receipts = store.receipts(hash)
    if (receipts?.length !== block.transactions.length) problem(`${at}: receipts missing or of the wrong count`)
    receipts?.forEach((receipt, txIndex) =>
      receipt.events.forEach((event, eventIndex) => {
        events++
        if (!store.hasEvent({ ...event, height, txIndex, eventIndex })) problem(`${at}: event ${txIndex}.${eventIndex} (${event.name}) missing from the events index`)
      }),
    )
    if (store.undo(hash) === undefined) problem(`${at}: undo log missing`)
    transactionHashes(block.transactions).forEach((txHash, index) => {
      const location = store.txLocation(txHash)
      if (location === undefined || !bytesEqual(location.blockHash, hash) || location.index !== index) {
        problem(`${at}: transaction index wrong for ${toHex(txHash)}`)
      }
    })
    transactions += block.transactions.length
    works.push(meta.totalWork - (height === 0 ? 0n : consensus.work(block.header)))
    hash = block.header.parentHash
  }
  // Each block's total work minus its own work must be its parent's total work.
  for (let i = 0; i + 1 < works.length; i++) {
    const parentHash = store.canonicalHash(headHeader.height - i - 1)
    const parentWork = parentHash === undefined ? undefined : store.meta(parentHash)?.totalWork
    if (parentWork !== works[i]) problem(`height ${headHeader.height - i}: total work does not add up`)
  }
  if (store.canonicalHash(headHeader.height + 1) !== undefined) problem('canonical index continues above the head')
  if (store.eventsIndexed()) {
    const indexed = await store.eventIndexSize()
    if (indexed.byContract !== events || indexed.byName !== events) {
      problem(`the events index has ${indexed.byContract} events by contract and ${indexed.byName} by name; the canonical chain has ${events}`)
    }
  } else {
    problem('the events index was never built')
  }

  const trie = new StateTrie(NO_STORED_NODES)
  const entries = []
  for await (const entry of store.stateEntries()) entries.push(entry)
  const root = trie.apply(trie.emptyRoot, entries)
  if (!bytesEqual(root, headHeader.stateRoot)) problem(`flat state has root ${toHex(root)}, head says ${toHex(headHeader.stateRoot)}`)

  return { height: headHeader.height, head: toHex(head), blocks: headHeader.height + 1, transactions, events, stateKeys: entries.length, problems }
}
