/**
 * The full node, as real `chain node` processes on loopback:
 *   - transactions admitted into the mempool per second, sent over JSON-RPC (`sendTransaction`
 *     over HTTP, several requests in flight) and gossiped by a raw libp2p host, each beside raw
 *     Ed25519 verifications per second of the same signatures in this process, measured right
 *     after (a node checks every signature: that is its floor);
 *   - block propagation across five nodes in a line (one mines): the median and p95 of each
 *     block's first arrival at the four others, beside the same line of raw libp2p hosts
 *     (bench/propagation.ts says how arrival is observed, and why).
 * Everything runs on one machine: the nodes, their miner and this process share its cores.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { verify } from '../src/crypto/ed25519.js'
import { fromHex, toHex } from '../src/encoding/bytes.js'
import { BUILT_IN_NETWORKS } from '../src/ledger/networks.js'
import { encodeTransaction, signingHash, type Transaction } from '../src/ledger/transaction.js'
import type { RpcClient } from '../src/rpc/client.js'
import { startNode, waitFor, type TestNode } from '../test/helpers/node.js'
import { timeMs, type Benchmark, type Figure } from './harness.js'
import { Cleanups, quantile, registrations, startHost } from './node-processes.js'
import { LINE_NODES, nodeLine, POLL_INTERVAL_MS, rawLine, type Propagation } from './propagation.js'

/** Transactions per way in: a few seconds of work, well under the pool's 10,000. */
const TXS = 2_000
/** `sendTransaction` requests in flight at once: enough to keep the node busy between round trips. */
const RPC_IN_FLIGHT = 16
/** How often the pool size is polled while gossip arrives. */
const POOL_POLL_MS = 10
/** Longest the gossiped transactions may take to be admitted. */
const ADMISSION_TIMEOUT_MS = 120_000
/** Blocks (and raw messages) whose propagation is measured. */
const PROPAGATION_BLOCKS = 30

const poolSize = async (node: TestNode): Promise<number> => (await node.rpc.call<{ mempool: { transactions: number } }>('status')).mempool.transactions

/** Verifications per second of the transactions' signatures, each key met for the first time (as the node meets them). */
function rawVerifyRate(txs: readonly Transaction[], networkId: Uint8Array): number {
  const items = txs.map((tx) => ({ signature: tx.signature, message: signingHash(tx, networkId), publicKey: tx.publicKey }))
  const start = performance.now()
  for (const item of items) if (!verify(item.signature, item.message, item.publicKey)) throw new Error('bench setup: a signature does not verify')
  return (items.length * 1000) / (performance.now() - start)
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

async function mempoolFigures(): Promise<Figure[]> {
  const cleanups = new Cleanups()
  try {
    // No mining: the pool only grows, so its size counts what was admitted.
    const node = await startNode(cleanups)
    const networkId = fromHex((await node.rpc.call<{ genesis: string }>('status')).genesis)!
    const viaRpc = registrations(networkId, TXS, 'rpc')
    const viaGossip = registrations(networkId, TXS, 'gossip')

    const beforeRpc = await poolSize(node)
    const rpcMs = await timeMs(() => sendAll(node.rpc, viaRpc, RPC_IN_FLIGHT))
    const rpcRaw = rawVerifyRate(viaRpc, networkId)
    if ((await poolSize(node)) !== beforeRpc + TXS) throw new Error('not every transaction sent over RPC was admitted')

    const host = await startHost(cleanups, { networkId, maxBlockBytes: BUILT_IN_NETWORKS.dev!.params.maxBlockBytes, bootstrap: [node.info.multiaddrs[0]!] })
    await waitFor('the node to subscribe', () => (host.gossipPeers().includes(node.info.peerId) ? true : undefined), ADMISSION_TIMEOUT_MS)
    const target = (await poolSize(node)) + TXS
    const start = performance.now()
    for (const tx of viaGossip) {
      if ((await host.publishTransaction(tx)) === 0) throw new Error('a gossiped transaction reached no peer')
    }
    const publishedMs = performance.now() - start
    while ((await poolSize(node)) < target) {
      if (performance.now() - start > ADMISSION_TIMEOUT_MS) throw new Error(`only ${(await poolSize(node)) - target + TXS} of ${TXS} gossiped transactions were admitted`)
      await sleep(POOL_POLL_MS)
    }
    const gossipMs = performance.now() - start
    const gossipRaw = rawVerifyRate(viaGossip, networkId)
    return [
      {
        name: 'transactions admitted to the mempool over RPC',
        value: (TXS * 1000) / rpcMs,
        unit: 'transactions/s',
        baseline: { name: 'raw Ed25519 verify of the same signatures', value: rpcRaw },
        note: `${TXS} registrations, sendTransaction over HTTP, ${RPC_IN_FLIGHT} in flight`,
      },
      {
        name: 'transactions admitted to the mempool from gossip',
        value: (TXS * 1000) / gossipMs,
        unit: 'transactions/s',
        baseline: { name: 'raw Ed25519 verify of the same signatures', value: gossipRaw },
        note: `${TXS} registrations published by a raw libp2p host in ${Math.round(publishedMs)} ms; pool polled every ${POOL_POLL_MS} ms`,
      },
    ]
  } finally {
    await cleanups.run()
  }
}

const hopMedians = (propagation: Propagation): string => propagation.byHop.map((hop, i) => `${i + 1}: ${quantile(hop, 0.5).toFixed(1)}`).join(', ')

async function propagationFigures(): Promise<Figure[]> {
  const cleanups = new Cleanups()
  try {
    const raw = await rawLine(cleanups, PROPAGATION_BLOCKS)
    await cleanups.run()
    const nodes = await nodeLine(cleanups, PROPAGATION_BLOCKS)
    const line = `line of ${LINE_NODES}, ${nodes.blocks} blocks x ${nodes.byHop.length} receivers`
    return [
      {
        name: 'block propagation, median first arrival',
        value: quantile(nodes.samples, 0.5),
        unit: 'ms',
        baseline: { name: 'raw libp2p hosts, same line', value: quantile(raw.samples, 0.5) },
        note: `${line}; median by hop (ms) ${hopMedians(nodes)}; raw ${hopMedians(raw)}; RPC poll round trip ${nodes.pollRoundTripMs} ms`,
      },
      {
        name: 'block propagation, p95 first arrival',
        value: quantile(nodes.samples, 0.95),
        unit: 'ms',
        baseline: { name: 'raw libp2p hosts, same line', value: quantile(raw.samples, 0.95) },
        note: `${line}; arrival observed by RPC polls every ${POLL_INTERVAL_MS} ms, origin from the miner's log`,
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
