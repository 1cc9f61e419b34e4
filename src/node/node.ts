/**
 * The full node: every part of `chain` composed and started in dependency order, stopped in
 * reverse (and the started ones stopped again if a later start fails).
 *
 *   chain database → mempool → network (gossip, sync) → RPC (subscriptions, metrics) → mining → registration
 *
 * The node decides what the network only transports: a gossiped block is imported
 * (src/node/block-gossip.ts), a gossiped transaction is validated and pooled, and the answer
 * becomes gossipsub's accept / ignore / reject (src/node/verdicts.ts).
 */
import { randomBytes } from 'node:crypto'
import { Chain, type HeadChange, type ImportTiming } from '../chain/chain.js'
import { Mempool } from '../chain/mempool.js'
import { TxAdmission } from '../chain/admission.js'
import { VerifyPool } from '../crypto/verify-pool/pool.js'
import { createConsensus } from '../consensus/create.js'
import { parseParticipantId } from '../crypto/identity.js'
import { toHex } from '../encoding/bytes.js'
import { errorMessage } from '../errors.js'
import { removeFileDurably, writeFileAtomic } from '../files.js'
import { lockAccount, type UnlockedAccount } from '../keystore/accounts.js'
import { blockHash, type Block } from '../ledger/block.js'
import type { GenesisConfig } from '../ledger/genesis.js'
import { registrationPayload } from '../ledger/encryption-key.js'
import { decodeTransaction, intrinsicGas, signTransaction, transactionHash, type Transaction } from '../ledger/transaction.js'
import type { Logger } from '../log.js'
import { DEFAULT_MAX_PEERS as NETWORK_MAX_PEERS, SYNC_MAX_POOLED } from '../network/constants.js'
import type { GossipVerdict } from '../network/gossip.js'
import { createNetwork, type Network } from '../network/network.js'
import { loadOrCreatePeerKey } from '../network/peer-key.js'
import type { NodeInfo } from '../rpc/client.js'
import { ChainFeeds } from '../rpc/feeds.js'
import { RpcServer, type PageHandler } from '../rpc/server.js'
import { Subscriptions } from '../rpc/subscriptions.js'
import { NodeMetrics } from '../metrics/metrics.js'
import { metricsPage } from '../metrics/page.js'
import { EXPLORER_PATH, explorerPage } from '../explorer/serve.js'
import { readParticipant } from '../state/executor.js'
import { Downloader, SyncProgressView, syncNetworkOf } from '../sync/index.js'
import { ContractVm } from '../vm/vm.js'
import { chainDbDir, ensureNetworkDir, nodeInfoFile, nodeKeyFile, rpcCookieFile } from './datadir.js'
import { MiningService } from './mining.js'
import { publicMethods, rpcMethods } from './rpc-methods.js'
import { consensusView, StatusReporter } from './status.js'
import { BlockGossip } from './block-gossip.js'
import { batchVerdict, errorCode, transactionVerdict } from './verdicts.js'
import { TransactionAnnouncer } from './tx-announcer.js'

/** The TCP port a node listens on for peers unless `--listen` says otherwise. */
export const DEFAULT_P2P_PORT = 30370
/** The JSON-RPC port on 127.0.0.1 unless `--rpc-port` says otherwise. */
export const DEFAULT_RPC_PORT = 8645
export const DEFAULT_MAX_PEERS = NETWORK_MAX_PEERS
/** The RPC listens on loopback only: the cookie protects it from other users, not other hosts. */
const RPC_HOST = '127.0.0.1'
/** Pending transactions asked of each newly met peer (the protocol's maximum). */
const POOL_EXCHANGE_COUNT = SYNC_MAX_POOLED
/** Where the RPC port serves Prometheus metrics with `--metrics`. */
const METRICS_PATH = '/metrics'

export interface NodeOptions {
  readonly datadir: string
  readonly genesis: GenesisConfig
  readonly account: UnlockedAccount
  readonly listen: readonly string[]
  readonly bootstrap: readonly string[]
  readonly mdns: boolean
  readonly dht: boolean
  readonly mine: boolean
  /** 0 picks a free port. */
  readonly rpcPort: number
  readonly maxPeers: number
  readonly log: Logger
  /** Print a status line every few seconds (for a terminal); otherwise log one now and then. */
  readonly statusLine: boolean
  /** Serve Prometheus metrics at `/metrics` of the RPC port. */
  readonly metrics: boolean
  /** Serve the block explorer page at `/explorer/` of the RPC port. */
  readonly explorer: boolean
  /** Threads that verify signatures; one per core when omitted. */
  readonly verifyThreads?: number
}

