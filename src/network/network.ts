/**
 * The network service of a node: the libp2p host, gossip, the sync protocol (both sides),
 * peer statuses, the penalty book and the peer keeper, composed and started in dependency
 * order (docs/network.md).
 *
 *   stopped -> starting -> started -> stopping -> stopped
 *
 * `start()` and `stop()` are idempotent; a start that fails stops what it started. The node
 * plugs in what the network must not decide itself: the read interface of its chain (to
 * serve sync and to tell known blocks from unknown ones) and its gossip validators.
 */
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId, PeerInfo, PrivateKey } from '@libp2p/interface'
import { CODE_P2P } from '@multiformats/multiaddr'
import { SILENT_LOGGER, type Logger } from '../log.js'
import type { Block } from '../ledger/block.js'
import type { Transaction } from '../ledger/transaction.js'
import { fetchAncestors } from './ancestors.js'
import {
  DEFAULT_MAX_PEERS,
  DHT_WALK_TIMEOUT_MS,
  SYNC_MAX_INBOUND_STREAMS,
  SYNC_MAX_OUTBOUND_STREAMS,
  type PenaltyReason,
} from './constants.js'
import { NetworkError } from './errors.js'
import { Gossip, type GossipValidators } from './gossip.js'
import { createHost, parseAddresses, type Host } from './host.js'
import { networkNames, type NetworkNames } from './names.js'
import { PeerKeeper } from './peer-keeper.js'
import { PenaltyBook } from './penalties.js'
import { PeerStatuses } from './statuses.js'
import { SyncClient } from './sync-client.js'
import type { ChainStatus, HeadersQuery, ReceivedHeader } from './sync-codec.js'
import { SyncServer, type ChainReader, type PendingTransactions } from './sync-server.js'

export interface NetworkComponents extends GossipValidators {
  /** The libp2p identity (see `loadOrCreatePeerKey`). */
  readonly peerKey: PrivateKey
  /** The genesis block hash. */
  readonly networkId: Uint8Array
  readonly chain: ChainReader
  /** The node's pending transactions, served to peers that ask (a node that joins learns the pool). */
  readonly pending: PendingTransactions
  readonly log?: Logger
}

export interface NetworkInit {
  /** The network's block size limit (genesis `params.maxBlockBytes`): bounds gossip and sync frames. */
  readonly maxBlockBytes: number
  /** Multiaddrs to listen on; default `/ip4/0.0.0.0/tcp/0`. */
  readonly listen?: readonly string[]
  readonly announce?: readonly string[]
  /** Multiaddrs with `/p2p/<id>`, dialed at start and kept for re-dialing. */
  readonly bootstrap?: readonly string[]
  readonly mdns?: boolean
  readonly dht?: boolean
  readonly maxPeers?: number
  readonly minPeers?: number
  readonly banDurationMs?: number
  // Timing knobs, defaulted from constants.ts; tests shorten them.
  readonly keeperIntervalMs?: number
  readonly dhtWalkIntervalMs?: number
  readonly mdnsIntervalMs?: number
  readonly statusRefreshIntervalMs?: number
  readonly syncFirstByteTimeoutMs?: number
  readonly syncResponseTimeoutMs?: number
  readonly syncRateBurst?: number
  readonly syncRatePerSecond?: number
  readonly syncMaxConcurrentServed?: number
}

/** One connected peer, for `chain peers` and the RPC. */
export interface PeerSummary {
  readonly id: string
  readonly addresses: readonly string[]
  readonly direction: 'inbound' | 'outbound'
  /** Round-trip time of the last ping, when one has been measured. */
  readonly latencyMs?: number
  /** The peer's last status, once exchanged. */
  readonly status?: ChainStatus
  readonly gossipScore: number
  readonly penaltyPoints: number
}

export interface NetworkEvents {
  'peer:connect': [peer: string]
  'peer:disconnect': [peer: string]
  /** A peer's status arrived (on connect, on refresh, or in its own request). */
  'peer:status': [peer: string, status: ChainStatus]
  'peer:ban': [peer: string, reason: PenaltyReason]
  /** A peer was charged for misbehaviour (before any ban it led to). */
  'peer:penalty': [peer: string, reason: PenaltyReason]
}

type State = 'stopped' | 'starting' | 'started' | 'stopping'

export class Network extends EventEmitter<NetworkEvents> {
  readonly names: NetworkNames
  readonly penalties: PenaltyBook
  private readonly gossip: Gossip
  private readonly server: SyncServer
  private readonly client: SyncClient
  private readonly keeper: PeerKeeper
  private readonly log: Logger
  private readonly peerStatuses: PeerStatuses
  private state: State = 'stopped'
  private shutdown = new AbortController()
  private readonly detach: (() => void)[] = []

