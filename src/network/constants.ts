/**
 * Constants of the network layer, each with the reason for its value. Settings a node may
 * change (through `NetworkInit`) default to these; the others are protocol rules.
 */

import { MAX_TX_BYTES } from '../ledger/constants.js'

const SECOND_MS = 1_000
const MINUTE_MS = 60 * SECOND_MS
const KIB = 1024
const MIB = 1024 * KIB

// ---- Names -------------------------------------------------------------------------------

/**
 * Hex digits of the network id (the genesis hash) used in topic, protocol and mDNS names.
 * 16 digits are 64 bits: two networks made independently collide with odds near 2^-64, and
 * a deliberate collision would only put two networks on one topic, where every message of
 * the other network still fails validation and the status exchange (full 32-byte genesis
 * hash) disconnects its peers.
 */
export const NETWORK_TAG_HEX_DIGITS = 16

// ---- Peers and connections ---------------------------------------------------------------

/** Peers to keep at most when the node does not say: enough for a well-meshed gossip (D=6, Dhi=12) and sync from many peers. */
export const DEFAULT_MAX_PEERS = 50
/** Below this many peers the keeper re-dials known peers: gossip needs a handful of mesh peers to stay connected. */
export const DEFAULT_MIN_PEERS = 4
/** How often the keeper checks the peer count and re-dials: quick to heal, negligible cost. */
export const KEEPER_INTERVAL_MS = 5 * SECOND_MS
/** First wait before re-dialing a peer that failed; doubled on every further failure. */
export const REDIAL_BACKOFF_BASE_MS = 1 * SECOND_MS
/** The longest wait between re-dials of one peer: a peer back after a restart is found within a minute. */
export const REDIAL_BACKOFF_MAX_MS = 60 * SECOND_MS
/**
 * Peers the keeper remembers at most, bootstrap peers aside: discovery (a DHT answer lists
 * whatever peers the remote chooses) and inbound connections from ever new ids would otherwise
 * grow its table without end. Past it, a new peer takes the place of the one that failed most,
 * or is not remembered.
 */
export const KNOWN_PEERS_MAX = 1_000

/**
 * Failed dials after which a discovered peer is forgotten (bootstrap peers never are): with
 * the backoff above that is about seven minutes of trying, long enough for a restart.
 */
export const REDIAL_MAX_FAILURES = 12
/** Dials the keeper runs at once: several, so one dead address does not stall the others. */
export const KEEPER_PARALLEL_DIALS = 4
/** One dial, address resolution to upgraded connection; libp2p's own default, written down. */
export const DIAL_TIMEOUT_MS = 10 * SECOND_MS
/** Dials libp2p runs in parallel across all peers: far below its default of 100, a node needs few. */
export const MAX_PARALLEL_DIALS = 16
/** Dials waiting in libp2p's queue at most; discovery bursts beyond this wait. */
export const MAX_DIAL_QUEUE_LENGTH = 100
/**
 * New connections one IP may open per second. libp2p's default of 5 refuses the sixth node of
 * a test or a lab machine joining at once; 20 still bounds a flood from one host.
 */
export const INBOUND_CONNECTIONS_PER_IP_PER_SECOND = 20
/** Inbound connections in their handshake at once: bounds the cost of half-open connection floods. */
export const MAX_INCOMING_PENDING_CONNECTIONS = 32
/** How often the connection monitor pings each peer: the latency shown in `chain peers`, and dead-connection detection. */
export const PING_INTERVAL_MS = 10 * SECOND_MS
/** How often a running DHT walk looks for new peers while below the maximum: cheap, and finds newcomers within a minute. */
export const DHT_WALK_INTERVAL_MS = 30 * SECOND_MS
/** One DHT walk at most: a query that takes longer has found what it will. */
export const DHT_WALK_TIMEOUT_MS = 10 * SECOND_MS
/** Interval of mDNS queries: libp2p's default; LAN peers are found within seconds. */
export const MDNS_INTERVAL_MS = 10 * SECOND_MS

// ---- Per-protocol stream limits (per connection) -------------------------------------------
// libp2p's defaults are 32 inbound and 64 outbound streams per protocol and connection, far
// more than any of these protocols uses; each limit bounds what one peer can make us hold.

