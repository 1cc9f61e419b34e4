/**
 * `chain data get HASH`: decrypts an encrypted record with the keystore of one of its
 * recipients (docs/records.md).
 */
import { Args, Flags } from '@oclif/core'
import { ChainCommand, CommandError } from '../../cli/base-command.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { accountFlag, passwordFileFlag } from '../../cli/account-flags.js'
import { readPassword } from '../../cli/password.js'
import { parseHash } from '../../chain/queries.js'
import { fromUtf8, toHex } from '../../encoding/bytes.js'
import { isErrno, writeFileAtomic } from '../../files.js'
import { findAccount } from '../../keystore/accounts.js'
import { formatParticipantId } from '../../crypto/identity.js'
import { requireNode } from '../../client/connect.js'
import { decryptRecord, fetchRecord } from '../../participants/records.js'

export interface DataGetResult {
  readonly hash: string
  readonly sender: string
  readonly recipients: readonly string[]
  /** Height of the block holding the record; `null` while it is pending. */
  readonly height: number | null
  readonly bytes: number
  /** The data as text, when it is UTF-8 and not written to --out. */
  readonly text?: string
  /** The data as base64, when it is not UTF-8 and not written to --out. */
  readonly base64?: string
  /** Where the data was written, with --out. */
  readonly out?: string
}

/** Text when the bytes are valid UTF-8, else `undefined`. */
function asText(bytes: Uint8Array): string | undefined {
  try {
    return fromUtf8(bytes)
  } catch {
    return undefined
  }
}

export default class DataGet extends ChainCommand<typeof DataGet> {
  static override summary = 'Decrypt an encrypted record this account is a recipient of.'

  static override description = `Fetches the record through the running node, checks that it is the transaction of HASH with a valid signature (the node is trusted for nothing), and decrypts it with the account's keystore (the node identity unless --account). Writes the data to stdout, or to --out FILE (created with mode 0600, replacing nothing). An account that is not a recipient, or whose keystore lacks the key the record was sent to, exits with code 6; a record that does not decrypt (changed bytes) with code 5.`

  static override examples = [
    { description: 'Print a record', command: '<%= config.bin %> <%= command.id %> 9a0b…47' },
    { description: 'As another account, into a file', command: '<%= config.bin %> <%= command.id %> 9a0b…47 --account ch1… --out report.pdf' },
  ]

  static override args = {
    hash: Args.string({ description: 'The record’s transaction hash (64 hex digits).', required: true }),
  }

  static override flags = {
    account: accountFlag,
    'password-file': passwordFileFlag,
    out: Flags.string({ summary: 'Write the data to this new file instead of stdout.', helpValue: 'FILE' }),
  }

  public async run(): Promise<DataGetResult> {
    const hash = toHex(parseHash(this.args.hash, 'record hash'))
    const account = await findAccount(this.flags.datadir, this.flags.account)
    const client = await requireNode(this.flags.datadir)
    const record = await fetchRecord(client, hash)
    const password = (): Promise<string> => readPassword({ passwordFile: this.flags['password-file'], prompt: `Password of ${account.id}` })
    const plaintext = await decryptRecord(record, account, password)
    const base = {
      hash,
      sender: record.sender,
      recipients: record.tx.recipients.map((recipient) => formatParticipantId(recipient.id)),
      height: record.block?.height ?? null,
      bytes: plaintext.length,
    }
    try {
      if (this.flags.out !== undefined) {
        try {
          await writeFileAtomic(this.flags.out, plaintext, { mode: 0o600 })
        } catch (error) {
          if (isErrno(error, 'EEXIST')) throw new CommandError(`${this.flags.out} exists: choose a new file for --out`, ExitCode.Usage)
          throw error
        }
        if (!this.jsonEnabled()) this.log(`wrote ${plaintext.length} bytes from ${record.sender} to ${this.flags.out}`)
        return { ...base, out: this.flags.out }
      }
      if (this.jsonEnabled()) {
        const text = asText(plaintext)
        return text === undefined ? { ...base, base64: Buffer.from(plaintext).toString('base64') } : { ...base, text }
      }
      process.stdout.write(plaintext)
      return base
    } finally {
      plaintext.fill(0)
    }
  }
}