  private constructor(
    /** The libp2p node itself, for diagnostics and tests; the node should not need it. */
    readonly libp2p: Host,
    private readonly components: NetworkComponents,
    private readonly init: NetworkInit,
    names: NetworkNames,
    penalties: PenaltyBook,
  ) {
    super()
    this.names = names
    this.penalties = penalties
    this.log = components.log ?? SILENT_LOGGER
    const reportPeer = (peer: string, reason: PenaltyReason): void => this.reportPeer(peer, reason)
    const { validateBlock, validateTransactions } = components
    this.gossip = new Gossip(
      { pubsub: libp2p.services.pubsub, validateBlock, validateTransactions, reportPeer, log: this.log.child('gossip') },
      { names, maxBlockBytes: init.maxBlockBytes },
    )
    this.server = new SyncServer(
      {
        chain: components.chain,
        pending: components.pending,
        networkId: components.networkId,
        reportPeer,
        onStatus: (peer, status) => this.peerStatuses.record(peer, status),
        shutdown: () => this.shutdown.signal,
        log: this.log.child('sync'),
      },
      {
        maxBlockBytes: init.maxBlockBytes,
        rateBurst: init.syncRateBurst,
        ratePerSecond: init.syncRatePerSecond,
        maxConcurrent: init.syncMaxConcurrentServed,
      },
    )
    this.client = new SyncClient(
      {
        openStream: (peer, signal) => this.libp2p.dialProtocol(peerIdFromString(peer), names.syncProtocol, { signal }),
        reportPeer,
        shutdown: () => this.shutdown.signal,
        log: this.log.child('sync'),
      },
      { maxBlockBytes: init.maxBlockBytes, firstByteTimeoutMs: init.syncFirstByteTimeoutMs, responseTimeoutMs: init.syncResponseTimeoutMs },
    )
    this.peerStatuses = new PeerStatuses(
      {
        exchange: (peer) => this.client.status(peer, this.server.status()),
        connectedPeers: () => this.libp2p.getPeers().map(String),
        isConnected: (peer) => this.libp2p.getConnections(peerIdFromString(peer)).length > 0,
        onStatus: (peer, status) => this.emit('peer:status', peer, status),
        log: this.log.child('sync'),
      },
      init.statusRefreshIntervalMs,
    )
    this.keeper = new PeerKeeper(
      {
        dial: (peer, signal) => this.libp2p.dial(peer, { signal }),
        connectedPeers: () => this.libp2p.getPeers().map(String),
        isBanned: (peer) => this.penalties.isBanned(peer),
        walk: libp2p.services.dht === undefined ? undefined : (signal) => this.walkDht(signal),
        log: this.log.child('peers'),
      },
      { maxPeers: init.maxPeers, minPeers: init.minPeers, intervalMs: init.keeperIntervalMs, walkIntervalMs: init.dhtWalkIntervalMs },
    )
  }

  get peerId(): string {
    return this.libp2p.peerId.toString()
  }