/** identify runs once per connection, plus pushes on address changes. */
export const IDENTIFY_MAX_STREAMS = 2
/** ping: one at a time from the connection monitor, one spare for a manual ping. */
export const PING_MAX_STREAMS = 2
/** gossipsub keeps one long-lived stream per direction; the spare allows a replacement. */
export const GOSSIP_MAX_STREAMS = 2
/** DHT queries run up to alpha (3 here) requests per peer at once; double that for overlap. */
export const DHT_MAX_STREAMS = 6
/** Concurrent sync requests one peer may have open to us: enough to pipeline headers and bodies. */
export const SYNC_MAX_INBOUND_STREAMS = 4
/** Concurrent sync requests we open to one peer. */
export const SYNC_MAX_OUTBOUND_STREAMS = 8
/** Parallel DHT requests of a query: small networks need little parallelism (kad default is 10). */
export const DHT_ALPHA = 3

// ---- Gossip ------------------------------------------------------------------------------

/**
 * Bytes of a gossipsub RPC beyond the message data: topic, ids and control messages. Added to
 * the largest block to bound one inbound RPC frame, so an oversized frame is dropped by the
 * length-prefix decoder before any protobuf decoding.
 */
export const GOSSIP_RPC_OVERHEAD_BYTES = 64 * KIB
/** Outbound bytes buffered per peer before gossipsub drops the stream: a few large blocks. */
export const GOSSIP_MAX_OUTBOUND_BUFFER_BYTES = 16 * MIB
/** Messages in one inbound RPC at most (gossipsub's default is 5,000). */
export const GOSSIP_MAX_MESSAGES_PER_RPC = 256
/**
 * Transactions in one message of the transaction topic at most. Each message costs its sender
 * and every relay a frame, an encryption, a write and a read, a message id and a validation
 * pass (and, with yamux, a window update each way): batched, a burst of transactions costs
 * that once per message, not once per transaction (docs/network.md, "Transactions in batches").
 */
export const GOSSIP_MAX_TXS_PER_MESSAGE = 256
/**
 * Bytes of one message of the transaction topic at most: room for two of the largest
 * transactions, so any transaction fits in a message of its own.
 */
export const GOSSIP_MAX_TX_MESSAGE_BYTES = 2 * MAX_TX_BYTES + 64

// Gossipsub scoring (docs/network.md). A peer's score is the sum of weighted counters per
// topic and of our penalty points (P5). The weights are chosen so that a peer misbehaving on
// gossip reaches the ban (penalty points) before gossipsub's graylist would silence it: a
// silenced peer could no longer earn the ban that disconnects it.
/** Weight of the block topic in a peer's score: blocks matter most. */
export const BLOCK_TOPIC_WEIGHT = 1
/** Weight of the transaction topic. */
export const TX_TOPIC_WEIGHT = 0.5
/**
 * Score per invalid block, squared (P4). One invalid block: -20 here and -30 from its 60
 * penalty points is -50, below the gossip threshold but above the graylist; the second bans.
 */
export const BLOCK_INVALID_MESSAGE_WEIGHT = -20
/** Three invalid transactions: -4 x 0.5 x 3^2 = -18, plus -45 of penalty points; the fourth bans. */
export const TX_INVALID_MESSAGE_WEIGHT = -4
/** Per-second decay of invalid-message counters: 0.5^(1/300), a half-life of five minutes. */
export const INVALID_MESSAGE_DECAY = 0.5 ** (1 / 300)
/** gossipsub's score decay tick. */
export const SCORE_DECAY_INTERVAL_MS = 1 * SECOND_MS
/** Gossipsub score per penalty point of the application's penalty book (P5). */
export const APP_SCORE_WEIGHT = 0.5
/** Below this score no gossip (IHAVE/IWANT) is exchanged with a peer. */
export const GOSSIP_THRESHOLD = -10
/** Below this score our own messages are not flood-published to a peer. */
export const PUBLISH_THRESHOLD = -50
/** Below this score every RPC of a peer is ignored. */
export const GRAYLIST_THRESHOLD = -80

// ---- Penalties and bans --------------------------------------------------------------------

/** Penalty points at which a peer is disconnected and banned. */
export const BAN_THRESHOLD_POINTS = 100
/** How long a banned peer is refused, dialed or dialing: long enough to make misbehaving costly. */
export const BAN_DURATION_MS = 30 * MINUTE_MS
/** Penalty points halve every this long: a peer that slips once in a while is never banned. */
export const PENALTY_HALF_LIFE_MS = 10 * MINUTE_MS
/** Peers whose records the penalty book keeps at most (oldest forgotten first): bounded memory. */
export const PENALTY_BOOK_MAX_PEERS = 10_000

