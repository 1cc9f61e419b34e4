/**
 * The node's heartbeat: in a terminal, a status line every few seconds (height, head, peers,
 * mempool, hash rate, or on proof-of-authority the signer count and whether this node signs);
 * otherwise the same as a structured log line, less often. Either only when something changed
 * since the last one (the hash rate aside: it always moves), so an idle node stays quiet. Each
 * interval also logs how many transactions peers sent, when any did.
 */
import type { Chain } from '../chain/chain.js'
import type { Mempool } from '../chain/mempool.js'
import { toHex } from '../encoding/bytes.js'
import type { Logger } from '../log.js'
import type { Network } from '../network/network.js'
import type { ConsensusStatus } from '../consensus/consensus.js'
import type { ConsensusView } from '../rpc/api.js'
import type { MiningService } from './mining.js'

/** A terminal line every 5 s feels live without scrolling too fast. */
const TERMINAL_INTERVAL_MS = 5_000
/** Logs are kept: one status line every 30 s is enough to follow a node. */
const LOG_INTERVAL_MS = 30_000

export interface StatusInit {
  readonly chain: Pick<Chain, 'head'>
  /** The consensus as the status line shows it (signers, whether this node signs). */
  readonly consensus: () => ConsensusView
  readonly mempool: Pick<Mempool, 'size'>
  readonly network: Pick<Network, 'peers'>
  readonly mining: Pick<MiningService, 'hashRate' | 'blocksMined'> | undefined
  readonly log: Logger
  readonly terminal: boolean
  /** While a sync runs, its progress bar is the terminal's status line. */
  readonly syncing: () => boolean
  /** Transactions from peers admitted to the pool since the last call. */
  readonly takeTransactionsReceived: () => number
}

function hashRate(perSecond: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s']
  let value = perSecond
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(value < 10 ? 2 : 0)} ${units[unit]}`
}


export function consensusView(status: ConsensusStatus, sealing: boolean): ConsensusView {
  return { type: status.type, signers: status.signers, signing: sealing && (status.type === 'pow' || status.isSigner === true) }
}

export class StatusReporter {
  private timer: NodeJS.Timeout | undefined
  /** What the last status line said, without the hash rate: the next one is printed only if it differs. */
  private lastReported = ''

  constructor(private readonly init: StatusInit) {}

  start(): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => this.report(), this.init.terminal ? TERMINAL_INTERVAL_MS : LOG_INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** One tick of the heartbeat (the timer's; public for tests). */
  report(): void {
    const { chain, mempool, network, mining, log, terminal } = this.init
    const received = this.init.takeTransactionsReceived()
    if (received > 0) log.info('transactions received', { count: received, seconds: (terminal ? TERMINAL_INTERVAL_MS : LOG_INTERVAL_MS) / 1000 })
    if (terminal && this.init.syncing()) return
    const steady = {
      height: chain.head.header.height,
      head: toHex(chain.head.hash).slice(0, 12),
      peers: network.peers().length,
      mempool: mempool.size,
      ...(mining === undefined ? {} : { mined: mining.blocksMined }),
    }
    const consensus = this.init.consensus()
    const key = JSON.stringify({ ...steady, consensus })
    if (key === this.lastReported) return
    this.lastReported = key
    const fields = { ...steady, ...(mining === undefined ? {} : { hashRate: hashRate(mining.hashRate()) }) }
    if (consensus.type === 'poa') {
      const role = consensus.signing ? `signing, ${mining?.blocksMined ?? 0} sealed` : 'following'
      const line = `height ${fields.height}  head ${fields.head}…  peers ${fields.peers}  mempool ${fields.mempool}  poa ${consensus.signers} signers, ${role}`
      if (terminal) process.stderr.write(`${line}\n`)
      else log.info('status', { height: fields.height, head: fields.head, peers: fields.peers, mempool: fields.mempool, consensus: 'poa', signers: consensus.signers, signing: consensus.signing, sealed: mining?.blocksMined ?? 0 })
      return
    }
    if (terminal) {
      const mined = mining === undefined ? '' : `  mining ${fields.hashRate}, ${fields.mined} mined`
      process.stderr.write(`height ${fields.height}  head ${fields.head}…  peers ${fields.peers}  mempool ${fields.mempool}${mined}\n`)
    } else {
      log.info('status', fields)
    }
  }
}
