/**
 * `chain account register [ID]`: sends the account's `participant` transaction, with its
 * encryption key, through the running node. (A node registers its own identity by itself.)
 */
import { Args, Flags } from '@oclif/core'
import { ChainCommand, CommandError } from '../../cli/base-command.js'
import { passwordFileFlag } from '../../cli/account-flags.js'
import { readPassword } from '../../cli/password.js'
import { sendFlags } from '../../cli/transaction-flags.js'
import { toHex } from '../../encoding/bytes.js'
import { findAccount } from '../../keystore/accounts.js'
import { isValidParticipantName } from '../../ledger/transaction.js'
import { MAX_NAME_BYTES } from '../../ledger/constants.js'
import { requireNode } from '../../client/connect.js'
import { waitForInclusion } from '../../client/wallet.js'
import { registerAccount } from '../../participants/register.js'
import { ExitCode } from '../../cli/exit-codes.js'

export interface AccountRegisterResult {
  readonly id: string
  readonly tx: string
  /** The X25519 key the registration publishes, hex. */
  readonly encryptionKey: string
  readonly block?: { readonly hash: string; readonly height: number }
}

export default class AccountRegister extends ChainCommand<typeof AccountRegister> {
  static override summary = 'Register an account on chain (its participant transaction), with its encryption key.'

  static override description = `Sends the registration of the account (the node identity unless ID is given) through the node running on the data dir. The registration publishes the account's encryption key, signed by its Ed25519 key, so that others can send it records (docs/records.md); an account without one (imported from another tool) gets a new one in its keystore first. Refused if the account is registered or its registration is pending.`

  static override examples = [
    { description: 'Register another account of this data dir, and wait for a block', command: '<%= config.bin %> <%= command.id %> ch1… --name Ada --wait' },
    { description: 'In a script', command: 'CHAIN_PASSWORD=… <%= config.bin %> <%= command.id %> ch1… --json' },
  ]

  static override args = {
    id: Args.string({ description: 'Participant id (ch1…) of the account; the node identity by default.' }),
  }

  static override flags = {
    name: Flags.string({ summary: `Display name published with the registration (at most ${MAX_NAME_BYTES} bytes; not unique).`, helpValue: 'NAME' }),
    'password-file': passwordFileFlag,
    wait: sendFlags.wait,
    timeout: sendFlags.timeout,
  }

  public async run(): Promise<AccountRegisterResult> {
    const name = this.flags.name ?? null
    if (name !== null && (!isValidParticipantName(name) || Buffer.byteLength(name) > MAX_NAME_BYTES)) {
      throw new CommandError(`--name must be printable, without leading or trailing space, and at most ${MAX_NAME_BYTES} bytes`, ExitCode.Usage)
    }
    const account = await findAccount(this.flags.datadir, this.args.id)
    const client = await requireNode(this.flags.datadir)
    const password = (): Promise<string> => readPassword({ passwordFile: this.flags['password-file'], prompt: `Password of ${account.id}` })
    const sent = await registerAccount(client, { datadir: this.flags.datadir, account, password }, name)
    const result = { id: account.id, tx: sent.hash, encryptionKey: toHex(sent.encryptionKey) }
    if (!this.flags.wait) {
      if (!this.jsonEnabled()) this.log(`sent ${sent.hash}\n  id              ${account.id}\n  encryption key  ${result.encryptionKey}`)
      return result
    }
    const included = await waitForInclusion(client, sent.hash, this.flags.timeout * 1000)
    const block = { hash: included.block!.hash, height: included.block!.height }
    if (!this.jsonEnabled()) this.log(`registered ${account.id} in block ${block.height}\n  tx              ${sent.hash}\n  encryption key  ${result.encryptionKey}`)
    return { ...result, block }
  }
}
