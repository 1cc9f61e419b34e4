/**
 * The state as the sandbox thread sees it during an execution: the `ContractHost` its frames
 * use. Each round trip to the node's thread costs more than a small contract call, so:
 *
 * - changes stay here, journaled by call frame, and reach the node's thread only at the end of
 *   an execution that succeeded, all at once (`finish`); a failed one never sends any;
 * - values read from the node's thread are remembered from one execution to the next (the
 *   mirror) while the executions run against the same state (`StateScope`): nothing but these
 *   executions changes contract state there, so what was read, updated by what they wrote,
 *   is still what the node's thread would answer. It goes on into a state that starts where
 *   the last one ended (the next block's, on the block just executed).
 */
import type { ContractHost } from './host.js'
import type { HostRead, StateWrite } from './protocol.js'
import { MIRROR_BYTES } from './constants.js'

/** A read the node's thread answers (a round trip). */
export type NodeRead = (read: HostRead) => string | undefined

/** `null`: known to be absent. */
type Known = string | null

/** Contract addresses (`ct1…`) never contain a newline, so this joins address and key unambiguously. */
const storageId = (address: string, key: string): string => `${address}\n${key}`

interface JournalEntry {
  readonly id: string
  /** What `changes` held for `id` before the write; undefined when nothing. */
  readonly previous: StateWrite | undefined
}

export class SandboxState implements ContractHost {
  /** Values as the node's thread has them between executions of the current scope. */
  private readonly mirror = new Map<string, Known>()
  private mirrorBytes = 0
  private scope: string | undefined
  /** This execution's changes by storage id (or `code\n` + address), in first-write order. */
  private readonly changes = new Map<string, StateWrite>()
  private readonly journal: JournalEntry[] = []
  private readonly checkpoints: number[] = []

  constructor(private readonly read: NodeRead) {}

  /**
   * Starts an execution against the state named `scope` (undefined: a state this thread must
   * not remember, so nothing is kept from the previous execution), which starts as the state
   * named `continues` ended, if given: the mirror goes on when that was the last one here.
   */
  begin(scope: string | undefined, continues?: string): void {
    if (scope === undefined || (scope !== this.scope && (continues === undefined || continues !== this.scope))) this.forget()
    this.scope = scope
    this.changes.clear()
    this.journal.length = 0
    this.checkpoints.length = 0
  }

  /**
   * Ends the execution: the changes to send to the node's thread when it succeeded (and now in
   * the mirror), none when it failed.
   */
  finish(ok: boolean): StateWrite[] {
    if (this.checkpoints.length !== 0) throw new Error(`${this.checkpoints.length} checkpoints left open`)
    const writes = ok ? [...this.changes.values()] : []
    for (const write of writes) {
      if (write.op === 'code') this.remember(codeId(write.address), write.code)
      else this.remember(storageId(write.address, write.key), write.op === 'set' ? write.value : null)
    }
    this.changes.clear()
    if (this.scope === undefined) this.forget()
    return writes
  }

  /** Drops the mirror: the node's state may have changed behind it. */
  forget(): void {
    this.mirror.clear()
    this.mirrorBytes = 0
  }

  getState(address: string, key: string): string | undefined {
    const id = storageId(address, key)
    const change = this.changes.get(id)
    if (change !== undefined) return change.op === 'set' ? change.value : undefined
    return this.known(id, () => this.read({ op: 'getState', address, key }))
  }

  getCode(address: string): string | undefined {
    const change = this.changes.get(codeId(address))
    if (change?.op === 'code') return change.code
    return this.known(codeId(address), () => this.read({ op: 'getCode', address }))
  }

  setState(address: string, key: string, value: string): void {
    this.write(storageId(address, key), { op: 'set', address, key, value })
  }

  deleteState(address: string, key: string): void {
    this.write(storageId(address, key), { op: 'delete', address, key })
  }

  setCode(address: string, code: string): void {
    this.write(codeId(address), { op: 'code', address, code })
  }

  checkpoint(): void {
    this.checkpoints.push(this.journal.length)
  }

  commit(): void {
    if (this.checkpoints.pop() === undefined) throw new Error('commit without a checkpoint')
  }

  revert(): void {
    const mark = this.checkpoints.pop()
    if (mark === undefined) throw new Error('revert without a checkpoint')
    while (this.journal.length > mark) {
      const { id, previous } = this.journal.pop()!
      if (previous === undefined) this.changes.delete(id)
      else this.changes.set(id, previous)
    }
  }

  private write(id: string, write: StateWrite): void {
    this.journal.push({ id, previous: this.changes.get(id) })
    this.changes.set(id, write)
  }

  private known(id: string, ask: () => string | undefined): string | undefined {
    const known = this.mirror.get(id)
    if (known !== undefined) return known ?? undefined
    const value = ask()
    this.remember(id, value ?? null)
    return value
  }

  /** Keeps `value` for `id`; a mirror grown past MIRROR_BYTES starts again empty. */
  private remember(id: string, value: Known): void {
    // UTF-16 strings: two bytes a character, plus the Map entry itself.
    const bytes = 2 * (id.length + (value?.length ?? 0)) + 64
    if (this.mirrorBytes + bytes > MIRROR_BYTES) this.forget()
    this.mirrorBytes += bytes
    this.mirror.set(id, value)
  }
}

const codeId = (address: string): string => `code\n${address}`
