/**
 * `chain account show [ID]`: one account's id, public key and keystore file, the node's
 * identity when no id is given. Needs no password.
 */
import { Args } from '@oclif/core'
import { ChainCommand, networkFlags } from '../../cli/base-command.js'
import { describeIdentity, identityResult, type IdentityResult } from '../../cli/account-flags.js'
import { findAccount } from '../../keystore/accounts.js'
import { participantStandingOf } from '../../client/offline.js'

/** `account show` adds whether the id is registered on chain and its nonce (`null`: no chain data to say). */
export type AccountShowResult = IdentityResult & { readonly registered: boolean | null; readonly nonce: number | null }

export default class AccountShow extends ChainCommand<typeof AccountShow> {
  static override summary = 'Show an account: its id, public key and keystore file.'

  static override description =
    "Without ID, shows the node's identity (the oldest account). `registered` says whether the id is registered on chain, and `nonce` how many of its transactions are included (the nonce of its next one): asked of the running node, or read from the data dir's chain database; null when the data dir has no chain data yet."

  static override examples = [
    { description: 'The node identity', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Another account, as JSON', command: '<%= config.bin %> <%= command.id %> ch1… --json' },
  ]

  static override args = {
    id: Args.string({ description: 'Participant id (ch1…) of the account; the node identity by default.' }),
  }

  static override flags = { ...networkFlags }

  public async run(): Promise<AccountShowResult> {
    const identity = identityResult(await findAccount(this.flags.datadir, this.args.id))
    const standing = await participantStandingOf(this.flags.datadir, identity.id, this.flags)
    const result = { ...identity, registered: standing?.registered ?? null, nonce: standing?.nonce ?? null }
    if (!this.jsonEnabled()) {
      const registered = standing === undefined ? 'unknown (no chain data here yet)' : standing.registered ? 'yes' : 'no'
      const nonce = standing === undefined ? 'unknown' : `${standing.nonce} (transactions included so far)`
      this.log([...describeIdentity(identity), `  registered  ${registered}`, `  nonce       ${nonce}`].join('\n'))
    }
    return result
  }
}
