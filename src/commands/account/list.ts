/**
 * `chain account list`: the accounts in the data dir's keystore, oldest first; the first is
 * the node's identity. Needs no password: ids and public keys are stored in the clear.
 */
import { ChainCommand, networkFlags } from '../../cli/base-command.js'
import { toHex } from '../../encoding/bytes.js'
import { listAccounts } from '../../keystore/accounts.js'
import { registrationsOf } from '../../client/offline.js'

export interface AccountListEntry {
  readonly id: string
  readonly publicKey: string
  readonly keystore: string
  /** ISO 8601, from the keystore file's name. */
  readonly created: string
  /** Whether this is the node's identity (the oldest account). */
  readonly identity: boolean
  /** Whether the account is registered on chain; `null` when the data dir has no chain data to say. */
  readonly registered: boolean | null
  /** The account's current encryption key (X25519, hex); `null` when its keystore has none. */
  readonly encryptionKey: string | null
}

export default class AccountList extends ChainCommand<typeof AccountList> {
  static override summary = 'List the accounts in the keystore, oldest (the node identity) first.'

  static override description = `Reads <datadir>/keystore/ without a password: ids and public keys are stored unencrypted beside the encrypted secret keys. The oldest account is the node's identity unless a command is given --account. Whether each account is registered is asked of the running node, or read from the chain database (unknown when the data dir has no chain data yet); \`chain account register ID\` registers one.`

  static override flags = { ...networkFlags }

  static override examples = [
    { description: 'List the accounts', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'As JSON, for scripts', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  public async run(): Promise<AccountListEntry[]> {
    const accounts = await listAccounts(this.flags.datadir)
    const registered = accounts.length === 0 ? [] : await registrationsOf(this.flags.datadir, accounts.map((account) => account.id), this.flags)
    const entries = accounts.map((account, index) => ({
      id: account.id,
      publicKey: toHex(account.publicKey),
      keystore: account.path,
      created: account.created.toISOString(),
      identity: index === 0,
      registered: registered[index] ?? null,
      encryptionKey: account.encryptionKey === undefined ? null : toHex(account.encryptionKey),
    }))
    if (!this.jsonEnabled()) {
      if (entries.length === 0) this.log(`No account in ${this.flags.datadir}. Create the identity with \`chain init\`.`)
      const shown = (value: boolean | null): string => (value === null ? 'unknown   ' : value ? 'registered' : 'not yet   ')
      for (const entry of entries) {
        this.log(`${entry.identity ? '*' : ' '} ${entry.id}  ${shown(entry.registered)}  ${entry.created}  ${entry.keystore}`)
      }
      if (entries.length > 0) this.log('(* the node identity)')
    }
    return entries
  }
}
