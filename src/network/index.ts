/**
 * The network layer's public face, for the node: create a `Network` with `createNetwork`,
 * give it the peer key (`loadOrCreatePeerKey`), the chain's read interface and the gossip
 * validators. docs/network.md and docs/sync.md describe it.
 */
export { createNetwork, Network, type NetworkComponents, type NetworkEvents, type NetworkInit, type PeerSummary } from './network.js'
export { loadOrCreatePeerKey } from './peer-key.js'
export { NetworkError, SyncError, type NetworkErrorCode, type SyncErrorCode, type SyncErrorData } from './errors.js'
export type { GossipValidators, GossipVerdict } from './gossip.js'
export type { ChainReader } from './sync-server.js'
export type { ChainStatus, HeadersQuery, HeadersStart, ReceivedHeader } from './sync-codec.js'
export { networkNames, networkTag, type NetworkNames } from './names.js'
export { DEFAULT_MAX_PEERS, DEFAULT_MIN_PEERS, PENALTY_POINTS, SYNC_MAX_BODIES, SYNC_MAX_HEADERS, type PenaltyReason } from './constants.js'
