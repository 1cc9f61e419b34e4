/**
 * A message channel between two threads: a `MessagePort` carries the messages, and a shared
 * counter per side wakes the receiver. Contract code is synchronous, so the sandbox thread must
 * block until the node's thread answers a state read (the pattern of `synckit`: `Atomics.wait`
 * plus `receiveMessageOnPort`); the node's thread waits for the outcome with `Atomics.waitAsync`,
 * its event loop free.
 *
 * The receiver spins for a while (`spinMs`) before it sleeps: a host round trip takes ~5 µs
 * between spinning threads and ~65 µs or more when the other side must be woken from a futex
 * sleep (measured here on a busy machine), and a call makes several. A side says when it sleeps,
 * so that a sender wakes it only then: `Atomics.notify` is a system call, and to a thread waiting
 * with `Atomics.waitAsync` a task posted to its event loop (a profile of the sandbox thread found
 * it costing more than the message itself).
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'

/** The shared words of a channel: per side, a count of the messages sent to it, and whether it sleeps. */
const COUNTER = (side: 0 | 1): number => side
const SLEEPING = (side: 0 | 1): number => 2 + side

export class SyncChannel<In, Out> {
  /** The memory both ends of a channel share (given to each end's constructor). */
  static signals(): SharedArrayBuffer {
    return new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT)
  }

  private readonly signals: Int32Array
  /** Messages the event loop delivered before anyone asked (see `listen`). */
  private readonly queue: In[] = []
  private waiting: ((message: In) => void) | undefined

  constructor(
    private readonly port: MessagePort,
    signals: SharedArrayBuffer,
    /** The slot this side waits on; the other side waits on the other one. */
    private readonly side: 0 | 1,
    /** How long this side spins for a message before it sleeps. */
    private readonly spinMs: number,
  ) {
    this.signals = new Int32Array(signals)
  }

  send(message: Out): void {
    this.port.postMessage(message)
    const other = this.side === 0 ? 1 : 0
    Atomics.add(this.signals, COUNTER(other), 1)
    // Sequentially consistent: a receiver that set its flag after this load sees the new count
    // when it goes to sleep, and does not.
    if (Atomics.load(this.signals, SLEEPING(other)) !== 0) Atomics.notify(this.signals, COUNTER(other))
  }

  /**
   * The next message, without blocking the thread, so that its own asynchronous work (preparing
   * the next QuickJS instance) goes on meanwhile. While the thread's event loop runs, the port
   * delivers messages as events, so a thread that uses this must call `listen()` first.
   */
  receiveAsync(): Promise<In> {
    const queued = this.take()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve) => (this.waiting = resolve))
  }

  /** A message already here, or undefined: no spin, no wait. */
  take(): In | undefined {
    return this.queue.shift() ?? (receiveMessageOnPort(this.port)?.message as In | undefined)
  }

  /** A message that arrives while this side spins (`spinMs`), without sleeping; or undefined. */
  poll(): In | undefined {
    const end = performance.now() + this.spinMs
    for (;;) {
      const seen = Atomics.load(this.signals, COUNTER(this.side))
      const message = this.take()
      if (message !== undefined || !this.spin(seen, end)) return message
    }
  }

  /** Spins until the counter moves from `seen` (true) or `end` passes (false). */
  private spin(seen: number, end: number): boolean {
    for (;;) {
      for (let polls = 0; polls < 1_000; polls++) if (Atomics.load(this.signals, COUNTER(this.side)) !== seen) return true
      if (performance.now() >= end) return false
    }
  }

  /** Takes the messages the event loop delivers (see `receiveAsync`); blocking `receive` still works. */
  listen(): void {
    this.port.on('message', (message: In) => {
      const waiting = this.waiting
      this.waiting = undefined
      if (waiting !== undefined) waiting(message)
      else this.queue.push(message)
    })
  }

  /**
   * The next message, or undefined when none came within `timeoutMs`: spins for `spinMs`, then
   * waits without blocking the thread, so that its event loop goes on meanwhile. A caller that
   * has just polled (`poll`, no promise made when a message comes within the spin) passes
   * `spunAlready` to sleep at once.
   */
  async next(timeoutMs: number, spunAlready = false): Promise<In | undefined> {
    const end = performance.now() + timeoutMs
    for (let spin = !spunAlready; ; spin = true) {
      const seen = Atomics.load(this.signals, COUNTER(this.side))
      const message = this.take()
      if (message !== undefined) return message
      if (spin && this.spin(seen, Math.min(end, performance.now() + this.spinMs))) continue
      const left = end - performance.now()
      if (left <= 0) return undefined
      Atomics.store(this.signals, SLEEPING(this.side), 1)
      const waiting = Atomics.waitAsync(this.signals, COUNTER(this.side), seen, left)
      if (waiting.async) await waiting.value
      Atomics.store(this.signals, SLEEPING(this.side), 0)
    }
  }

  /** The next message, or undefined when none came within `timeoutMs` (Infinity waits for ever). */
  receive(timeoutMs: number): In | undefined {
    const end = performance.now() + timeoutMs
    for (;;) {
      // Read the counter before looking at the port: a message that arrives after the look
      // has moved the counter, so the wait below returns at once.
      const seen = Atomics.load(this.signals, COUNTER(this.side))
      const message = this.take()
      if (message !== undefined) return message
      if (this.spin(seen, Math.min(end, performance.now() + this.spinMs))) continue
      const left = end - performance.now()
      if (left <= 0) return undefined
      Atomics.store(this.signals, SLEEPING(this.side), 1)
      Atomics.wait(this.signals, COUNTER(this.side), seen, left)
      Atomics.store(this.signals, SLEEPING(this.side), 0)
    }
  }
}
