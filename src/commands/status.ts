import { ChainCommand } from '../cli/base-command.js'
import { requireNode } from '../node/client.js'

export interface StatusResult {
  readonly network: string
  readonly genesis: string
  readonly height: number
  readonly head: string
  readonly peers: number
  readonly syncing: false | { readonly target: number; readonly current: number }
  readonly totalWork: string
  readonly peerId: string
  readonly mempool: { readonly transactions: number; readonly bytes: number }
  readonly mining: { readonly enabled: boolean; readonly hashRate: number; readonly blocksMined: number }
}

export default class Status extends ChainCommand<typeof Status> {
  static override summary = 'Show the running node’s view of the chain: network, head, peers, sync and mining.'
  static override description = 'Asks the node running on the data dir over its RPC.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json --datadir ./node1']

  async run(): Promise<StatusResult> {
    const status = await (await requireNode(this.flags.datadir)).call<StatusResult>('status')
    if (!this.jsonEnabled()) {
      const sync = status.syncing === false ? 'in sync' : `syncing ${status.syncing.current}/${status.syncing.target}`
      this.log(`network  ${status.network} (${status.genesis.slice(0, 16)}…)`)
      this.log(`head     ${status.height}  ${status.head}`)
      this.log(`peers    ${status.peers}   ${sync}`)
      this.log(`mempool  ${status.mempool.transactions} transactions, ${status.mempool.bytes} bytes`)
      if (status.mining.enabled) this.log(`mining   ${Math.round(status.mining.hashRate)} H/s, ${status.mining.blocksMined} blocks mined`)
      this.log(`peer id  ${status.peerId}`)
    }
    return status
  }
}
