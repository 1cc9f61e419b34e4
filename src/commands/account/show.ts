/**
 * `chain account show [ID]`: one account's id, public key and keystore file, the node's
 * identity when no id is given. Needs no password.
 */
import { Args } from '@oclif/core'
import { ChainCommand } from '../../cli/base-command.js'
import { describeIdentity, identityResult, type IdentityResult } from '../../cli/account-flags.js'
import { findAccount } from '../../keystore/accounts.js'

export default class AccountShow extends ChainCommand<typeof AccountShow> {
  static override summary = 'Show an account: its id, public key and keystore file.'

  static override description = `Without ID, shows the node's identity (the oldest account). Whether the id is registered on chain is shown by commands that read the chain.`

  static override examples = [
    { description: 'The node identity', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Another account, as JSON', command: '<%= config.bin %> <%= command.id %> ch1… --json' },
  ]

  static override args = {
    id: Args.string({ description: 'Participant id (ch1…) of the account; the node identity by default.' }),
  }

  public async run(): Promise<IdentityResult> {
    const result = identityResult(await findAccount(this.flags.datadir, this.args.id))
    if (!this.jsonEnabled()) this.log(describeIdentity(result).join('\n'))
    return result
  }
}
