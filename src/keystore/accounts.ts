/**
 * Accounts: the identities in a data dir's keystore, what the node and the `chain account`
 * commands call. An account is a participant id, its Ed25519 key pair, and one v3 file.
 *
 * The node's identity is the oldest account (by the time in its file name) unless a command
 * names another. Ids and public keys are readable without a password; the secret key only
 * with it, and it is checked against the public key and id the file claims, which the MAC
 * does not cover.
 *
 * An account also keeps its encryption keys (X25519, for records: docs/records.md), every one
 * it ever had, the last the current one, in the same file under the same password. A new
 * account gets one at once; recovering from the phrase cannot bring them back (they are not
 * derived from it: docs/identity.md says why).
 */
import { basename } from 'node:path'
import { publicKeyOf, SECRET_KEY_BYTES } from '../crypto/ed25519.js'
import { generateKeyPair, type HpkeKeyPair } from '../crypto/hpke.js'
import { formatParticipantId, parseParticipantId, participantIdOf } from '../crypto/identity.js'
import { bytesEqual } from '../encoding/bytes.js'
import { removeFileDurably } from '../files.js'
import { MAX_ENCRYPTION_KEYS, MAX_KEYSTORE_FILE_BYTES, MIN_PADDED_KEY_BYTES, SCRYPT_LIGHT } from './constants.js'
import { KeystoreError } from './errors.js'
import {
  accountFileName,
  ensureKeystoreDir,
  isErrno,
  keystoreDir,
  listAccountFiles,
  nowNs,
  parseAccountFileName,
  readBoundedFile,
  writeNewFile,
} from './files.js'
import { generateMnemonic, secretKeyFromMnemonic } from './mnemonic.js'
import { encryptKeystore, openKeystore, parseKeystore, serializeKeystore, type EncryptOptions, type ParsedKeystore } from './v3.js'

export interface AccountInfo {
  /** The participant id, `ch1…`. */
  readonly id: string
  readonly publicKey: Uint8Array
  /** The keystore file. */
  readonly path: string
  /** The time in the file's name (millisecond precision). */
  readonly created: Date
  /** The current encryption public key (X25519), readable without the password; none yet: `undefined`. */
  readonly encryptionKey: Uint8Array | undefined
}

export interface UnlockedAccount {
  readonly id: string
  readonly publicKey: Uint8Array
  /** The 32-byte Ed25519 secret key; zero it when done. */
  readonly secretKey: Uint8Array
  /** Every encryption key pair of the account, oldest first, the last the current one; zero them when done. */
  readonly encryptionKeys: readonly HpkeKeyPair[]
}

/** Zeroes every secret of an unlocked account. */
export function lockAccount(account: UnlockedAccount): void {
  account.secretKey.fill(0)
  for (const pair of account.encryptionKeys) pair.secretKey.fill(0)
}

export interface NewAccount extends AccountInfo {
  /** The 24-word recovery phrase: shown once, stored nowhere. */
  readonly mnemonic: string
}

export type { EncryptOptions as AccountOptions }

/** The accounts of a data dir, oldest first (the first is the node's identity). */
export async function listAccounts(datadir: string): Promise<AccountInfo[]> {
  const byId = new Map<string, AccountInfo>()
  for (const file of await listAccountFiles(datadir)) {
    const keystore = await readKeystoreFile(file.path)
    const publicKey = checkOwner(keystore, file.id, file.path)
    // Two files for one id: a change of password interrupted between writing the new file
    // and removing the old one. The newer (later name) holds the current password.
    const first = byId.get(file.id)
    const created = first?.created ?? new Date(Number(file.timeNs / 1_000_000n))
    byId.set(file.id, { id: file.id, publicKey, path: file.path, created, encryptionKey: keystore.encryptionKeys.at(-1)?.publicKey })
  }
  return [...byId.values()]
}

