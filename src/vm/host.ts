/**
 * What the contract VM needs from the world state, and nothing more.
 *
 * The state layer implements it with a synchronous, journaled overlay over LevelDB; tests use
 * a small in-memory stand-in. The VM never sees the storage format: contracts name each other
 * by their text addresses (`ct1…`) and store JSON text under string keys.
 *
 * Every method is synchronous because contract code is: a `state.get` inside a loop must return
 * before the next iteration runs.
 */
export interface ContractHost {
  /** JSON text stored under `key` in the state of contract `address`, or undefined. */
  getState(address: string, key: string): string | undefined
  setState(address: string, key: string, value: string): void
  deleteState(address: string, key: string): void
  /** Source of the contract deployed at `address`, or undefined when none is. */
  getCode(address: string): string | undefined
  setCode(address: string, code: string): void
  /** Opens a nested scope of changes (a call frame); `commit` keeps it, `revert` drops it. */
  checkpoint(): void
  commit(): void
  revert(): void
}
