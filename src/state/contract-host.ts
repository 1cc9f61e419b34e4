/**
 * The world state as contracts see it: the `ContractHost` the VM calls, over a journaled
 * `StateOverlay`. Addresses arrive as text (`ct1…`) because that is what contract code handles.
 */
import type { ContractHost } from '../vm/host.js'
import { parseContractAddress } from '../crypto/identity.js'
import type { StateOverlay } from './overlay.js'
import { contractKey, decodeContract, decodeStorageValue, encodeContract, encodeStorageValue, storageKey } from './records.js'

export class OverlayContractHost implements ContractHost {
  get stateScope(): StateOverlay {
    return this.state
  }

  /** Parsed addresses: a call touches the same few contracts many times. */
  private readonly addresses = new Map<string, Uint8Array | null>()

  constructor(
    /**
     * Also the host's `StateScope`: within one overlay, contract state changes only through the
     * VM (the executor itself writes participant records), and an undo moves its revision.
     */
    readonly state: StateOverlay,
    /** Participant id of whoever deploys in this scope (the transaction's sender). */
    private readonly deployer: Uint8Array,
  ) {}

  /** The address's bytes, or `null` when the text is not a contract address. */
  private address(text: string): Uint8Array | null {
    let bytes = this.addresses.get(text)
    if (bytes === undefined) {
      try {
        bytes = parseContractAddress(text)
      } catch {
        bytes = null
      }
      this.addresses.set(text, bytes)
    }
    return bytes
  }

  private contract(text: string): Uint8Array {
    const bytes = this.address(text)
    if (bytes === null) throw new TypeError(`not a contract address: ${text.slice(0, 100)}`)
    return bytes
  }

  getState(address: string, key: string): string | undefined {
    const value = this.state.get(storageKey(this.contract(address), key))
    return value === undefined ? undefined : decodeStorageValue(value)
  }

  setState(address: string, key: string, value: string): void {
    this.state.set(storageKey(this.contract(address), key), encodeStorageValue(value))
  }

  deleteState(address: string, key: string): void {
    this.state.delete(storageKey(this.contract(address), key))
  }

  getCode(address: string): string | undefined {
    const bytes = this.address(address)
    if (bytes === null) return undefined
    const record = this.state.get(contractKey(bytes))
    return record === undefined ? undefined : decodeContract(record).code
  }

  setCode(address: string, code: string): void {
    this.state.set(contractKey(this.contract(address)), encodeContract({ code, deployer: this.deployer }))
  }

  checkpoint(): void {
    this.state.checkpoint()
  }

  commit(): void {
    this.state.commit()
  }

  revert(): void {
    this.state.revert()
  }
}
