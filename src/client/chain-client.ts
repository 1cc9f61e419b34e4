/**
 * The client library's heart: typed calls for every method of the node's JSON-RPC API
 * (src/rpc/api.ts), subscriptions as async iterators, and transactions signed with a keystore
 * account and sent. The `chain` commands use it, and scripts import it as `chain/client`.
 *
 *   const client = await ChainClient.connect('~/.chain')
 *   for await (const head of await client.subscribe('newHeads')) console.log(head.height)
 */
import type { EventView } from '../chain/events.js'
import type { TransactionStatusView } from '../chain/views.js'
import type { BlockParam, RpcApi, RpcMethodName, SubscriptionKind, SubscriptionKinds } from '../rpc/api.js'
import { RpcClient, RpcClientError, type NodeInfo } from '../rpc/client.js'
import { nodeInfoFile, rpcCookieFile } from '../node/datadir.js'
import { toTxPayload, type ClientPayload } from './payload.js'
import { NodeSocket, type Subscription } from './socket.js'
import { signAndSend, waitForInclusion, type SigningAccount, type Submitted } from './wallet.js'

/** Gas limit of a transaction sent without one: enough for the example contracts' calls. */
export const DEFAULT_GAS_LIMIT = 1_000_000
/** How long `send` with `wait` waits for a block to include the transaction. */
export const DEFAULT_INCLUSION_TIMEOUT_MS = 60_000

export interface SendOptions {
  readonly gasLimit?: number
  /** Wait until a block includes the transaction, and answer its receipt too. */
  readonly wait?: boolean
  readonly timeoutMs?: number
}

export class ChainClient {
  private readonly socket: NodeSocket

  constructor(
    readonly rpc: RpcClient,
    cookie: string,
  ) {
    this.socket = new NodeSocket(rpc.url, cookie)
  }

  /** A client of the node running on `datadir` (found through its node.json and rpc.cookie). */
  static async connect(datadir: string): Promise<ChainClient> {
    const client = await ChainClient.forDatadir(datadir)
    if (client === undefined) {
      throw new RpcClientError('RPC_CLIENT_ERROR_NO_NODE', `no node is running on ${datadir}: start one with \`chain node --datadir ${datadir}\``)
    }
    return client
  }

  /** A client of the node running on `datadir`, or `undefined` when none runs there. */
  static async forDatadir(datadir: string): Promise<ChainClient | undefined> {
    const found = await RpcClient.forNode(nodeInfoFile(datadir), rpcCookieFile(datadir))
    return found === undefined ? undefined : new ChainClient(found.client, found.cookie)
  }

  /** What the node wrote about itself into its data dir. */
  get node(): NodeInfo | undefined {
    return this.rpc.node
  }

  /** Calls a method by name, typed by the API. */
  call<Name extends RpcMethodName>(method: Name, params: RpcApi[Name]['params']): Promise<RpcApi[Name]['result']> {
    return this.rpc.call<RpcApi[Name]['result']>(method, params)
  }

  status(): Promise<RpcApi['status']['result']> {
    return this.call('status', {})
  }

  peers(): Promise<RpcApi['peers']['result']> {
    return this.call('peers', {})
  }

  /** A block by height, hash or `latest`. */
  getBlock(block: BlockParam = 'latest'): Promise<RpcApi['getBlock']['result']> {
    return this.call('getBlock', { block })
  }

  /** The `count` canonical blocks up to height `to` (the head), newest first. */
  getBlocks(params: RpcApi['getBlocks']['params'] = {}): Promise<RpcApi['getBlocks']['result']> {
    return this.call('getBlocks', params)
  }

  getTransaction(hash: string): Promise<RpcApi['getTransaction']['result']> {
    return this.call('getTransaction', { hash })
  }

  getReceipt(hash: string): Promise<RpcApi['getReceipt']['result']> {
    return this.call('getReceipt', { hash })
  }

  /** Submits an encoded, signed transaction (hex); `send` builds and signs one for you. */
  sendTransaction(tx: string): Promise<RpcApi['sendTransaction']['result']> {
    return this.call('sendTransaction', { tx })
  }

  /**
   * Submits many encoded, signed transactions (hex) in one request, checked together: one
   * outcome per transaction, in order, `{hash}` or `{error}` (a sender's transactions enter the
   * pool in the order given).
   */
  sendTransactions(txs: readonly string[]): Promise<RpcApi['sendTransactions']['result']> {
    return this.call('sendTransactions', { txs })
  }

  /** Runs a contract method read-only against the head state (or the state at `at`); `args` an array or its JSON text. */
  callContract(contract: string, method: string, args: readonly unknown[] | string = [], options: { at?: number; from?: string } = {}): Promise<RpcApi['call']['result']> {
    return this.call('call', { contract, method, args, ...options })
  }

  getParticipant(id: string, at?: number): Promise<RpcApi['getParticipant']['result']> {
    return this.call('getParticipant', at === undefined ? { id } : { id, at })
  }

  getNonce(id: string): Promise<RpcApi['getNonce']['result']> {
    return this.call('getNonce', { id })
  }

  getContract(address: string, at?: number): Promise<RpcApi['getContract']['result']> {
    return this.call('getContract', at === undefined ? { address } : { address, at })
  }

  getContractStorage(address: string, limit?: number): Promise<RpcApi['getContractStorage']['result']> {
    return this.call('getContractStorage', limit === undefined ? { address } : { address, limit })
  }

  /** One page of past events; `events()` iterates over every page. */
  getEvents(query: RpcApi['getEvents']['params'] = {}): Promise<RpcApi['getEvents']['result']> {
    return this.call('getEvents', query)
  }

  /** Every past event matching `query`, page after page. */
  async *events(query: Omit<RpcApi['getEvents']['params'], 'cursor'> = {}): AsyncGenerator<EventView> {
    let cursor: string | undefined
    for (;;) {
      const page = await this.getEvents(cursor === undefined ? query : { ...query, cursor })
      yield* page.events
      if (page.cursor === null) return
      cursor = page.cursor
    }
  }

  /**
   * Subscribes over the WebSocket: `newHeads` (each new canonical block), `events` (matching
   * the filter; those of blocks a reorganisation abandoned come again with `removed: true`) or
   * `pendingTransactions` (each transaction the node admits to its pool).
   */
  subscribe<Kind extends SubscriptionKind>(kind: Kind, filter?: SubscriptionKinds[Kind]['params']): Promise<Subscription<SubscriptionKinds[Kind]['item']>> {
    return this.socket.subscribe({ kind, ...filter })
  }

  /**
   * Signs a transaction of `payload` with the account's next nonce and sends it; with `wait`,
   * waits until a block includes it and answers it with its receipt.
   */
  async send(account: SigningAccount, payload: ClientPayload, options: SendOptions = {}): Promise<Submitted & { included?: TransactionStatusView }> {
    const submitted = await signAndSend(this, account, toTxPayload(payload), options.gasLimit ?? DEFAULT_GAS_LIMIT)
    if (options.wait !== true) return submitted
    return { ...submitted, included: await waitForInclusion(this, submitted.hash, options.timeoutMs ?? DEFAULT_INCLUSION_TIMEOUT_MS) }
  }

  /** Closes the WebSocket (ending every subscription); HTTP calls need no closing. */
  close(): Promise<void> {
    return this.socket.close()
  }
}
