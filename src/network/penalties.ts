/**
 * The penalty book: what each peer has done wrong lately, shared by gossip validation and the
 * sync protocol. Every report adds the points of its reason (PENALTY_POINTS); points halve
 * every PENALTY_HALF_LIFE_MS, so an occasional slip is forgotten while a peer that keeps
 * sending invalid data reaches BAN_THRESHOLD_POINTS. A banned peer is disconnected (the
 * `ban` event) and refused by the connection gater, inbound and outbound, until its ban ends.
 *
 * The same points feed gossipsub's application-specific score (P5), so a penalised peer also
 * loses its place in the gossip mesh before it is banned.
 */
import { EventEmitter } from 'node:events'
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import {
  BAN_DURATION_MS,
  BAN_THRESHOLD_POINTS,
  PENALTY_BOOK_MAX_PEERS,
  PENALTY_HALF_LIFE_MS,
  PENALTY_POINTS,
  type PenaltyReason,
} from './constants.js'

export interface PenaltyBookInit {
  readonly banDurationMs?: number
  readonly halfLifeMs?: number
  readonly now?: () => number
}

interface PeerRecord {
  points: number
  /** When `points` was last brought up to date. */
  at: number
  bannedUntil: number
}

export interface PenaltyResult {
  /** The peer's points after this report. */
  readonly points: number
  /** Whether this report banned the peer. */
  readonly banned: boolean
}

export class PenaltyBook extends EventEmitter<{ ban: [peer: string, reason: PenaltyReason, untilMs: number] }> {
  private readonly records = new Map<string, PeerRecord>()
  private readonly banDurationMs: number
  private readonly halfLifeMs: number
  private readonly now: () => number

  constructor(init: PenaltyBookInit = {}) {
    super()
    this.banDurationMs = init.banDurationMs ?? BAN_DURATION_MS
    this.halfLifeMs = init.halfLifeMs ?? PENALTY_HALF_LIFE_MS
    this.now = init.now ?? Date.now
  }

  /** Brings a record's points to the present. */
  private decayed(record: PeerRecord, now: number): PeerRecord {
    if (now > record.at) {
      record.points *= 0.5 ** ((now - record.at) / this.halfLifeMs)
      record.at = now
    }
    return record
  }

  /** Adds the points of `reason` to `peer`; bans it when they reach the threshold. */
  report(peer: string, reason: PenaltyReason): PenaltyResult {
    const now = this.now()
    let record = this.records.get(peer)
    if (record === undefined) {
      record = { points: 0, at: now, bannedUntil: 0 }
      if (this.records.size >= PENALTY_BOOK_MAX_PEERS) this.forgetOne(now)
    } else {
      // Re-inserting keeps the map in order of last report, which `forgetOne` relies on.
      this.records.delete(peer)
    }
    this.records.set(peer, record)
    this.decayed(record, now).points += PENALTY_POINTS[reason]
    if (record.points < BAN_THRESHOLD_POINTS || record.bannedUntil > now) return { points: record.points, banned: false }
    record.bannedUntil = now + this.banDurationMs
    // A ban wipes the slate: when it ends, the peer starts again from zero.
    record.points = 0
    this.emit('ban', peer, reason, record.bannedUntil)
    return { points: BAN_THRESHOLD_POINTS, banned: true }
  }

  /** Forgets the peer reported longest ago that is not banned (bounded memory under churn). */
  private forgetOne(now: number): void {
    for (const [peer, record] of this.records) {
      if (record.bannedUntil <= now) {
        this.records.delete(peer)
        return
      }
    }
    const oldest = this.records.keys().next()
    if (oldest.done !== true) this.records.delete(oldest.value)
  }

  /** The peer's current penalty points (0 when it has none or is banned). */
  points(peer: string): number {
    const record = this.records.get(peer)
    return record === undefined ? 0 : this.decayed(record, this.now()).points
  }

  isBanned(peer: string): boolean {
    return (this.records.get(peer)?.bannedUntil ?? 0) > this.now()
  }

  /** The peers banned now, with when each ban ends. */
  bans(): { peer: string; untilMs: number }[] {
    const now = this.now()
    return [...this.records].filter(([, record]) => record.bannedUntil > now).map(([peer, record]) => ({ peer, untilMs: record.bannedUntil }))
  }

  /**
   * A libp2p connection gater refusing banned peers: before dialing them, and as soon as an
   * inbound or outbound connection has authenticated one (the peer id is known only after the
   * encryption handshake).
   */
  gater(): ConnectionGater {
    const banned = (peerId: PeerId): boolean => this.isBanned(peerId.toString())
    return {
      denyDialPeer: banned,
      denyInboundEncryptedConnection: banned,
      denyOutboundEncryptedConnection: banned,
    }
  }
}
