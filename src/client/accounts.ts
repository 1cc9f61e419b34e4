/**
 * Keystore accounts for scripts: the account a transaction is signed with, unlocked from the
 * data dir's keystore (docs/identity.md) with its password.
 */
import { findAccount, unlockAccount, type UnlockedAccount } from '../keystore/accounts.js'

/**
 * Unlocks an account of `datadir`'s keystore: `id` (a `ch1…` id), or the node identity (the
 * oldest account) when omitted. Zero its `secretKey` (`fill(0)`) when done with it.
 */
export async function unlockIdentity(datadir: string, password: string, id?: string): Promise<UnlockedAccount> {
  const account = await findAccount(datadir, id)
  return unlockAccount(account.path, password)
}
