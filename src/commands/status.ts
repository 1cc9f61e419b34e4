import { ChainCommand } from '../cli/base-command.js'
import { requireNode } from '../client/connect.js'
import type { StatusView } from '../rpc/api.js'

export type StatusResult = StatusView

export default class Status extends ChainCommand<typeof Status> {
  static override summary = 'Show the running node’s view of the chain: network, head, peers, sync, consensus and mining.'
  static override description = 'Asks the node running on the data dir over its RPC.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json --datadir ./node1']

  async run(): Promise<StatusResult> {
    const status = await (await requireNode(this.flags.datadir)).status()
    if (!this.jsonEnabled()) {
      const sync = status.syncing === false ? 'in sync' : `syncing ${status.syncing.current}/${status.syncing.target}`
      this.log(`network  ${status.network} (${status.genesis.slice(0, 16)}…)`)
      this.log(`head     ${status.height}  ${status.head}`)
      this.log(`peers    ${status.peers}   ${sync}`)
      this.log(`mempool  ${status.mempool.transactions} transactions, ${status.mempool.bytes} bytes`)
      if (status.consensus.type === 'poa') {
        this.log(`consensus proof-of-authority, ${status.consensus.signers} signers, ${status.consensus.signing ? `this node signs (${status.mining.blocksMined} sealed)` : 'this node follows'}`)
      } else {
        this.log('consensus proof-of-work')
        if (status.mining.enabled) this.log(`mining   ${Math.round(status.mining.hashRate)} H/s, ${status.mining.blocksMined} blocks mined`)
      }
      this.log(`peer id  ${status.peerId}`)
    }
    return status
  }
}
