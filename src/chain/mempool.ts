/**
 * The mempool: valid transactions waiting for a block, per sender in nonce order.
 *
 * Rules (docs/architecture.md, "Mempool"):
 * - A transaction is admitted only if its nonce is not in the past (at least the sender's
 *   next nonce on chain) and at most MEMPOOL_MAX_PER_SENDER ahead of it, and its sender is
 *   registered on chain, or its registration is the transaction itself or waits in the pool.
 * - Same sender and nonce as a pooled transaction: it replaces that one only with a higher
 *   gas limit (there are no fees; a higher limit is the one thing a sender can offer more of),
 *   otherwise it is refused. This stops a sender from churning the pool for free.
 * - Over the total caps the oldest transaction leaves first, with its sender's later nonces
 *   (they could never be included without it).
 * - Included transactions leave; transactions of blocks that a reorganisation abandons
 *   come back, if they are still valid on the new head.
 * - Every other departure has a reason (`DropReason`), told to the `onDrop` listener (the node
 *   logs it) and remembered for the most recent MEMPOOL_DEPARTURES_BYTES of them, so a wallet
 *   waiting for one learns why it will never be included.
 */
import { ChainError } from '../errors.js'
import { bytesKey, toHex } from '../encoding/bytes.js'
import { formatParticipantId } from '../crypto/identity.js'
import { decodeTransaction, encodeTransaction, senderOf, transactionHash, type Transaction } from '../ledger/transaction.js'
import { BoundedCache, byteArrayBytes } from '../cache/bounded-cache.js'
import { MEMPOOL_DEPARTURES_BYTES, MEMPOOL_MAX_BYTES, MEMPOOL_MAX_PER_SENDER, MEMPOOL_MAX_TXS } from './constants.js'

export type MempoolErrorCode =
  | 'MEMPOOL_ERROR_KNOWN' // the same transaction is already in the pool
  | 'MEMPOOL_ERROR_NONCE_TOO_LOW' // the nonce was used on chain already
  | 'MEMPOOL_ERROR_NONCE_TOO_HIGH' // further ahead of the chain than the pool queues
  | 'MEMPOOL_ERROR_NOT_REGISTERED' // the sender is not registered and its registration is not pending
  | 'MEMPOOL_ERROR_ALREADY_REGISTERED' // a registration of a registered id
  | 'MEMPOOL_ERROR_REPLACEMENT_TOO_LOW' // same nonce as a pooled transaction, gas limit not higher

export class MempoolError extends ChainError<MempoolErrorCode, { detail: string }> {
  constructor(code: MempoolErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}

/** Why a transaction left the pool without being included. */
export type DropReason =
  | 'replaced' // a transaction of the same sender and nonce with a higher gas limit took its place
  | 'evicted' // the pool was full and it was the oldest (or came after the oldest of its sender)
  | 'stale' // its nonce was used on chain by another transaction (or its sender got registered another way)
  | 'unincludable' // a block could not include it (a rule of the state, or this node could not execute it)
  | 'predecessor-dropped' // an earlier nonce of its sender left the pool, so this one can never be included

export interface Departure {
  readonly tx: Transaction
  readonly reason: DropReason
  /** One line on the particular case (the error a block met, the replacement's hash). */
  readonly detail: string
}

/**
 * A departure as remembered: the transaction's encoding (a buffer of its own), not the decoded transaction,
 * which holds ~10 times its bytes resident (a transfer of 204 bytes measured ~2,200: its object,
 * its byte fields each in a buffer of its own, and its encoding and hash, cached beside it as
 * long as it lives). Asked for, it is decoded again.
 */
interface RememberedDeparture {
  readonly encoding: Uint8Array
  readonly reason: DropReason
  readonly detail: string
}

/**
 * What a remembered departure holds beyond its encoding and its detail's characters: its record's
 * object and the detail string's header. At 40, 2,000 departures measured 755 to 807 bytes each
 * against 802 charged (test/chain/mempool.test.ts); 64 keeps the charge above what they hold.
 */
const DEPARTURE_RECORD_BYTES = 64

/** What the pool needs to know of the head state: a sender's next nonce, `undefined` if unregistered. */
export type NonceLookup = (sender: Uint8Array) => number | undefined

/**
 * A pooled transaction. Its hash and sender key the pool's maps as `bytesKey`s (half the size
 * of hex, made without encoding: every admission looks up both); hex is made only for what
 * is shown (a drop's log line, an error).
 */
interface Entry {
  readonly tx: Transaction
  readonly key: string
  readonly sender: string
  readonly bytes: number
  /** Arrival order, for eviction and for fairness between senders. */
  readonly sequence: number
}

export interface MempoolLimits {
  readonly maxTxs: number
  readonly maxBytes: number
  readonly maxPerSender: number
  /** Bytes of recent departures remembered (their transactions and reasons). */
  readonly maxDepartureBytes: number
}

export interface MempoolInit extends Partial<MempoolLimits> {
  /** Told of every transaction that leaves the pool without being included. */
  readonly onDrop?: (hash: string, departure: Departure) => void
}

export class Mempool {
  private readonly byHash = new Map<string, Entry>()
  /** sender → nonce → entry */
  private readonly bySender = new Map<string, Map<number, Entry>>()
  private bytes = 0
  private sequence = 0
  /** Bumped on every admission: lets a miner tell whether its block template is stale. */
  version = 0
  private readonly limits: MempoolLimits
  /** Recent departures by hash (`bytesKey`), bounded in bytes. */
  private readonly departures: BoundedCache<RememberedDeparture>
  private readonly onDrop: ((hash: string, departure: Departure) => void) | undefined

