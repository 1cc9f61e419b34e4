/**
 * A journaled, synchronous view of the state: reads fall through to a base, writes stay in
 * memory until the caller takes them.
 *
 * Contracts run synchronously inside QuickJS, so every state read must answer at once: the base
 * is LevelDB's flat copy of the head state (read with `getSync`) or another overlay. Checkpoints
 * nest like call frames: `revert` undoes exactly the writes made since the matching
 * `checkpoint`, which is how a failed call, or a failed nested call, leaves no trace.
 */

import { bytesKey, keyBytes } from '../encoding/bytes.js'
import type { ScopeEnd } from '../vm/host.js'

/** Synchronous reads of state values by key. */
export interface StateReader {
  get(key: Uint8Array): Uint8Array | undefined
}

/** One changed key: its new value, or `null` when it was deleted. */
export interface StateChange {
  readonly key: Uint8Array
  readonly value: Uint8Array | null
}

interface JournalEntry {
  readonly id: string
  /** The change this key had before the write; `undefined` when it had none (read the base). */
  readonly previous: Uint8Array | null | undefined
}

let nextOverlayId = 1

export class StateOverlay implements StateReader {
  /**
   * Moves at every `revert`: the contract VM's mirror of this state (a `StateScope`) is good only
   * while nothing it was told is undone.
   */
  revision = 0
  /** Unique in the process: the contract VM names this state by it (a `StateScope`). */
  readonly id = nextOverlayId++
  private readonly changes = new Map<string, Uint8Array | null>()
  /** What the base held for each key read through to it (`null`: absent): the undo log's values, without reading them again. */
  private readonly baseValues = new Map<string, Uint8Array | null>()
  private readonly journal: JournalEntry[] = []
  private readonly checkpoints: number[] = []

  constructor(
    private readonly base: StateReader,
    /**
     * The overlay whose final state this one's base is, as far as contract state goes (the
     * previous block's): the contract VM's mirror of it goes on (a `StateScope`'s `continues`).
     */
    readonly continues?: ScopeEnd,
  ) {}

  /** This overlay as it stands now, for one that starts where it ends. */
  end(): ScopeEnd {
    return { id: this.id, revision: this.revision }
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const id = bytesKey(key)
    const change = this.changes.get(id)
    if (change !== undefined) return change ?? undefined
    return this.readBase(id, key)
  }

  private readBase(id: string, key: Uint8Array): Uint8Array | undefined {
    const known = this.baseValues.get(id)
    if (known !== undefined) return known ?? undefined
    const value = this.base.get(key)
    this.baseValues.set(id, value ?? null)
    return value
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.write(bytesKey(key), value)
  }

  delete(key: Uint8Array): void {
    this.write(bytesKey(key), null)
  }

  private write(id: string, value: Uint8Array | null): void {
    if (this.checkpoints.length > 0) this.journal.push({ id, previous: this.changes.get(id) })
    this.changes.set(id, value)
  }

  checkpoint(): void {
    this.checkpoints.push(this.journal.length)
  }

  /** Keeps the writes since the last checkpoint (an enclosing checkpoint can still undo them). */
  commit(): void {
    const mark = this.checkpoints.pop()
    if (mark === undefined) throw new Error('StateOverlay.commit without a checkpoint')
    if (this.checkpoints.length === 0) this.journal.length = 0
  }

  /** Undoes every write since the last checkpoint. */
  revert(): void {
    const mark = this.checkpoints.pop()
    if (mark === undefined) throw new Error('StateOverlay.revert without a checkpoint')
    this.revision++
    while (this.journal.length > mark) {
      const { id, previous } = this.journal.pop()!
      if (previous === undefined) this.changes.delete(id)
      else this.changes.set(id, previous)
    }
  }

  /** Every key written, in first-write order, with its final value. */
  changed(): StateChange[] {
    if (this.checkpoints.length > 0) throw new Error('StateOverlay.changed inside an open checkpoint')
    // forEach, not a spread of the entries: no [id, value] array made per key (thousands a block).
    const changes: StateChange[] = []
    this.changes.forEach((value, id) => changes.push({ key: keyBytes(id), value }))
    return changes
  }

  /** The value of `key` in the base, below this overlay's writes: what an undo log records. */
  baseValue(key: Uint8Array): Uint8Array | undefined {
    return this.readBase(bytesKey(key), key)
  }
}
