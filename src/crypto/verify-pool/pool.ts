/**
 * A pool of worker threads that verify Ed25519 signatures, so that every core checks
 * signatures and the node's own thread stays free for libp2p, RPC and block execution
 * (docs/architecture.md, "Signatures on every core").
 *
 * Callers hand in batches (a block's signatures; transactions that arrived by gossip or RPC).
 * The pool cuts the waiting work into chunks, first come first served across callers, and
 * keeps each worker up to CHUNKS_AHEAD chunks deep, so a worker never waits for the node's
 * thread to hand it more. While every worker is busy, batches that arrive are coalesced into
 * the next chunks: batching is bounded by count (CHUNK_MAX_ITEMS) and a signature waits no
 * longer than the work queued before it; when a worker is idle, a lone signature goes at once.
 *
 * A worker that dies (crashed, or terminated) is replaced and its chunks are handed out again,
 * each at most MAX_ATTEMPTS times: a caller gets every answer or a typed error, never a part.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { ChainError, errorMessage } from '../../errors.js'
import { verify, type SignedMessage } from '../ed25519.js'
import { packBatch } from './batch.js'
import type { VerifyAnswer, VerifyRequest } from './worker.js'

/** Most signatures in one message to a worker: about 3 ms of work, so a new caller waits little. */
export const CHUNK_MAX_ITEMS = 32
/** Chunks a worker holds at once: the next is already there when it finishes one. */
export const CHUNKS_AHEAD = 2
/** Workers a chunk may be given to before its callers are told it failed (a chunk that kills workers). */
export const MAX_ATTEMPTS = 3
/**
 * The scheduling priority of the verify threads on Linux (a nice value; the node's thread and the
 * contract sandbox keep 0). Most of their work is ahead of need: the next block's signatures,
 * checked while this one executes. At the same priority they took the cores from the execution
 * they were meant to overlap; below it, they run on what the execution leaves idle, and a block
 * of 1,000 transfers imported in ~245 ms instead of ~265 (docs/architecture.md, "Signatures on
 * every core"). Work that waits on them still gets it all: an idle core runs them at any nice.
 */
export const VERIFY_THREAD_NICE = 10
/** Most threads a pool may have: far above any machine this runs on, a bound on a typo. */
export const MAX_THREADS = 256

/** Threads a pool has unless told: one per core this process may use. */
export function defaultVerifyThreads(): number {
  return Math.max(1, availableParallelism())
}

export type VerifyPoolErrorCode =
  | 'VERIFY_POOL_ERROR_CLOSED' // the pool was closed before the batch was checked
  | 'VERIFY_POOL_ERROR_WORKER_FAILED' // the batch's workers died MAX_ATTEMPTS times
  | 'VERIFY_POOL_ERROR_BAD_SIZE' // a thread count that is not an integer from 1 to MAX_THREADS

export class VerifyPoolError extends ChainError<VerifyPoolErrorCode, { detail: string }> {
  constructor(code: VerifyPoolErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}

/** What checks batches of signatures: a `VerifyPool`, or `verifyOnThisThread`. */
export interface BatchVerifier {
  /** One answer per item, in order: whether its signature holds (the rules of `verify`). */
  verifyBatch(items: readonly SignedMessage[]): Promise<boolean[]>
}

/** The same checks on the calling thread: for tools and tests that start no threads. */
export const verifyOnThisThread: BatchVerifier = {
  verifyBatch: (items) => Promise.resolve(items.map((item) => verify(item.signature, item.message, item.publicKey))),
}

interface Job {
  readonly items: readonly SignedMessage[]
  readonly valid: boolean[]
  remaining: number
  settled: boolean
  readonly resolve: (valid: boolean[]) => void
  readonly reject: (error: Error) => void
}

/** Items `from` to `to` (exclusive) of one job. */
interface Segment {
  readonly job: Job
  readonly from: number
  readonly to: number
}

interface Chunk {
  readonly segments: readonly Segment[]
  readonly size: number
  attempts: number
}

interface Slot {
  /** Undefined after its worker died: a new one starts when there is work for it. */
  worker: Worker | undefined
  readonly inFlight: Map<number, Chunk>
}

export interface VerifyPoolInit {
  /** Worker threads; `defaultVerifyThreads()` when omitted. */
  readonly threads?: number
  /** Told when a worker dies unexpectedly (it is replaced and its work given again). */
  readonly onWorkerDied?: (detail: string) => void
}

export class VerifyPool implements BatchVerifier {
  private readonly slots: Slot[]
  /** Jobs with items not yet handed out, oldest first, and where each one's next item is. */
  private readonly waiting: { job: Job; next: number }[] = []
  private waitingItems = 0
  /** Chunks of dead workers, handed out before anything new. */
  private readonly retries: Chunk[] = []
  private nextChunkId = 1
  private closed = false

  constructor(private readonly init: VerifyPoolInit = {}) {
    const threads = init.threads ?? defaultVerifyThreads()
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new VerifyPoolError('VERIFY_POOL_ERROR_BAD_SIZE', `verify threads: expected an integer from 1 to ${MAX_THREADS}, got ${threads}`)
    }
    this.slots = Array.from({ length: threads }, () => ({ worker: undefined, inFlight: new Map() }))
    for (const slot of this.slots) this.start(slot)
  }

  get threads(): number {
    return this.slots.length
  }

  /** Signatures waiting for a worker or being checked by one. */
  get pending(): number {
    let inFlight = 0
    for (const slot of this.slots) for (const chunk of slot.inFlight.values()) inFlight += chunk.size
    return this.waitingItems + this.retries.reduce((sum, chunk) => sum + chunk.size, 0) + inFlight
  }

