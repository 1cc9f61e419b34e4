/**
 * `chain account import FILE`: adds the key of any Web3 Secret Storage v3 file (geth's,
 * ethers', another `chain` node's) to this keystore. The id is derived from the decrypted
 * key, never taken from the file; the key is re-encrypted with the same password.
 */
import { Args } from '@oclif/core'
import { ChainCommand } from '../../cli/base-command.js'
import { describeIdentity, identityResult, lightKdfFlag, passwordFileFlag, type IdentityResult } from '../../cli/account-flags.js'
import { readPassword } from '../../cli/password.js'
import { importAccount } from '../../keystore/accounts.js'

export default class AccountImport extends ChainCommand<typeof AccountImport> {
  static override summary = 'Import a v3 keystore file (geth, ethers or chain) as a new account.'

  static override description = `The file is decrypted with its password (--password-file, CHAIN_PASSWORD, or a prompt), and its key written to <datadir>/keystore/ encrypted with the same password; FILE itself is left as it was.

Keys of other chains are secp256k1 numbers: the same 32 bytes used as an Ed25519 secret give a different, unrelated identity here. Keys of 28 to 31 bytes (old tools dropped leading zero bytes) are padded back with zeros on the left. See docs/identity.md.`

  static override examples = [
    {
      description: 'Import a geth keystore file',
      command: '<%= config.bin %> <%= command.id %> ~/.ethereum/keystore/UTC--2024-01-01T00-00-00.000000000Z--0123…',
    },
  ]

  static override args = {
    file: Args.string({ description: 'The v3 keystore file to import.', required: true }),
  }

  static override flags = {
    'password-file': passwordFileFlag,
    'light-kdf': lightKdfFlag,
  }

  public async run(): Promise<IdentityResult> {
    const password = await readPassword({ passwordFile: this.flags['password-file'], prompt: `Password of ${this.args.file}` })
    const account = await importAccount(this.flags.datadir, this.args.file, password, { lightKdf: this.flags['light-kdf'] })
    const result = identityResult(account)
    if (!this.jsonEnabled()) this.log(['Account imported.', ...describeIdentity(result)].join('\n'))
    return result
  }
}
