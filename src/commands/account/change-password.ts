/**
 * `chain account change-password [ID]`: re-encrypts an account with a new password. The new
 * file is written and synced before the old one is removed: a crash loses neither.
 */
import { Args, Flags } from '@oclif/core'
import { ChainCommand } from '../../cli/base-command.js'
import { describeIdentity, identityResult, lightKdfFlag, passwordFileFlag, type IdentityResult } from '../../cli/account-flags.js'
import { readPassword } from '../../cli/password.js'
import { findAccount, lockAccount, reencryptAccount, unlockAccount } from '../../keystore/accounts.js'

export default class AccountChangePassword extends ChainCommand<typeof AccountChangePassword> {
  static override summary = 'Re-encrypt an account with a new password (the node identity by default).'

  static override description = `The current password comes from --password-file, CHAIN_PASSWORD or a prompt; the new one from --new-password-file, CHAIN_NEW_PASSWORD or a prompt (asked twice, weak ones refused). The account keeps its id and its place in the account order; its file gets a new name, and a fresh salt and IV.`

  static override examples = [
    { description: 'Change the identity’s password, asked at the terminal', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'In a script',
      command: '<%= config.bin %> <%= command.id %> ch1… --password-file old.txt --new-password-file new.txt',
    },
  ]

  static override args = {
    id: Args.string({ description: 'Participant id (ch1…) of the account; the node identity by default.' }),
  }

  static override flags = {
    'password-file': passwordFileFlag,
    'new-password-file': Flags.string({
      summary: 'Read the new password from the first line of this file instead of asking.',
      description: 'Without it, CHAIN_NEW_PASSWORD is used if set, else the new password is asked for twice.',
      helpValue: 'FILE',
    }),
    'light-kdf': lightKdfFlag,
  }

  public async run(): Promise<IdentityResult> {
    const account = await findAccount(this.flags.datadir, this.args.id)
    const oldPassword = await readPassword({ passwordFile: this.flags['password-file'], prompt: `Current password of ${account.id}` })
    // Checked before a new password is asked for: a typo is reported at once.
    const unlocked = await unlockAccount(account.path, oldPassword)
    try {
      const newPassword = await readPassword({
        passwordFile: this.flags['new-password-file'],
        fileFlag: '--new-password-file',
        env: 'CHAIN_NEW_PASSWORD',
        confirm: true,
        prompt: 'New password',
      })
      const changed = await reencryptAccount(this.flags.datadir, account, unlocked, newPassword, {
        lightKdf: this.flags['light-kdf'],
      })
      const result = identityResult(changed)
      if (!this.jsonEnabled()) this.log(['Password changed.', ...describeIdentity(result)].join('\n'))
      return result
    } finally {
      lockAccount(unlocked)
    }
  }
}