  constructor(
    private readonly nonceOf: NonceLookup,
    init: MempoolInit = {},
  ) {
    const { onDrop, ...limits } = init
    this.limits = { maxTxs: MEMPOOL_MAX_TXS, maxBytes: MEMPOOL_MAX_BYTES, maxPerSender: MEMPOOL_MAX_PER_SENDER, maxDepartureBytes: MEMPOOL_DEPARTURES_BYTES, ...limits }
    this.departures = new BoundedCache(this.limits.maxDepartureBytes, ({ encoding, detail }) => byteArrayBytes(encoding) + detail.length + DEPARTURE_RECORD_BYTES)
    this.onDrop = onDrop
  }

  /** Bytes the remembered departures are charged (at most `maxDepartureBytes`). */
  get departureBytes(): number {
    return this.departures.bytes
  }

  /** Why the transaction `hash` left the pool, if it did recently without being included. */
  departure(hash: Uint8Array): Departure | undefined {
    const remembered = this.departures.get(bytesKey(hash))
    if (remembered === undefined) return undefined
    const { encoding, reason, detail } = remembered
    return { tx: decodeTransaction(encoding), reason, detail }
  }

  get size(): number {
    return this.byHash.size
  }

  get sizeBytes(): number {
    return this.bytes
  }

  has(hash: Uint8Array): boolean {
    return this.byHash.has(bytesKey(hash))
  }

  get(hash: Uint8Array): Transaction | undefined {
    return this.byHash.get(bytesKey(hash))?.tx
  }

  /**
   * Admits a transaction that passed its stateless checks (signature included). Returns its
   * hash and the transaction it replaced, if any. Throws `MempoolError`.
   */
  add(tx: Transaction): { hash: Uint8Array; replaced: Transaction | undefined; evicted: Transaction[] } {
    const encoded = encodeTransaction(tx)
    const hash = transactionHash(tx)
    const key = bytesKey(hash)
    if (this.byHash.has(key)) throw new MempoolError('MEMPOOL_ERROR_KNOWN', `transaction ${toHex(hash)} is already pending`)
    const senderId = senderOf(tx)
    const sender = bytesKey(senderId)
    const chainNonce = this.nonceOf(senderId)
    const pending = this.bySender.get(sender)
    if (tx.kind === 'participant') {
      if (chainNonce !== undefined) throw new MempoolError('MEMPOOL_ERROR_ALREADY_REGISTERED', `${formatParticipantId(senderId)} is already registered`)
    } else if (chainNonce === undefined && pending?.get(0)?.tx.kind !== 'participant') {
      throw new MempoolError('MEMPOOL_ERROR_NOT_REGISTERED', `${formatParticipantId(senderId)} is not registered (send its participant transaction first)`)
    }
    const next = chainNonce ?? 0
    if (tx.nonce < next) throw new MempoolError('MEMPOOL_ERROR_NONCE_TOO_LOW', `nonce ${tx.nonce} is used; the next is ${next}`)
    if (tx.nonce >= next + this.limits.maxPerSender) {
      throw new MempoolError('MEMPOOL_ERROR_NONCE_TOO_HIGH', `nonce ${tx.nonce} is more than ${this.limits.maxPerSender} ahead of ${next}`)
    }
    const existing = pending?.get(tx.nonce)
    if (existing !== undefined && tx.gasLimit <= existing.tx.gasLimit) {
      throw new MempoolError('MEMPOOL_ERROR_REPLACEMENT_TOO_LOW', `a transaction with nonce ${tx.nonce} is pending; a replacement needs a gas limit above ${existing.tx.gasLimit}`)
    }
    if (existing !== undefined) this.depart(existing, 'replaced', `by ${toHex(hash)}`)
    const entry: Entry = { tx, key, sender, bytes: encoded.length, sequence: this.sequence++ }
    this.insert(entry)
    this.departures.delete(key)
    this.version++
    return { hash, replaced: existing?.tx, evicted: this.evictOverflow() }
  }

  private insert(entry: Entry): void {
    let nonces = this.bySender.get(entry.sender)
    if (nonces === undefined) this.bySender.set(entry.sender, (nonces = new Map<number, Entry>()))
    nonces.set(entry.tx.nonce, entry)
    this.byHash.set(entry.key, entry)
    this.bytes += entry.bytes
  }

  private remove(entry: Entry): void {
    this.byHash.delete(entry.key)
    this.bytes -= entry.bytes
    const nonces = this.bySender.get(entry.sender)
    nonces?.delete(entry.tx.nonce)
    if (nonces?.size === 0) this.bySender.delete(entry.sender)
  }

