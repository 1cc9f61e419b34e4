/**
 * The sandbox thread's contract instances: set-up contracts cached by the hash of their code,
 * least recently used first out, bounded in bytes; and blank instances ready to set the next
 * contract up on.
 *
 * Making an instance is asynchronous (quickjs-emscripten loads its glue with `await`), but a
 * nested call must get its callee's instance at once. So blank instances are made ahead, between
 * executions; during one, an idle cached instance is reset to blank when no spare is left; and
 * if even that fails (every instance is on the call stack), `acquire` throws `PoolExhausted`:
 * the thread undoes the execution, grows the pool, and runs it again, which gives the same
 * outcome (nothing of an execution depends on which instance it ran on).
 */
import { createHash } from 'node:crypto'
import { ContractInstance, type SandboxLimits, type SetupFailure } from './contract-instance.js'
import { MeteredInstance, type CompiledQuickjs } from './metered/instance.js'
import type { MemorySnapshot } from './metered/snapshot.js'
import { DIRTY_PAGE_BYTES } from './metered/layout.js'
import { BoundedCache } from '../cache/bounded-cache.js'
import { CODE_HASH_CACHE_BYTES, INSTANCE_CACHE_BYTES, MAX_INSTANCES, SPARE_INSTANCES } from './constants.js'

/** No instance was free for a contract: grow the pool and run the execution again. */
export class PoolExhausted extends Error {
  constructor() {
    super('every contract instance is in use')
    this.name = 'PoolExhausted'
  }
}

interface Cached {
  readonly instance: ContractInstance
  /** Most pages one call of it has written: what it keeps resident beyond its snapshot. */
  peakPages: number
}

export class InstancePool {
  /** Idle set-up instances by code hash, least recently used first (Map order). */
  private readonly idle = new Map<string, Cached[]>()
  private readonly busy = new Map<ContractInstance, { readonly hash: string; readonly cached: Cached }>()
  private readonly blanks: MeteredInstance[] = []
  private total = 0
  private spareTarget = SPARE_INSTANCES
  private cachedBytes = 0

  private constructor(
    private readonly compiled: CompiledQuickjs,
    private readonly blank: MemorySnapshot,
    private readonly limits: SandboxLimits,
    first: MeteredInstance,
  ) {
    this.blanks.push(first)
    this.total = 1
  }

  static async start(compiled: CompiledQuickjs, limits: SandboxLimits): Promise<InstancePool> {
    const first = await MeteredInstance.create(compiled)
    // The spares are made when the thread first waits for work (see `prepare`).
    return new InstancePool(compiled, first.blank, limits, first)
  }

  /** Makes blank instances until the spare target is met (between executions). */
  async prepare(): Promise<void> {
    while (this.blanks.length < this.spareTarget && this.total < MAX_INSTANCES) {
      this.blanks.push(await MeteredInstance.create(this.compiled, this.blank))
      this.total++
    }
  }

  /** After `PoolExhausted`: aim for more spares. */
  async grow(): Promise<void> {
    if (this.total >= MAX_INSTANCES) throw new Error(`more than ${MAX_INSTANCES} contract instances would be needed`)
    this.spareTarget = Math.min(MAX_INSTANCES, this.spareTarget * 2)
    await this.prepare()
  }

  /**
   * The instance of `code`, set up (its module evaluated with at most `moduleFuel`) if no idle
   * one is cached. A failed setup leaves nothing behind.
   */
  acquire(code: string, moduleFuel: number): ContractInstance | SetupFailure {
    const hash = codeHash(code)
    const list = this.idle.get(hash)
    const cached = list?.pop()
    if (list !== undefined && list.length === 0) this.idle.delete(hash)
    if (cached !== undefined) {
      this.cachedBytes -= cost(cached)
      this.busy.set(cached.instance, { hash, cached })
      return cached.instance
    }
    const blank = this.takeBlank()
    const made = ContractInstance.setUp(blank, code, this.limits, moduleFuel)
    if (!(made instanceof ContractInstance)) {
      this.blanks.push(blank)
      return made
    }
    this.busy.set(made, { hash, cached: { instance: made, peakPages: 0 } })
    return made
  }

  /** Takes `instance` back to its snapshot and keeps it for the next call of its code. */
  release(instance: ContractInstance): void {
    const entry = this.busy.get(instance)
    if (entry === undefined) throw new Error('release of an instance that is not in use')
    this.busy.delete(instance)
    instance.metered.restore()
    const { hash, cached } = entry
    cached.peakPages = Math.max(cached.peakPages, instance.metered.restoredPages)
    // Re-inserted last: the most recently used.
    const list = this.idle.get(hash) ?? []
    this.idle.delete(hash)
    list.push(cached)
    this.idle.set(hash, list)
    this.cachedBytes += cost(cached)
    this.evictOverBudget()
  }

  /** A blank instance: a spare, else the least recently used idle one, reset. */
  private takeBlank(): MeteredInstance {
    const spare = this.blanks.pop()
    if (spare !== undefined) return spare
    const evicted = this.evictOne()
    if (evicted === undefined) throw new PoolExhausted()
    return evicted
  }

  private evictOverBudget(): void {
    while (this.cachedBytes > INSTANCE_CACHE_BYTES) {
      const evicted = this.evictOne()
      if (evicted === undefined) return
      if (this.blanks.length < this.spareTarget) this.blanks.push(evicted)
      else this.total-- // dropped: its memory goes with it
    }
  }

  /** Resets the least recently used idle instance to blank and returns it, if any. */
  private evictOne(): MeteredInstance | undefined {
    for (const [hash, list] of this.idle) {
      const cached = list.shift()
      if (list.length === 0) this.idle.delete(hash)
      if (cached === undefined) continue
      this.cachedBytes -= cost(cached)
      cached.instance.metered.resetToBlank()
      return cached.instance.metered
    }
    return undefined
  }
}

/** Bytes an idle instance keeps: its snapshot, and the pages its calls touched (resident memory). */
function cost(cached: Cached): number {
  return cached.instance.metered.snapshotBytes + cached.peakPages * DIRTY_PAGE_BYTES
}

/**
 * Hashes of recent code, so that a call does not hash its contract's source again; keyed by the
 * source itself, so bounded in bytes: 1,024 entries, as it was, could hold 1,024 sources of up
 * to 64 KiB each.
 */
const hashes = new BoundedCache<string>(CODE_HASH_CACHE_BYTES, (hash) => hash.length)

function codeHash(code: string): string {
  let hash = hashes.get(code)
  if (hash === undefined) {
    hash = createHash('sha256').update(code).digest('hex')
    hashes.set(code, hash)
  }
  return hash
}
