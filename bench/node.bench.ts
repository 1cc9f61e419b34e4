/**
 * The full node, as real `chain node` processes on loopback:
 *   - transactions admitted into the mempool per second, sent over JSON-RPC (one
 *     `sendTransaction` per request with several in flight, and in bulk with `sendTransactions`)
 *     and gossiped by a raw libp2p host (a burst, in messages as a node sends them), each beside raw Ed25519 verifications per second of the
 *     same signatures on one core of this process, measured right after (a node checks every
 *     signature: one core's rate is the floor the verify pool must beat), and the raw rate of
 *     the verify pool itself (every core) beside the same single-core rate, as is that of as
 *     many plain threads verifying at once (what the machine gives them: the pool's ceiling);
 *   - block propagation across five nodes in a line (one mines): the median and p95 of each
 *     block's first arrival at the four others' validators, beside the same line of raw libp2p
 *     hosts, each in a process of its own as the nodes are, and of its import at each
 *     (bench/propagation.ts says how each is observed); and that raw line beside one whose
 *     five hosts share one process (what five processes cost on this machine).
 * Everything runs on one machine: the nodes, their miner and this process share its cores.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { verify, type SignedMessage } from '../src/crypto/ed25519.js'
import { packBatch } from '../src/crypto/verify-pool/batch.js'
import { VerifyPool } from '../src/crypto/verify-pool/pool.js'
import type { VerifyAnswer, VerifyRequest } from '../src/crypto/verify-pool/worker.js'
import { fromHex, toHex } from '../src/encoding/bytes.js'
import { BUILT_IN_NETWORKS } from '../src/ledger/networks.js'
import { GOSSIP_MAX_TXS_PER_MESSAGE } from '../src/network/constants.js'
import { encodeTransaction, signingHash, type Transaction } from '../src/ledger/transaction.js'
import type { RpcClient } from '../src/rpc/client.js'
import { startNode, waitFor, type TestNode } from '../test/helpers/node.js'
import { timeMs, type Benchmark, type Figure } from './harness.js'
import { Cleanups, quantile, registrations, startHost } from './node-processes.js'
import { LINE_NODES, nodeLine, rawLine, rawLineInProcesses, type Arrivals, type Propagation } from './propagation.js'

/** Transactions per way in: a few seconds of work, well under the pool's 10,000. */
const TXS = 2_000
/** Transactions each way in admits untimed first: its first message, connection and code paths warm. */
const WARM_UP_TXS = 64
/**
 * Chunks the transactions are sent in, each followed by the raw verification of its own
 * signatures: on a machine shared with other work, both sides then see the same share of it.
 */
const CHUNKS = 4
/** `sendTransaction` requests in flight at once: enough to keep the node busy between round trips. */
const RPC_IN_FLIGHT = 16
/** Transactions per `sendTransactions` request, and such requests in flight: a chunk in two halves. */
const BULK_PER_REQUEST = 250
const BULK_IN_FLIGHT = 2
/** How often the pool size is polled while gossip arrives. */
const POOL_POLL_MS = 5
/** Longest one chunk of transactions may take to be admitted. */
const ADMISSION_TIMEOUT_MS = 120_000
/** Blocks (and raw messages) whose propagation is measured. */
const PROPAGATION_BLOCKS = 30

const poolSize = async (node: TestNode): Promise<number> => (await node.rpc.call<{ mempool: { transactions: number } }>('status')).mempool.transactions

const signedMessages = (txs: readonly Transaction[], networkId: Uint8Array): SignedMessage[] =>
  txs.map((tx) => ({ signature: tx.signature, message: signingHash(tx, networkId), publicKey: tx.publicKey }))

/** Milliseconds to verify the transactions' signatures on this thread, each key met for the first time (as the node meets them). */
function rawVerifyMs(txs: readonly Transaction[], networkId: Uint8Array): number {
  const items = signedMessages(txs, networkId)
  const start = performance.now()
  for (const item of items) if (!verify(item.signature, item.message, item.publicKey)) throw new Error('bench setup: a signature does not verify')
  return performance.now() - start
}

/** Worker threads that verify, each given its whole share in one message: the pool's own worker, without its chunks and dispatch. */
class PlainVerifyThreads {
  private readonly workers: Worker[]

