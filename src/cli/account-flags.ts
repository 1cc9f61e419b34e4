/**
 * What the identity commands (`chain init`, `chain account …`) share: their flags and the one
 * shape they print, `{"id","publicKey","keystore"}` (plus `"mnemonic"` for a new identity).
 */
import { Flags } from '@oclif/core'
import type { AccountInfo } from '../keystore/accounts.js'
import { toHex } from '../encoding/bytes.js'

export const passwordFileFlag = Flags.string({
  summary: 'Read the password from the first line of this file instead of asking.',
  description: 'Without it, CHAIN_PASSWORD is used if set, else the password is asked for at the terminal.',
  helpValue: 'FILE',
})

export const lightKdfFlag = Flags.boolean({
  summary: 'Encrypt with scrypt N=2^12 (fast, for tests and small devices) instead of N=2^18.',
  description: 'Each guess at a light keystore’s password costs an attacker about a tenth of the time and a 64th of the memory: use a long password.',
  default: false,
})

export const mnemonicFlag = Flags.boolean({
  summary: 'Show the 24-word recovery phrase (--no-mnemonic to leave it out).',
  description: 'Without the phrase, the keystore file and its password are the only way back to this identity.',
  allowNo: true,
  default: true,
})

export const accountFlag = Flags.string({
  summary: 'The account to use (ch1… id); by default the oldest one, the node identity.',
  helpValue: 'ID',
})

/** What `init`, `account new|import|recover|show|change-password` print with `--json`. */
export interface IdentityResult {
  readonly id: string
  /** The Ed25519 public key, lowercase hex. */
  readonly publicKey: string
  /** The keystore file's path. */
  readonly keystore: string
  /** The recovery phrase, for a new identity unless `--no-mnemonic`. */
  readonly mnemonic?: string
}

export function identityResult(account: Pick<AccountInfo, 'id' | 'publicKey' | 'path'>, mnemonic?: string): IdentityResult {
  const result = { id: account.id, publicKey: toHex(account.publicKey), keystore: account.path }
  return mnemonic === undefined ? result : { ...result, mnemonic }
}

/** The lines a person reads: aligned fields, and the phrase numbered in rows when there is one. */
export function describeIdentity(result: IdentityResult): string[] {
  const lines = [`  id          ${result.id}`, `  public key  ${result.publicKey}`, `  keystore    ${result.keystore}`]
  if (result.mnemonic !== undefined) {
    lines.push('', 'Recovery phrase (write it down and keep it secret: it is shown only now):', ...formatMnemonic(result.mnemonic))
  }
  return lines
}

/** The words numbered, four to a row, so that "word 17" is easy to find and copy by hand. */
export function formatMnemonic(mnemonic: string): string[] {
  const words = mnemonic.split(' ')
  const width = Math.max(...words.map((word) => word.length))
  const rows: string[] = []
  for (let i = 0; i < words.length; i += 4) {
    const cells = words.slice(i, i + 4).map((word, j) => `${String(i + j + 1).padStart(2)}. ${word.padEnd(width)}`)
    rows.push(`  ${cells.join('   ').trimEnd()}`)
  }
  return rows
}