// ---- Sync protocol (docs/sync.md) ----------------------------------------------------------

/** Headers per `headers` request at most: 512 x ~200 bytes is a ~100 KiB answer. */
export const SYNC_MAX_HEADERS = 512
/** Block hashes per `bodies` request at most. */
export const SYNC_MAX_BODIES = 128
/**
 * Bytes of bodies a server puts in one answer at most, unless a single body is larger (it
 * is then sent alone, bounded by the network's maxBlockBytes).
 */
export const SYNC_BODIES_RESPONSE_BYTES = 2 * MIB
/**
 * Most pending transactions one `pooled` request may ask for: a joining node learns the
 * mempool of each peer it meets; a pool larger than this fills up through gossip.
 */
export const SYNC_MAX_POOLED = 1_024
/** Byte budget of a `pooled` answer. */
export const SYNC_POOLED_RESPONSE_BYTES = 2 * MIB
/** A request frame at most: 128 hashes of 34 bytes and a few fields. */
export const SYNC_MAX_REQUEST_BYTES = 8 * KIB
/** Bytes of CBOR framing around the items of an answer (array headers, code, status fields). */
export const SYNC_RESPONSE_OVERHEAD_BYTES = 4 * KIB
/** Longest reason text of an error answer. */
export const SYNC_MAX_REASON_BYTES = 256
/** From opening the stream to the first byte of the answer (Ethereum's TTFB is 5 s). */
export const SYNC_FIRST_BYTE_TIMEOUT_MS = 5 * SECOND_MS
/** From opening the stream to the end of the answer: 2 MiB at ~140 KiB/s, a slow link. */
export const SYNC_RESPONSE_TIMEOUT_MS = 15 * SECOND_MS
/** A server waits this long for the request frame before closing the stream. */
export const SYNC_REQUEST_READ_TIMEOUT_MS = 5 * SECOND_MS
/** Requests a peer may make in a burst. */
export const SYNC_RATE_BURST = 20
/** Requests per second a peer may sustain: 10 x 2 MiB of bodies is plenty for sync. */
export const SYNC_RATE_PER_SECOND = 10
/** Requests served at once across all peers: bounds the store reads and memory of answers. */
export const SYNC_MAX_CONCURRENT_SERVED = 16
/** Statuses are re-requested this often, so the downloader sees peers' heads move. */
export const STATUS_REFRESH_INTERVAL_MS = 15 * SECOND_MS

/**
 * Penalty points per kind of misbehaviour (BAN_THRESHOLD_POINTS bans). Data an honest node
 * never sends (it validates before relaying, and answers only what it has) costs 60: two such
 * offences within a few minutes ban (points decay, so two halves would never add up to a
 * ban). Slowness, which load or a bad link explain, costs little.
 */
export const PENALTY_POINTS = {
  /** Another network's genesis, or no sync protocol of ours: never useful, banned at once. */
  'wrong-network': 100,
  /** A gossiped block the node rejected (bad seal, bad transactions, bad state root). */
  'invalid-block': 60,
  /**
   * A gossiped block that is its signer's second at one height (proof-of-authority). An honest
   * peer may relay one of two such blocks before it sees the other, so it costs less than an
   * invalid block: only a peer that keeps sending them is banned.
   */
  'equivocation': 20,
  /**
   * A gossiped block relayed before its execution that then failed it (a wrong state root,
   * say). Its header, seal and signatures were good, so an honest peer relays it before it
   * knows (docs/architecture.md, "Block relay before execution"): like equivocation it costs
   * little, and only a peer that keeps sending such blocks is banned.
   */
  'failed-execution': 20,
  /** A gossiped transaction the node rejected (bad signature, impossible gas): the fourth in a row bans. */
  'invalid-transaction': 30,
  /** Gossip that does not decode, or is over the size limit of its topic. */
  'malformed-gossip': 60,
  /** A sync request that does not decode or breaks the protocol's bounds. */
  'malformed-request': 60,
  /** A sync answer that does not decode or is over its frame limit. */
  'malformed-response': 60,
  /** A well-formed sync answer that lies: wrong hashes, broken links, bodies not matching. */
  'bad-response': 60,
  /** A sync request not answered in time. */
  'timeout': 10,
  /** A sync request over our per-peer rate limit. */
  'rate-limited': 5,
} as const

export type PenaltyReason = keyof typeof PENALTY_POINTS
