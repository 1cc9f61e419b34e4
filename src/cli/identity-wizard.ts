/**
 * Creating identities. The wizard at a terminal: a password asked twice (hidden, weak ones
 * refused), a new id with its 24-word recovery phrase shown once and checked, then the keystore
 * written; used by `chain init`, and by `chain node` when a data dir has no identity yet (which
 * then unlocks the new keystore with the password just chosen, rather than asking a third time).
 * And the same without questions, for scripts and `chain account new`.
 */
import { randomInt } from 'node:crypto'
import { publicKeyOf } from '../crypto/ed25519.js'
import { formatParticipantId, participantIdOf } from '../crypto/identity.js'
import { createAccount, recoverAccount, type AccountInfo } from '../keystore/accounts.js'
import { generateMnemonic, secretKeyFromMnemonic } from '../keystore/mnemonic.js'
import { formatMnemonic, identityResult, type IdentityResult } from './account-flags.js'
import { CommandError } from './base-command.js'
import { askLine, readPassword } from './password.js'

/** Words the user types back: enough to catch a skipped or misspelt row, short enough to do. */
const WORDS_TO_CONFIRM = 3
/** Tries per word before giving up, so a wrong copy is noticed rather than retried forever. */
const TRIES_PER_WORD = 3
/** Clears the screen and its scrollback, so the phrase is not visible while it is checked. */
const CLEAR_SCREEN = '\u001b[2J\u001b[3J\u001b[H'

export interface WizardOptions {
  readonly lightKdf: boolean
  /** Show and check the recovery phrase (`--no-mnemonic` leaves it out). */
  readonly mnemonic: boolean
}

export interface WizardResult {
  readonly account: AccountInfo
  readonly mnemonic: string
  /** The password chosen, for a caller that unlocks the keystore next. */
  readonly password: string
}

const say = (text: string): void => void process.stderr.write(`${text}\n`)

export async function runIdentityWizard(datadir: string, options: WizardOptions): Promise<WizardResult> {
  say('Creating the identity of this node. The password encrypts its keystore file:')
  say('it is asked for whenever the key is used, and cannot be recovered if forgotten.\n')
  const password = await readPassword({ confirm: true, prompt: 'Choose a password' })
  const mnemonic = generateMnemonic()
  const secretKey = secretKeyFromMnemonic(mnemonic)
  const id = formatParticipantId(participantIdOf(publicKeyOf(secretKey)))
  secretKey.fill(0)
  if (options.mnemonic) {
    say(`\nYour participant id: ${id}\n`)
    say('Write down these 24 words, in order. They rebuild this identity if the keystore is')
    say('lost (`chain account recover`); anyone who has them has your identity.\n')
    say(formatMnemonic(mnemonic).join('\n'))
    try {
      await askLine('\nPress Enter once they are written down. ', { hidden: true })
    } finally {
      // Whether Enter or Ctrl-C: the words must not stay on the screen.
      process.stderr.write(CLEAR_SCREEN)
    }
    await confirmWords(mnemonic)
  } else {
    say('\nNo recovery phrase (--no-mnemonic): back up the keystore file and its password instead.')
  }
  say('Encrypting the keystore…')
  const account = await recoverAccount(datadir, mnemonic, password, { lightKdf: options.lightKdf })
  return { account, mnemonic, password }
}

/** Asks for WORDS_TO_CONFIRM words at random positions; nothing is written if they are wrong. */
async function confirmWords(mnemonic: string): Promise<void> {
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

/**
 * A new account without questions beyond the password (from `--password-file`, `CHAIN_PASSWORD`
 * or a prompt, held to the strength rules): what `chain init` does in a script and `chain
 * account new` always does.
 */
export async function createIdentity(datadir: string, options: WizardOptions & { readonly passwordFile: string | undefined }): Promise<IdentityResult> {
  const password = await readPassword({ passwordFile: options.passwordFile, confirm: true })
  const account = await createAccount(datadir, password, { lightKdf: options.lightKdf })
  return identityResult(account, options.mnemonic ? account.mnemonic : undefined)
}
