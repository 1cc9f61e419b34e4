/**
 * The wallet side of the client library and the commands: sign a transaction with an unlocked account and hand it to
 * the running node, then (optionally) wait until a block includes it.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ChainError } from '../errors.js'
import { fromHex, toHex } from '../encoding/bytes.js'
import { encodeTransaction, signTransaction, type Transaction, type TxPayload } from '../ledger/transaction.js'
import type { TransactionStatusView } from '../chain/views.js'
import type { ChainClient } from './chain-client.js'

/** How often `--wait` asks the node whether the transaction is in a block. */
const INCLUSION_POLL_MS = 250

export type WalletErrorCode =
  | 'WALLET_ERROR_TIMEOUT' // the transaction was not in a block within the wait
  | 'WALLET_ERROR_DROPPED' // the node's mempool let the transaction go: it will never be included
  | 'WALLET_ERROR_BAD_NODE' // the node answered something no node should

export class WalletError extends ChainError<WalletErrorCode, { detail: string }> {
  constructor(code: WalletErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}

export interface SigningAccount {
  readonly id: string
  readonly secretKey: Uint8Array
}

export interface Submitted {
  readonly hash: string
  readonly tx: Transaction
}

/**
 * Signs `payload` for the node's network with the account's next nonce (pending transactions
 * counted) and submits it. Throws `RpcClientError` when the node refuses it.
 */
export async function signAndSend(client: ChainClient, account: SigningAccount, payload: TxPayload, gasLimit: number): Promise<Submitted> {
  const networkId = await networkIdOf(client)
  const { next } = await client.getNonce(account.id)
  const tx = signTransaction({ ...payload, publicKey: new Uint8Array(32), nonce: next, gasLimit }, account.secretKey, networkId)
  const { hash } = await client.sendTransaction(toHex(encodeTransaction(tx)))
  return { hash, tx }
}

/** The network id (genesis hash) of the node's chain: what signatures and key bindings cover. */
export async function networkIdOf(client: ChainClient): Promise<Uint8Array> {
  const status = await client.status()
  const networkId = fromHex(status.genesis)
  if (networkId?.length !== 32) throw new WalletError('WALLET_ERROR_BAD_NODE', 'the node reported no valid network id')
  return networkId
}

/**
 * Polls the node until the transaction is in a block; `WALLET_ERROR_DROPPED` as soon as the
 * node says it dropped it, `WALLET_ERROR_TIMEOUT` after `timeoutMs`.
 */
export async function waitForInclusion(client: ChainClient, hash: string, timeoutMs: number): Promise<TransactionStatusView> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = await client.getTransaction(hash)
    if (!found.pending && found.receipt !== null) return found
    if (found.dropped !== null) throw new WalletError('WALLET_ERROR_DROPPED', `transaction ${hash} dropped: ${found.dropped.reason} (${found.dropped.detail})`)
    if (Date.now() >= deadline) throw new WalletError('WALLET_ERROR_TIMEOUT', `transaction ${hash} was not included within ${timeoutMs / 1000} s (it may still be)`)
    await sleep(INCLUSION_POLL_MS)
  }
}
