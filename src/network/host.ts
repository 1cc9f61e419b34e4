/**
 * The libp2p host of a node: TCP, noise, yamux, identify, ping, gossipsub, and optionally the
 * network's own Kademlia DHT and mDNS; bootstrap addresses; the connection gater of the
 * penalty book; and every connection and stream limit set explicitly (constants.ts says why
 * each has its value) rather than left to libp2p's defaults.
 */
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, type Identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import {
  DHT_ALPHA,
  DHT_MAX_STREAMS,
  DIAL_TIMEOUT_MS,
  IDENTIFY_MAX_STREAMS,
  INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
  MAX_DIAL_QUEUE_LENGTH,
  MAX_INCOMING_PENDING_CONNECTIONS,
  MAX_PARALLEL_DIALS,
  MDNS_INTERVAL_MS,
  PING_INTERVAL_MS,
  PING_MAX_STREAMS,
} from './constants.js'
import { NetworkError } from './errors.js'
import { gossipsubOptions, type ScoredGossipSub } from './gossip.js'
import type { NetworkNames } from './names.js'

export interface HostServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
  pubsub: ScoredGossipSub
  dht?: KadDHT
}

export type Host = Libp2p<HostServices>

export interface HostInit {
  readonly peerKey: PrivateKey
  readonly names: NetworkNames
  readonly maxBlockBytes: number
  readonly listen: readonly string[]
  readonly announce?: readonly string[]
  readonly bootstrap: readonly string[]
  readonly mdns: boolean
  readonly mdnsIntervalMs?: number
  readonly dht: boolean
  readonly maxPeers: number
  readonly gater: ConnectionGater
  /** Penalty points of a peer, counted (negated) in its gossipsub score. */
  readonly appPenalty: (peer: string) => number
}

/** Parses multiaddrs given by the user; bootstrap addresses must name their peer. */
export function parseAddresses(addresses: readonly string[], what: 'listen' | 'announce' | 'bootstrap'): Multiaddr[] {
  return addresses.map((text) => {
    let address: Multiaddr
    try {
      address = multiaddr(text)
    } catch (error) {
      throw new NetworkError('NETWORK_ERROR_BAD_ADDRESS', `${what} address ${JSON.stringify(text)} is not a multiaddr: ${(error as Error).message}`)
    }
    if (what === 'bootstrap' && address.getComponents().findLast((component) => component.name === 'p2p')?.value === undefined) {
      throw new NetworkError('NETWORK_ERROR_BAD_ADDRESS', `bootstrap address ${text} has no /p2p/<peer id> at its end`)
    }
    return address
  })
}

/** Creates the host, not yet started. */
export async function createHost(init: HostInit): Promise<Host> {
  parseAddresses(init.listen, 'listen')
  parseAddresses(init.announce ?? [], 'announce')
  parseAddresses(init.bootstrap, 'bootstrap')
  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if (init.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: [...init.bootstrap] }))
  if (init.mdns) peerDiscovery.push(mdns({ serviceTag: init.names.mdnsService, interval: init.mdnsIntervalMs ?? MDNS_INTERVAL_MS }))
  const pubsub = gossipsub(gossipsubOptions(init.names, init.maxBlockBytes, init.appPenalty))
  return createLibp2p<HostServices>({
    start: false,
    privateKey: init.peerKey,
    addresses: { listen: [...init.listen], announce: [...(init.announce ?? [])] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionGater: init.gater,
    connectionManager: {
      maxConnections: init.maxPeers,
      maxParallelDials: MAX_PARALLEL_DIALS,
      maxDialQueueLength: MAX_DIAL_QUEUE_LENGTH,
      dialTimeout: DIAL_TIMEOUT_MS,
      inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS,
    },
    connectionMonitor: { pingInterval: PING_INTERVAL_MS },
    services: {
      identify: identify({ maxInboundStreams: IDENTIFY_MAX_STREAMS, maxOutboundStreams: IDENTIFY_MAX_STREAMS }),
      ping: ping({ maxInboundStreams: PING_MAX_STREAMS, maxOutboundStreams: PING_MAX_STREAMS }),
      // The implementation behind the GossipSub interface has getScore (see ScoredGossipSub).
      pubsub: pubsub as (components: Parameters<typeof pubsub>[0]) => ScoredGossipSub,
      ...(init.dht
        ? {
            dht: kadDHT({
              protocol: init.names.dhtProtocol,
              // Always a server: nodes of a small or LAN network must answer each other's queries
              // (the default waits for a public address, which a LAN never has).
              clientMode: false,
              // Keep private and loopback addresses: LAN networks and tests live on them.
              peerInfoMapper: passthroughMapper,
              alpha: DHT_ALPHA,
              maxInboundStreams: DHT_MAX_STREAMS,
              maxOutboundStreams: DHT_MAX_STREAMS,
            }),
          }
        : {}),
    },
  })
}
