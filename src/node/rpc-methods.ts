/**
 * The node's JSON-RPC methods (docs/rpc.md): thin adapters from JSON params to the chain,
 * the mempool and the network, and from their results to the JSON views of src/chain/views.ts.
 * `publicMethods` is the read-only part, which the explorer page calls without the cookie.
 */
import type { Chain } from '../chain/chain.js'
import { ChainOperationError } from '../chain/chain.js'
import { checkFilter, eventView, EventsError, matchesFilter, queryEvents, type EventFilter, type EventsErrorCode } from '../chain/events.js'
import { MempoolError, type Mempool, type MempoolErrorCode } from '../chain/mempool.js'
import { AdmissionError, type AdmissionErrorCode } from '../chain/admission.js'
import { VerifyPoolError, type VerifyPoolErrorCode } from '../crypto/verify-pool/pool.js'
import { estimateGas } from '../chain/estimate.js'
import { queryContract } from '../chain/query.js'
import { findBlock, findTransaction, parseBlockSelector, parseHash, QueryError, recordsReadableBy, type BlockSelector } from '../chain/queries.js'
import { blockView, encryptionKeyView, receiptView, transactionView } from '../chain/views.js'
import { AddressError, formatParticipantId, parseContractAddress, parseParticipantId } from '../crypto/identity.js'
import { fromHex, fromUtf8, toHex } from '../encoding/bytes.js'
import { decodeTransaction, encodeTransaction, TxError, type TxErrorCode } from '../ledger/transaction.js'
import { RpcError, RpcErrorCode } from '../rpc/protocol.js'
import type { RpcConnection, RpcMethods } from '../rpc/server.js'
import type { ConsensusView, PeerView, RpcApi, SyncView } from '../rpc/api.js'
import { Topic, type HeadItem, type EventItem, type PendingItem } from '../rpc/feeds.js'
import type { Subscriptions } from '../rpc/subscriptions.js'
import { ExecutionError, readParticipant } from '../state/executor.js'
import { contractKey, decodeContract, decodeStorageValue, storagePrefix } from '../state/records.js'
import { VmError } from '../vm/vm.js'
import { signerMethods } from './signer-methods.js'

/** Most blocks one `getBlocks` returns (the explorer's chart asks for the last ones). */
export const MAX_BLOCKS_PAGE = 100
/** Most storage entries one `getContractStorage` returns. */
export const MAX_STORAGE_PAGE = 1_000
/** Most transactions one `sendTransactions` takes: a second of the verify pool's work, well inside a request body. */
export const MAX_SEND_TRANSACTIONS = 1_000

export interface RpcContext {
  readonly chain: Chain
  readonly mempool: Mempool
  readonly peerId: string
  readonly peers: () => readonly PeerView[]
  /** Validates, pools and gossips a transaction; rejects with `TxError`, `MempoolError`, `AdmissionError` or `VerifyPoolError`. */
  readonly submitTransaction: (bytes: Uint8Array) => Promise<Uint8Array>
  /** Many at once, in order: each one's hash or the error that refused it. */
  readonly submitTransactions: (encodings: readonly Uint8Array[]) => Promise<PromiseSettledResult<Uint8Array>[]>
  readonly syncing: () => SyncView | false
  readonly mining: () => { readonly enabled: boolean; readonly hashRate: number; readonly blocksMined: number }
  /** The consensus, its signer count (PoA) and whether this node seals blocks now. */
  readonly consensus: () => ConsensusView
  readonly subscriptions: Subscriptions
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

function count(params: Params, name: string, max: number, fallback: number): number {
  const value = params[name] ?? fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RpcError(RpcErrorCode.InvalidParams, `param ${name} must be an integer from 1 to ${max}`)
  }
  return value
}

/** The RPC error of a transaction the node refused: every code decided, none by default. */
export function rejectionCode(code: TxErrorCode | MempoolErrorCode | AdmissionErrorCode | VerifyPoolErrorCode): RpcErrorCode {
  switch (code) {
    // The bytes are not a transaction at all: the caller's params are wrong.
    case 'TX_ERROR_MALFORMED':
    case 'TX_ERROR_UNKNOWN_KIND':
    case 'TX_ERROR_TOO_LARGE':
      return RpcErrorCode.InvalidParams
    case 'TX_ERROR_BAD_METHOD':
    case 'TX_ERROR_BAD_NAME':
    case 'TX_ERROR_BAD_ARGS':
    case 'TX_ERROR_GAS_LIMIT_TOO_LOW':
    case 'TX_ERROR_GAS_LIMIT_TOO_HIGH':
    case 'TX_ERROR_BAD_SIGNATURE':
    case 'TX_ERROR_BAD_KEY_BINDING':
    case 'TX_ERROR_BAD_RECIPIENTS':
    case 'MEMPOOL_ERROR_KNOWN':
    case 'MEMPOOL_ERROR_NONCE_TOO_LOW':
    case 'MEMPOOL_ERROR_NONCE_TOO_HIGH':
    case 'MEMPOOL_ERROR_NOT_REGISTERED':
    case 'MEMPOOL_ERROR_ALREADY_REGISTERED':
    case 'MEMPOOL_ERROR_REPLACEMENT_TOO_LOW':
      return RpcErrorCode.TransactionRejected
    // Too many of the RPC's transactions wait for their signature check: send again later.
    case 'ADMISSION_ERROR_BUSY':
      return RpcErrorCode.LimitExceeded
    // The node's own trouble (its verify threads died, or it is stopping).
    case 'VERIFY_POOL_ERROR_CLOSED':
    case 'VERIFY_POOL_ERROR_WORKER_FAILED':
    case 'VERIFY_POOL_ERROR_BAD_SIZE':
      return RpcErrorCode.Unavailable
  }
}