/**
 * The account with `id`, or without one the node's identity (the oldest account).
 * `KEYSTORE_ERROR_NOT_FOUND` when there is none.
 */
export async function findAccount(datadir: string, id?: string): Promise<AccountInfo> {
  const accounts = await listAccounts(datadir)
  if (id === undefined) {
    const oldest = accounts[0]
    if (oldest === undefined) {
      throw new KeystoreError(
        'KEYSTORE_ERROR_NOT_FOUND',
        { path: keystoreDir(datadir) },
        `no account in ${keystoreDir(datadir)}: create one with \`chain init\``,
      )
    }
    return oldest
  }
  const wanted = formatParticipantId(parseParticipantId(id))
  const account = accounts.find((candidate) => candidate.id === wanted)
  if (account === undefined) {
    throw new KeystoreError(
      'KEYSTORE_ERROR_NOT_FOUND',
      { path: keystoreDir(datadir), detail: wanted },
      `no account ${wanted} in ${keystoreDir(datadir)}`,
    )
  }
  return account
}

/** Decrypts an account file. `wrong password` when the password does not open it. */
export async function unlockAccount(path: string, password: string): Promise<UnlockedAccount> {
  const keystore = await readKeystoreFile(path)
  const name = parseAccountFileName(basename(path))
  const claimedId = name?.id ?? keystore.participant
  if (claimedId === undefined) throw KeystoreError.corrupt('participant: expected a ch1… id, got nothing', path)
  const claimedKey = checkOwner(keystore, claimedId, path)
  const { plaintext: secretKey, encryptionKeys } = await openKeystore(keystore, password, path, (plaintext) => {
    if (plaintext.length !== SECRET_KEY_BYTES) {
      throw KeystoreError.corrupt(`crypto.ciphertext: expected a ${SECRET_KEY_BYTES}-byte key, got ${keystore.ciphertext.length} bytes`, path)
    }
    if (!bytesEqual(publicKeyOf(plaintext), claimedKey)) throw KeystoreError.corrupt('publicKey does not match the encrypted key (the file was edited)', path)
  })
  return { id: claimedId, publicKey: claimedKey, secretKey, encryptionKeys }
}

/** A new account from a fresh 24-word phrase, encrypted with `password`. */
export async function createAccount(datadir: string, password: string, options: EncryptOptions = {}): Promise<NewAccount> {
  const mnemonic = generateMnemonic()
  const secretKey = secretKeyFromMnemonic(mnemonic)
  const encryptionKey = generateKeyPair()
  try {
    const account = await writeAccount(datadir, secretKey, password, options, nowNs(), [encryptionKey])
    return { ...account, mnemonic }
  } finally {
    secretKey.fill(0)
    encryptionKey.secretKey.fill(0)
  }
}

/**
 * Rebuilds the account of a recovery phrase, with a fresh encryption key (the phrase does not
 * hold the old ones). `KEYSTORE_ERROR_ALREADY_EXISTS` if it is here.
 */
export async function recoverAccount(
  datadir: string,
  mnemonic: string,
  password: string,
  options: EncryptOptions = {},
): Promise<AccountInfo> {
  const secretKey = secretKeyFromMnemonic(mnemonic)
  const encryptionKey = generateKeyPair()
  try {
    await refuseExisting(datadir, secretKey)
    return await writeAccount(datadir, secretKey, password, options, nowNs(), [encryptionKey])
  } finally {
    secretKey.fill(0)
    encryptionKey.secretKey.fill(0)
  }
}

/**
 * Imports any v3 file (geth's, ethers', ours) encrypted with `password`, re-encrypting its key
 * with the same password into a file of ours. The id is derived from the decrypted key, never
 * taken from the file. Keys of 28 to 31 bytes are old tools' numbers without their leading
 * zero bytes and are left-padded back to 32 (docs/identity.md).
 */
