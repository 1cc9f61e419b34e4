/**
 * `chain init`: the identity wizard. At a terminal it asks for a password (twice, hidden),
 * shows the new id and its 24-word recovery phrase, checks three of the words, then writes the
 * keystore. With `--password-file` or `CHAIN_PASSWORD` it asks nothing and prints the result.
 */
import { randomInt } from 'node:crypto'
import { ChainCommand, CommandError } from '../cli/base-command.js'
import {
  describeIdentity,
  formatMnemonic,
  identityResult,
  lightKdfFlag,
  mnemonicFlag,
  passwordFileFlag,
  type IdentityResult,
} from '../cli/account-flags.js'
import { askLine, PASSWORD_ENV, readPassword } from '../cli/password.js'
import { publicKeyOf } from '../crypto/ed25519.js'
import { formatParticipantId, participantIdOf } from '../crypto/identity.js'
import { createAccount, listAccounts, recoverAccount } from '../keystore/accounts.js'
import { generateMnemonic, secretKeyFromMnemonic } from '../keystore/mnemonic.js'

/** Words the user types back: enough to catch a skipped or misspelt row, short enough to do. */
const WORDS_TO_CONFIRM = 3
/** Tries per word before giving up, so a wrong copy is noticed rather than retried forever. */
const TRIES_PER_WORD = 3
/** Clears the screen and its scrollback, so the phrase is not visible while it is checked. */
const CLEAR_SCREEN = '\u001b[2J\u001b[3J\u001b[H'

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

  private async unattended(): Promise<IdentityResult> {
    const password = await readPassword({ passwordFile: this.flags['password-file'], confirm: true })
    const account = await createAccount(this.flags.datadir, password, { lightKdf: this.flags['light-kdf'] })
    return identityResult(account, this.flags.mnemonic ? account.mnemonic : undefined)
  }

  private async wizard(): Promise<IdentityResult> {
    const say = (text: string): void => void process.stderr.write(`${text}\n`)
    say('Creating the identity of this node. The password encrypts its keystore file:')
    say('it is asked for whenever the key is used, and cannot be recovered if forgotten.\n')
    const password = await readPassword({ confirm: true, prompt: 'Choose a password' })
    const mnemonic = generateMnemonic()
    const secretKey = secretKeyFromMnemonic(mnemonic)
    const id = formatParticipantId(participantIdOf(publicKeyOf(secretKey)))
    secretKey.fill(0)
    if (this.flags.mnemonic) {
      say(`\nYour participant id: ${id}\n`)
      say('Write down these 24 words, in order. They rebuild this identity if the keystore is')
      say('lost (`chain account recover`); anyone who has them has your identity.\n')
      say(formatMnemonic(mnemonic).join('\n'))
      await askLine('\nPress Enter once they are written down. ', { hidden: true })
      process.stderr.write(CLEAR_SCREEN)
      await this.confirmWords(mnemonic)
    } else {
      say('\nNo recovery phrase (--no-mnemonic): back up the keystore file and its password instead.')
    }
    say('Encrypting the keystore…')
    const account = await recoverAccount(this.flags.datadir, mnemonic, password, { lightKdf: this.flags['light-kdf'] })
    return identityResult(account, this.flags.mnemonic ? mnemonic : undefined)
  }

  /** Asks for WORDS_TO_CONFIRM words at random positions; nothing is written if they are wrong. */
  private async confirmWords(mnemonic: string): Promise<void> {
    const words = mnemonic.split(' ')
    const positions = new Set<number>()
    while (positions.size < WORDS_TO_CONFIRM) positions.add(randomInt(words.length))
    process.stderr.write('Check: type the words asked for, from what you wrote down.\n')
    for (const position of [...positions].sort((a, b) => a - b)) {
      let tries = 0
      while ((await askLine(`Word #${position + 1}: `)).trim().toLowerCase() !== words[position]) {
        if (++tries === TRIES_PER_WORD) {
          throw new CommandError('the recovery phrase was not confirmed; nothing was written. Run `chain init` again.')
        }
        process.stderr.write(`That is not word #${position + 1}. Look again at what you wrote.\n`)
      }
    }
    process.stderr.write('Confirmed.\n')
  }
}
