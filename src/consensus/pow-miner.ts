/**
 * Runs proof-of-work searches in a worker thread, so the node keeps answering peers and RPC
 * while it mines. One search at a time; aborting sets a shared flag the worker reads between
 * chunks of hashes.
 */
import { Worker } from 'node:worker_threads'
import { randomBytes } from 'node:crypto'
import type { SealSearcher } from './pow.js'
import type { MiningJob, MiningReport } from './pow-worker.js'

export class PowMiner implements SealSearcher {
  private worker: Worker | undefined
  private nextJobId = 0
  private busy = false
  /** Hashes tried since start, for the hash rate in status lines. */
  hashes = 0

  private ensureWorker(): Worker {
    if (this.worker === undefined) {
      this.worker = new Worker(new URL('./pow-worker.js', import.meta.url))
      this.worker.unref()
    }
    return this.worker
  }

  search(encodedHeader: Uint8Array, target: Buffer, signal: AbortSignal): Promise<bigint | undefined> {
    if (this.busy) return Promise.reject(new Error('PowMiner runs one search at a time'))
    if (signal.aborted) return Promise.resolve(undefined)
    const worker = this.ensureWorker()
    const id = ++this.nextJobId
    const stop = new Int32Array(new SharedArrayBuffer(4))
    const onAbort = (): void => void Atomics.store(stop, 0, 1)
    signal.addEventListener('abort', onAbort, { once: true })
    this.busy = true
    return new Promise<bigint | undefined>((resolve, reject) => {
      const finish = (): void => {
        this.busy = false
        signal.removeEventListener('abort', onAbort)
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
      }
      const onMessage = (report: MiningReport): void => {
        if (report.id !== id) return
        this.hashes += report.hashes
        if (report.type === 'done') {
          finish()
          resolve(report.nonce)
        }
      }
      const onError = (error: Error): void => {
        finish()
        this.worker = undefined
        reject(error)
      }
      // `close()` during a search ends the worker without a report: the search is over, unfound.
      const onExit = (): void => {
        finish()
        if (this.worker === worker) this.worker = undefined
        resolve(undefined)
      }
      worker.on('message', onMessage)
      worker.on('error', onError)
      worker.on('exit', onExit)
      const startNonce = randomBytes(8).readBigUInt64BE()
      worker.postMessage({ id, encodedHeader, target, startNonce, stop } satisfies MiningJob)
    })
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    if (worker !== undefined) await worker.terminate()
  }
}
