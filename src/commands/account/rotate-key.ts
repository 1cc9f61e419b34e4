/**
 * `chain account rotate-key [ID]`: a new encryption key for a registered account, published
 * on chain (an `encryption-key` transaction) and kept in its keystore beside the old ones.
 */
import { Args } from '@oclif/core'
import { ChainCommand } from '../../cli/base-command.js'
import { passwordFileFlag } from '../../cli/account-flags.js'
import { readPassword } from '../../cli/password.js'
import { sendFlags } from '../../cli/transaction-flags.js'
import { toHex } from '../../encoding/bytes.js'
import { findAccount } from '../../keystore/accounts.js'
import { requireNode } from '../../client/connect.js'
import { waitForInclusion } from '../../client/wallet.js'
import { rotateEncryptionKey } from '../../participants/register.js'

export interface AccountRotateKeyResult {
  readonly id: string
  readonly tx: string
  /** The new X25519 key, hex. */
  readonly encryptionKey: string
  readonly block?: { readonly hash: string; readonly height: number }
}

export default class AccountRotateKey extends ChainCommand<typeof AccountRotateKey> {
  static override summary = 'Publish a new encryption key for a registered account (key rotation).'

  static override description = `Makes a new X25519 key pair, adds it to the account's keystore (same password; the old keys stay, so old records stay readable) and publishes it, signed by the account's Ed25519 key. Records sent after the transaction is included are encrypted to the new key only. If the node refuses the transaction, the keystore is left as it was. A rotation protects later records from a leaked encryption key; it cannot make records already sent unreadable to whoever holds the old key (docs/records.md).`

  static override examples = [
    { description: 'Rotate the node identity’s key and wait for a block', command: '<%= config.bin %> <%= command.id %> --wait' },
    { description: 'Another account', command: '<%= config.bin %> <%= command.id %> ch1… --json' },
  ]

  static override args = {
    id: Args.string({ description: 'Participant id (ch1…) of the account; the node identity by default.' }),
  }

  static override flags = {
    'password-file': passwordFileFlag,
    wait: sendFlags.wait,
    timeout: sendFlags.timeout,
  }

  public async run(): Promise<AccountRotateKeyResult> {
    const account = await findAccount(this.flags.datadir, this.args.id)
    const client = await requireNode(this.flags.datadir)
    const password = (): Promise<string> => readPassword({ passwordFile: this.flags['password-file'], prompt: `Password of ${account.id}` })
    const sent = await rotateEncryptionKey(client, { datadir: this.flags.datadir, account, password })
    const result = { id: account.id, tx: sent.hash, encryptionKey: toHex(sent.encryptionKey) }
    if (!this.flags.wait) {
      if (!this.jsonEnabled()) this.log(`sent ${sent.hash}\n  new encryption key  ${result.encryptionKey}`)
      return result
    }
    const included = await waitForInclusion(client, sent.hash, this.flags.timeout * 1000)
    const block = { hash: included.block!.hash, height: included.block!.height }
    if (!this.jsonEnabled()) this.log(`new encryption key of ${account.id} in block ${block.height}\n  tx   ${sent.hash}\n  key  ${result.encryptionKey}`)
    return { ...result, block }
  }
}
