/**
 * Gossip of blocks and transactions over gossipsub, on the topics `/chain/<net>/block/1` and
 * `/chain/<net>/tx/2`. A block message is the block's canonical encoding (`encodeBlock`); a
 * transaction message is a CBOR list of 1 to GOSSIP_MAX_TXS_PER_MESSAGE transaction encodings
 * (`encodeTransaction`), so a burst of transactions pays gossip's per-message costs once per
 * batch. Messages are unsigned (`StrictNoSign`: blocks carry their seal and transactions their
 * signatures, so a peer signature adds nothing), and a message's id is the SHA-256 of its
 * data, so the same block from two peers is one message.
 *
 * Validation runs before relay, in gossipsub's topic validators: the size limit of the topic
 * first, then strict decoding, then the node's own decision (`validateBlock`,
 * `validateTransactions`). Garbage and oversized data never reach the node. `reject` lowers
 * the sender's gossipsub score (per-topic invalid-message counter) and costs it penalty
 * points; `ignore` only stops the relay. A transaction message is judged whole: one invalid
 * transaction in it makes it invalid (an honest relay checks every one before relaying).
 */
import type { PeerId } from '@libp2p/interface'
import { TopicValidatorResult, type GossipSub, type GossipsubOpts, type Message } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { Logger } from '../log.js'
import { sha256 } from '../crypto/hash.js'
import { decode, encode, EncodingError } from '../encoding/cbor.js'
import { readList } from '../encoding/shape.js'
import { decodeBlock, encodeBlock, type Block } from '../ledger/block.js'
import { encodeTransaction, readTransaction, type Transaction } from '../ledger/transaction.js'
import {
  APP_SCORE_WEIGHT,
  BLOCK_INVALID_MESSAGE_WEIGHT,
  BLOCK_TOPIC_WEIGHT,
  GOSSIP_MAX_MESSAGES_PER_RPC,
  GOSSIP_MAX_OUTBOUND_BUFFER_BYTES,
  GOSSIP_MAX_STREAMS,
  GOSSIP_MAX_TX_MESSAGE_BYTES,
  GOSSIP_MAX_TXS_PER_MESSAGE,
  GOSSIP_RPC_OVERHEAD_BYTES,
  GOSSIP_THRESHOLD,
  GRAYLIST_THRESHOLD,
  INVALID_MESSAGE_DECAY,
  PUBLISH_THRESHOLD,
  SCORE_DECAY_INTERVAL_MS,
  TX_INVALID_MESSAGE_WEIGHT,
  TX_TOPIC_WEIGHT,
  type PenaltyReason,
} from './constants.js'
import type { NetworkNames } from './names.js'

/** The node's answer about a gossiped block or transaction. */
export type GossipVerdict = 'accept' | 'ignore' | 'reject'

/**
 * The node's decisions: the network never imports the chain, it asks. `from` is the peer id.
 * Transactions come as the message brought them, and get one verdict for the message.
 */
export interface GossipValidators {
  readonly validateBlock: (block: Block, from: string) => Promise<GossipVerdict>
  readonly validateTransactions: (txs: readonly Transaction[], from: string) => Promise<GossipVerdict>
}

/** A message of the transaction topic: `txs` are transaction encodings, 1 to GOSSIP_MAX_TXS_PER_MESSAGE of them. */
export function encodeTransactionMessage(txs: readonly Uint8Array[]): Uint8Array {
  if (txs.length < 1 || txs.length > GOSSIP_MAX_TXS_PER_MESSAGE) throw new RangeError(`a transaction message holds 1 to ${GOSSIP_MAX_TXS_PER_MESSAGE} transactions, not ${txs.length}`)
  return encode([...txs])
}

/** The transactions of a message of the transaction topic; throws `EncodingError` or `TxError` on anything malformed. */
export function decodeTransactionMessage(data: Uint8Array): Transaction[] {
  const items = readList(decode(data, 'transaction message', GOSSIP_MAX_TX_MESSAGE_BYTES), 'transaction message', GOSSIP_MAX_TXS_PER_MESSAGE)
  if (items.length === 0) throw new EncodingError('ENCODING_ERROR_BAD_SHAPE', 'transaction message', 'no transaction')
  return items.map(readTransaction)
}

