/**
 * Transactions as a script writes them: addresses as their `ct1…` text, arguments as an array
 * (or its JSON text), turned into the ledger's payload that is signed.
 */
import { parseContractAddress } from '../crypto/identity.js'
import type { TxPayload } from '../ledger/transaction.js'

type Args = readonly unknown[] | string

export type ClientPayload =
  | { readonly kind: 'participant'; readonly name?: string | null }
  | { readonly kind: 'contract-deploy'; readonly code: string; readonly args?: Args }
  | { readonly kind: 'contract-call'; readonly contract: string | Uint8Array; readonly method: string; readonly args?: Args }

const argsText = (args: Args | undefined): string => (args === undefined ? '[]' : typeof args === 'string' ? args : JSON.stringify(args))

/** The ledger payload of `payload`; an `AddressError` for a contract address that is not one. */
export function toTxPayload(payload: ClientPayload): TxPayload {
  switch (payload.kind) {
    case 'participant':
      return { kind: 'participant', name: payload.name ?? null }
    case 'contract-deploy':
      return { kind: 'contract-deploy', code: payload.code, args: argsText(payload.args) }
    case 'contract-call': {
      const contract = typeof payload.contract === 'string' ? parseContractAddress(payload.contract) : payload.contract
      return { kind: 'contract-call', contract, method: payload.method, args: argsText(payload.args) }
    }
  }
}
