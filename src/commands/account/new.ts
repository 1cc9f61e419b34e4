/**
 * `chain account new`: another account in the keystore, with its own key, id and recovery
 * phrase. (`chain init` makes the first one, the node's identity.)
 */
import { ChainCommand } from '../../cli/base-command.js'
import { describeIdentity, lightKdfFlag, mnemonicFlag, passwordFileFlag, type IdentityResult } from '../../cli/account-flags.js'
import { createIdentity } from '../../cli/identity-wizard.js'

export default class AccountNew extends ChainCommand<typeof AccountNew> {
  static override summary = 'Create another account: a new key pair, id, keystore file and recovery phrase.'

  static override description = `The password comes from --password-file, CHAIN_PASSWORD, or a hidden prompt (asked twice). The 24-word recovery phrase is printed once: write it down, or use --no-mnemonic and back up the keystore file instead.`

  static override examples = [
    { description: 'Create an account, asked for a password', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'In a script',
      command: '<%= config.bin %> <%= command.id %> --password-file ./password.txt --json',
    },
  ]

  static override flags = {
    'password-file': passwordFileFlag,
    'light-kdf': lightKdfFlag,
    mnemonic: mnemonicFlag,
  }

  public async run(): Promise<IdentityResult> {
    const result = await createIdentity(this.flags.datadir, { passwordFile: this.flags['password-file'], lightKdf: this.flags['light-kdf'], mnemonic: this.flags.mnemonic })
    if (!this.jsonEnabled()) this.log(['Account created.', ...describeIdentity(result)].join('\n'))
    return result
  }
}
