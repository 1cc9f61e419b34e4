/**
 * The keystore's public interface: accounts (list, find, unlock, create, import, recover,
 * change password) and its typed errors. The node and the commands import from here.
 */
export {
  changePassword,
  createAccount,
  findAccount,
  importAccount,
  listAccounts,
  readAccountText,
  recoverAccount,
  reencryptAccount,
  unlockAccount,
  type AccountInfo,
  type AccountOptions,
  type NewAccount,
  type UnlockedAccount,
} from './accounts.js'
export { KeystoreError, type KeystoreErrorCode, type KeystoreErrorData } from './errors.js'
