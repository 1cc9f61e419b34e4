import { ChainCommand } from '../cli/base-command.js'
import { requireNode } from '../client/connect.js'
import type { PeerView } from '../rpc/api.js'

export default class Peers extends ChainCommand<typeof Peers> {
  static override summary = 'List the peers the running node is connected to.'
  static override description = 'Asks the node running on the data dir over its RPC.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<{ readonly peers: readonly PeerView[] }> {
    const peers = await (await requireNode(this.flags.datadir)).peers()
    if (!this.jsonEnabled()) {
      if (peers.length === 0) this.log('no peers')
      for (const peer of peers) {
        const latency = peer.latencyMs === undefined ? '' : ` ${Math.round(peer.latencyMs)} ms`
        const height = peer.height === undefined ? '' : ` height ${peer.height}`
        this.log(`${peer.peerId} ${peer.direction}${latency}${height}  ${peer.addresses.join(' ')}`)
      }
    }
    return { peers }
  }
}
