/**
 * The node's Prometheus metrics (docs/metrics.md lists every one), with `prom-client`.
 *
 * Two kinds: levels read when Prometheus scrapes (head, peers, mempool, sync: gauges whose
 * `collect` asks the node), and happenings counted as they occur (imports, gossip verdicts,
 * penalties, admissions, executions). Names follow the Prometheus conventions: the `chain_`
 * namespace, base units as suffixes (`_seconds`, `_bytes`), `_total` on counters. Process
 * metrics (CPU, memory, event loop lag, handles) are prom-client's defaults, unprefixed as
 * every Node exporter names them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { CacheUsage } from '../cache/bounded-cache.js'
import type { ChainCacheUsage, HeadChange, ImportTiming } from '../chain/chain.js'
import type { Block } from '../ledger/block.js'
import type { Receipt } from '../state/receipts.js'

/** What the node reports when scraped. */
export interface MetricsSources {
  readonly head: () => { readonly height: number; readonly totalWork: bigint }
  readonly peers: () => readonly { readonly direction: 'inbound' | 'outbound' }[]
  /** Gossip messages received so far, by topic and verdict (the network keeps the counts). */
  readonly gossipCounts: () => Readonly<Record<'block' | 'tx', Readonly<Record<string, number>>>>
  readonly mempool: () => { readonly transactions: number; readonly bytes: number }
  readonly sync: () => { readonly current: number; readonly target: number } | false
  readonly rpc: () => { readonly webSockets: number; readonly subscriptions: number }
  readonly caches: () => ChainCacheUsage
  /** The receipts of an executed block, to count its contract executions. */
  readonly receipts: (block: Block) => readonly Receipt[] | undefined
}

/** Import times from a millisecond (an empty block) to a minute (a block of heavy contracts). */
const IMPORT_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
/** Gas per block, up to and past the dev network's block gas limit of ten million. */
const GAS_BUCKETS = [0, 10_000, 50_000, 100_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000]
const TX_COUNT_BUCKETS = [0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000]