  constructor(threads: number) {
    this.workers = Array.from({ length: threads }, () => new Worker(new URL('../src/crypto/verify-pool/worker.js', import.meta.url)))
  }

  /** Milliseconds for the threads to verify `items` at once, an equal share each, packed before the clock starts. */
  async verifyMs(items: readonly SignedMessage[]): Promise<number> {
    const share = Math.ceil(items.length / this.workers.length)
    const requests = this.workers.map((_, i) => ({ id: i, ...packBatch(items.slice(i * share, (i + 1) * share)) }) satisfies VerifyRequest)
    return timeMs(() =>
      Promise.all(
        this.workers.map(
          (worker, i) =>
            new Promise<void>((resolve, reject) => {
              // A thread that fails ends the wait with its error; an answer removes that listener.
              const failed = (error: Error): void => {
                worker.off('message', answered)
                reject(error)
              }
              const answered = ({ valid }: VerifyAnswer): void => {
                worker.off('error', failed)
                if (valid.includes(0)) reject(new Error('bench setup: a signature does not verify'))
                else resolve()
              }
              worker.once('message', answered)
              worker.once('error', failed)
              worker.postMessage(requests[i], [requests[i]!.bytes.buffer, requests[i]!.ends.buffer])
            }),
        ),
      ),
    )
  }

  close(): Promise<number[]> {
    return Promise.all(this.workers.map((worker) => worker.terminate()))
  }
}

/**
 * The verify pool's own rate (every core, as the node sizes it) beside one core's, and as many
 * plain threads verifying at once beside it too (what this machine's cores give that many
 * threads: the ceiling of any pool here), on the same signatures chunk by chunk; the threads
 * are started and warmed first.
 */
async function poolBesideVerify(txs: readonly Transaction[], networkId: Uint8Array): Promise<{ pool: number; plain: number; raw: number; threads: number }> {
  const pool = new VerifyPool()
  const plain = new PlainVerifyThreads(pool.threads)
  try {
    const warm = signedMessages(txs.slice(0, 64), networkId)
    await pool.verifyBatch(warm)
    await plain.verifyMs(warm)
    let poolMs = 0
    let plainMs = 0
    let verifyMs = 0
    const size = Math.ceil(txs.length / CHUNKS)
    for (let start = 0; start < txs.length; start += size) {
      const chunk = txs.slice(start, start + size)
      const items = signedMessages(chunk, networkId)
      poolMs += await timeMs(async () => {
        if ((await pool.verifyBatch(items)).includes(false)) throw new Error('bench setup: a signature does not verify')
      })
      plainMs += await plain.verifyMs(items)
      verifyMs += rawVerifyMs(chunk, networkId)
    }
    const rate = (ms: number): number => (txs.length * 1000) / ms
    return { pool: rate(poolMs), plain: rate(plainMs), raw: rate(verifyMs), threads: pool.threads }
  } finally {
    await Promise.all([pool.close(), plain.close()])
  }
}

/**
 * Admits `txs` chunk by chunk with `admit` (which resolves once the node has pooled the
 * chunk), each chunk followed by the raw verification of its signatures; both per second.
 * The first WARM_UP_TXS are admitted untimed.
 */
async function admissionBesideVerify(all: readonly Transaction[], networkId: Uint8Array, admit: (chunk: readonly Transaction[]) => Promise<void>): Promise<[number, number]> {
  await admit(all.slice(0, WARM_UP_TXS))
  const txs = all.slice(WARM_UP_TXS)
  let admitMs = 0
  let verifyMs = 0
  const size = Math.ceil(txs.length / CHUNKS)
  for (let start = 0; start < txs.length; start += size) {
    const chunk = txs.slice(start, start + size)
    admitMs += await timeMs(() => admit(chunk))
    verifyMs += rawVerifyMs(chunk, networkId)
  }
  return [(txs.length * 1000) / admitMs, (txs.length * 1000) / verifyMs]
}

/** Sends every transaction with `sendTransaction`, `inFlight` requests at a time. */
async function sendAll(rpc: RpcClient, txs: readonly Transaction[], inFlight: number): Promise<void> {
  const hexes = txs.map((tx) => toHex(encodeTransaction(tx)))
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < hexes.length) await rpc.call('sendTransaction', { tx: hexes[next++]! })
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
}

