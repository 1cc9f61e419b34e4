/**
 * `chain account recover`: rebuilds an account from its 24-word recovery phrase (the same key,
 * so the same id), into a new keystore file with a new password.
 */
import { Flags } from '@oclif/core'
import { ChainCommand } from '../../cli/base-command.js'
import { describeIdentity, identityResult, lightKdfFlag, passwordFileFlag, type IdentityResult } from '../../cli/account-flags.js'
import { askLine, PasswordError, readPassword, readSecretFile } from '../../cli/password.js'
import { recoverAccount } from '../../keystore/accounts.js'

export default class AccountRecover extends ChainCommand<typeof AccountRecover> {
  static override summary = 'Rebuild an account from its recovery phrase.'

  static override description = `The phrase comes from --mnemonic-file (the words separated by spaces or new lines) or, at a terminal, a hidden prompt. The key is derived from it along the path in docs/identity.md, so the id is the one the phrase was made for. The new keystore is encrypted with a new password (--password-file, CHAIN_PASSWORD, or asked twice). An account already in the keystore is not recovered twice.`

  static override examples = [
    {
      description: 'Recover from a phrase kept in a file',
      command: '<%= config.bin %> <%= command.id %> --mnemonic-file ./phrase.txt',
    },
    { description: 'Type the phrase at a prompt', command: '<%= config.bin %> <%= command.id %>' },
  ]

  static override flags = {
    'mnemonic-file': Flags.string({
      summary: 'Read the recovery phrase from this file instead of asking.',
      helpValue: 'FILE',
    }),
    'password-file': passwordFileFlag,
    'light-kdf': lightKdfFlag,
  }

  public async run(): Promise<IdentityResult> {
    const mnemonic = await this.readMnemonic()
    const password = await readPassword({ passwordFile: this.flags['password-file'], confirm: true, prompt: 'New password' })
    const account = await recoverAccount(this.flags.datadir, mnemonic, password, { lightKdf: this.flags['light-kdf'] })
    const result = identityResult(account)
    if (!this.jsonEnabled()) this.log(['Account recovered.', ...describeIdentity(result)].join('\n'))
    return result
  }

  private async readMnemonic(): Promise<string> {
    const file = this.flags['mnemonic-file']
    if (file !== undefined) return readSecretFile(file, 'recovery phrase')
    if (!process.stdin.isTTY) {
      throw new PasswordError('PASSWORD_ERROR_NO_SOURCE', 'a recovery phrase is needed: give --mnemonic-file FILE, or run in a terminal to be asked')
    }
    return askLine('Recovery phrase (hidden): ', { hidden: true })
  }
}