/** A refused transaction's error as the RPC error it becomes; anything else (a bug) as it is. */
function refusal(error: unknown): unknown {
  if (error instanceof TxError || error instanceof MempoolError || error instanceof AdmissionError || error instanceof VerifyPoolError) {
    return new RpcError(rejectionCode(error.code), error.message, { code: error.code })
  }
  return error
}

/** Bytes of a `tx` param: the hex of an encoded transaction. */
function transactionBytes(hex: unknown, name: string): Uint8Array {
  const bytes = typeof hex === 'string' ? fromHex(hex) : undefined
  if (bytes === undefined) throw new RpcError(RpcErrorCode.InvalidParams, `param ${name} must be the hex of an encoded transaction`)
  return bytes
}

/** The RPC error of an events query the node refused. */
function eventsErrorCode(code: EventsErrorCode): RpcErrorCode {
  switch (code) {
    case 'EVENTS_ERROR_BAD_RANGE':
    case 'EVENTS_ERROR_TOO_MANY_NAMES':
    case 'EVENTS_ERROR_BAD_CURSOR':
      return RpcErrorCode.InvalidParams
  }
}

/** `contract` and `names` params as an event filter. */
function eventFilter(params: Params): EventFilter {
  const contract = text(params, 'contract', true)
  const names = params.names
  if (names !== undefined && (!Array.isArray(names) || !names.every((name) => typeof name === 'string'))) {
    throw new RpcError(RpcErrorCode.InvalidParams, 'param names must be an array of strings')
  }
  const filter = { contract: contract === undefined ? undefined : parsing(() => parseContractAddress(contract)), names: names }
  try {
    checkFilter(filter)
  } catch (error) {
    if (error instanceof EventsError) throw new RpcError(eventsErrorCode(error.code), error.message)
    throw error
  }
  return filter
}

function requireWebSocket(connection: RpcConnection): void {
  if (connection.transport !== 'websocket') throw new RpcError(RpcErrorCode.InvalidRequest, 'subscriptions need a WebSocket connection')
}

/** The methods that change nothing and cost little: open to the explorer without the cookie. */
export const PUBLIC_METHODS = [
  'status',
  'peers',
  'getBlock',
  'getBlocks',
  'getTransaction',
  'getReceipt',
  'getParticipant',
  'getNonce',
  'getContract',
  'getContractStorage',
  'getEvents',
  'subscribe',
  'unsubscribe',
] as const satisfies readonly (keyof RpcApi)[]

export function publicMethods(methods: TypedMethods): RpcMethods {
  return Object.fromEntries(PUBLIC_METHODS.map((name) => [name, methods[name]]))
}

/** Each method of the API, answering its result type (src/rpc/api.ts). */
type TypedMethods = { readonly [Name in keyof RpcApi]: (params: unknown, connection: RpcConnection) => RpcApi[Name]['result'] | Promise<RpcApi[Name]['result']> }

