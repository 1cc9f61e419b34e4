/**
 * `chain account list`: the accounts in the data dir's keystore, oldest first; the first is
 * the node's identity. Needs no password: ids and public keys are stored in the clear.
 */
import { ChainCommand } from '../../cli/base-command.js'
import { toHex } from '../../encoding/bytes.js'
import { listAccounts } from '../../keystore/accounts.js'

export interface AccountListEntry {
  readonly id: string
  readonly publicKey: string
  readonly keystore: string
  /** ISO 8601, from the keystore file's name. */
  readonly created: string
  /** Whether this is the node's identity (the oldest account). */
  readonly identity: boolean
}

export default class AccountList extends ChainCommand<typeof AccountList> {
  static override summary = 'List the accounts in the keystore, oldest (the node identity) first.'

  static override description = `Reads <datadir>/keystore/ without a password: ids and public keys are stored unencrypted beside the encrypted secret key. The oldest account is the node's identity unless a command is given --account.`

  static override examples = [
    { description: 'List the accounts', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'As JSON, for scripts', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  public async run(): Promise<AccountListEntry[]> {
    const accounts = await listAccounts(this.flags.datadir)
    const entries = accounts.map((account, index) => ({
      id: account.id,
      publicKey: toHex(account.publicKey),
      keystore: account.path,
      created: account.created.toISOString(),
      identity: index === 0,
    }))
    if (!this.jsonEnabled()) {
      if (entries.length === 0) this.log(`No account in ${this.flags.datadir}. Create the identity with \`chain init\`.`)
      for (const entry of entries) {
        this.log(`${entry.identity ? '*' : ' '} ${entry.id}  ${entry.created}  ${entry.keystore}`)
      }
      if (entries.length > 0) this.log('(* the node identity)')
    }
    return entries
  }
}
