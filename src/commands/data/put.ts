/**
 * `chain data put`: an encrypted record on the ledger, readable only by its recipients and the
 * sender (docs/records.md).
 */
import { Args, Flags } from '@oclif/core'
import { readFile, stat } from 'node:fs/promises'
import { ChainCommand, CommandError } from '../../cli/base-command.js'
import { accountFlag, passwordFileFlag } from '../../cli/account-flags.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { readPassword } from '../../cli/password.js'
import { sendFlags } from '../../cli/transaction-flags.js'
import { utf8 } from '../../encoding/bytes.js'
import { findAccount } from '../../keystore/accounts.js'
import { requireNode } from '../../client/connect.js'
import { waitForInclusion } from '../../client/wallet.js'
import { checkRecordSize, putRecord } from '../../participants/records.js'

export interface DataPutResult {
  /** The record's transaction hash: what `chain data get` takes. */
  readonly hash: string
  readonly recipients: readonly string[]
  readonly bytes: number
  readonly block?: { readonly hash: string; readonly height: number }
}

export default class DataPut extends ChainCommand<typeof DataPut> {
  static override summary = 'Put data on the ledger encrypted to some participants (an encrypted record).'

  static override description = `Encrypts FILE (or --text) with a fresh key, wraps that key with HPKE to each recipient's published encryption key (each checked against the recipient's id) and to the sender's, and sends the record through the running node. Prints the transaction hash. Everyone sees the sender, the recipients, the size and the time; only the recipients can read the data (docs/records.md). Unknown, unregistered or duplicate recipients, recipients without an encryption key and data over 32 KiB are refused before anything is signed.`

  static override examples = [
    { description: 'A note to two participants', command: '<%= config.bin %> <%= command.id %> --to ch1… --to ch1… --text "meet at noon" --wait' },
    { description: 'A file, as JSON', command: '<%= config.bin %> <%= command.id %> --to ch1… report.pdf --json' },
  ]

  static override args = {
    file: Args.file({ description: 'File whose contents to put (or --text).', exists: true }),
  }

  static override flags = {
    to: Flags.string({ summary: 'A recipient (ch1…); repeat for several. The sender is always one.', multiple: true, multipleNonGreedy: true, required: true, helpValue: 'ID' }),
    text: Flags.string({ summary: 'The data, as text, instead of FILE.', exclusive: ['file'], helpValue: 'TEXT' }),
    account: accountFlag,
    'password-file': passwordFileFlag,
    wait: sendFlags.wait,
    timeout: sendFlags.timeout,
  }

  public async run(): Promise<DataPutResult> {
    const plaintext = await this.readData()
    const account = await findAccount(this.flags.datadir, this.flags.account)
    const client = await requireNode(this.flags.datadir)
    const password = (): Promise<string> => readPassword({ passwordFile: this.flags['password-file'], prompt: `Password of ${account.id}` })
    const sent = await putRecord(client, { account, password, to: this.flags.to, plaintext })
    const result: DataPutResult = { hash: sent.hash, recipients: sent.recipients, bytes: plaintext.length }
    plaintext.fill(0)
    if (!this.flags.wait) {
      if (!this.jsonEnabled()) this.log(sent.hash)
      return result
    }
    const included = await waitForInclusion(client, sent.hash, this.flags.timeout * 1000)
    const block = { hash: included.block!.hash, height: included.block!.height }
    if (!this.jsonEnabled()) this.log(`${sent.hash}\n  in block ${block.height}`)
    return { ...result, block }
  }

  /** The data to put, refused when too large before it is read whole. */
  private async readData(): Promise<Uint8Array> {
    if (this.flags.text !== undefined) {
      const bytes = utf8(this.flags.text)
      checkRecordSize(bytes.length)
      return bytes
    }
    if (this.args.file === undefined) throw new CommandError('give the data as FILE or --text TEXT', ExitCode.Usage)
    checkRecordSize((await stat(this.args.file)).size)
    return new Uint8Array(await readFile(this.args.file))
  }
}