export function rpcMethods(context: RpcContext): TypedMethods {
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
        consensus: context.consensus(),
      }
    },

    ...signerMethods(chain),

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

    sendTransaction: async (raw) => {
      const bytes = transactionBytes(asParams(raw).tx, 'tx')
      try {
        return { hash: toHex(await context.submitTransaction(bytes)) }
      } catch (error) {
        throw refusal(error)
      }
    },

    sendTransactions: async (raw) => {
      const txs = asParams(raw).txs
      if (!Array.isArray(txs) || txs.length < 1 || txs.length > MAX_SEND_TRANSACTIONS) {
        throw new RpcError(RpcErrorCode.InvalidParams, `param txs must be an array of 1 to ${MAX_SEND_TRANSACTIONS} transactions`)
      }
      const bytes = txs.map((hex, i) => transactionBytes(hex, `txs[${i}]`))
      // Submitted in order, so a sender's transactions enter the pool in the order given.
      const outcomes = await context.submitTransactions(bytes)
      return outcomes.map((outcome) => {
        if (outcome.status === 'fulfilled') return { hash: toHex(outcome.value) }
        const error = refusal(outcome.reason)
        if (!(error instanceof RpcError)) throw error
        return { error: { code: error.data.rpcCode, message: error.message, data: error.data.detail } }
      })
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
        encryptionKey: record.encryptionKey === undefined ? null : encryptionKeyView(record.encryptionKey),
      }
    },

    // The record's whole transaction, encoded: the wallet checks its hash and decrypts it itself.
    getRecord: (raw) => {
      const hash = parsing(() => parseHash(text(asParams(raw), 'hash')!, 'hash'))
      const found = findTransaction(chain.store, hash)
      const tx = found?.tx ?? mempool.get(hash)
      if (tx?.kind !== 'record') throw notFound('record')
      return {
        tx: toHex(encodeTransaction(tx)),
        pending: found === undefined,
        block: found === undefined ? null : { hash: toHex(found.blockHash), height: found.height, index: found.index },
      }
    },

    listRecords: async (raw) => {
      const id = parsing(() => parseParticipantId(text(asParams(raw), 'id')!))
      const entries = await recordsReadableBy(chain.store, id)
      return entries.map((entry) => ({ hash: toHex(entry.hash), sender: formatParticipantId(entry.sender), height: entry.height }))
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

    getContractStorage: async (raw) => {
      const params = asParams(raw)
      const address = text(params, 'address')!
      const bytes = parsing(() => parseContractAddress(address))
      const limit = count(params, 'limit', MAX_STORAGE_PAGE, MAX_STORAGE_PAGE)
      if (chain.stateAt().get(contractKey(bytes)) === undefined) throw notFound('contract')
      const prefix = storagePrefix(bytes)
      const entries: { key: string; value: unknown }[] = []
      let truncated = false
      for await (const { key, value } of chain.store.stateEntries(prefix)) {
        if (entries.length === limit) {
          truncated = true
          break
        }
        entries.push({ key: fromUtf8(key.subarray(prefix.length)), value: JSON.parse(decodeStorageValue(value!)) as unknown })
      }
      return { address, height: chain.head.header.height, entries, truncated }
    },

    getBlocks: (raw) => {
      const params = asParams(raw)
      const limit = count(params, 'count', MAX_BLOCKS_PAGE, 20)
      const to = Math.min(height(params, 'to') ?? chain.head.header.height, chain.head.header.height)
      const blocks = []
      for (let h = to; h >= 0 && blocks.length < limit; h--) {
        const found = findBlock(chain.store, { height: h })
        if (found === undefined) break
        blocks.push({ ...blockView(found.block, found.meta.totalWork), canonical: true })
      }
      return blocks
    },

    getEvents: async (raw) => {
      const params = asParams(raw)
      try {
        const page = await queryEvents(chain.store, chain.head.header.height, {
          ...eventFilter(params),
          fromHeight: height(params, 'fromHeight') ?? 0,
          toHeight: height(params, 'toHeight'),
          limit: params.limit === undefined ? undefined : count(params, 'limit', Number.MAX_SAFE_INTEGER, 1),
          cursor: text(params, 'cursor', true),
        })
        return { events: page.events.map((event) => eventView(event)), cursor: page.cursor }
      } catch (error) {
        if (error instanceof EventsError) throw new RpcError(eventsErrorCode(error.code), error.message)
        throw error
      }
    },

    subscribe: (raw, connection) => {
      requireWebSocket(connection)
      const params = asParams(raw)
      const kind = text(params, 'kind')
      switch (kind) {
        case Topic.NewHeads:
          return { subscription: context.subscriptions.subscribe<HeadItem>(connection, Topic.NewHeads, (item) => blockView(item.block, item.totalWork)) }
        case Topic.Events: {
          const filter = eventFilter(params)
          return { subscription: context.subscriptions.subscribe<EventItem>(connection, Topic.Events, (item) => (matchesFilter(filter, item.event) ? eventView(item.event, item.removed) : undefined)) }
        }
        case Topic.PendingTransactions:
          return { subscription: context.subscriptions.subscribe<PendingItem>(connection, Topic.PendingTransactions, (item) => transactionView(item.tx, item.hash)) }
        default:
          throw new RpcError(RpcErrorCode.InvalidParams, `param kind must be one of ${Object.values(Topic).join(', ')}`)
      }
    },

    unsubscribe: (raw, connection) => {
      requireWebSocket(connection)
      return { unsubscribed: context.subscriptions.unsubscribe(connection, text(asParams(raw), 'subscription')!) }
    },

  }
}

