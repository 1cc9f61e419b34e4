/**
 * A journaled in-memory `ContractHost` for the VM's tests: the smallest stand-in that behaves
 * like the state layer's overlay (nested checkpoints, commit keeps, revert undoes).
 */
import type { ContractHost } from '../../src/vm/host.js'

type Undo = () => void

export class MemoryHost implements ContractHost {
  private readonly states = new Map<string, Map<string, string>>()
  private readonly codes = new Map<string, string>()
  /** One undo list per open checkpoint, innermost last. */
  private readonly journal: Undo[][] = []
  /** Every call made, for tests that check what the VM asked for. */
  readonly log: string[] = []

  getState(address: string, key: string): string | undefined {
    this.log.push(`getState ${address} ${key}`)
    return this.states.get(address)?.get(key)
  }

  setState(address: string, key: string, value: string): void {
    this.log.push(`setState ${address} ${key}`)
    const state = this.stateOf(address)
    this.remember(state, key)
    state.set(key, value)
  }

  deleteState(address: string, key: string): void {
    this.log.push(`deleteState ${address} ${key}`)
    const state = this.stateOf(address)
    this.remember(state, key)
    state.delete(key)
  }

  getCode(address: string): string | undefined {
    this.log.push(`getCode ${address}`)
    return this.codes.get(address)
  }

  setCode(address: string, code: string): void {
    this.log.push(`setCode ${address}`)
    const previous = this.codes.get(address)
    this.journal.at(-1)?.push(() => (previous === undefined ? this.codes.delete(address) : this.codes.set(address, previous)))
    this.codes.set(address, code)
  }

  checkpoint(): void {
    this.log.push('checkpoint')
    this.journal.push([])
  }

  commit(): void {
    this.log.push('commit')
    const undos = this.journal.pop()
    if (undos === undefined) throw new Error('commit without a checkpoint')
    this.journal.at(-1)?.push(...undos)
  }

  revert(): void {
    this.log.push('revert')
    const undos = this.journal.pop()
    if (undos === undefined) throw new Error('revert without a checkpoint')
    for (const undo of undos.reverse()) undo()
  }

  /** Open checkpoints: zero after every execution, whatever happened. */
  get depth(): number {
    return this.journal.length
  }

  /** Everything stored, as plain data sorted by address and key: for comparing two hosts. */
  snapshot(): { codes: [string, string][]; states: [string, [string, string][]][] } {
    const sorted = <T>(entries: [string, T][]): [string, T][] => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return {
      codes: sorted([...this.codes]),
      states: sorted([...this.states].filter(([, state]) => state.size > 0).map(([address, state]) => [address, sorted([...state])])),
    }
  }

  private stateOf(address: string): Map<string, string> {
    let state = this.states.get(address)
    if (state === undefined) this.states.set(address, (state = new Map<string, string>()))
    return state
  }

  private remember(state: Map<string, string>, key: string): void {
    const had = state.has(key)
    const previous = state.get(key)
    this.journal.at(-1)?.push(() => (had ? state.set(key, previous!) : state.delete(key)))
  }
}