  /** The live worker threads: for tests that kill one to see the pool recover. */
  get workers(): readonly Worker[] {
    return this.slots.flatMap((slot) => (slot.worker === undefined ? [] : [slot.worker]))
  }

  verifyBatch(items: readonly SignedMessage[]): Promise<boolean[]> {
    if (this.closed) return Promise.reject(new VerifyPoolError('VERIFY_POOL_ERROR_CLOSED', 'the verify pool is closed'))
    if (items.length === 0) return Promise.resolve([])
    return new Promise((resolve, reject) => {
      const job: Job = { items, valid: new Array<boolean>(items.length), remaining: items.length, settled: false, resolve, reject }
      this.waiting.push({ job, next: 0 })
      this.waitingItems += items.length
      this.dispatch()
    })
  }

  /** Stops every worker; batches not answered yet fail with `VERIFY_POOL_ERROR_CLOSED`. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const error = new VerifyPoolError('VERIFY_POOL_ERROR_CLOSED', 'the verify pool closed before the batch was checked')
    for (const { job } of this.waiting.splice(0)) this.fail(job, error)
    for (const chunk of this.retries.splice(0)) this.failChunk(chunk, error)
    const workers: Worker[] = []
    for (const slot of this.slots) {
      for (const chunk of slot.inFlight.values()) this.failChunk(chunk, error)
      slot.inFlight.clear()
      if (slot.worker !== undefined) workers.push(slot.worker)
      slot.worker = undefined
    }
    await Promise.all(workers.map((worker) => worker.terminate()))
  }

  private start(slot: Slot): Worker {
    const worker = new Worker(new URL('./worker.js', import.meta.url))
    worker.on('message', (answer: VerifyAnswer) => this.answered(slot, answer))
    // An uncaught error in the worker: its `exit` follows, which is where it is handled.
    worker.on('error', () => undefined)
    worker.on('exit', (code) => {
      if (slot.worker === worker) this.died(slot, `a verify worker exited with code ${code}`)
    })
    slot.worker = worker
    return worker
  }

  /** Hands out work: idle workers first, then a second chunk to each, and so on. */
  private dispatch(): void {
    if (this.closed) return
    for (let depth = 0; depth < CHUNKS_AHEAD; depth++) {
      for (const slot of this.slots) {
        if (slot.inFlight.size > depth) continue
        const chunk = this.retries.shift() ?? this.takeChunk()
        if (chunk === undefined) return
        this.send(slot, chunk)
      }
    }
  }

  /** The next chunk of waiting items: an equal share for every worker, at most CHUNK_MAX_ITEMS. */
  private takeChunk(): Chunk | undefined {
    const size = Math.min(CHUNK_MAX_ITEMS, Math.ceil(this.waitingItems / this.slots.length))
    const segments: Segment[] = []
    let taken = 0
    while (taken < size && this.waiting.length > 0) {
      const head = this.waiting[0]!
      if (head.job.settled) {
        // Failed already (a chunk of it killed its workers): the rest is not worth checking.
        this.waitingItems -= head.job.items.length - head.next
        this.waiting.shift()
        continue
      }
      const to = Math.min(head.job.items.length, head.next + size - taken)
      segments.push({ job: head.job, from: head.next, to })
      taken += to - head.next
      head.next = to
      if (to === head.job.items.length) this.waiting.shift()
    }
    this.waitingItems -= taken
    return taken === 0 ? undefined : { segments, size: taken, attempts: 0 }
  }

  private send(slot: Slot, chunk: Chunk): void {
    let worker: Worker
    try {
      worker = slot.worker ?? this.start(slot)
    } catch (error) {
      // No thread can be started (out of resources, a broken install): the chunk's callers are told.
      this.failChunk(chunk, new VerifyPoolError('VERIFY_POOL_ERROR_WORKER_FAILED', `a verify worker could not start: ${errorMessage(error)}`))
      return
    }
    const id = this.nextChunkId++
    chunk.attempts++
    const { bytes, ends } = packBatch(chunk.segments.flatMap(({ job, from, to }) => job.items.slice(from, to)))
    slot.inFlight.set(id, chunk)
    worker.postMessage({ id, bytes, ends } satisfies VerifyRequest, [bytes.buffer, ends.buffer])
  }

  private answered(slot: Slot, { id, valid }: VerifyAnswer): void {
    const chunk = slot.inFlight.get(id)
    if (chunk === undefined) return
    slot.inFlight.delete(id)
    let at = 0
    for (const { job, from, to } of chunk.segments) {
      for (let i = from; i < to; i++) job.valid[i] = valid[at++] === 1
      job.remaining -= to - from
      if (job.remaining === 0 && !job.settled) {
        job.settled = true
        job.resolve(job.valid)
      }
    }
    this.dispatch()
  }

  /** A worker died: its chunks go to the others (or to its replacement), or fail after MAX_ATTEMPTS. */
  private died(slot: Slot, detail: string): void {
    slot.worker = undefined
    if (this.closed) return
    this.init.onWorkerDied?.(detail)
    for (const chunk of slot.inFlight.values()) {
      if (chunk.attempts >= MAX_ATTEMPTS) this.failChunk(chunk, new VerifyPoolError('VERIFY_POOL_ERROR_WORKER_FAILED', `${detail}, ${chunk.attempts} times with the same signatures`))
      else this.retries.push(chunk)
    }
    slot.inFlight.clear()
    this.dispatch()
  }

  private failChunk(chunk: Chunk, error: Error): void {
    for (const { job } of chunk.segments) this.fail(job, error)
  }

  private fail(job: Job, error: Error): void {
    if (job.settled) return
    job.settled = true
    job.reject(error)
  }
}
