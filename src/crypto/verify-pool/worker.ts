/**
 * A verify worker: answers each packed batch of signatures with one byte per signature
 * (1 valid, 0 not), checked by the same `verify` the node's thread would use.
 */
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import { verify } from '../ed25519.js'
import { unpackBatch, type PackedBatch } from './batch.js'
import { VERIFY_THREAD_NICE } from './pool.js'

// Linux sets a nice value per thread; elsewhere it would lower the whole process.
if (process.platform === 'linux') setPriority(VERIFY_THREAD_NICE)

/** A batch to check, numbered by the pool so it can match the answer. */
export interface VerifyRequest extends PackedBatch {
  readonly id: number
}

export interface VerifyAnswer {
  readonly id: number
  readonly valid: Uint8Array
}

parentPort!.on('message', (request: VerifyRequest) => {
  const items = unpackBatch(request)
  const valid = new Uint8Array(items.length)
  items.forEach((item, i) => {
    valid[i] = verify(item.signature, item.message, item.publicKey) ? 1 : 0
  })
  parentPort!.postMessage({ id: request.id, valid } satisfies VerifyAnswer, [valid.buffer])
})
