import { Flags } from '@oclif/core'
import { ChainCommand } from '../../cli/base-command.js'
import { requireNode } from '../../client/connect.js'
import type { VoteResult } from '../../rpc/api.js'

export default class SignersVote extends ChainCommand<typeof SignersVote> {
  static override summary = 'Make this node vote to add or remove a signer, in every block it seals.'
  static override description =
    'The running node (a signer) puts the vote in the headers it seals for as long as the vote would change something; a change passes when more than half of the signers vote for it, and an epoch checkpoint clears pending votes (docs/consensus.md). KEY is a public key (64 hex digits) or the id of a participant registered on chain. Being registered grants no authority: only votes do.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --add 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29',
    '<%= config.bin %> <%= command.id %> --remove ch1qv…',
  ]
  static override flags = {
    add: Flags.string({ summary: 'Vote to make KEY a signer.', helpValue: 'KEY', exactlyOne: ['add', 'remove'] }),
    remove: Flags.string({ summary: 'Vote to remove KEY from the signers.', helpValue: 'KEY', exactlyOne: ['add', 'remove'] }),
  }

  async run(): Promise<VoteResult> {
    const add = this.flags.add !== undefined
    const target = this.flags.add ?? this.flags.remove!
    const result = await (await requireNode(this.flags.datadir)).call('voteSigner', { target, add })
    if (!this.jsonEnabled()) {
      const what = `${result.add ? 'add' : 'remove'} ${result.target.id}`
      this.log(result.changesSomething ? `this node now votes to ${what} in the blocks it seals` : `noted, but a vote to ${what} changes nothing at the head: it is not put in blocks while that holds`)
      if (!result.voterIsSigner) this.log('this node is not a signer: it seals no blocks, so its vote counts only once it is one')
    }
    return result
  }
}
