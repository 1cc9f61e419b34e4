/**
 * The node's JSON-RPC methods (docs/rpc.md): thin adapters from JSON params to the chain,
 * the mempool and the network, and from their results to the JSON views of src/chain/views.ts.
 */
import type { Chain } from '../chain/chain.js'
import { ChainOperationError } from '../chain/chain.js'
import type { Mempool } from '../chain/mempool.js'
import { estimateGas } from '../chain/estimate.js'
import { queryContract } from '../chain/query.js'
import { findBlock, findTransaction, parseBlockSelector, parseHash, QueryError, type BlockSelector } from '../chain/queries.js'
import { blockView, receiptView, transactionView } from '../chain/views.js'
import { AddressError, formatParticipantId, parseContractAddress, parseParticipantId } from '../crypto/identity.js'
import { fromHex, toHex } from '../encoding/bytes.js'
import { RpcError, RpcErrorCode } from '../rpc/protocol.js'
import type { RpcMethods } from '../rpc/server.js'
import { decodeTransaction, TxError } from '../ledger/transaction.js'
import { ExecutionError, readParticipant } from '../state/executor.js'
import { contractKey, decodeContract } from '../state/records.js'
import { VmError } from '../vm/vm.js'

export interface PeerView {
  readonly peerId: string
  readonly addresses: readonly string[]
  readonly direction: 'inbound' | 'outbound'
  readonly latencyMs?: number | undefined
  readonly height?: number | undefined
  /** gossipsub's score of the peer: negative once it sent invalid gossip. */
  readonly gossipScore: number
  /** Penalty points in this node's book (decaying; a ban at 100). */
  readonly penaltyPoints: number
}

export interface SyncView {
  readonly target: number
  readonly current: number
}

export interface RpcContext {
  readonly chain: Chain
  readonly mempool: Mempool
  readonly peerId: string
  readonly peers: () => readonly PeerView[]
  /** Validates, pools and gossips a transaction; throws `TxError` or `MempoolError`. */
  readonly submitTransaction: (bytes: Uint8Array) => Uint8Array
  readonly syncing: () => SyncView | false
  readonly mining: () => { readonly enabled: boolean; readonly hashRate: number; readonly blocksMined: number }
}

type Params = Record<string, unknown>

function asParams(value: unknown): Params {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RpcError(RpcErrorCode.InvalidParams, 'params must be an object')
  return value as Params
}

function text(params: Params, name: string, optional = false): string | undefined {
  const value = params[name]
  if (value === undefined && optional) return undefined
  if (typeof value !== 'string') throw new RpcError(RpcErrorCode.InvalidParams, `param ${name} must be a string`)
  return value
}

function height(params: Params, name: string): number | undefined {
  const value = params[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RpcError(RpcErrorCode.InvalidParams, `param ${name} must be a block height`)
  }
  return value
}

/** Runs `read`, turning input errors of the query layer into InvalidParams. */
function parsing<T>(read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (error instanceof QueryError || error instanceof AddressError) throw new RpcError(RpcErrorCode.InvalidParams, error.message)
    throw error
  }
}

function notFound(what: string): RpcError {
  return new RpcError(RpcErrorCode.NotFound, `${what} not found`)
}