/**
 * The messages `txs` (encodings) go out in, in order: as few as the limits of count and
 * bytes allow. A CBOR list's own header and each item's take at most 9 bytes each.
 */
function transactionMessages(txs: readonly Uint8Array[]): Uint8Array[] {
  const messages: Uint8Array[] = []
  let batch: Uint8Array[] = []
  let bytes = 9
  for (const tx of txs) {
    if (batch.length > 0 && (batch.length === GOSSIP_MAX_TXS_PER_MESSAGE || bytes + tx.length + 9 > GOSSIP_MAX_TX_MESSAGE_BYTES)) {
      messages.push(encodeTransactionMessage(batch))
      batch = []
      bytes = 9
    }
    batch.push(tx)
    bytes += tx.length + 9
  }
  if (batch.length > 0) messages.push(encodeTransactionMessage(batch))
  return messages
}

/** gossipsub as it is at run time: the implementation has `getScore`, its interface does not. */
export interface ScoredGossipSub extends GossipSub {
  getScore(peer: string): number
}

/**
 * Per-topic score parameters. Only P4 (invalid messages) punishes here: the mesh-delivery
 * penalties (P3, P3b) assume steady traffic, which a chain with a block every few seconds and
 * sporadic transactions does not have, so they would punish honest peers.
 */
function topicScore(topicWeight: number, invalidWeight: number): TopicScoreParams {
  return {
    topicWeight,
    timeInMeshWeight: 0.01, // P1: a little credit for staying, capped below
    timeInMeshQuantum: 1_000,
    timeInMeshCap: 300,
    firstMessageDeliveriesWeight: 0.5, // P2: credit for delivering news first
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 1,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5_000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: invalidWeight,
    invalidMessageDeliveriesDecay: INVALID_MESSAGE_DECAY,
  }
}

/** The gossipsub options of a node of network `names`. */
export function gossipsubOptions(names: NetworkNames, maxBlockBytes: number, appPenalty: (peer: string) => number): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: 'StrictNoSign',
    msgIdFn: (message: Message) => sha256(message.data),
    fallbackToFloodsub: false, // floodsub has no scoring
    allowedTopics: [names.blockTopic, names.txTopic], // anything else is dropped unread
    allowPublishToZeroTopicPeers: true, // a lone miner still publishes; peers fetch later
    ignoreDuplicatePublishError: true, // re-announcing a transaction is not an error
    emitSelf: false,
    maxInboundDataLength: maxBlockBytes + GOSSIP_RPC_OVERHEAD_BYTES,
    maxOutboundBufferSize: GOSSIP_MAX_OUTBOUND_BUFFER_BYTES,
    maxInboundStreams: GOSSIP_MAX_STREAMS,
    maxOutboundStreams: GOSSIP_MAX_STREAMS,
    decodeRpcLimits: {
      maxSubscriptions: 16,
      maxMessages: GOSSIP_MAX_MESSAGES_PER_RPC,
      maxIhaveMessageIDs: 5_000,
      maxIwantMessageIDs: 5_000,
      maxControlMessages: 5_000,
      maxIdontwantMessageIDs: 512,
      maxPeerInfos: 16,
    },
    scoreParams: {
      topics: {
        [names.blockTopic]: topicScore(BLOCK_TOPIC_WEIGHT, BLOCK_INVALID_MESSAGE_WEIGHT),
        [names.txTopic]: topicScore(TX_TOPIC_WEIGHT, TX_INVALID_MESSAGE_WEIGHT),
      },
      topicScoreCap: 10,
      appSpecificScore: (peer: string) => -appPenalty(peer),
      appSpecificWeight: APP_SCORE_WEIGHT,
      decayInterval: SCORE_DECAY_INTERVAL_MS,
    },
    scoreThresholds: { gossipThreshold: GOSSIP_THRESHOLD, publishThreshold: PUBLISH_THRESHOLD, graylistThreshold: GRAYLIST_THRESHOLD },
  }
}

export interface GossipComponents extends GossipValidators {
  readonly pubsub: ScoredGossipSub
  readonly reportPeer: (peer: string, reason: PenaltyReason) => void
  readonly log: Logger
}

type Outcome = GossipVerdict | 'malformed'

