/** Unlocking the account a command signs with: find it, ask for its password, decrypt it. */
import { findAccount, unlockAccount, type UnlockedAccount } from '../keystore/accounts.js'
import { readPassword } from './password.js'

export interface UnlockChoice {
  /** `--account ID`; the node identity (the oldest account) when omitted. */
  readonly account?: string | undefined
  /** `--password-file FILE` */
  readonly passwordFile?: string | undefined
}

export async function unlockForCommand(datadir: string, choice: UnlockChoice): Promise<UnlockedAccount> {
  const account = await findAccount(datadir, choice.account)
  const password = await readPassword({ passwordFile: choice.passwordFile, prompt: `Password of ${account.id}` })
  return unlockAccount(account.path, password)
}