/** What the node tells about each transaction offered to its mempool (by RPC, gossip or itself). */
interface PoolObserver {
  readonly admitted: (tx: Transaction, hash: Uint8Array) => void
  readonly refused: (code: string) => void
}

/** The admission queue of transactions sent over RPC (each peer has its own, by its id). */
const RPC_SOURCE = 'rpc'

/** Something started that must be stopped, in reverse order. */
type Stop = () => Promise<void> | void

export class Node {
  readonly chain: Chain
  readonly mempool: Mempool
  readonly network: Network
  private readonly admission: TxAdmission
  private readonly stops: Stop[]
  private readonly log: Logger
  private readonly account: UnlockedAccount
  private readonly pool: PoolObserver
  private registrationSent = false
  /** Peers whose pending transactions were asked for on this connection. */
  private readonly poolsLearned = new Set<string>()
  /** Transactions peers sent us that entered the pool, since the status reporter last asked. */
  private transactionsReceived = 0

  private readonly announcer: TransactionAnnouncer

  private constructor(parts: { chain: Chain; mempool: Mempool; admission: TxAdmission; network: Network; stops: Stop[]; log: Logger; account: UnlockedAccount; pool: PoolObserver }) {
    this.chain = parts.chain
    this.admission = parts.admission
    this.mempool = parts.mempool
    this.network = parts.network
    this.stops = parts.stops
    this.log = parts.log
    this.account = parts.account
    this.pool = parts.pool
    this.announcer = new TransactionAnnouncer((txs) => this.network.publishTransactions(txs), this.log)
  }

  static async start(options: NodeOptions): Promise<Node> {
    const stops: Stop[] = []
    const stopAll = async (): Promise<void> => {
      for (const stop of stops.splice(0).reverse()) {
        try {
          await stop()
        } catch (error) {
          options.log.warn('error while stopping', { error: errorMessage(error) })
        }
      }
    }
    try {
      return await Node.compose(options, stops)
    } catch (error) {
      await stopAll()
      throw error
    }
  }

