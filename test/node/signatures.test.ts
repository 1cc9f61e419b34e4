/**
 * Signatures at a real `chain node` process (its verify pool on two threads), fed by real
 * libp2p hosts writing raw gossipsub RPCs and by JSON-RPC over HTTP:
 *   - a block whose signatures are all good but the last is refused whole from gossip, its
 *     sender penalised, and the same block with the last signature good imports next;
 *   - a flood of transactions with bad signatures, sent before honest ones, does not keep the
 *     honest ones out of the pool;
 *   - a gossip message of valid transactions and one invalid is refused whole, its sender
 *     penalised, and the valid ones pooled and announced onward by the node;
 *   - JSON-RPC 2.0 batches (notifications, invalid members, the empty and the oversized batch)
 *     and the bulk `sendTransactions`, one outcome per transaction.
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { RPC } from '@libp2p/gossipsub/message'
import { lpStream } from '@libp2p/utils'
import type { Chain } from '../../src/chain/chain.js'
import { toHex } from '../../src/encoding/bytes.js'
import { blockHash, encodeBlock } from '../../src/ledger/block.js'
import { BUILT_IN_NETWORKS } from '../../src/ledger/networks.js'
import { encodeTransaction, intrinsicGas, transactionHash, type Transaction } from '../../src/ledger/transaction.js'
import { encodeTransactionMessage } from '../../src/network/gossip.js'
import { networkNames } from '../../src/network/names.js'
import type { Network } from '../../src/network/network.js'
import { MAX_BATCH_CALLS, RpcErrorCode } from '../../src/rpc/protocol.js'
import { flipBit } from '../crypto/ed25519-cases.js'
import { makeBlock, openTestChain, signed, testKey } from '../helpers/chain.js'
import { startNode, waitFor, waitForLog, type TestNode } from '../helpers/node.js'
import { recorder, startNetwork, type RawMessage } from '../network/helpers.js'

const DEV = BUILT_IN_NETWORKS.dev!
/** A node start, a block's import on two busy cores: bounded generously. */
const STEP_TIMEOUT_MS = 60_000
const REGISTRATION = { kind: 'participant' as const, name: null }
/** Bad-signature transactions of the flood, in RPCs of the most messages gossipsub takes in one. */
const FLOOD_TXS = 1_024
const FLOOD_PER_RPC = 256
const HONEST_TXS = 40

const registrations = (chain: Chain, count: number, salt: string): Transaction[] =>
  Array.from({ length: count }, (_, i) => signed(chain, testKey(`${salt} ${i}`), 0, REGISTRATION, intrinsicGas(REGISTRATION)))

const withBadSignature = (tx: Transaction): Transaction => ({ ...tx, signature: flipBit(tx.signature, 5) })

/** The data of a message of the transaction topic holding `txs`. */
const txMessage = (txs: readonly Transaction[]): Uint8Array => encodeTransactionMessage(txs.map(encodeTransaction))

/** A libp2p host of the network connected to `node`, and a raw gossipsub stream to it. */
async function rawPeer(t: TestContext, chain: Chain, node: TestNode): Promise<{ network: Network; write: (messages: readonly RawMessage[]) => Promise<void> }> {
  const network = await startNetwork(t, { networkId: chain.networkId, maxBlockBytes: DEV.params.maxBlockBytes, bootstrap: [node.info.multiaddrs[0]!] })
  await waitFor('the host among the node’s peers', async () => ((await node.rpc.call<{ peerId: string }[]>('peers')).some((peer) => peer.peerId === network.peerId) ? true : undefined), STEP_TIMEOUT_MS)
  const lp = lpStream(await network.libp2p.dialProtocol(peerIdFromString(node.info.peerId), '/meshsub/1.1.0'))
  return { network, write: async (messages) => void (await lp.write(RPC.encode({ subscriptions: [], messages: messages.map(({ topic, data }) => ({ topic, data })) }))) }
}

/** A raw JSON-RPC POST with the node's cookie: status and parsed body (undefined when empty). */
async function post(node: TestNode, body: string): Promise<{ status: number; json: unknown }> {
  const cookie = (await readFile(join(node.datadir, 'rpc.cookie'), 'utf8')).trim()
  const response = await fetch(node.info.rpcUrl, { method: 'POST', headers: { authorization: `Bearer ${cookie}`, 'content-type': 'application/json' }, body })
  const text = await response.text()
  return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) }
}

