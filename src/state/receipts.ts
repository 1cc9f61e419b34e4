/**
 * Receipts: what executing each transaction did. A block header commits to them through its
 * receipts root, so a receipt served by a peer can be checked against a header.
 *
 * Encoding (CBOR array): [status, gasUsed, result | null, error | null,
 *                         [[contract, name, data], ...], [touched, ...], contract | null]
 */
import { decode, encode, encodeArrayOfEncoded, type CborValue } from '../encoding/cbor.js'
import { readArray, readBytes, readList, readOptional, readText, readUint } from '../encoding/shape.js'
import { ADDRESS_BYTES } from '../crypto/identity.js'
import { merkleRoot } from '../ledger/merkle.js'

export type ReceiptStatus = 'ok' | 'reverted' | 'out-of-gas'
const STATUS_CODES: Record<ReceiptStatus, number> = { ok: 0, reverted: 1, 'out-of-gas': 2 }
const STATUSES: readonly ReceiptStatus[] = ['ok', 'reverted', 'out-of-gas']

export interface ReceiptEvent {
  readonly contract: Uint8Array
  readonly name: string
  /** JSON text. */
  readonly data: string
}

export interface Receipt {
  readonly status: ReceiptStatus
  /** Gas the transaction used, intrinsic gas included. */
  readonly gasUsed: number
  /** JSON text of the return value of a successful call (`init`'s for a deploy). */
  readonly result: string | null
  /** Why a transaction that was included did not succeed. */
  readonly error: string | null
  readonly events: readonly ReceiptEvent[]
  /** Contracts whose code ran, in first-touch order. */
  readonly touched: readonly Uint8Array[]
  /** The address a successful deploy created. */
  readonly contract: Uint8Array | null
}

/** Bounds on decoding stored receipts; the VM's own limits are far below them. */
const MAX_RECEIPT_BYTES = 4 * 1024 * 1024
const MAX_RECEIPT_LIST = 100_000
const MAX_RECEIPT_TEXT_BYTES = 1024 * 1024

function receiptFields(receipt: Receipt): CborValue[] {
  return [
    STATUS_CODES[receipt.status],
    receipt.gasUsed,
    receipt.result,
    receipt.error,
    receipt.events.map((event) => [event.contract, event.name, event.data]),
    receipt.touched,
    receipt.contract,
  ]
}

/**
 * Each receipt's encoding, made once: the receipts root hashes it and the store writes it (a
 * receipt is immutable). A weak map, so it goes when the receipt does.
 */
const encodings = new WeakMap<Receipt, Uint8Array>()

/** The encoding of `receipt` (shared: never modify the bytes). */
export function encodeReceipt(receipt: Receipt): Uint8Array {
  let encoded = encodings.get(receipt)
  if (encoded === undefined) encodings.set(receipt, (encoded = encode(receiptFields(receipt))))
  return encoded
}

function readReceipt(value: unknown): Receipt {
  const [status, gasUsed, result, error, events, touched, contract] = readArray(value, 'receipt', 7)
  const statusName = STATUSES[readUint(status, 'status', 255)]
  if (statusName === undefined) throw new TypeError(`unknown receipt status ${String(status)}`)
  const text = (v: unknown): string => readText(v, 'text', MAX_RECEIPT_TEXT_BYTES)
  return {
    status: statusName,
    gasUsed: readUint(gasUsed, 'gasUsed'),
    result: readOptional(result, text),
    error: readOptional(error, text),
    events: readList(events, 'events', MAX_RECEIPT_LIST).map((event) => {
      const [eventContract, name, data] = readArray(event, 'event', 3)
      return { contract: readBytes(eventContract, 'contract', ADDRESS_BYTES), name: text(name), data: text(data) }
    }),
    touched: readList(touched, 'touched', MAX_RECEIPT_LIST).map((address) => readBytes(address, 'touched', ADDRESS_BYTES)),
    contract: readOptional(contract, (v) => readBytes(v, 'contract', ADDRESS_BYTES)),
  }
}

export function encodeReceipts(receipts: readonly Receipt[]): Uint8Array {
  return encodeArrayOfEncoded(receipts.map(encodeReceipt))
}

export function decodeReceipts(bytes: Uint8Array): Receipt[] {
  return readList(decode(bytes, 'receipts', MAX_RECEIPT_BYTES * 16), 'receipts', MAX_RECEIPT_LIST).map(readReceipt)
}

export function receiptsRoot(receipts: readonly Receipt[]): Uint8Array {
  return merkleRoot(receipts.map(encodeReceipt))
}
