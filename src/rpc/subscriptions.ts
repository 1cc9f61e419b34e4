/**
 * WebSocket subscriptions: which connection wants which items of which topic, and the
 * notifications that carry them (docs/rpc.md, "Subscriptions").
 *
 * The hub knows nothing of the chain: the API layer publishes items to named topics and gives
 * each subscription a `select` function that turns an item into what that subscriber is sent
 * (or `undefined` when its filter does not match). Each connection holds a bounded number of
 * subscriptions, so one client cannot make every publication cost thousands of sends.
 */
import { randomBytes } from 'node:crypto'
import { RpcError, RpcErrorCode } from './protocol.js'

/** Most subscriptions one connection may hold at once. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 64

/** The method name of every notification (as in Ethereum's `eth_subscription`). */
export const SUBSCRIPTION_METHOD = 'subscription'

/** What the hub needs of a connection: a way to send it notifications. */
export interface Subscriber {
  readonly id: number
  /** Sends a JSON-RPC notification; false when the connection cannot take it (closed, too slow). */
  readonly notify: (method: string, params: unknown) => boolean
}

type Select = (item: unknown) => unknown

interface Subscription {
  readonly id: string
  readonly topic: string
  readonly subscriber: Subscriber
  readonly select: Select
}

export class Subscriptions {
  private readonly byId = new Map<string, Subscription>()
  private readonly byConnection = new Map<number, Set<string>>()
  private readonly maxPerConnection: number

  constructor(init: { maxPerConnection?: number } = {}) {
    this.maxPerConnection = init.maxPerConnection ?? MAX_SUBSCRIPTIONS_PER_CONNECTION
  }

  /** Subscribes `subscriber` to `topic`; returns the subscription id its notifications carry. */
  subscribe<T>(subscriber: Subscriber, topic: string, select: (item: T) => unknown): string {
    const ids = this.byConnection.get(subscriber.id) ?? new Set<string>()
    if (ids.size >= this.maxPerConnection) {
      throw new RpcError(RpcErrorCode.LimitExceeded, `at most ${this.maxPerConnection} subscriptions per connection`)
    }
    const id = `0x${randomBytes(8).toString('hex')}`
    this.byId.set(id, { id, topic, subscriber, select: select as Select })
    ids.add(id)
    this.byConnection.set(subscriber.id, ids)
    return id
  }

  /** Ends a subscription of this connection; false when it has none of that id. */
  unsubscribe(subscriber: Subscriber, id: string): boolean {
    const subscription = this.byId.get(id)
    if (subscription?.subscriber.id !== subscriber.id) return false
    this.byId.delete(id)
    this.byConnection.get(subscriber.id)?.delete(id)
    return true
  }

  /** Forgets every subscription of a closed connection. */
  closeConnection(subscriber: Subscriber): void {
    for (const id of this.byConnection.get(subscriber.id) ?? []) this.byId.delete(id)
    this.byConnection.delete(subscriber.id)
  }

  /** How many subscriptions are open (for metrics). */
  get size(): number {
    return this.byId.size
  }

  /** Sends `item` to every subscriber of `topic` whose selection keeps it. */
  publish(topic: string, item: unknown): void {
    for (const subscription of [...this.byId.values()]) {
      if (subscription.topic !== topic) continue
      const result = subscription.select(item)
      if (result === undefined) continue
      if (!subscription.subscriber.notify(SUBSCRIPTION_METHOD, { subscription: subscription.id, result })) this.closeConnection(subscription.subscriber)
    }
  }
}