  private static async compose(options: NodeOptions, stops: Stop[]): Promise<Node> {
    const { datadir, genesis, log } = options
    await ensureNetworkDir(datadir, genesis)

    const consensus = createConsensus(genesis, { seal: options.mine, signerKey: options.account.secretKey })
    stops.push(() => consensus.close())
    const verifyPool = new VerifyPool({
      ...(options.verifyThreads === undefined ? {} : { threads: options.verifyThreads }),
      onWorkerDied: (detail) => log.warn('a signature verify thread died; replaced, its work given again', { detail }),
    })
    stops.push(() => verifyPool.close())
    const vm = new ContractVm({
      onSlowExecution: (contract, elapsedMs) => log.warn('a contract execution is taking long (it will finish: gas bounds it)', { contract, seconds: Math.round(elapsedMs / 1000) }),
    })
    stops.push(() => vm.close())
    const chain = await Chain.open({ path: chainDbDir(datadir, genesis.network), genesis, consensus, vm, verifier: verifyPool, create: true })
    stops.push(() => chain.close())
    log.info('chain opened', { network: genesis.network, id: toHex(chain.networkId).slice(0, 16), height: chain.head.header.height, head: toHex(chain.head.hash) })

    const mempool = new Mempool((sender) => readParticipant(chain.stateAt(), sender)?.nonce, {
      onDrop: (hash, { reason, detail }) => log.info('transaction dropped from the pool', { hash, reason, detail }),
    })
    const admission = new TxAdmission({ verifier: chain.signatures, mempool, blockGasLimit: genesis.params.blockGasLimit }, { verifyThreads: verifyPool.threads })
    // The network's callbacks need the node, and the node needs the network: bound late.
    const late: { node?: Node; blocks?: BlockGossip; rpc?: RpcServer; metrics?: NodeMetrics } = {}
    const network = await createNetwork(
      {
        peerKey: await loadOrCreatePeerKey(nodeKeyFile(datadir, genesis.network)),
        networkId: chain.networkId,
        chain: {
          head: () => ({ hash: chain.head.hash, height: chain.head.header.height, totalWork: chain.head.totalWork }),
          header: (hash) => chain.store.header(hash),
          canonicalHash: (height) => chain.store.canonicalHash(height),
          block: (hash) => chain.store.block(hash),
        },
        pending: (limit) => take(mempool.pending(), limit),
        validateBlock: (block, from) => late.blocks!.validate(block, from),
        validateTransactions: (txs, from) => late.node!.onGossipTransactions(txs, from),
        log: log.child('net'),
      },
      { maxBlockBytes: genesis.params.maxBlockBytes, listen: options.listen, bootstrap: options.bootstrap, mdns: options.mdns, dht: options.dht, maxPeers: options.maxPeers },
    )
    late.blocks = new BlockGossip({ chain, network, log })
    const subscriptions = new Subscriptions()
    const feeds = new ChainFeeds(subscriptions, chain.store)
    const pool: PoolObserver = {
      admitted: (tx, hash) => {
        late.metrics?.transactionOffered('admitted')
        feeds.pooled(tx, hash)
      },
      refused: (code) => late.metrics?.transactionOffered(code),
    }
    const node = new Node({ chain, mempool, admission, network, stops, log, account: options.account, pool })
    late.node = node
    const onHead = (change: HeadChange): void => {
      node.onHead(change)
      late.metrics?.headChanged(change)
      feeds.headChanged(change)
    }
    const onImported = (timing: ImportTiming): void => late.metrics?.blockImported(timing)
    chain.on('head', onHead)
    chain.on('imported', onImported)
    stops.push(() => {
      chain.off('head', onHead)
      chain.off('imported', onImported)
    })
    const onStatus = (peer: string): void => node.learnPool(peer)
    const onDisconnect = (peer: string): void => void node.poolsLearned.delete(peer)
    network.on('peer:status', onStatus)
    network.on('peer:disconnect', onDisconnect)
    stops.push(() => {
      network.off('peer:status', onStatus)
      network.off('peer:disconnect', onDisconnect)
    })
    await network.start()
    stops.push(() => network.stop())
    stops.push(() => node.announcer.stop())
    const downloader = new Downloader({ chain, network: syncNetworkOf(network), log: log.child('sync') })
    const syncView = new SyncProgressView({ downloader, log: log.child('sync'), terminal: options.statusLine })
    syncView.start()
    downloader.start()
    stops.push(async () => {
      await downloader.stop()
      syncView.stop()
    })

    const mining = new MiningService({
      chain,
      mempool,
      producer: parseParticipantId(options.account.id),
      publishBlock: (block) => node.publishBlock(block),
      log: log.child('mining'),
      hashes: () => consensus.status(chain.head, chain.store).hashes ?? 0,
      syncing: () => downloader.progress() !== false,
    })

    const pages: Record<string, PageHandler> = {}
    if (options.metrics) {
      const metrics = new NodeMetrics({
        head: () => ({ height: chain.head.header.height, totalWork: chain.head.totalWork }),
        peers: () => network.peers(),
        gossipCounts: () => network.gossipCounts(),
        mempool: () => ({ transactions: mempool.size, bytes: mempool.sizeBytes }),
        sync: () => downloader.progress(),
        rpc: () => ({ webSockets: late.rpc?.webSockets ?? 0, subscriptions: subscriptions.size }),
        caches: () => chain.cacheUsage(),
        receipts: (block) => chain.store.receipts(blockHash(block.header)),
      })
      late.metrics = metrics
      const onPenalty = (_peer: string, reason: string): void => metrics.peerPenalised(reason)
      const onBan = (_peer: string, reason: string): void => metrics.peerBanned(reason)
      network.on('peer:penalty', onPenalty)
      network.on('peer:ban', onBan)
      stops.push(() => {
        network.off('peer:penalty', onPenalty)
        network.off('peer:ban', onBan)
      })
      pages[METRICS_PATH] = metricsPage(metrics)
    }
    const explorer = options.explorer ? await explorerPage() : undefined
    if (explorer !== undefined) pages[EXPLORER_PATH] = explorer
    else if (options.explorer) log.warn('this build has no explorer page (run `npm run build`); serving none')

    const cookie = randomBytes(32).toString('hex')
    const methods = rpcMethods({
        chain,
        mempool,
        peerId: network.peerId,
        peers: () =>
          network.peers().map((peer) => ({
            peerId: peer.id,
            addresses: peer.addresses,
            direction: peer.direction,
            latencyMs: peer.latencyMs,
            height: peer.status?.headHeight,
            gossipScore: peer.gossipScore,
            penaltyPoints: peer.penaltyPoints,
          })),
        submitTransaction: (bytes) => node.submitTransaction(bytes),
        submitTransactions: (encodings) => node.submitTransactions(encodings),
        syncing: () => downloader.progress(),
        mining: () => ({ enabled: options.mine, hashRate: mining.hashRate(), blocksMined: mining.blocksMined }),
        consensus: () => consensusView(consensus.status(chain.head, chain.store), options.mine),
        subscriptions,
    })
    const rpc = new RpcServer({
      methods,
      publicMethods: publicMethods(methods),
      pages,
      cookie,
      host: RPC_HOST,
      port: options.rpcPort,
      onInternalError: (method, error) => log.error('RPC method failed', { method, error: errorMessage(error) }),
      onSlowClient: (connection) => log.warn('disconnected a WebSocket client that does not read its notifications', { connection }),
      onClose: (connection) => subscriptions.closeConnection(connection),
    })
    late.rpc = rpc
    const rpcUrl = await rpc.start()
    stops.push(() => rpc.stop())
    await writeFileAtomic(rpcCookieFile(datadir), `${cookie}\n`, { mode: 0o600, replace: true })
    stops.push(() => removeFileDurably(rpcCookieFile(datadir)))
    const info: NodeInfo = {
      peerId: network.peerId,
      multiaddrs: network.multiaddrs(),
      rpcUrl,
      pid: process.pid,
      network: genesis.network,
      ...(options.metrics ? { metrics: new URL(METRICS_PATH, rpcUrl).href } : {}),
      ...(explorer === undefined ? {} : { explorer: new URL(EXPLORER_PATH, rpcUrl).href }),
    }
    await writeFileAtomic(nodeInfoFile(datadir), `${JSON.stringify(info, null, 2)}\n`, { replace: true })
    stops.push(() => removeFileDurably(nodeInfoFile(datadir)))

    if (options.mine) {
      mining.start()
      stops.push(() => mining.stop())
    }
    const status = new StatusReporter({
      chain,
      consensus: () => consensusView(consensus.status(chain.head, chain.store), options.mine),
      mempool,
      network,
      mining: options.mine ? mining : undefined,
      log,
      terminal: options.statusLine,
      syncing: () => downloader.progress() !== false,
      takeTransactionsReceived: () => node.takeTransactionsReceived(),
    })
    status.start()
    stops.push(() => status.stop())

    node.ensureRegistered()
    log.info('ready', { peerId: network.peerId, addresses: network.multiaddrs(), rpc: rpcUrl, id: options.account.id, mining: options.mine })
    return node
  }