const pending = async (node: TestNode, tx: Transaction): Promise<boolean> => {
  try {
    return (await node.rpc.call<{ pending: boolean }>('getTransaction', { hash: toHex(transactionHash(tx)) })).pending
  } catch {
    return false
  }
}

test('signatures at a node: a block with its last signature bad is refused and its sender penalised; a flood does not starve honest transactions; RPC batches and sendTransactions', async (t) => {
  // Everything signed and executed before the node starts: this thread blocked for seconds
  // between two RPC calls would meet a keep-alive connection the node has closed meanwhile.
  const copy = await openTestChain(t, DEV)
  const names = networkNames(copy.networkId)
  const txs = registrations(copy, 500, 'block')
  const bad = await makeBlock(copy, [...txs.slice(0, -1), withBadSignature(txs.at(-1)!)])
  const good = await makeBlock(copy, txs)
  const flood = registrations(copy, FLOOD_TXS, 'flood').map(withBadSignature)
  const honest = registrations(copy, HONEST_TXS, 'honest')
  const node = await startNode(t, { flags: ['--verify-threads', '2'] })
  assert.equal(toHex(copy.networkId), (await node.rpc.call<{ genesis: string }>('status')).genesis)

  await t.test('a block with its last signature bad is refused whole, its sender penalised; the good block imports next', async () => {
    const sender = await rawPeer(t, copy, node)
    await sender.write([{ topic: names.blockTopic, data: encodeBlock(bad) }])
    await waitForLog(node, new RegExp(`gossiped block refused from=${sender.network.peerId} height=1 code=BLOCK_ERROR_BAD_TX`), STEP_TIMEOUT_MS)
    await waitForLog(node, new RegExp(`peer penalised peer=${sender.network.peerId} reason=invalid-block`), STEP_TIMEOUT_MS)
    assert.equal((await node.rpc.call<{ height: number }>('status')).height, 0)
    const relay = await rawPeer(t, copy, node)
    await relay.write([{ topic: names.blockTopic, data: encodeBlock(good) }])
    await waitFor('the good block', async () => ((await node.rpc.call<{ height: number }>('status')).height === 1 ? true : undefined), STEP_TIMEOUT_MS)
    assert.equal((await node.rpc.call<{ hash: string }>('getBlock', { block: 1 })).hash, toHex(blockHash(good.header)))
  })

  await t.test('a flood of bad signatures sent first does not keep honest transactions out', async () => {
    const flooder = await rawPeer(t, copy, node)
    const friend = await rawPeer(t, copy, node)
    for (let i = 0; i < flood.length; i += FLOOD_PER_RPC) {
      await flooder.write(flood.slice(i, i + FLOOD_PER_RPC).map((tx) => ({ topic: names.txTopic, data: txMessage([tx]) })))
    }
    await friend.write(honest.map((tx) => ({ topic: names.txTopic, data: txMessage([tx]) })))
    await waitFor('every honest transaction in the pool', async () => ((await Promise.all(honest.map((tx) => pending(node, tx)))).every(Boolean) ? true : undefined), STEP_TIMEOUT_MS)
    await waitForLog(node, new RegExp(`peer penalised peer=${flooder.network.peerId} reason=invalid-transaction`), STEP_TIMEOUT_MS)
    assert.ok(!node.log().includes(`peer penalised peer=${friend.network.peerId}`), 'the honest peer was not penalised')
    assert.equal(await pending(node, flood[0]!), false)
  })

  await t.test('a message with one invalid transaction is refused whole, its sender penalised; its valid transactions are pooled and announced onward', async () => {
    // An observer that has seen the node announce a transaction is known to the node as a subscriber.
    const seen = recorder()
    const observer = await startNetwork(t, { networkId: copy.networkId, maxBlockBytes: DEV.params.maxBlockBytes, bootstrap: [node.info.multiaddrs[0]!], validators: seen })
    const [probe] = registrations(copy, 1, 'probe')
    await waitFor('the observer among the node’s gossip peers', () => (observer.gossipPeers().includes(node.info.peerId) ? true : undefined), STEP_TIMEOUT_MS)
    await node.client.sendTransactions([toHex(encodeTransaction(probe!))])
    await waitFor('the probe at the observer', () => (seen.txs.some(({ tx }) => toHex(transactionHash(tx)) === toHex(transactionHash(probe!))) ? true : undefined), STEP_TIMEOUT_MS)

    const valid = registrations(copy, 3, 'mixed')
    const mixed = [valid[0]!, valid[1]!, withBadSignature(registrations(copy, 1, 'mixed bad')[0]!), valid[2]!]
    const sender = await rawPeer(t, copy, node)
    await sender.write([{ topic: names.txTopic, data: txMessage(mixed) }])
    await waitForLog(node, new RegExp(`peer penalised peer=${sender.network.peerId} reason=invalid-transaction`), STEP_TIMEOUT_MS)
    for (const tx of valid) assert.equal(await pending(node, tx), true)
    const hashes = new Set(valid.map((tx) => toHex(transactionHash(tx))))
    await waitFor('the valid transactions at the observer', () => ([...hashes].every((hash) => seen.txs.some(({ tx }) => toHex(transactionHash(tx)) === hash)) ? true : undefined), STEP_TIMEOUT_MS)
    // Announced by the node in a message of its own, not the sender's relayed.
    assert.ok(seen.txs.every(({ from }) => from === node.info.peerId))
    assert.ok(!seen.txs.some(({ tx }) => toHex(transactionHash(tx)) === toHex(transactionHash(mixed[2]!))), 'the invalid transaction was not relayed')
  })

  await t.test('JSON-RPC batches: answered in an array, notifications unanswered, invalid members answered alone, bounds', async () => {
    const [tx] = registrations(copy, 1, 'batch')
    const call = (id: number | undefined, method: string, params: unknown = {}): object => ({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), method, params })
    const { status, json } = await post(node, JSON.stringify([call(1, 'sendTransaction', { tx: toHex(encodeTransaction(tx!)) }), call(undefined, 'status'), { id: 3 }, call(4, 'nope')]))
    assert.equal(status, 200)
    assert.deepEqual(json, [
      { jsonrpc: '2.0', id: 1, result: { hash: toHex(transactionHash(tx!)) } },
      { jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.InvalidRequest, message: 'not a JSON-RPC 2.0 request' } },
      { jsonrpc: '2.0', id: 4, error: { code: RpcErrorCode.MethodNotFound, message: 'no method "nope"' } },
    ])
    assert.deepEqual(await post(node, '[]'), { status: 200, json: { jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.InvalidRequest, message: 'an empty batch' } } })
    assert.deepEqual(await post(node, JSON.stringify([call(undefined, 'status'), call(undefined, 'peers')])), { status: 204, json: undefined })
    const tooMany = JSON.stringify(Array.from({ length: MAX_BATCH_CALLS + 1 }, (_, i) => call(i, 'status')))
    assert.deepEqual(await post(node, tooMany), {
      status: 200,
      json: { jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.LimitExceeded, message: `a batch of ${MAX_BATCH_CALLS + 1} calls, limit ${MAX_BATCH_CALLS}` } },
    })
  })

  await t.test('sendTransactions: one outcome per transaction, in order', async () => {
    const [first, second] = registrations(copy, 2, 'bulk')
    const hex = (tx: Transaction): string => toHex(encodeTransaction(tx))
    const outcomes = await node.client.sendTransactions([hex(first!), hex(withBadSignature(second!)), hex(first!)])
    assert.deepEqual(outcomes, [
      { hash: toHex(transactionHash(first!)) },
      { error: { code: RpcErrorCode.TransactionRejected, message: 'invalid transaction: signature does not verify', data: { code: 'TX_ERROR_BAD_SIGNATURE' } } },
      { error: { code: RpcErrorCode.TransactionRejected, message: `transaction ${toHex(transactionHash(first!))} is already pending`, data: { code: 'MEMPOOL_ERROR_KNOWN' } } },
    ])
    await assert.rejects(node.client.sendTransactions([]), { code: 'RPC_CLIENT_ERROR_REMOTE', data: { rpcCode: RpcErrorCode.InvalidParams, detail: undefined } })
  })
})
