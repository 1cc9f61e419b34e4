import { ChainCommand } from '../../cli/base-command.js'
import { requireNode } from '../../client/connect.js'
import type { SignersResult } from '../../rpc/api.js'

export default class Signers extends ChainCommand<typeof Signers> {
  static override summary = 'List the signers of a proof-of-authority network at the head, and the votes pending.'
  static override description =
    'Asks the node running on the data dir over its RPC. Signers are listed in turn order (block h is in turn for signer h mod N); a vote passes with more than half of them (docs/consensus.md).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json --datadir ./node1']

  async run(): Promise<SignersResult> {
    const result = await (await requireNode(this.flags.datadir)).call('signers', {})
    if (!this.jsonEnabled()) {
      this.log(`${result.signers.length} signers (a change needs ${Math.floor(result.signers.length / 2) + 1} votes)`)
      result.signers.forEach((signer, index) => {
        const self = signer.publicKey === result.self.publicKey ? '  (this node)' : ''
        this.log(`  ${index}  ${signer.id}  ${signer.publicKey}${self}`)
      })
      this.log(result.votes.length === 0 ? 'no votes pending' : 'votes pending:')
      for (const vote of result.votes) this.log(`  ${vote.voter.id} votes to ${vote.add ? 'add' : 'remove'} ${vote.target.id} (${vote.target.publicKey})`)
      for (const proposal of result.proposals) this.log(`this node votes to ${proposal.add ? 'add' : 'remove'} ${proposal.target.id} in the blocks it seals`)
    }
    return result
  }
}
