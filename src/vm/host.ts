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

/**
 * The state a host reads and writes, named for the sandbox's mirror of it (src/vm/sandbox-state.ts).
 * Hosts that give the same `id` promise that, between two executions, contract state and code
 * change only through the VM's executions, or else `revision` has moved (a revert of changes
 * an execution made, a write from elsewhere). Ids are unique among the scopes of a process.
 */
export interface StateScope {
  readonly id: number
  readonly revision: number
  /**
   * Where this state starts: as another scope ended (the next block on the one just executed),
   * so that the sandbox's mirror of that scope goes on serving this one. A host that gives it
   * promises that contract state and code did not change in between.
   */
  readonly continues?: ScopeEnd | undefined
}

/**
 * A state scope as it stood at one revision: what a following scope may continue from. Plain
 * numbers, not the scope itself: a chain of blocks would otherwise keep every overlay alive.
 */
export interface ScopeEnd {
  readonly id: number
  readonly revision: number
}

export interface ContractHost {
  /** JSON text stored under `key` in the state of contract `address`, or undefined. */
  getState(address: string, key: string): string | undefined
  setState(address: string, key: string, value: string): void
  deleteState(address: string, key: string): void
  /** Source of the contract deployed at `address`, or undefined when none is. */
  getCode(address: string): string | undefined
  setCode(address: string, code: string): void
  /**
   * Undefined: the sandbox remembers nothing of this host's state from one execution to the next.
   */
  readonly stateScope?: StateScope | undefined
  /** Opens a nested scope of changes; `commit` keeps it, `revert` drops it. */
  checkpoint(): void
  commit(): void
  revert(): void
}