/** Sends every transaction with `sendTransactions`, BULK_PER_REQUEST per request, `inFlight` requests at a time. */
async function sendBulk(rpc: RpcClient, txs: readonly Transaction[], inFlight: number): Promise<void> {
  const requests: string[][] = []
  for (let start = 0; start < txs.length; start += BULK_PER_REQUEST) requests.push(txs.slice(start, start + BULK_PER_REQUEST).map((tx) => toHex(encodeTransaction(tx))))
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const outcomes = await rpc.call<readonly { hash?: string }[]>('sendTransactions', { txs: requests[next++]! })
      if (outcomes.some((outcome) => outcome.hash === undefined)) throw new Error('a bulk-sent transaction was refused')
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
}

/** Waits until the node's pool holds `size` transactions. */
async function poolReaches(node: TestNode, size: number): Promise<void> {
  const deadline = performance.now() + ADMISSION_TIMEOUT_MS
  for (let now = await poolSize(node); now < size; now = await poolSize(node)) {
    if (performance.now() > deadline) throw new Error(`the pool holds ${now} transactions, ${size} were expected`)
    await sleep(POOL_POLL_MS)
  }
}

async function mempoolFigures(): Promise<Figure[]> {
  const cleanups = new Cleanups()
  try {
    // No mining: the pool only grows, so its size counts what was admitted.
    const node = await startNode(cleanups)
    const networkId = fromHex((await node.rpc.call<{ genesis: string }>('status')).genesis)!
    const viaRpc = registrations(networkId, WARM_UP_TXS + TXS, 'rpc')
    const viaBulk = registrations(networkId, WARM_UP_TXS + TXS, 'bulk')
    const viaGossip = registrations(networkId, WARM_UP_TXS + TXS, 'gossip')
    const verifiers = await poolBesideVerify(registrations(networkId, TXS, 'pool'), networkId)
    const threads = verifiers.threads

    let pooled = await poolSize(node)
    const [rpcRate, rpcRaw] = await admissionBesideVerify(viaRpc, networkId, async (chunk) => {
      await sendAll(node.rpc, chunk, RPC_IN_FLIGHT)
      pooled += chunk.length
    })
    // Every call answered with a hash; the pool confirms none was dropped.
    await poolReaches(node, pooled)
    const [bulkRate, bulkRaw] = await admissionBesideVerify(viaBulk, networkId, async (chunk) => {
      await sendBulk(node.rpc, chunk, BULK_IN_FLIGHT)
      pooled += chunk.length
    })
    await poolReaches(node, pooled)

    const host = await startHost(cleanups, { networkId, maxBlockBytes: BUILT_IN_NETWORKS.dev!.params.maxBlockBytes, bootstrap: [node.info.multiaddrs[0]!] })
    await waitFor('the node to subscribe', () => (host.gossipPeers().includes(node.info.peerId) ? true : undefined), ADMISSION_TIMEOUT_MS)
    const [gossipRate, gossipRaw] = await admissionBesideVerify(viaGossip, networkId, async (chunk) => {
      if ((await host.publishTransactions(chunk)) === 0) throw new Error('the gossiped transactions reached no peer')
      pooled += chunk.length
      await poolReaches(node, pooled)
    })
    const chunking = `${TXS} registrations in ${CHUNKS} chunks after ${WARM_UP_TXS} untimed, each chunk followed by the raw verify of its signatures`
    const raw = 'raw Ed25519 verify of the same signatures, one core'
    const inPool = `the node verifies in its pool of ${threads} threads`
    return [
      {
        name: 'raw Ed25519 verify in the verify pool',
        value: verifiers.pool,
        unit: 'signatures/s',
        baseline: { name: raw, value: verifiers.raw },
        note: `${TXS} signatures in ${CHUNKS} batches, ${threads} threads (one per core)`,
      },
      {
        name: `raw Ed25519 verify on ${threads} plain threads at once`,
        value: verifiers.plain,
        unit: 'signatures/s',
        baseline: { name: raw, value: verifiers.raw },
        note: `the same batches, an equal share to each thread in one message: what this machine's cores give ${threads} threads, the ceiling of the pool and of admission with it (the pool: ${(verifiers.pool / verifiers.plain).toFixed(2)} of it)`,
      },
      {
        name: 'transactions admitted to the mempool over RPC, one per request',
        value: rpcRate,
        unit: 'transactions/s',
        baseline: { name: raw, value: rpcRaw },
        note: `${chunking}; sendTransaction over HTTP, ${RPC_IN_FLIGHT} in flight; ${inPool}`,
      },
      {
        name: 'transactions admitted to the mempool over RPC, in bulk',
        value: bulkRate,
        unit: 'transactions/s',
        baseline: { name: raw, value: bulkRaw },
        note: `${chunking}; sendTransactions of ${BULK_PER_REQUEST} over HTTP, ${BULK_IN_FLIGHT} in flight; ${inPool}`,
      },
      {
        name: 'transactions admitted to the mempool from gossip',
        value: gossipRate,
        unit: 'transactions/s',
        baseline: { name: raw, value: gossipRaw },
        note: `${chunking}; published by a raw libp2p host as a node announces a burst (messages of up to ${GOSSIP_MAX_TXS_PER_MESSAGE}), pool polled every ${POOL_POLL_MS} ms; ${inPool}`,
      },
    ]
  } finally {
    await cleanups.run()
  }
}