  /** Removes an entry that leaves without being included, and remembers why. */
  private depart(entry: Entry, reason: DropReason, detail: string): void {
    this.remove(entry)
    this.departures.set(entry.key, { encoding: encodeTransaction(entry.tx), reason, detail })
    this.onDrop?.(toHex(transactionHash(entry.tx)), { tx: entry.tx, reason, detail })
  }

  /** Removes an entry and its sender's later nonces, which could never be included without it. */
  private removeWithSuccessors(entry: Entry, reason: DropReason, detail: string): Transaction[] {
    const removed: Transaction[] = []
    for (const other of [...(this.bySender.get(entry.sender)?.values() ?? [])]) {
      if (other.tx.nonce >= entry.tx.nonce) {
        if (other === entry) this.depart(other, reason, detail)
        else this.depart(other, 'predecessor-dropped', `nonce ${entry.tx.nonce} (${toHex(transactionHash(entry.tx))}) left the pool: ${reason}`)
        removed.push(other.tx)
      }
    }
    return removed
  }

  /** Map order is insertion order: the first entry is the oldest. */
  private evictOverflow(): Transaction[] {
    const evicted: Transaction[] = []
    while (this.byHash.size > this.limits.maxTxs || this.bytes > this.limits.maxBytes) {
      evicted.push(...this.removeWithSuccessors(this.byHash.values().next().value!, 'evicted', 'the pool was full and it was the oldest'))
    }
    return evicted
  }

  /**
   * Transactions ready for a block, in an order a block can include them: each sender's
   * in nonce order from its chain nonce without gaps, senders interleaved by arrival.
   */
  *pending(): Generator<Transaction> {
    const queues: Entry[][] = []
    for (const nonces of this.bySender.values()) {
      const first = nonces.values().next().value!
      let nonce = this.nonceOf(senderOf(first.tx)) ?? 0
      const queue: Entry[] = []
      for (let entry = nonces.get(nonce); entry !== undefined; entry = nonces.get(++nonce)) queue.push(entry)
      if (queue.length > 0) queues.push(queue)
    }
    // merge the queues by arrival of each queue's next transaction
    const positions = queues.map(() => 0)
    for (;;) {
      let best = -1
      for (let i = 0; i < queues.length; i++) {
        const next = queues[i]![positions[i]!]
        if (next !== undefined && (best === -1 || next.sequence < queues[best]![positions[best]!]!.sequence)) best = i
      }
      if (best === -1) return
      yield queues[best]![positions[best]!++]!.tx
    }
  }

  /** Drops a transaction a block could not include (`why`: the error it met), with its sender's later nonces. */
  drop(tx: Transaction, why: string): Transaction[] {
    const entry = this.byHash.get(bytesKey(transactionHash(tx)))
    return entry === undefined ? [] : this.removeWithSuccessors(entry, 'unincludable', why)
  }

  /** `sender`'s pending transactions from its chain nonce on, in nonce order, without gaps. */
  pendingOf(sender: Uint8Array): Transaction[] {
    const pending: Transaction[] = []
    const nonces = this.bySender.get(bytesKey(sender))
    for (let nonce = this.nonceOf(sender) ?? 0; nonces?.has(nonce); nonce++) pending.push(nonces.get(nonce)!.tx)
    return pending
  }

  /** The nonce a new transaction of `sender` should carry: chain nonce plus its contiguous pending ones. */
  nextNonce(sender: Uint8Array): number {
    let nonce = this.nonceOf(sender) ?? 0
    const nonces = this.bySender.get(bytesKey(sender))
    while (nonces?.has(nonce)) nonce++
    return nonce
  }

  /**
   * Brings the pool up to a new head: drops what was included or became stale, and offers
   * back the transactions of abandoned blocks. Returns those re-admitted.
   */
  update(applied: readonly Transaction[], reverted: readonly Transaction[]): Transaction[] {
    for (const tx of applied) {
      const entry = this.byHash.get(bytesKey(transactionHash(tx)))
      if (entry !== undefined) this.remove(entry)
    }
    for (const nonces of [...this.bySender.values()]) {
      const first = nonces.values().next().value!
      const next = this.nonceOf(senderOf(first.tx))
      for (const entry of [...nonces.values()]) {
        const stale = entry.tx.kind === 'participant' ? next !== undefined : entry.tx.nonce < (next ?? 0)
        if (stale) this.depart(entry, 'stale', entry.tx.kind === 'participant' ? 'its sender is registered' : `nonce ${entry.tx.nonce} is used on chain`)
      }
    }
    const readmitted: Transaction[] = []
    // oldest nonce first, so that a registration is back before the transactions that need it
    for (const tx of [...reverted].sort((a, b) => a.nonce - b.nonce)) {
      try {
        this.add(tx)
        readmitted.push(tx)
      } catch (error) {
        if (!(error instanceof MempoolError)) throw error
      }
    }
    return readmitted
  }
}
