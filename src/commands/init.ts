/**
 * `chain init`: the identity wizard. At a terminal it asks for a password (twice, hidden),
 * shows the new id and its 24-word recovery phrase, checks three of the words, then writes the
 * keystore. With `--password-file` or `CHAIN_PASSWORD` it asks nothing and prints the result.
 */
import { ChainCommand, CommandError } from '../cli/base-command.js'
import {
  describeIdentity,
  identityResult,
  lightKdfFlag,
  mnemonicFlag,
  passwordFileFlag,
  type IdentityResult,
} from '../cli/account-flags.js'
import { createIdentity, runIdentityWizard } from '../cli/identity-wizard.js'
import { PASSWORD_ENV } from '../cli/password.js'
import { listAccounts } from '../keystore/accounts.js'

export default class Init extends ChainCommand<typeof Init> {
  static override summary = 'Create this node’s identity: an Ed25519 key pair, its id, and an encrypted keystore.'

  static override description = `At a terminal, a short wizard asks for a password (twice, hidden; weak ones are refused with the reason), shows the new participant id and its 24-word recovery phrase, asks for three of the words to check they were written down, and writes the keystore to <datadir>/keystore/.

With --password-file (or CHAIN_PASSWORD), or when stdin is not a terminal, it asks nothing and prints the id, public key, keystore path and recovery phrase (--no-mnemonic leaves the phrase out).

It refuses to run where an identity already exists: add more accounts with \`chain account new\`. See docs/identity.md.`

  static override examples = [
    { description: 'Create the identity interactively', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'In a script, with the password in a file, printing JSON',
      command: '<%= config.bin %> <%= command.id %> --password-file ./password.txt --json',
    },
    {
      description: 'A throwaway identity for a test network',
      command: 'CHAIN_PASSWORD=correct-horse-battery <%= config.bin %> <%= command.id %> --datadir /tmp/node1 --light-kdf',
    },
  ]

  static override flags = {
    'password-file': passwordFileFlag,
    'light-kdf': lightKdfFlag,
    mnemonic: mnemonicFlag,
  }

  public async run(): Promise<IdentityResult> {
    const { datadir } = this.flags
    const existing = await listAccounts(datadir)
    if (existing[0] !== undefined) {
      throw new CommandError(
        `an identity already exists in ${datadir} (${existing[0].id}); add another account with \`chain account new\``,
      )
    }
    const envPassword = process.env[PASSWORD_ENV]
    const interactive = process.stdin.isTTY && this.flags['password-file'] === undefined && (envPassword ?? '') === ''
    const result = interactive ? await this.wizard() : await this.unattended()
    // The wizard showed the phrase once already and cleared it; it is not printed again.
    const shown = interactive ? { id: result.id, publicKey: result.publicKey, keystore: result.keystore } : result
    if (!this.jsonEnabled()) this.log(['Identity created.', ...describeIdentity(shown)].join('\n'))
    return result
  }

  private unattended(): Promise<IdentityResult> {
    return createIdentity(this.flags.datadir, { passwordFile: this.flags['password-file'], lightKdf: this.flags['light-kdf'], mnemonic: this.flags.mnemonic })
  }

  private async wizard(): Promise<IdentityResult> {
    const { account, mnemonic } = await runIdentityWizard(this.flags.datadir, { lightKdf: this.flags['light-kdf'], mnemonic: this.flags.mnemonic })
    return identityResult(account, this.flags.mnemonic ? mnemonic : undefined)
  }
}
