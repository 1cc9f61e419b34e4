/**
 * Token buckets per peer: each peer may make `burst` requests at once and `perSecond`
 * sustained. Buckets refill lazily when read, so there are no timers; a full bucket carries
 * no information and is dropped, which keeps memory proportional to the peers active lately.
 */

interface Bucket {
  tokens: number
  at: number
}

export interface RateLimitInit {
  readonly burst: number
  readonly perSecond: number
  readonly now?: () => number
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly burst: number
  private readonly perMs: number
  private readonly now: () => number

  constructor(init: RateLimitInit) {
    if (!(init.burst >= 1) || !(init.perSecond > 0)) throw new RangeError(`rate limit: expected burst >= 1 and perSecond > 0, got ${init.burst} and ${init.perSecond}`)
    this.burst = init.burst
    this.perMs = init.perSecond / 1000
    this.now = init.now ?? Date.now
  }

  /** Takes one token of `key`; false (and nothing taken) when its bucket is empty. */
  take(key: string): boolean {
    const now = this.now()
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now }
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs)
    bucket.at = now
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket)
      return false
    }
    bucket.tokens -= 1
    this.buckets.set(key, bucket)
    this.sweep(now)
    return true
  }

  /** Drops buckets that have refilled completely (they behave exactly like absent ones). */
  private sweep(now: number): void {
    if (this.buckets.size < 1024) return
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.burst) this.buckets.delete(key)
    }
  }
}