export class NodeMetrics {
  readonly registry = new Registry()
  private readonly imports: Counter<'result'>
  private readonly importSeconds: Histogram
  private readonly blockGas: Histogram
  private readonly blockTransactions: Histogram
  private readonly reorgs: Counter
  private readonly reorgedBlocks: Counter
  private readonly penalties: Counter<'reason'>
  private readonly bans: Counter<'reason'>
  private readonly admissions: Counter<'result'>
  private readonly vmExecutions: Counter<'status'>
  private readonly vmGas: Counter

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    new Gauge({
      name: 'chain_head_height',
      help: 'Height of the head block.',
      registers,
      collect() {
        this.set(sources.head().height)
      },
    })
    new Gauge({
      name: 'chain_head_total_work',
      help: 'Cumulative proof-of-work of the head chain (the fork-choice weight; a float, so approximate when huge).',
      registers,
      collect() {
        this.set(Number(sources.head().totalWork))
      },
    })
    new Gauge({
      name: 'chain_peers',
      help: 'Connected peers, by who dialled.',
      labelNames: ['direction'],
      registers,
      collect() {
        const peers = sources.peers()
        for (const direction of ['inbound', 'outbound'] as const) this.set({ direction }, peers.filter((peer) => peer.direction === direction).length)
      },
    })
    new Counter({
      name: 'chain_gossip_messages_total',
      help: 'Gossip messages received, by topic and by the verdict given to gossipsub (malformed: did not decode).',
      labelNames: ['topic', 'verdict'],
      registers,
      collect() {
        this.reset()
        for (const [topic, counts] of Object.entries(sources.gossipCounts())) {
          for (const [verdict, count] of Object.entries(counts)) this.inc({ topic, verdict }, count)
        }
      },
    })
    new Gauge({
      name: 'chain_mempool_transactions',
      help: 'Transactions waiting in the mempool.',
      registers,
      collect() {
        this.set(sources.mempool().transactions)
      },
    })
    new Gauge({
      name: 'chain_mempool_bytes',
      help: 'Encoded size of the transactions waiting in the mempool.',
      registers,
      collect() {
        this.set(sources.mempool().bytes)
      },
    })
    new Gauge({
      name: 'chain_sync_active',
      help: '1 while the node downloads a heavier chain from its peers, else 0.',
      registers,
      collect() {
        this.set(sources.sync() === false ? 0 : 1)
      },
    })
    new Gauge({
      name: 'chain_sync_current_height',
      help: 'Height the download has reached (the head height when not syncing).',
      registers,
      collect() {
        const sync = sources.sync()
        this.set(sync === false ? sources.head().height : sync.current)
      },
    })
    new Gauge({
      name: 'chain_sync_target_height',
      help: 'Height of the chain being downloaded (the head height when not syncing).',
      registers,
      collect() {
        const sync = sources.sync()
        this.set(sync === false ? sources.head().height : sync.target)
      },
    })
    new Gauge({
      name: 'chain_rpc_websockets',
      help: 'Open WebSocket connections to the RPC server.',
      registers,
      collect() {
        this.set(sources.rpc().webSockets)
      },
    })
    new Gauge({
      name: 'chain_rpc_subscriptions',
      help: 'Open WebSocket subscriptions.',
      registers,
      collect() {
        this.set(sources.rpc().subscriptions)
      },
    })
    const cacheNames = { trieNodes: 'trie_nodes', state: 'state', levelDb: 'leveldb' } as const satisfies Record<keyof ChainCacheUsage, string>
    const cacheGauge = (name: string, help: string, read: (usage: CacheUsage) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['cache'],
        registers,
        collect() {
          const caches = sources.caches()
          for (const [key, cache] of Object.entries(cacheNames)) this.set({ cache }, read(caches[key as keyof ChainCacheUsage]))
        },
      })
    }
    cacheGauge('chain_cache_bytes', 'Bytes a cache holds, as charged against its bound (values, keys and the objects around them; LevelDB: its block cache and memtables as it counts them), by cache.', (usage) => usage.bytes)
    cacheGauge('chain_cache_limit_bytes', 'The bound in bytes of each cache, by cache.', (usage) => usage.limit)
    this.imports = new Counter({ name: 'chain_block_imports_total', help: 'Block imports, by result: head, side (stored on a lighter branch), known, failed.', labelNames: ['result'], registers })
    this.importSeconds = new Histogram({ name: 'chain_block_import_duration_seconds', help: 'Time to import a block: checks, execution, and the write.', buckets: IMPORT_SECONDS_BUCKETS, registers })
    this.blockGas = new Histogram({ name: 'chain_block_gas_used', help: 'Gas used by each block that joined the canonical chain.', buckets: GAS_BUCKETS, registers })
    this.blockTransactions = new Histogram({ name: 'chain_block_transactions', help: 'Transactions in each block that joined the canonical chain.', buckets: TX_COUNT_BUCKETS, registers })
    this.reorgs = new Counter({ name: 'chain_reorgs_total', help: 'Reorganisations: head changes that took blocks out of the canonical chain.', registers })
    this.reorgedBlocks = new Counter({ name: 'chain_reorged_blocks_total', help: 'Blocks taken out of the canonical chain by reorganisations.', registers })
    this.penalties = new Counter({ name: 'chain_peer_penalties_total', help: 'Penalties charged to peers, by reason.', labelNames: ['reason'], registers })
    this.bans = new Counter({ name: 'chain_peer_bans_total', help: 'Peers banned, by the reason of the penalty that banned them.', labelNames: ['reason'], registers })
    this.admissions = new Counter({ name: 'chain_mempool_admissions_total', help: 'Transactions offered to the mempool (by RPC or gossip), by result: admitted, or the error code that refused them.', labelNames: ['result'], registers })
    this.vmExecutions = new Counter({ name: 'chain_vm_executions_total', help: 'Contract executions (deploys and calls) in canonical blocks, by receipt status.', labelNames: ['status'], registers })
    this.vmGas = new Counter({ name: 'chain_vm_gas_used_total', help: 'Gas used by contract executions in canonical blocks.', registers })
  }

  blockImported(timing: ImportTiming): void {
    this.imports.inc({ result: timing.status })
    this.importSeconds.observe(timing.durationMs / 1000)
  }

  headChanged(change: HeadChange): void {
    if (change.reverted.length > 0) {
      this.reorgs.inc()
      this.reorgedBlocks.inc(change.reverted.length)
    }
    for (const block of change.applied) {
      this.blockGas.observe(block.header.gasUsed)
      this.blockTransactions.observe(block.transactions.length)
      const receipts = this.sources.receipts(block) ?? []
      block.transactions.forEach((tx, index) => {
        const receipt = receipts[index]
        if (receipt === undefined || (tx.kind !== 'contract-deploy' && tx.kind !== 'contract-call')) return
        this.vmExecutions.inc({ status: receipt.status })
        this.vmGas.inc(receipt.gasUsed)
      })
    }
  }

  peerPenalised(reason: string): void {
    this.penalties.inc({ reason })
  }

  peerBanned(reason: string): void {
    this.bans.inc({ reason })
  }

  /** A transaction offered to the mempool: `admitted`, or the code of the error that refused it. */
  transactionOffered(result: string): void {
    this.admissions.inc({ result })
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}
