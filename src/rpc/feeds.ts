/**
 * What the node publishes to WebSocket subscribers (docs/rpc.md, "Subscriptions"): each new
 * canonical block, the events a head change adds and removes (removed ones first, flagged, so
 * a subscriber can undo what it did with them), and each transaction admitted to the pool.
 */
import type { HeadChange } from '../chain/chain.js'
import { eventsOfChange } from '../chain/events.js'
import { blockHash, type Block } from '../ledger/block.js'
import type { Transaction } from '../ledger/transaction.js'
import type { ChainStore, StoredEvent } from '../store/chain-store.js'
import type { Subscriptions } from './subscriptions.js'

export const Topic = {
  NewHeads: 'newHeads',
  Events: 'events',
  PendingTransactions: 'pendingTransactions',
} as const

export interface HeadItem {
  readonly block: Block
  readonly totalWork: bigint
}
export interface EventItem {
  readonly event: StoredEvent
  readonly removed: boolean
}
export interface PendingItem {
  readonly tx: Transaction
  readonly hash: Uint8Array
}

export class ChainFeeds {
  constructor(
    private readonly subscriptions: Subscriptions,
    private readonly store: ChainStore,
  ) {}

  headChanged(change: HeadChange): void {
    if (this.subscriptions.size === 0) return
    const { removed, added } = eventsOfChange(this.store, change, (block) => blockHash(block.header))
    for (const event of removed) this.subscriptions.publish(Topic.Events, { event, removed: true } satisfies EventItem)
    for (const block of change.applied) {
      const hash = blockHash(block.header)
      const totalWork = this.store.meta(hash)?.totalWork ?? change.head.totalWork
      this.subscriptions.publish(Topic.NewHeads, { block, totalWork } satisfies HeadItem)
    }
    for (const event of added) this.subscriptions.publish(Topic.Events, { event, removed: false } satisfies EventItem)
  }

  pooled(tx: Transaction, hash: Uint8Array): void {
    this.subscriptions.publish(Topic.PendingTransactions, { tx, hash } satisfies PendingItem)
  }
}