  /** The addresses we listen on, with `/p2p/<peer id>`: what other nodes bootstrap from. */
  multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map(String)
  }

  get started(): boolean {
    return this.state === 'started'
  }

  /** Starts listening, gossip, the sync protocol and the peer keeper (idempotent). */
  async start(): Promise<void> {
    if (this.state !== 'stopped') return
    this.state = 'starting'
    this.shutdown = new AbortController()
    try {
      // Before start: a peer that connects at once must find our sync protocol, or it would
      // take us for a node of another network.
      await this.libp2p.handle(this.names.syncProtocol, this.server.handle, {
        maxInboundStreams: SYNC_MAX_INBOUND_STREAMS,
        maxOutboundStreams: SYNC_MAX_OUTBOUND_STREAMS,
      })
      this.wireEvents()
      await this.libp2p.start()
      this.gossip.start()
      await this.rememberBootstrapPeers()
      this.keeper.start()
      this.peerStatuses.start()
      this.state = 'started'
      this.log.info('network started', { peerId: this.peerId, addresses: this.multiaddrs(), network: this.names.tag })
    } catch (error) {
      this.state = 'started'
      await this.stop()
      throw error
    }
  }

  /** Stops everything started, in reverse order (idempotent). */
  async stop(): Promise<void> {
    if (this.state !== 'started') return
    this.state = 'stopping'
    this.peerStatuses.stop()
    this.keeper.stop()
    this.shutdown.abort()
    for (const detach of this.detach.splice(0)) detach()
    if (this.libp2p.status === 'started') this.gossip.stop()
    // Connections close first: a peer asking for our status meanwhile must not find the
    // protocol gone, or it would take us for another network and ban us.
    await this.libp2p.stop()
    await this.libp2p.unhandle(this.names.syncProtocol).catch(() => undefined)
    this.state = 'stopped'
    this.log.info('network stopped')
  }

  /**
   * Puts the bootstrap peers' addresses in the peer store and pins them in the keeper. Dialing
   * a peer id whose addresses are unknown asks the DHT, which waits for a first peer: without
   * this the first dial would wait for itself.
   */
  private async rememberBootstrapPeers(): Promise<void> {
    for (const address of parseAddresses(this.init.bootstrap ?? [], 'bootstrap')) {
      const id = peerIdFromString(address.getComponents().findLast((component) => component.name === 'p2p')!.value!)
      await this.libp2p.peerStore.merge(id, { multiaddrs: [address.decapsulateCode(CODE_P2P)] })
      this.keeper.remember(id, true)
    }
  }

  /** Wires libp2p's events; `detach` undoes it at stop. */
  private wireEvents(): void {
    const on = <K extends 'peer:discovery' | 'peer:connect' | 'peer:disconnect'>(event: K, handler: (detail: K extends 'peer:discovery' ? PeerInfo : PeerId) => void): void => {
      const listener = (evt: CustomEvent): void => handler(evt.detail as K extends 'peer:discovery' ? PeerInfo : PeerId)
      this.libp2p.addEventListener(event, listener as never)
      this.detach.push(() => this.libp2p.removeEventListener(event, listener as never))
    }
    on('peer:discovery', (info) => this.keeper.discovered(info))
    on('peer:connect', (peerId) => {
      const peer = peerId.toString()
      this.log.info('peer connected', { peer, direction: this.libp2p.getConnections(peerId)[0]?.direction, peers: this.libp2p.getPeers().length })
      this.keeper.connected(peerId)
      this.emit('peer:connect', peer)
      void this.peerStatuses.refresh(peer).catch(() => undefined)
    })
    on('peer:disconnect', (peerId) => {
      const peer = peerId.toString()
      this.log.info('peer disconnected', { peer, peers: this.libp2p.getPeers().length })
      this.peerStatuses.forget(peer)
      this.emit('peer:disconnect', peer)
    })
    const onBan = (peer: string, reason: PenaltyReason): void => {
      this.log.info('peer banned', { peer, reason })
      this.peerStatuses.forget(peer)
      this.emit('peer:ban', peer, reason)
      void this.libp2p.hangUp(peerIdFromString(peer)).catch(() => undefined)
    }
    this.penalties.on('ban', onBan)
    this.detach.push(() => this.penalties.off('ban', onBan))
  }

  private requireStarted(what: string): void {
    if (this.state !== 'started') throw new NetworkError('NETWORK_ERROR_NOT_STARTED', `${what}: the network is not running`)
  }

  // ---- Gossip -------------------------------------------------------------------------------

  /** Gossips a block (ours, or one we imported); returns the number of peers it went to. */
  async publishBlock(block: Block): Promise<number> {
    this.requireStarted('publishBlock')
    return this.gossip.publishBlock(block)
  }

  /** Gossips transactions, in as few messages as fit; returns the number of peers they went to. */
  async publishTransactions(txs: readonly Transaction[]): Promise<number> {
    this.requireStarted('publishTransactions')
    return this.gossip.publishTransactions(txs)
  }

  /** Peers subscribed to our block topic: those a published block reaches. */
  gossipPeers(): string[] {
    return this.gossip.blockTopicPeers()
  }

  /** How many gossiped messages each validator outcome had (diagnostics). */
  gossipCounts(): Gossip['counts'] {
    return this.gossip.counts
  }

  gossipScore(peer: string): number {
    return this.gossip.score(peer)
  }

  // ---- Penalties ----------------------------------------------------------------------------

  /** Charges `peer` for misbehaviour; enough of it disconnects and bans the peer. */
  reportPeer(peer: string, reason: PenaltyReason): void {
    this.emit('peer:penalty', peer, reason)
    const { points, banned } = this.penalties.report(peer, reason)
    this.log.debug('peer penalised', { peer, reason, points, banned })
  }

  isBanned(peer: string): boolean {
    return this.penalties.isBanned(peer)
  }

  // ---- Statuses and sync requests -------------------------------------------------------------

  /** Our own status, as we send it. */
  localStatus(): ChainStatus {
    return this.server.status()
  }

  /** The last status of each connected peer that has one. */
  statuses(): ReadonlyMap<string, ChainStatus> {
    return this.peerStatuses.all()
  }

  peerStatus(peer: string): ChainStatus | undefined {
    return this.peerStatuses.get(peer)
  }

  /** Exchanges statuses with `peer` now; a peer of another network is banned (SYNC_ERROR_WRONG_NETWORK). */
  async requestStatus(peer: string, signal?: AbortSignal): Promise<ChainStatus> {
    this.requireStarted('requestStatus')
    const status = await this.client.status(peer, this.server.status(), signal)
    this.peerStatuses.record(peer, status)
    return status
  }

  /** Headers from `peer` (docs/sync.md, `headers`), checked to start where asked and to link. */
  async requestHeaders(peer: string, query: HeadersQuery, signal?: AbortSignal): Promise<ReceivedHeader[]> {
    this.requireStarted('requestHeaders')
    return this.client.headers(peer, query, signal)
  }

  /** Bodies of a prefix of `hashes` from `peer`; the caller matches them to the headers' roots. */
  async requestBodies(peer: string, hashes: readonly Uint8Array[], signal?: AbortSignal): Promise<Transaction[][]> {
    this.requireStarted('requestBodies')
    return this.client.bodies(peer, hashes, signal)
  }

  /** Up to `count` of the peer's pending transactions, decoded but not validated (that is the node's job). */
  async requestPooled(peer: string, count: number, signal?: AbortSignal): Promise<Transaction[]> {
    this.requireStarted('requestPooled')
    return this.client.pooled(peer, count, signal)
  }

  /**
   * The blocks missing between our chain and `hash` (included), fetched from `peer`, oldest
   * first, linked and with bodies matching their headers (see ancestors.ts).
   */
  async fetchAncestors(peer: string, hash: Uint8Array, maxCount: number, signal?: AbortSignal): Promise<Block[]> {
    this.requireStarted('fetchAncestors')
    const chain = this.components.chain
    return fetchAncestors({ client: this.client, known: (h) => chain.header(h) !== undefined && chain.block(h) !== undefined }, peer, hash, maxCount, signal)
  }

  // ---- Peers --------------------------------------------------------------------------------

  /** The connected peers, one entry each (its first connection's address and direction). */
  peers(): PeerSummary[] {
    const byPeer = new Map<string, PeerSummary>()
    for (const connection of this.libp2p.getConnections()) {
      const id = connection.remotePeer.toString()
      const seen = byPeer.get(id)
      if (seen !== undefined) {
        byPeer.set(id, { ...seen, addresses: [...seen.addresses, connection.remoteAddr.toString()] })
        continue
      }
      const status = this.peerStatuses.get(id)
      byPeer.set(id, {
        id,
        addresses: [connection.remoteAddr.toString()],
        direction: connection.direction,
        ...(connection.rtt === undefined ? {} : { latencyMs: connection.rtt }),
        ...(status === undefined ? {} : { status }),
        gossipScore: this.gossip.score(id),
        penaltyPoints: this.penalties.points(id),
      })
    }
    return [...byPeer.values()]
  }

  /** One DHT walk: a closest-peers query for a random key; the peers it meets are discovered. */
  private async walkDht(signal: AbortSignal): Promise<void> {
    const options = { signal: AbortSignal.any([signal, AbortSignal.timeout(DHT_WALK_TIMEOUT_MS)]) }
    for await (const peer of this.libp2p.peerRouting.getClosestPeers(randomBytes(32), options)) {
      this.keeper.discovered(peer)
    }
  }

  /** Creates a network (not started). */
  static async create(components: NetworkComponents, init: NetworkInit): Promise<Network> {
    const names = networkNames(components.networkId)
    const penalties = new PenaltyBook({ banDurationMs: init.banDurationMs })
    const host = await createHost({
      peerKey: components.peerKey,
      names,
      maxBlockBytes: init.maxBlockBytes,
      listen: init.listen ?? ['/ip4/0.0.0.0/tcp/0'],
      announce: init.announce,
      bootstrap: init.bootstrap ?? [],
      mdns: init.mdns ?? true,
      mdnsIntervalMs: init.mdnsIntervalMs,
      dht: init.dht ?? true,
      maxPeers: init.maxPeers ?? DEFAULT_MAX_PEERS,
      gater: penalties.gater(),
      appPenalty: (peer) => penalties.points(peer),
    })
    return new Network(host, components, init, names, penalties)
  }
}

/** Creates a network (not started): `Network.create`. */
export function createNetwork(components: NetworkComponents, init: NetworkInit): Promise<Network> {
  return Network.create(components, init)
}
