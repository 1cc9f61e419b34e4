/**
 * The peer keeper: libp2p 3 does not dial what it discovers, so this does. Every discovered
 * peer (mDNS, DHT, bootstrap) is remembered and dialed while we have fewer than `maxPeers`.
 * Every KEEPER_INTERVAL_MS, if fewer than `minPeers` are connected, remembered peers that are
 * not connected are re-dialed, each after a backoff that doubles with its failures up to
 * REDIAL_BACKOFF_MAX_MS; a discovered peer that failed REDIAL_MAX_FAILURES times is
 * forgotten, a bootstrap peer never is. At most KNOWN_PEERS_MAX others are remembered. While
 * below `maxPeers` a DHT walk runs every `walkIntervalMs` to discover more. Banned peers are
 * never dialed.
 */
import type { PeerId, PeerInfo } from '@libp2p/interface'
import type { Logger } from '../log.js'
import {
  DEFAULT_MAX_PEERS,
  DEFAULT_MIN_PEERS,
  DHT_WALK_INTERVAL_MS,
  DIAL_TIMEOUT_MS,
  KEEPER_INTERVAL_MS,
  KEEPER_PARALLEL_DIALS,
  KNOWN_PEERS_MAX,
  REDIAL_BACKOFF_BASE_MS,
  REDIAL_BACKOFF_MAX_MS,
  REDIAL_MAX_FAILURES,
} from './constants.js'

export interface PeerKeeperComponents {
  readonly dial: (peer: PeerId, signal: AbortSignal) => Promise<unknown>
  /** Ids of the peers we are connected to now. */
  readonly connectedPeers: () => readonly string[]
  readonly isBanned: (peer: string) => boolean
  /** A DHT walk that discovers peers (through `discovered`); absent without the DHT. */
  readonly walk?: (signal: AbortSignal) => Promise<void>
  readonly log: Logger
}

export interface PeerKeeperInit {
  readonly maxPeers?: number
  readonly minPeers?: number
  readonly intervalMs?: number
  readonly walkIntervalMs?: number
  /** Peers remembered at most, pinned ones aside (KNOWN_PEERS_MAX). */
  readonly maxKnown?: number
  /** The clock of backoffs; a parameter so tests can move it. */
  readonly now?: () => number
}

interface KnownPeer {
  readonly id: PeerId
  /** Bootstrap peers are kept however often they fail. */
  readonly pinned: boolean
  failures: number
  nextAttemptMs: number
  dialing: boolean
}

export class PeerKeeper {
  private readonly known = new Map<string, KnownPeer>()
  private readonly maxPeers: number
  private readonly minPeers: number
  private timer: NodeJS.Timeout | undefined
  private controller = new AbortController()
  private lastWalkMs = 0
  private walking = false
  private readonly now: () => number

  constructor(
    private readonly components: PeerKeeperComponents,
    private readonly init: PeerKeeperInit = {},
  ) {
    this.maxPeers = init.maxPeers ?? DEFAULT_MAX_PEERS
    this.minPeers = Math.min(init.minPeers ?? DEFAULT_MIN_PEERS, this.maxPeers)
    this.now = init.now ?? Date.now
  }

  start(): void {
    if (this.timer !== undefined) return
    this.controller = new AbortController()
    this.timer = setInterval(() => this.tick(), this.init.intervalMs ?? KEEPER_INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer === undefined) return
    clearInterval(this.timer)
    this.timer = undefined
    this.controller.abort()
  }

  /**
   * Remembers a peer; `pinned` for bootstrap peers. With the table full, a new peer takes the
   * place of the one that failed most, or, when none has failed, is dealt with once and not
   * remembered: the peers already known are kept, as a flood of fresh ids would push them out.
   */
  remember(id: PeerId, pinned = false): KnownPeer {
    const key = id.toString()
    let peer = this.known.get(key)
    if (peer === undefined || (pinned && !peer.pinned)) {
      peer = { id, pinned, failures: peer?.failures ?? 0, nextAttemptMs: 0, dialing: false }
      if (pinned || this.known.has(key) || this.makeRoom()) this.known.set(key, peer)
    }
    return peer
  }

  /** Whether a new peer may be remembered, after forgetting the one that failed most if the table is full. */
  private makeRoom(): boolean {
    if (this.known.size < (this.init.maxKnown ?? KNOWN_PEERS_MAX)) return true
    const connected = new Set(this.components.connectedPeers())
    let worst: [string, KnownPeer] | undefined
    for (const entry of this.known) {
      const [key, peer] = entry
      if (peer.pinned || peer.dialing || peer.failures === 0 || connected.has(key)) continue
      if (worst === undefined || peer.failures > worst[1].failures) worst = entry
    }
    if (worst === undefined) return false
    this.known.delete(worst[0])
    return true
  }

  /** A peer was discovered: remember it, and dial it if we want more peers. */
  discovered(info: PeerInfo, pinned = false): void {
    const peer = this.remember(info.id, pinned)
    if (this.timer !== undefined && this.components.connectedPeers().length < this.maxPeers) this.dial(peer)
  }

  /** A connection succeeded (either way): its backoff starts again from the beginning. */
  connected(id: PeerId): void {
    const peer = this.remember(id)
    peer.failures = 0
    peer.nextAttemptMs = 0
  }

  /** The peers the keeper remembers, for diagnostics. */
  knownPeers(): string[] {
    return [...this.known.keys()]
  }

  private dial(peer: KnownPeer): void {
    const key = peer.id.toString()
    if (peer.dialing || this.components.isBanned(key) || this.components.connectedPeers().includes(key)) return
    peer.dialing = true
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
    this.components
      .dial(peer.id, signal)
      .then(() => this.connected(peer.id))
      .catch((error: unknown) => {
        if (this.controller.signal.aborted) return
        peer.failures++
        peer.nextAttemptMs = this.now() + Math.min(REDIAL_BACKOFF_BASE_MS * 2 ** (peer.failures - 1), REDIAL_BACKOFF_MAX_MS)
        this.components.log.debug('dial failed', { peer: key, failures: peer.failures, error })
        if (!peer.pinned && peer.failures >= REDIAL_MAX_FAILURES) this.known.delete(key)
      })
      .finally(() => {
        peer.dialing = false
      })
  }

  /** One round: re-dial while below the minimum, walk the DHT while below the maximum. */
  tick(): void {
    const connected = new Set(this.components.connectedPeers())
    const now = this.now()
    if (connected.size < this.minPeers) {
      let room = Math.min(this.minPeers - connected.size, KEEPER_PARALLEL_DIALS)
      for (const [key, peer] of this.known) {
        if (room <= 0) break
        if (connected.has(key) || peer.dialing || peer.nextAttemptMs > now || this.components.isBanned(key)) continue
        this.dial(peer)
        room--
      }
    }
    const walk = this.components.walk
    if (walk !== undefined && !this.walking && connected.size < this.maxPeers && now - this.lastWalkMs >= (this.init.walkIntervalMs ?? DHT_WALK_INTERVAL_MS)) {
      this.lastWalkMs = now
      this.walking = true
      walk(this.controller.signal)
        .catch((error: unknown) => this.components.log.debug('DHT walk failed', { error }))
        .finally(() => {
          this.walking = false
        })
    }
  }
}