const hopMedians = (arrivals: Arrivals): string => arrivals.byHop.map((hop, i) => `${i + 1}: ${quantile(hop, 0.5).toFixed(1)}`).join(', ')

/** The median of each stage of a hop (bench/propagation.ts, HopStages), from the nodes' logs. */
function stageMedians({ stages }: Propagation): string {
  if (stages === undefined || stages.link.length === 0) return 'no stages logged'
  const median = (values: readonly number[]): string => quantile(values, 0.5).toFixed(1)
  return `median hop (ms): link ${median(stages.link)}, check ${median(stages.check)}, execute ${median(stages.execute)} (${stages.link.length} hops from the logs)`
}

async function propagationFigures(): Promise<Figure[]> {
  const cleanups = new Cleanups()
  try {
    const inOneProcess = await rawLine(cleanups, PROPAGATION_BLOCKS)
    await cleanups.run()
    const raw = await rawLineInProcesses(cleanups, PROPAGATION_BLOCKS)
    await cleanups.run()
    const nodes = await nodeLine(cleanups, PROPAGATION_BLOCKS)
    const line = `line of ${LINE_NODES}, ${nodes.blocks} blocks x ${nodes.byHop.length} receivers`
    const received = `${line}, ${nodes.samples.length} arrivals logged`
    const imported = nodes.imported!
    const rawBaseline = (q: number): Figure['baseline'] => ({ name: 'raw libp2p hosts, same line, a process each', value: quantile(raw.samples, q) })
    return [
      {
        name: 'block propagation, median first arrival at a node’s validator',
        value: quantile(nodes.samples, 0.5),
        unit: 'ms',
        baseline: rawBaseline(0.5),
        note: `${received}; from the nodes' logs; median by hop (ms) ${hopMedians(nodes)}; raw ${hopMedians(raw)}`,
      },
      {
        name: 'block propagation, p95 first arrival at a node’s validator',
        value: quantile(nodes.samples, 0.95),
        unit: 'ms',
        baseline: rawBaseline(0.95),
        note: `${received}; origin from the miner's log; ${stageMedians(nodes)}`,
      },
      {
        name: 'block imported at each node, median',
        value: quantile(imported.samples, 0.5),
        unit: 'ms',
        baseline: rawBaseline(0.5),
        note: `${line}; the receiver's execution and store write included; from the nodes' logs; median by hop (ms) ${hopMedians(imported)}`,
      },
      {
        name: 'block imported at each node, p95',
        value: quantile(imported.samples, 0.95),
        unit: 'ms',
        baseline: rawBaseline(0.95),
      },
      {
        name: 'raw libp2p line, a process each, p95 first arrival',
        value: quantile(raw.samples, 0.95),
        unit: 'ms',
        baseline: { name: 'the same five hosts in one process', value: quantile(inOneProcess.samples, 0.95) },
        note: `what five processes cost on this machine; medians ${quantile(raw.samples, 0.5).toFixed(2)} and ${quantile(inOneProcess.samples, 0.5).toFixed(2)} ms; median by hop (ms) ${hopMedians(raw)}; in one process ${hopMedians(inOneProcess)}`,
      },
    ]
  } finally {
    await cleanups.run()
  }
}

export const benchmark: Benchmark = {
  name: 'node',
  async run(): Promise<Figure[]> {
    return [...(await mempoolFigures()), ...(await propagationFigures())]
  },
}
