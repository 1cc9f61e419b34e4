/**
 * `chain account export [ID]`: prints an account's keystore file, for a backup or another
 * tool. The key stays encrypted: the output is as safe as the password.
 */
import { Args } from '@oclif/core'
import { ChainCommand } from '../../cli/base-command.js'
import { findAccount, readAccountText } from '../../keystore/accounts.js'

export default class AccountExport extends ChainCommand<typeof AccountExport> {
  static override summary = 'Print an account’s keystore file (still encrypted), the node identity by default.'

  static override description = `The output is the v3 file exactly as stored: keep it with the password (separately) as a backup, or import it elsewhere with \`chain account import\`. Tools that read the v3 format (ethers, geth) can decrypt it; they derive their own address, not this id.`

  static override examples = [
    { description: 'Back up the node identity', command: '<%= config.bin %> <%= command.id %> > identity-backup.json' },
  ]

  static override args = {
    id: Args.string({ description: 'Participant id (ch1…) of the account; the node identity by default.' }),
  }

  public async run(): Promise<unknown> {
    const account = await findAccount(this.flags.datadir, this.args.id)
    const text = await readAccountText(account.path)
    if (!this.jsonEnabled()) process.stdout.write(text)
    return JSON.parse(text) as unknown
  }
}
