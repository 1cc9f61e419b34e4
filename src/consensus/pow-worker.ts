/**
 * The mining thread: searches nonces for one header at a time, in chunks, looking at a shared
 * stop flag between chunks so that a new head stops the search within milliseconds.
 */
import { parentPort } from 'node:worker_threads'
import { MINING_CHUNK_HASHES } from './constants.js'
import { searchNonce } from './pow.js'

export interface MiningJob {
  readonly id: number
  readonly encodedHeader: Uint8Array
  readonly target: Uint8Array
  readonly startNonce: bigint
  /** Int32Array over a SharedArrayBuffer: the main thread sets element 0 to 1 to stop. */
  readonly stop: Int32Array
}

export type MiningReport =
  | { readonly id: number; readonly type: 'progress'; readonly hashes: number }
  | { readonly id: number; readonly type: 'done'; readonly nonce: bigint | undefined; readonly hashes: number }

/** Reports progress about every second's worth of chunks, for the hash rate. */
const CHUNKS_PER_PROGRESS_REPORT = 100

function run(job: MiningJob): void {
  const target = Buffer.from(job.target)
  let nonce = job.startNonce
  let chunks = 0
  while (Atomics.load(job.stop, 0) === 0) {
    const found = searchNonce(job.encodedHeader, target, nonce, MINING_CHUNK_HASHES)
    if (found !== undefined) {
      const hashes = (chunks % CHUNKS_PER_PROGRESS_REPORT) * MINING_CHUNK_HASHES + Number((found - nonce) & 0xffff_ffff_ffff_ffffn) + 1
      parentPort!.postMessage({ id: job.id, type: 'done', nonce: found, hashes } satisfies MiningReport)
      return
    }
    nonce = (nonce + BigInt(MINING_CHUNK_HASHES)) & 0xffff_ffff_ffff_ffffn
    if (++chunks % CHUNKS_PER_PROGRESS_REPORT === 0) {
      parentPort!.postMessage({ id: job.id, type: 'progress', hashes: CHUNKS_PER_PROGRESS_REPORT * MINING_CHUNK_HASHES } satisfies MiningReport)
    }
  }
  parentPort!.postMessage({ id: job.id, type: 'done', nonce: undefined, hashes: (chunks % CHUNKS_PER_PROGRESS_REPORT) * MINING_CHUNK_HASHES } satisfies MiningReport)
}

parentPort!.on('message', (job: MiningJob) => run(job))
