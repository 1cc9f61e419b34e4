/**
 * Gossips the transactions this node pools from its own side (sent to its RPC, readmitted after
 * a reorganisation, its registration) in batches: what is announced in one turn of the event
 * loop (a bulk `sendTransactions`, the calls of a JSON-RPC batch, a reorganisation's
 * readmitted transactions) goes out together, in as few gossip messages as fit
 * (src/network/gossip.ts). A lone transaction waits only for the end of its turn.
 * Transactions that came by gossip are not announced here: gossipsub relays their message.
 */
import { errorMessage } from '../errors.js'
import type { Transaction } from '../ledger/transaction.js'
import type { Logger } from '../log.js'

export class TransactionAnnouncer {
  private waiting: Transaction[] = []
  private flushing: NodeJS.Immediate | undefined

  constructor(
    private readonly publish: (txs: readonly Transaction[]) => Promise<number>,
    private readonly log: Logger,
  ) {}

  announce(tx: Transaction): void {
    this.waiting.push(tx)
    this.flushing ??= setImmediate(() => this.flush())
  }

  /** Drops what waits: the network is about to stop. */
  stop(): void {
    if (this.flushing !== undefined) clearImmediate(this.flushing)
    this.flushing = undefined
    this.waiting = []
  }

  private flush(): void {
    this.flushing = undefined
    const txs = this.waiting
    this.waiting = []
    this.publish(txs).catch((error: unknown) => this.log.debug('could not publish transactions', { count: txs.length, error: errorMessage(error) }))
  }
}
