/**
 * Helpers for network tests: real libp2p hosts on 127.0.0.1 (ports picked by the system), a
 * network id of their own per test file (so concurrent test runs never share mDNS names or
 * topics), recording validators, hand-built blocks and transactions, bounded waits, and a
 * raw gossipsub sender that plays a hostile peer.
 */
import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { RPC } from '@libp2p/gossipsub/message'
import { lpStream } from '@libp2p/utils'
import { sha256 } from '../../src/crypto/hash.js'
import type { Chain } from '../../src/chain/chain.js'
import { BLOCK_VERSION, type Block } from '../../src/ledger/block.js'
import { signTransaction, type Transaction } from '../../src/ledger/transaction.js'
import { createNetwork, type Network, type NetworkComponents, type NetworkInit } from '../../src/network/network.js'
import type { GossipVerdict } from '../../src/network/gossip.js'
import type { ChainReader } from '../../src/network/sync-server.js'
import { testKey } from '../helpers/chain.js'

export const MAX_BLOCK_BYTES = 256 * 1024

/** A fresh network id: 32 random bytes, as a genesis hash would be. */
export function freshNetworkId(): Uint8Array {
  return Uint8Array.from(randomBytes(32))
}

import { waitFor } from '../helpers/wait.js'

export { waitFor }

export interface Recorder {
  readonly blocks: { block: Block; from: string }[]
  readonly txs: { tx: Transaction; from: string }[]
  verdict: GossipVerdict
  readonly validateBlock: NetworkComponents['validateBlock']
  readonly validateTransactions: NetworkComponents['validateTransactions']
  /** How many transactions each transaction message held, in arrival order. */
  readonly txMessages: number[]
}

/** Validators that record every call and answer `verdict` (changeable). */
export function recorder(verdict: GossipVerdict = 'accept'): Recorder {
  const rec: Recorder = {
    blocks: [],
    txs: [],
    verdict,
    validateBlock: (block, from) => {
      rec.blocks.push({ block, from })
      return Promise.resolve(rec.verdict)
    },
    validateTransactions: (txs, from) => {
      for (const tx of txs) rec.txs.push({ tx, from })
      rec.txMessages.push(txs.length)
      return Promise.resolve(rec.verdict)
    },
    txMessages: [],
  }
  return rec
}

/** A chain of nothing but a head: for tests that only gossip. */
export function headOnlyChain(): ChainReader {
  const hash = new Uint8Array(32)
  return { head: () => ({ hash, height: 0, totalWork: 1n }), header: () => undefined, canonicalHash: () => undefined, block: () => undefined }
}

/** The read interface over a real chain, as the node builds it. */
export function chainReaderOf(chain: Chain): ChainReader {
  return {
    head: () => ({ hash: chain.head.hash, height: chain.head.header.height, totalWork: chain.head.totalWork }),
    header: (hash) => chain.store.header(hash),
    canonicalHash: (height) => chain.store.canonicalHash(height),
    block: (hash) => chain.store.block(hash),
  }
}

export interface TestNetworkOptions extends Partial<NetworkInit> {
  readonly networkId: Uint8Array
  readonly chain?: ChainReader
  /** The pending transactions the network serves to `pooled` requests; none by default. */
  readonly pending?: readonly Transaction[]
  readonly validators?: Recorder
  /** Networks to bootstrap from (their first address). */
  readonly join?: readonly Network[]
}

/** Creates and starts a network on 127.0.0.1 with mDNS and the DHT off unless asked; stopped after the test. */
export async function startNetwork(t: TestContext, options: TestNetworkOptions): Promise<Network> {
  const validators = options.validators ?? recorder()
  const network = await createNetwork(
    {
      peerKey: await generateKeyPair('Ed25519'),
      networkId: options.networkId,
      chain: options.chain ?? headOnlyChain(),
      pending: (limit) => (options.pending ?? []).slice(0, limit),
      validateBlock: validators.validateBlock,
      validateTransactions: validators.validateTransactions,
    },
    {
      maxBlockBytes: MAX_BLOCK_BYTES,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      dht: false,
      keeperIntervalMs: 250,
      ...options,
      bootstrap: [...(options.bootstrap ?? []), ...(options.join ?? []).map((peer) => peer.multiaddrs()[0]!)],
    },
  )
  t.after(() => network.stop())
  await network.start()
  return network
}

/** Whether `a` and `b` are connected (either way). */
export function connected(a: Network, b: Network): boolean {
  return a.libp2p.getConnections(peerIdFromString(b.peerId)).length > 0
}

/** Waits until every network of `group` is subscribed-to by `count` peers on the block topic. */
export async function waitForMesh(networks: readonly Network[], count: number): Promise<void> {
  await waitFor(`gossip peers (${count} each)`, () => networks.every((network) => network.gossipPeers().length >= count))
}

/** A well-formed block (not a valid one: the network layer only decodes). */
export function sampleBlock(height: number, salt = 0, transactions: Transaction[] = []): Block {
  const filler = (tag: string): Uint8Array => sha256(Buffer.from(`${tag} ${height} ${salt}`))
  return {
    header: {
      version: BLOCK_VERSION,
      height,
      parentHash: filler('parent'),
      timestamp: 1_767_225_600_000 + height * 1000,
      txRoot: filler('tx'),
      stateRoot: filler('state'),
      receiptsRoot: filler('receipts'),
      gasUsed: 0,
      producer: filler('producer').subarray(0, 20),
      difficulty: 1n,
      seal: new Uint8Array(8),
    },
    transactions,
  }
}

/** A signed transaction of network `networkId` (valid signature, arbitrary nonce). */
export function sampleTx(networkId: Uint8Array, nonce: number): Transaction {
  const key = testKey('gossip')
  return signTransaction({ kind: 'participant', name: null, publicKey: key.publicKey, nonce, gasLimit: 100_000 }, key.secretKey, networkId)
}

export interface RawMessage {
  readonly topic: string
  readonly data: Uint8Array
}

/**
 * Sends gossipsub RPCs (each a list of messages) from `from` to `to` on a raw gossipsub
 * stream, bypassing every check of the sender: a hostile peer. Messages are unsigned, as
 * StrictNoSign wants. The stream replaces `from`'s own inbound gossip stream at `to`.
 */
export async function sendRawGossip(from: Network, to: Network, rpcs: readonly (readonly RawMessage[])[]): Promise<void> {
  const stream = await from.libp2p.dialProtocol(peerIdFromString(to.peerId), '/meshsub/1.1.0')
  const lp = lpStream(stream)
  for (const messages of rpcs) {
    await lp.write(RPC.encode({ subscriptions: [], messages: messages.map((message) => ({ topic: message.topic, data: message.data })) }))
  }
}