  /** Stops everything in reverse order of starting; idempotent. */
  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) {
      try {
        await stop()
      } catch (error) {
        this.log.warn('error while stopping', { error: errorMessage(error) })
      }
    }
    lockAccount(this.account)
  }

  private publishBlock(block: Block): void {
    this.network.publishBlock(block).catch((error: unknown) => this.log.debug('could not publish a block', { error: errorMessage(error) }))
  }

  private onHead(change: HeadChange): void {
    const txs = (blocks: readonly Block[]): Transaction[] => blocks.flatMap((block) => block.transactions)
    const back = this.mempool.update(txs(change.applied), txs(change.reverted))
    // Transactions of abandoned blocks are announced again: peers on the winning branch may never have seen them.
    for (const tx of back) this.announcer.announce(tx)
    if (change.reverted.length > 0) {
      this.log.info('reorganised', { height: change.head.header.height, reverted: change.reverted.length, applied: change.applied.length, readmitted: back.length })
    }
    this.ensureRegistered()
  }

  /** Sends this node's `participant` transaction when its identity is not registered yet. */
  private ensureRegistered(): void {
    const id = parseParticipantId(this.account.id)
    if (readParticipant(this.chain.stateAt(), id) !== undefined || this.mempool.nextNonce(id) > 0) return
    const payload = registrationPayload(this.account.secretKey, null, this.account.encryptionKeys.at(-1)?.publicKey, this.chain.networkId)
    const unsigned = { ...payload, publicKey: this.account.publicKey, nonce: 0, gasLimit: 0 }
    const tx = signTransaction({ ...unsigned, gasLimit: intrinsicGas(unsigned) }, this.account.secretKey, this.chain.networkId)
    try {
      this.pool.admitted(tx, this.mempool.add(tx).hash)
      this.announcer.announce(tx)
      if (!this.registrationSent) this.log.info('registering this identity on chain', { id: this.account.id })
      this.registrationSent = true
    } catch (error) {
      this.log.warn('could not send the registration', { error: errorMessage(error) })
    }
  }

  /**
   * Asks a newly met peer for its pending transactions, once per connection: transactions
   * gossiped before we joined (or sent by a node that had no peers yet) reach us this way.
   */
  private learnPool(peer: string): void {
    if (this.poolsLearned.has(peer)) return
    this.poolsLearned.add(peer)
    this.network
      .requestPooled(peer, POOL_EXCHANGE_COUNT)
      .then(async (txs) => {
        const verdicts = await this.admitFromPeer(txs, peer)
        const admitted = verdicts.filter((verdict) => verdict === 'accept').length
        if (verdicts.includes('reject')) this.network.reportPeer(peer, 'invalid-transaction')
        if (admitted > 0) this.log.debug('learned pending transactions from a peer', { peer, admitted, offered: txs.length })
      })
      .catch((error: unknown) => this.log.debug('could not learn a peer’s pool', { peer, error: errorMessage(error) }))
  }

  /**
   * The RPC's `sendTransaction`: decode, check (the signature in the verify pool, batched with
   * whatever else is being admitted), pool, gossip. Rejects with the typed error of the first
   * check that fails (`TxError`, `MempoolError`, `AdmissionError`, `VerifyPoolError`).
   */
  async submitTransaction(bytes: Uint8Array): Promise<Uint8Array> {
    const [outcome] = await this.submitTransactions([bytes])
    if (outcome!.status === 'rejected') throw outcome!.reason
    return outcome!.value
  }

  /** The RPC's `sendTransactions`: each as `submitTransaction`, in order; each one's hash or error. */
  async submitTransactions(encodings: readonly Uint8Array[]): Promise<PromiseSettledResult<Uint8Array>[]> {
    const outcomes = new Array<PromiseSettledResult<Uint8Array>>(encodings.length)
    const decoded: Transaction[] = []
    const places: number[] = []
    encodings.forEach((bytes, index) => {
      try {
        decoded.push(decodeTransaction(bytes))
        places.push(index)
      } catch (error) {
        outcomes[index] = { status: 'rejected', reason: error }
      }
    })
    const admitted = await this.admission.admitAll(decoded, RPC_SOURCE)
    admitted.forEach((outcome, j) => {
      outcomes[places[j]!] = outcome
      if (outcome.status === 'rejected') return this.pool.refused(errorCode(outcome.reason) ?? 'error')
      this.pool.admitted(decoded[j]!, outcome.value)
      this.announcer.announce(decoded[j]!)
    })
    return outcomes
  }

  /** How many transactions from peers entered the pool since the last call (for the status log). */
  takeTransactionsReceived(): number {
    const count = this.transactionsReceived
    this.transactionsReceived = 0
    return count
  }

  /**
   * The verdict on a gossip message of transactions. A message refused for one invalid
   * transaction is not relayed, so the valid ones in it that were new to us are announced by
   * this node: a peer cannot stop honest transactions by bundling a bad one with them.
   */
  private async onGossipTransactions(txs: readonly Transaction[], from: string): Promise<GossipVerdict> {
    const verdicts = await this.admitFromPeer(txs, from)
    const verdict = batchVerdict(verdicts)
    if (verdict === 'reject') {
      for (const [i, tx] of txs.entries()) if (verdicts[i] === 'accept') this.announcer.announce(tx)
    }
    return verdict
  }

  /** Admits transactions a peer sent (in one batch of the verify pool when they fit); each one's verdict. */
  private async admitFromPeer(txs: readonly Transaction[], from: string): Promise<GossipVerdict[]> {
    const outcomes = await this.admission.admitAll(txs, from)
    return outcomes.map((outcome, i) => {
      if (outcome.status === 'fulfilled') {
        this.pool.admitted(txs[i]!, outcome.value)
        this.transactionsReceived++
        return 'accept'
      }
      const code = errorCode<Parameters<typeof transactionVerdict>[0]>(outcome.reason)
      this.pool.refused(code ?? 'error')
      if (code === undefined) {
        this.log.error('unexpected error validating a transaction', { error: errorMessage(outcome.reason), hash: toHex(transactionHash(txs[i]!)) })
        return 'ignore'
      }
      return transactionVerdict(code)
    })
  }
}

/** The first `limit` items of `items`. */
function take<T>(items: Iterable<T>, limit: number): T[] {
  const out: T[] = []
  for (const item of items) {
    if (out.length >= limit) break
    out.push(item)
  }
  return out
}
