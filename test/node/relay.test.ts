/**
 * Block relay before execution (docs/architecture.md, "Block relay before execution"), with
 * three `chain node` processes in a line A - B - C joined by --bootstrap and a hostile peer X,
 * a real libp2p host of the same network dialing A only, writing raw gossipsub RPCs. The blocks
 * are built with the library on a copy of the chain and sealed with real proof-of-work:
 *   - a valid block reaches every node, each hop by gossip from the one before;
 *   - a block with a valid seal and signatures whose execution fails (a wrong state root) is
 *     relayed along the line, each node relaying it once before its execution, but imported
 *     nowhere, and costs each sender only `failed-execution` points: the honest relays stay
 *     connected;
 *   - a block with a bad seal, or with a bad transaction signature, is refused by A before
 *     relay: B and C never see it.
 */
import { test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { RPC } from '@libp2p/gossipsub/message'
import { lpStream } from '@libp2p/utils'
import type { Chain } from '../../src/chain/chain.js'
import { produceBlock } from '../../src/chain/producer.js'
import { meetsTarget, nonceSeal, sealSync } from '../../src/consensus/pow.js'
import { toHex } from '../../src/encoding/bytes.js'
import { blockHash, encodeBlock, transactionsRoot, type Block, type BlockHeader } from '../../src/ledger/block.js'
import { BUILT_IN_NETWORKS } from '../../src/ledger/networks.js'
import { signTransaction } from '../../src/ledger/transaction.js'
import { networkNames } from '../../src/network/names.js'
import type { Network } from '../../src/network/network.js'
import { openTestChain, PRODUCER, testKey } from '../helpers/chain.js'
import { startNode, waitFor, waitForLog, type TestNode } from '../helpers/node.js'
import { startNetwork } from '../network/helpers.js'

const DEV = BUILT_IN_NETWORKS.dev!
/** A node start, a block crossing three nodes: seconds on 2 busy cores, bounded generously. */
const STEP_TIMEOUT_MS = 60_000
/** A few gossipsub heartbeats (one a second): the line's mesh is formed by then. */
const MESH_SETTLE_MS = 3_000
/** The key of a transaction signed for another network. */
const KEY = testKey('relay')

interface Status {
  readonly genesis: string
  readonly height: number
  readonly head: string
}

const status = (node: TestNode): Promise<Status> => node.rpc.call<Status>('status')
const peerIds = async (node: TestNode): Promise<string[]> => (await node.rpc.call<{ peerId: string }[]>('peers')).map((peer) => peer.peerId)

/** The penalties `node` logged against `peer` (the network layer's debug line). */
function penalties(node: TestNode, peer: string): { reason: string; banned: boolean }[] {
  return [...node.log().matchAll(/\[node:net\] peer penalised peer=(\S+) reason=(\S+) points=\S+ banned=(\S+)/g)]
    .filter((match) => match[1] === peer)
    .map((match) => ({ reason: match[2]!, banned: match[3] === 'true' }))
}

/** An empty block on `chain`'s head, its header changed by `spoil`, then sealed: valid work, maybe invalid content. */
async function blockOn(chain: Chain, spoil: (header: BlockHeader) => BlockHeader = (header) => header): Promise<Block> {
  const { block } = await produceBlock(chain, [], PRODUCER.id, Date.now())
  return { ...block, header: sealSync(spoil(block.header)) }
}

test('a block is relayed along a line once its seal and signatures are checked; one failing execution is imported nowhere, one failing the cheap checks goes no further than the first node', async (t) => {
  const a = await startNode(t)
  const b = await startNode(t, { bootstrap: [a.info.multiaddrs[0]!] })
  const c = await startNode(t, { bootstrap: [b.info.multiaddrs[0]!] })
  const line = [a, b, c]
  const copy = await openTestChain(t, DEV)
  assert.equal(toHex(copy.networkId), (await status(a)).genesis)
  const { blockTopic } = networkNames(copy.networkId)

  const x = await hostilePeer(t, copy.networkId, a)
  await waitFor('the line connected', async () => ((await peerIds(b)).length === 2 && (await peerIds(c)).length === 1 ? true : undefined), STEP_TIMEOUT_MS)
  // gossipsub forms its mesh at its heartbeats (one a second): a block sent before would
  // reach the next node by the later IHAVE, or by the sync, not by relay.
  await sleep(MESH_SETTLE_MS)
  const sendHostile = await rawSender(x, a, blockTopic)

  // A valid block: every node imports it, each from the one before it in the line.
  const first = await blockOn(copy)
  await copy.importBlock(first)
  await sendHostile(first)
  for (const [node, sender] of [[a, x.peerId], [b, a.info.peerId], [c, b.info.peerId]] as const) {
    await waitForLog(node, new RegExp(`imported a block from=${sender} height=1 hash=${toHex(blockHash(first.header)).slice(0, 12)}`), STEP_TIMEOUT_MS)
  }

  // Valid seal and signatures, wrong state root: it extends every head, so it is relayed
  // before execution finds it out. A charges its sender `failed-execution`.
  const badStateRoot = await blockOn(copy, (header) => ({ ...header, stateRoot: Uint8Array.from(randomBytes(32)) }))
  await sendHostile(badStateRoot)
  await waitForLog(a, new RegExp(`gossiped block refused from=${x.peerId} height=2 code=EXECUTION_ERROR_STATE_ROOT_MISMATCH`), STEP_TIMEOUT_MS)

  // A bad proof-of-work, then a transaction signed for another network (its root right): A
  // refuses each before relaying it, at the `invalid-block` price: the second bans X.
  const sealed = await blockOn(copy)
  let nonce = 0n
  const unsealed = (): BlockHeader => ({ ...sealed.header, seal: nonceSeal(nonce) })
  while (meetsTarget(blockHash(unsealed()), sealed.header.difficulty)) nonce++
  await sendHostile({ ...sealed, header: unsealed() })
  await waitForLog(a, new RegExp(`gossiped block refused from=${x.peerId} height=2 code=CONSENSUS_ERROR_`), STEP_TIMEOUT_MS)
  const foreign = signTransaction({ kind: 'participant', name: null, publicKey: KEY.publicKey, nonce: 0, gasLimit: 100_000 }, KEY.secretKey, Uint8Array.from(randomBytes(32)))
  const badSignature = await blockOn(copy, (header) => ({ ...header, txRoot: transactionsRoot([foreign]) }))
  await sendHostile({ ...badSignature, transactions: [foreign] })
  await waitForLog(a, new RegExp(`gossiped block refused from=${x.peerId} height=2 code=BLOCK_ERROR_BAD_TX`), STEP_TIMEOUT_MS)
  await waitFor('the ban of the hostile peer', () => (penalties(a, x.peerId).at(-1)?.banned === true ? true : undefined), STEP_TIMEOUT_MS)
  assert.deepEqual(penalties(a, x.peerId).map((penalty) => penalty.reason), ['failed-execution', 'invalid-block', 'invalid-block'])

  // The next valid block, from an honest peer of A, crosses the line after them on the same
  // streams: each node imports blocks one at a time in the order they arrive, so by then every
  // node has judged whatever A relayed before.
  const next = await blockOn(copy)
  await copy.importBlock(next)
  const honest = await hostilePeer(t, copy.networkId, a)
  await (await rawSender(honest, a, blockTopic))(next)
  for (const [node, sender] of [[b, a.info.peerId], [c, b.info.peerId]] as const) {
    await waitForLog(node, new RegExp(`imported a block from=${sender} height=2 hash=${toHex(blockHash(next.header)).slice(0, 12)}`), STEP_TIMEOUT_MS)
    // Nothing A refused went further. The bad state root did, relayed before execution at
    // each hop, and cost each sender only `failed-execution` points.
    assert.doesNotMatch(node.log(), /code=(CONSENSUS_ERROR|BLOCK_ERROR)/, 'a block refused by its cheap checks was relayed')
    assert.match(node.log(), new RegExp(`gossiped block refused from=${sender} height=2 code=EXECUTION_ERROR_STATE_ROOT_MISMATCH`))
    assert.deepEqual(penalties(node, sender), [{ reason: 'failed-execution', banned: false }])
  }
  // Nobody imported the bad state root, and the honest line is whole.
  for (const node of line) assert.equal((await status(node)).head, toHex(blockHash(next.header)))
  assert.deepEqual(new Set(await peerIds(b)), new Set([a.info.peerId, c.info.peerId]))
  assert.deepEqual(await peerIds(c), [b.info.peerId])
})

/** A libp2p host of the network that dials `node` only, once it is among the node's peers. */
async function hostilePeer(t: TestContext, networkId: Uint8Array, node: TestNode): Promise<Network> {
  const network = await startNetwork(t, { networkId, maxBlockBytes: DEV.params.maxBlockBytes, bootstrap: [node.info.multiaddrs[0]!] })
  await waitFor('the peer among the node’s', async () => ((await peerIds(node)).includes(network.peerId) ? true : undefined), STEP_TIMEOUT_MS)
  return network
}

/** A raw gossipsub stream from `from` to `to`: each call writes one RPC of one block, bypassing every check of the sender. */
async function rawSender(from: Network, to: TestNode, topic: string): Promise<(block: Block) => Promise<void>> {
  const stream = lpStream(await from.libp2p.dialProtocol(peerIdFromString(to.info.peerId), '/meshsub/1.1.0'))
  return async (block) => {
    await stream.write(RPC.encode({ subscriptions: [], messages: [{ topic, data: encodeBlock(block) }] }))
  }
}