export function rpcMethods(context: RpcContext): RpcMethods {
  const { chain, mempool } = context
  return {
    status: () => {
      const sync = context.syncing()
      return {
        network: chain.genesis.network,
        genesis: toHex(chain.networkId),
        height: chain.head.header.height,
        head: toHex(chain.head.hash),
        totalWork: chain.head.totalWork.toString(),
        peers: context.peers().length,
        syncing: sync,
        peerId: context.peerId,
        mempool: { transactions: mempool.size, bytes: mempool.sizeBytes },
        mining: context.mining(),
      }
    },

    peers: () => context.peers(),

    getBlock: (raw) => {
      const params = asParams(raw)
      const selector: BlockSelector = typeof params.block === 'number' ? { height: height(params, 'block')! } : parsing(() => parseBlockSelector(text(params, 'block', true) ?? 'latest'))
      const found = findBlock(chain.store, selector)
      if (found === undefined) throw notFound('block')
      return { ...blockView(found.block, found.meta.totalWork), canonical: found.canonical }
    },

    getTransaction: (raw) => {
      const hash = parsing(() => parseHash(text(asParams(raw), 'hash')!, 'hash'))
      const found = findTransaction(chain.store, hash)
      if (found !== undefined) {
        return {
          ...transactionView(found.tx, found.hash),
          pending: false,
          dropped: null,
          block: { hash: toHex(found.blockHash), height: found.height, index: found.index },
          receipt: found.receipt === undefined ? null : receiptView(found.receipt),
        }
      }
      const pending = mempool.get(hash)
      if (pending !== undefined) return { ...transactionView(pending, hash), pending: true, dropped: null, block: null, receipt: null }
      const departed = mempool.departure(hash)
      if (departed === undefined) throw notFound('transaction')
      const dropped = { reason: departed.reason, detail: departed.detail }
      return { ...transactionView(departed.tx, hash), pending: false, dropped, block: null, receipt: null }
    },

    getReceipt: (raw) => {
      const hash = parsing(() => parseHash(text(asParams(raw), 'hash')!, 'hash'))
      const found = findTransaction(chain.store, hash)
      if (found?.receipt === undefined) throw notFound('receipt')
      return { ...receiptView(found.receipt), block: { hash: toHex(found.blockHash), height: found.height, index: found.index } }
    },

    sendTransaction: (raw) => {
      const bytes = fromHex(text(asParams(raw), 'tx')!)
      if (bytes === undefined) throw new RpcError(RpcErrorCode.InvalidParams, 'param tx must be the hex of an encoded transaction')
      try {
        return { hash: toHex(context.submitTransaction(bytes)) }
      } catch (error) {
        const code = (error as { code?: unknown }).code
        if (typeof code === 'string' && /^(TX|MEMPOOL)_ERROR_/.test(code)) {
          throw new RpcError(RpcErrorCode.TransactionRejected, (error as Error).message, { code })
        }
        throw error
      }
    },

    estimateGas: async (raw) => {
      const bytes = fromHex(text(asParams(raw), 'tx')!)
      if (bytes === undefined) throw new RpcError(RpcErrorCode.InvalidParams, 'param tx must be the hex of an encoded transaction')
      let tx
      try {
        tx = decodeTransaction(bytes)
      } catch (error) {
        if (error instanceof TxError) throw new RpcError(RpcErrorCode.InvalidParams, error.message)
        throw error
      }
      try {
        const { status, gasUsed, error } = await estimateGas(chain, mempool, tx)
        return { status, gasUsed, error, blockGasLimit: chain.params.blockGasLimit }
      } catch (error) {
        if (error instanceof ExecutionError) throw new RpcError(RpcErrorCode.TransactionRejected, error.message, { code: error.code })
        if (error instanceof VmError) throw new RpcError(RpcErrorCode.Unavailable, error.message)
        throw error
      }
    },

    call: async (raw) => {
      const params = asParams(raw)
      const contract = text(params, 'contract')!
      parsing(() => parseContractAddress(contract))
      const args = params.args === undefined ? '[]' : typeof params.args === 'string' ? params.args : JSON.stringify(params.args)
      let outcome
      try {
        outcome = await queryContract(chain, {
          contract,
          method: text(params, 'method')!,
          args,
          at: height(params, 'at'),
          from: text(params, 'from', true),
        })
      } catch (error) {
        if (error instanceof ChainOperationError) throw new RpcError(RpcErrorCode.NotFound, error.message)
        if (error instanceof VmError) throw new RpcError(RpcErrorCode.Unavailable, error.message)
        throw error
      }
      if (outcome.status !== 'ok') {
        // The status first: the contract's own message often starts with its error's name ("Error: …").
        const message = outcome.status === 'out-of-gas' ? `out of gas (${outcome.gasUsed} gas)` : `reverted: ${outcome.error ?? 'reverted'}`
        throw new RpcError(RpcErrorCode.CallFailed, message, { status: outcome.status, gasUsed: outcome.gasUsed })
      }
      return { result: JSON.parse(outcome.result ?? 'null') as unknown, gasUsed: outcome.gasUsed, events: outcome.events.length }
    },

    getParticipant: (raw) => {
      const params = asParams(raw)
      const id = parsing(() => parseParticipantId(text(params, 'id')!))
      const record = readParticipant(chain.stateAt(height(params, 'at')), id)
      if (record === undefined) throw notFound('participant')
      return {
        id: formatParticipantId(id),
        publicKey: toHex(record.publicKey),
        name: record.name,
        nonce: record.nonce,
        nextNonce: mempool.nextNonce(id),
      }
    },

    getNonce: (raw) => {
      const id = parsing(() => parseParticipantId(text(asParams(raw), 'id')!))
      const record = readParticipant(chain.stateAt(), id)
      return { registered: record !== undefined, nonce: record?.nonce ?? 0, next: mempool.nextNonce(id) }
    },

    getContract: (raw) => {
      const params = asParams(raw)
      const address = text(params, 'address')!
      const bytes = parsing(() => parseContractAddress(address))
      const record = chain.stateAt(height(params, 'at')).get(contractKey(bytes))
      if (record === undefined) throw notFound('contract')
      const contract = decodeContract(record)
      return { address, code: contract.code, deployer: formatParticipantId(contract.deployer) }
    },

  }
}
