/**
 * The node's heartbeat: in a terminal, a status line every few seconds (height, head, peers,
 * mempool, hash rate, or on proof-of-authority the signer count and whether this node signs);
 * otherwise the same as a structured log line, less often.
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
  readonly chain: Chain
  readonly mempool: Mempool
  readonly network: Network
  readonly mining: MiningService | undefined
  readonly log: Logger
  readonly terminal: boolean
  /** While a sync runs, its progress bar is the terminal's status line. */
  readonly syncing: () => boolean
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

  private report(): void {
    const { chain, mempool, network, mining, log, terminal } = this.init
    if (terminal && this.init.syncing()) return
    const fields = {
      height: chain.head.header.height,
      head: toHex(chain.head.hash).slice(0, 12),
      peers: network.peers().length,
      mempool: mempool.size,
      ...(mining === undefined ? {} : { hashRate: hashRate(mining.hashRate()), mined: mining.blocksMined }),
    }
    const consensus = consensusView(chain.consensus.status(chain.head, chain.store), mining !== undefined)
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