export async function importAccount(
  datadir: string,
  file: string,
  password: string,
  options: EncryptOptions = {},
): Promise<AccountInfo> {
  const keystore = await readKeystoreFile(file)
  // A file of ours brings its encryption keys along; other tools' files have none.
  const { plaintext, encryptionKeys } = await openKeystore(keystore, password, file)
  const secretKey = new Uint8Array(SECRET_KEY_BYTES)
  try {
    if (plaintext.length < MIN_PADDED_KEY_BYTES || plaintext.length > SECRET_KEY_BYTES) {
      throw KeystoreError.incompatible(
        `crypto.ciphertext: expected a key of ${MIN_PADDED_KEY_BYTES} to ${SECRET_KEY_BYTES} bytes, got ${plaintext.length}`,
        file,
      )
    }
    secretKey.set(plaintext, SECRET_KEY_BYTES - plaintext.length)
    await refuseExisting(datadir, secretKey)
    return await writeAccount(datadir, secretKey, password, options, nowNs(), encryptionKeys)
  } finally {
    plaintext.fill(0)
    secretKey.fill(0)
    for (const pair of encryptionKeys) pair.secretKey.fill(0)
  }
}

/**
 * Re-encrypts an account with a new password. The new file is written (and synced) first and
 * the old one removed only after, so a crash leaves one or both, never neither. The new
 * file's time is the old one plus a nanosecond: the account keeps its place in the order.
 */
export async function changePassword(
  datadir: string,
  account: AccountInfo,
  oldPassword: string,
  newPassword: string,
  options: EncryptOptions = {},
): Promise<AccountInfo> {
  const unlocked = await unlockAccount(account.path, oldPassword)
  try {
    return await reencryptAccount(datadir, account, unlocked, newPassword, options)
  } finally {
    unlocked.secretKey.fill(0)
  }
}

/**
 * `changePassword` for a caller that unlocked the account already (a command checks the old
 * password before asking for a new one). The caller still owns and zeroes the secret key.
 */
export async function reencryptAccount(
  datadir: string,
  account: AccountInfo,
  unlocked: UnlockedAccount,
  newPassword: string,
  options: EncryptOptions = {},
): Promise<AccountInfo> {
  if (unlocked.id !== account.id) throw new TypeError(`reencryptAccount: unlocked ${unlocked.id}, not ${account.id}`)
  const name = parseAccountFileName(basename(account.path))
  const timeNs = (name?.timeNs ?? nowNs()) + 1n
  const written = await writeAccount(datadir, unlocked.secretKey, newPassword, options, timeNs, unlocked.encryptionKeys)
  await removeFileDurably(account.path)
  return { ...written, created: account.created }
}

/** A new encryption key written beside the old file: `commit` removes the old, `abort` the new. */
export interface PendingEncryptionKey {
  /** The account as it will be once committed (its new file, the new key current). */
  readonly account: AccountInfo
  /** The new key pair; the caller zeroes its secret key. */
  readonly keyPair: HpkeKeyPair
  /** Keeps the new file and removes the old one. */
  commit(): Promise<void>
  /** Removes the new file: the keystore is as it was before. */
  abort(): Promise<void>
}

/**
 * Adds a fresh encryption key to an account (a rotation, or the first key of an account that
 * has none), in two steps so that a caller can publish the key in between: the new file (all
 * the old keys and the new one, same password, same kdf cost) is written and synced beside the
 * old; `commit` then removes the old one, `abort` the new one. A crash in between leaves both
 * files, and the newer, with the new key, is the one read (as after an interrupted change of
 * password). The caller still owns and zeroes `unlocked`.
 */
