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
 * Margin over the estimate: the estimate is exact for the pending state it ran on, but other
 * transactions included first can change what the call does (a longer list to walk, a counter
 * past a threshold); a quarter more covers such drift and costs nothing unless used.
 */
export const GAS_ESTIMATE_MARGIN = 0.25

/** The gas limit chosen for a transaction: `--gas` as given, or the estimate with its margin. */
export interface GasChoice {
  readonly limit: number
  /** Gas the transaction used on the pending state; `null` when `--gas` was given. */
  readonly estimated: number | null
}

export type { GasEstimate } from '../rpc/api.js'
import type { GasEstimate } from '../rpc/api.js'

/** The network id and the account's next nonce (pending transactions counted), from the node. */
async function signingContext(client: ChainClient, account: SigningAccount): Promise<{ networkId: Uint8Array; nonce: number }> {
  const networkId = await networkIdOf(client)
  const { next } = await client.getNonce(account.id)
  return { networkId, nonce: next }
}

/** The network id (genesis hash) of the node's chain: what signatures and key bindings cover. */
export async function networkIdOf(client: ChainClient): Promise<Uint8Array> {
  const status = await client.status()
  const networkId = fromHex(status.genesis)
  if (networkId?.length !== 32) throw new WalletError('WALLET_ERROR_BAD_NODE', 'the node reported no valid network id')
  return networkId
}

/**
 * Runs `payload` as the account's next transaction on the node's pending state and returns
 * what it used, and whether it would succeed. Throws `RpcClientError` when it could not be
 * in the next block at all.
 */
export async function estimateTransaction(client: ChainClient, account: SigningAccount, payload: TxPayload): Promise<GasEstimate> {
  const { networkId, nonce } = await signingContext(client, account)
  // The node runs it with the block gas limit, whatever this one says.
  const tx = signTransaction({ ...payload, publicKey: new Uint8Array(32), nonce, gasLimit: 0 }, account.secretKey, networkId)
  return client.call('estimateGas', { tx: toHex(encodeTransaction(tx)) })
}

/** The estimate with its margin, at most the block gas limit. */
export function gasLimitFor(estimate: Pick<GasEstimate, 'gasUsed' | 'blockGasLimit'>): number {
  return Math.min(Math.ceil(estimate.gasUsed * (1 + GAS_ESTIMATE_MARGIN)), estimate.blockGasLimit)
}

/**
 * Signs `payload` for the node's network with the account's next nonce (pending transactions
 * counted) and submits it. Throws `RpcClientError` when the node refuses it.
 */
export async function signAndSend(client: ChainClient, account: SigningAccount, payload: TxPayload, gasLimit: number): Promise<Submitted> {
  const { networkId, nonce } = await signingContext(client, account)
  const tx = signTransaction({ ...payload, publicKey: new Uint8Array(32), nonce, gasLimit }, account.secretKey, networkId)
  const { hash } = await client.sendTransaction(toHex(encodeTransaction(tx)))
  return { hash, tx }
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