export class Gossip {
  private running = false
  /** What the validators have answered, by outcome: diagnostics for logs and tests. */
  readonly counts: Record<'block' | 'tx', Record<Outcome, number>> = {
    block: { accept: 0, ignore: 0, reject: 0, malformed: 0 },
    tx: { accept: 0, ignore: 0, reject: 0, malformed: 0 },
  }

  constructor(
    private readonly components: GossipComponents,
    private readonly init: { readonly names: NetworkNames; readonly maxBlockBytes: number },
  ) {}

  start(): void {
    if (this.running) return
    const { pubsub } = this.components
    const { blockTopic, txTopic } = this.init.names
    pubsub.topicValidators.set(blockTopic, (peer, message) => this.validateBlock(peer, message))
    pubsub.topicValidators.set(txTopic, (peer, message) => this.validateTransactions(peer, message))
    pubsub.subscribe(blockTopic)
    pubsub.subscribe(txTopic)
    this.running = true
  }

  stop(): void {
    if (!this.running) return
    const { pubsub } = this.components
    for (const topic of [this.init.names.blockTopic, this.init.names.txTopic]) {
      pubsub.unsubscribe(topic)
      pubsub.topicValidators.delete(topic)
    }
    this.running = false
  }

  /** Publishes a block; returns how many peers it was sent to. */
  async publishBlock(block: Block): Promise<number> {
    return (await this.components.pubsub.publish(this.init.names.blockTopic, encodeBlock(block))).recipients.length
  }

  /** Publishes transactions in as few messages as fit; returns how many peers the first message was sent to. */
  async publishTransactions(txs: readonly Transaction[]): Promise<number> {
    const sent = await Promise.all(transactionMessages(txs.map(encodeTransaction)).map((data) => this.components.pubsub.publish(this.init.names.txTopic, data)))
    return sent[0]?.recipients.length ?? 0
  }

  /** The peers subscribed to the block topic (gossip reaches them). */
  blockTopicPeers(): string[] {
    return this.components.pubsub.getSubscribers(this.init.names.blockTopic).map(String)
  }

  score(peer: string): number {
    return this.components.pubsub.getScore(peer)
  }

  private validateBlock(peerId: PeerId, message: Message): Promise<TopicValidatorResult> {
    return this.validate('block', peerId, message.data, this.init.maxBlockBytes, (data) => decodeBlock(data, this.init.maxBlockBytes), this.components.validateBlock)
  }

  private validateTransactions(peerId: PeerId, message: Message): Promise<TopicValidatorResult> {
    return this.validate('tx', peerId, message.data, GOSSIP_MAX_TX_MESSAGE_BYTES, decodeTransactionMessage, this.components.validateTransactions)
  }

  private async validate<T>(
    kind: 'block' | 'tx',
    peerId: PeerId,
    data: Uint8Array,
    maxBytes: number,
    decode: (data: Uint8Array) => T,
    decide: (value: T, from: string) => Promise<GossipVerdict>,
  ): Promise<TopicValidatorResult> {
    const from = peerId.toString()
    const { log, reportPeer } = this.components
    let value: T
    try {
      // decode checks the length first too; checking here keeps the rule visible and cheap.
      if (data.length > maxBytes) throw new RangeError(`${data.length} bytes, limit ${maxBytes}`)
      value = decode(data)
    } catch (error) {
      this.counts[kind].malformed++
      reportPeer(from, 'malformed-gossip')
      log.debug('gossip malformed', { kind, from, error })
      return TopicValidatorResult.Reject
    }
    let verdict: GossipVerdict
    try {
      verdict = await decide(value, from)
    } catch (error) {
      // A failure of our own validation is not the sender's fault: drop the message, no blame.
      log.error('gossip validation failed', { kind, from, error })
      verdict = 'ignore'
    }
    this.counts[kind][verdict]++
    switch (verdict) {
      case 'accept':
        return TopicValidatorResult.Accept
      case 'ignore':
        return TopicValidatorResult.Ignore
      case 'reject':
        reportPeer(from, kind === 'block' ? 'invalid-block' : 'invalid-transaction')
        log.debug('gossip rejected', { kind, from })
        return TopicValidatorResult.Reject
    }
  }
}