export async function addEncryptionKey(datadir: string, account: AccountInfo, unlocked: UnlockedAccount, password: string): Promise<PendingEncryptionKey> {
  if (unlocked.id !== account.id) throw new TypeError(`addEncryptionKey: unlocked ${unlocked.id}, not ${account.id}`)
  if (unlocked.encryptionKeys.length >= MAX_ENCRYPTION_KEYS) {
    throw new KeystoreError('KEYSTORE_ERROR_INCOMPATIBLE', { path: account.path }, `${account.id} has ${MAX_ENCRYPTION_KEYS} encryption keys, the most a keystore file holds`)
  }
  const keystore = await readKeystoreFile(account.path)
  // Keep the file's cost class: a light file stays light, a standard one standard.
  const lightKdf = keystore.kdf.kdf === 'scrypt' && keystore.kdf.n <= SCRYPT_LIGHT.n
  const name = parseAccountFileName(basename(account.path))
  const keyPair = generateKeyPair()
  const written = await writeAccount(datadir, unlocked.secretKey, password, { lightKdf }, (name?.timeNs ?? nowNs()) + 1n, [...unlocked.encryptionKeys, keyPair])
  return {
    account: { ...written, created: account.created },
    keyPair,
    commit: () => removeFileDurably(account.path),
    abort: () => removeFileDurably(written.path),
  }
}

/** The text of an account's file, exactly as stored (for `chain account export`). */
export async function readAccountText(path: string): Promise<string> {
  const read = await readFileOrThrow(path)
  parseKeystore(read, path)
  return read
}

async function writeAccount(
  datadir: string,
  secretKey: Uint8Array,
  password: string,
  options: EncryptOptions,
  timeNs = nowNs(),
  encryptionKeys: readonly HpkeKeyPair[] = [],
): Promise<AccountInfo> {
  const publicKey = publicKeyOf(secretKey)
  const id = formatParticipantId(participantIdOf(publicKey))
  const json = await encryptKeystore(secretKey, password, { participant: id, publicKey }, options, encryptionKeys)
  const dir = await ensureKeystoreDir(datadir)
  const path = await writeNewFile(dir, accountFileName(timeNs, id), serializeKeystore(json))
  return { id, publicKey, path, created: new Date(Number(timeNs / 1_000_000n)), encryptionKey: encryptionKeys.at(-1)?.publicKey }
}

async function refuseExisting(datadir: string, secretKey: Uint8Array): Promise<void> {
  const id = formatParticipantId(participantIdOf(publicKeyOf(secretKey)))
  const existing = (await listAccounts(datadir)).find((account) => account.id === id)
  if (existing !== undefined) {
    throw new KeystoreError(
      'KEYSTORE_ERROR_ALREADY_EXISTS',
      { path: existing.path, detail: id },
      `account ${id} is already in the keystore (${existing.path})`,
    )
  }
}

/** The public key a file claims, after checking it against the id of its name and contents. */
function checkOwner(keystore: ParsedKeystore, id: string, path: string): Uint8Array {
  if (keystore.publicKey === undefined) throw KeystoreError.corrupt('publicKey: expected 32 bytes of hex, got nothing', path)
  if (keystore.participant !== id) {
    throw KeystoreError.corrupt(`participant: expected ${id} (the file name's), got ${JSON.stringify(keystore.participant)}`, path)
  }
  if (formatParticipantId(participantIdOf(keystore.publicKey)) !== id) {
    throw KeystoreError.corrupt(`publicKey is not the key of ${id}`, path)
  }
  return keystore.publicKey
}

async function readKeystoreFile(path: string): Promise<ParsedKeystore> {
  return parseKeystore(await readFileOrThrow(path), path)
}

async function readFileOrThrow(path: string): Promise<string> {
  let read: Awaited<ReturnType<typeof readBoundedFile>>
  try {
    read = await readBoundedFile(path, MAX_KEYSTORE_FILE_BYTES)
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new KeystoreError('KEYSTORE_ERROR_NOT_FOUND', { path }, `${path}: no such file`)
    throw error
  }
  if ('tooLarge' in read) throw KeystoreError.corrupt(`larger than ${MAX_KEYSTORE_FILE_BYTES} bytes`, path)
  return read.text
}
