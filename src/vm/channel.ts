/**
 * A synchronous message channel between two threads: a `MessagePort` carries the messages, and a
 * shared counter per side wakes the receiver. Contract code is synchronous, so the sandbox thread
 * must block until the node's thread answers a state read, and the node's thread blocks until
 * the execution ends (the pattern of `synckit`: `Atomics.wait` plus `receiveMessageOnPort`).
 *
 * The receiver spins for a while before it sleeps: a host round trip takes ~5 µs spinning and
 * ~65 µs through a futex sleep here, and a call makes several.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import { SPIN_POLLS } from './constants.js'

export class SyncChannel<In, Out> {
  private readonly signals: Int32Array
  /** Messages the event loop delivered before anyone asked (see `listen`). */
  private readonly queue: In[] = []
  private waiting: ((message: In) => void) | undefined

  constructor(
    private readonly port: MessagePort,
    signals: SharedArrayBuffer,
    /** The slot this side waits on; the other side waits on the other one. */
    private readonly side: 0 | 1,
  ) {
    this.signals = new Int32Array(signals)
  }

  send(message: Out): void {
    this.port.postMessage(message)
    const other = 1 - this.side
    Atomics.add(this.signals, other, 1)
    Atomics.notify(this.signals, other)
  }

  /**
   * The next message, without blocking the thread, so that its own asynchronous work (preparing
   * the next QuickJS instance) goes on meanwhile. While the thread's event loop runs, the port
   * delivers messages as events, so a thread that uses this must call `listen()` first.
   */
  receiveAsync(): Promise<In> {
    const queued = this.queue.shift() ?? (receiveMessageOnPort(this.port)?.message as In | undefined)
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve) => (this.waiting = resolve))
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

  /** The next message, or undefined when none came within `timeoutMs` (Infinity waits for ever). */
  receive(timeoutMs: number): In | undefined {
    const end = performance.now() + timeoutMs
    for (;;) {
      // Read the counter before looking at the port: a message that arrives after the look
      // has moved the counter, so the wait below returns at once.
      const seen = Atomics.load(this.signals, this.side)
      const queued = this.queue.shift()
      if (queued !== undefined) return queued
      const entry = receiveMessageOnPort(this.port)
      if (entry !== undefined) return entry.message as In
      for (let polls = 0; polls < SPIN_POLLS && Atomics.load(this.signals, this.side) === seen; polls++);
      if (Atomics.load(this.signals, this.side) !== seen) continue
      const left = end - performance.now()
      if (left <= 0) return undefined
      Atomics.wait(this.signals, this.side, seen, left)
    }
  }
}
