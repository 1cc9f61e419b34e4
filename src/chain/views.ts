/**
 * Blocks, transactions and receipts as plain JSON objects: the one shape used by `--json`
 * output and by the RPC (docs/cli.md, docs/rpc.md). Hashes and keys are lowercase hex, ids
 * and addresses their checksummed text, big numbers decimal strings.
 */
import { toHex } from '../encoding/bytes.js'
import { formatContractAddress, formatParticipantId } from '../crypto/identity.js'
import { blockHash, transactionHashes, type Block, type BlockHeader } from '../ledger/block.js'
import { senderOf, type Transaction } from '../ledger/transaction.js'
import type { EncryptionKeyBinding } from '../ledger/encryption-key.js'
import type { Receipt } from '../state/receipts.js'

export interface HeaderView {
  readonly hash: string
  readonly height: number
  readonly version: number
  readonly parentHash: string
  readonly timestamp: number
  readonly time: string
  readonly txRoot: string
  readonly stateRoot: string
  readonly receiptsRoot: string
  readonly gasUsed: number
  readonly producer: string
  readonly difficulty: string
  /** Consensus data, when the header has any (proof-of-authority: a vote, or a checkpoint's signers). */
  readonly extra?: string
  readonly seal: string
}

export function headerView(header: BlockHeader): HeaderView {
  return {
    hash: toHex(blockHash(header)),
    height: header.height,
    version: header.version,
    parentHash: toHex(header.parentHash),
    timestamp: header.timestamp,
    time: new Date(header.timestamp).toISOString(),
    txRoot: toHex(header.txRoot),
    stateRoot: toHex(header.stateRoot),
    receiptsRoot: toHex(header.receiptsRoot),
    gasUsed: header.gasUsed,
    producer: formatParticipantId(header.producer),
    difficulty: header.difficulty.toString(),
    ...(header.extra === undefined ? {} : { extra: toHex(header.extra) }),
    seal: toHex(header.seal),
  }
}

export interface BlockView extends HeaderView {
  readonly totalWork: string
  readonly transactions: readonly string[]
}

export function blockView(block: Block, totalWork: bigint): BlockView {
  return { ...headerView(block.header), totalWork: totalWork.toString(), transactions: transactionHashes(block.transactions).map(toHex) }
}

/** An encryption key and its binding signature, hex. */
export interface EncryptionKeyView {
  readonly publicKey: string
  readonly binding: string
}

type PayloadView =
  | { readonly kind: 'participant'; readonly name: string | null; readonly encryptionKey: EncryptionKeyView | null }
  | { readonly kind: 'contract-deploy'; readonly code: string; readonly args: string }
  | { readonly kind: 'contract-call'; readonly contract: string; readonly method: string; readonly args: string }
  | { readonly kind: 'encryption-key'; readonly encryptionKey: EncryptionKeyView }
  // The ciphertext itself is left out (up to 32 KiB): `chain data get` fetches the raw transaction.
  | { readonly kind: 'record'; readonly recipients: readonly { readonly id: string; readonly key: string }[]; readonly ciphertextBytes: number }

export function encryptionKeyView(binding: EncryptionKeyBinding): EncryptionKeyView {
  return { publicKey: toHex(binding.publicKey), binding: toHex(binding.signature) }
}

export type TransactionView = {
  readonly hash: string
  readonly sender: string
  readonly publicKey: string
  readonly nonce: number
  readonly gasLimit: number
  readonly signature: string
} & PayloadView

function payloadView(tx: Transaction): PayloadView {
  switch (tx.kind) {
    case 'participant':
      return { kind: tx.kind, name: tx.name, encryptionKey: tx.encryptionKey === undefined ? null : encryptionKeyView(tx.encryptionKey) }
    case 'contract-deploy':
      return { kind: tx.kind, code: tx.code, args: tx.args }
    case 'contract-call':
      return { kind: tx.kind, contract: formatContractAddress(tx.contract), method: tx.method, args: tx.args }
    case 'encryption-key':
      return { kind: tx.kind, encryptionKey: encryptionKeyView(tx.encryptionKey) }
    case 'record':
      return {
        kind: tx.kind,
        recipients: tx.recipients.map((recipient) => ({ id: formatParticipantId(recipient.id), key: toHex(recipient.key) })),
        ciphertextBytes: tx.ciphertext.length,
      }
  }
}

export function transactionView(tx: Transaction, hash: Uint8Array): TransactionView {
  return {
    hash: toHex(hash),
    sender: formatParticipantId(senderOf(tx)),
    publicKey: toHex(tx.publicKey),
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    signature: toHex(tx.signature),
    ...payloadView(tx),
  }
}

export interface ReceiptView {
  readonly status: Receipt['status']
  readonly gasUsed: number
  readonly result: unknown
  readonly error: string | null
  readonly events: readonly { readonly contract: string; readonly name: string; readonly data: unknown }[]
  readonly touched: readonly string[]
  readonly contract: string | null
}

/** JSON text stored by contracts, parsed back into values for display. */
const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text))

export function receiptView(receipt: Receipt): ReceiptView {
  return {
    status: receipt.status,
    gasUsed: receipt.gasUsed,
    result: parseJson(receipt.result),
    error: receipt.error,
    events: receipt.events.map((event) => ({ contract: formatContractAddress(event.contract), name: event.name, data: parseJson(event.data) })),
    touched: receipt.touched.map(formatContractAddress),
    contract: receipt.contract === null ? null : formatContractAddress(receipt.contract),
  }
}

/**
 * A transaction with where it stands: in a block (with its receipt), pending in a mempool, or
 * dropped from it (with the reason) and never to be included.
 */
export type TransactionStatusView = TransactionView & {
  /** Waiting in the node's mempool, not in a block yet. */
  readonly pending: boolean
  /** Why the node's mempool let it go without a block including it (src/chain/mempool.ts, `DropReason`). */
  readonly dropped: { readonly reason: string; readonly detail: string } | null
  readonly block: { readonly hash: string; readonly height: number; readonly index: number } | null
  readonly receipt: ReceiptView | null
}
