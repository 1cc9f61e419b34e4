/**
 * `chain data list`: the encrypted records an account is a recipient of. Needs no password:
 * who can read which record is public (docs/records.md).
 */
import { ChainCommand } from '../../cli/base-command.js'
import { accountFlag } from '../../cli/account-flags.js'
import { findAccount } from '../../keystore/accounts.js'
import { requireNode } from '../../client/connect.js'
import { listRecords, type RecordListEntry } from '../../participants/records.js'

export default class DataList extends ChainCommand<typeof DataList> {
  static override summary = 'List the encrypted records an account can read, oldest first.'

  static override description = `Asks the running node for the records whose recipients include the account (the node identity unless --account): their hashes, senders and block heights. Reading one needs \`chain data get HASH\` and the account's password.`

  static override examples = [
    { description: 'The node identity’s records', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Another account’s, as JSON', command: '<%= config.bin %> <%= command.id %> --account ch1… --json' },
  ]

  static override flags = { account: accountFlag }

  public async run(): Promise<readonly RecordListEntry[]> {
    const account = await findAccount(this.flags.datadir, this.flags.account)
    const client = await requireNode(this.flags.datadir)
    const entries = await listRecords(client, account.id)
    if (!this.jsonEnabled()) {
      if (entries.length === 0) this.log(`No record readable by ${account.id}.`)
      for (const entry of entries) this.log(`${entry.hash}  block ${entry.height}  from ${entry.sender}`)
    }
    return entries
  }
}
