/**
 * Encryption keys in the keystore: made with every new account, kept under the same password
 * through a change of password, added in two steps (commit or abort), refused when edited,
 * and invisible to ethers, which still opens the account key.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { decryptKeystoreJson } from 'ethers'
import { publicKeyOfSecret } from '../../src/crypto/hpke.js'
import { toHex } from '../../src/encoding/bytes.js'
import {
  addEncryptionKey,
  changePassword,
  createAccount,
  findAccount,
  listAccounts,
  lockAccount,
  recoverAccount,
  unlockAccount,
} from '../../src/keystore/accounts.js'
import { KeystoreError } from '../../src/keystore/errors.js'

const PASSWORD = 'correct horse battery staple'
const LIGHT = { lightKdf: true }

let root: string
let counter = 0
const freshDatadir = (): string => join(root, `datadir-${++counter}`)

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'chain-encryption-keys-'))
})
after(async () => rm(root, { recursive: true, force: true }))

describe('encryption keys in the keystore', () => {
  it('a new account has one, listed without the password and opened with it', async () => {
    const datadir = freshDatadir()
    const created = await createAccount(datadir, PASSWORD, LIGHT)
    const [listed] = await listAccounts(datadir)
    assert.ok(listed?.encryptionKey !== undefined)
    assert.deepEqual(listed.encryptionKey, created.encryptionKey)
    const unlocked = await unlockAccount(created.path, PASSWORD)
    assert.equal(unlocked.encryptionKeys.length, 1)
    assert.deepEqual(publicKeyOfSecret(unlocked.encryptionKeys[0]!.secretKey), listed.encryptionKey)
    // the secret is not in the file in the clear
    assert.equal((await readFile(created.path, 'utf8')).includes(toHex(unlocked.encryptionKeys[0]!.secretKey)), false)
    lockAccount(unlocked)
    assert.ok(unlocked.secretKey.every((byte) => byte === 0) && unlocked.encryptionKeys[0]!.secretKey.every((byte) => byte === 0))
  })

  it('ethers still decrypts the account key of a file that carries encryption keys', async () => {
    const account = await createAccount(freshDatadir(), PASSWORD, LIGHT)
    const unlocked = await unlockAccount(account.path, PASSWORD)
    const decrypted = await decryptKeystoreJson(await readFile(account.path, 'utf8'), PASSWORD)
    assert.equal(decrypted.privateKey, `0x${toHex(unlocked.secretKey)}`)
  })

  it('a change of password keeps every key', async () => {
    const datadir = freshDatadir()
    const account = await createAccount(datadir, PASSWORD, LIGHT)
    const before = await unlockAccount(account.path, PASSWORD)
    const changed = await changePassword(datadir, account, PASSWORD, 'another good password 42', LIGHT)
    const after = await unlockAccount(changed.path, 'another good password 42')
    assert.deepEqual(after.encryptionKeys, before.encryptionKeys)
  })

  it('adds a key in two steps: commit keeps the new file only, abort the old one only', async () => {
    const datadir = freshDatadir()
    const account = await createAccount(datadir, PASSWORD, LIGHT)
    const unlocked = await unlockAccount(account.path, PASSWORD)

    const aborted = await addEncryptionKey(datadir, account, unlocked, PASSWORD)
    assert.equal((await readdir(join(datadir, 'keystore'))).length, 2)
    await aborted.abort()
    assert.deepEqual(await readdir(join(datadir, 'keystore')), [basename(account.path)])
    assert.deepEqual((await findAccount(datadir, account.id)).encryptionKey, account.encryptionKey)

    const pending = await addEncryptionKey(datadir, account, unlocked, PASSWORD)
    await pending.commit()
    assert.deepEqual(await readdir(join(datadir, 'keystore')), [basename(pending.account.path)])
    const found = await findAccount(datadir, account.id)
    assert.deepEqual(found.encryptionKey, pending.keyPair.publicKey)
    assert.deepEqual(found.created, account.created, 'keeps its place in the order')
    const reopened = await unlockAccount(found.path, PASSWORD)
    assert.deepEqual(reopened.encryptionKeys.map((pair) => pair.publicKey), [unlocked.encryptionKeys[0]!.publicKey, pending.keyPair.publicKey])
  })

  it('an account recovered from its phrase gets a new key (the phrase does not hold the old ones)', async () => {
    const created = await createAccount(freshDatadir(), PASSWORD, LIGHT)
    const recovered = await recoverAccount(freshDatadir(), created.mnemonic, PASSWORD, LIGHT)
    assert.equal(recovered.id, created.id)
    assert.ok(recovered.encryptionKey !== undefined)
    assert.notDeepEqual(recovered.encryptionKey, created.encryptionKey)
  })

  it('refuses an entry that was edited or moved next to another public key', async () => {
    const datadir = freshDatadir()
    const account = await createAccount(datadir, PASSWORD, LIGHT)
    const json = JSON.parse(await readFile(account.path, 'utf8')) as { encryptionKeys: { publicKey: string; nonce: string; ciphertext: string }[] }
    const original = await readFile(account.path, 'utf8')
    const expectCorrupt = async (edit: (entry: { publicKey: string; nonce: string; ciphertext: string }) => void, detail: RegExp): Promise<void> => {
      const copy = structuredClone(json)
      edit(copy.encryptionKeys[0]!)
      await writeFile(account.path, JSON.stringify(copy))
      await assert.rejects(unlockAccount(account.path, PASSWORD), (error: unknown) => {
        assert.ok(error instanceof KeystoreError)
        assert.equal(error.code, 'KEYSTORE_ERROR_CORRUPT')
        assert.match(error.data.detail ?? '', detail)
        return true
      })
    }
    const flip = (hex: string): string => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`
    await expectCorrupt((entry) => (entry.ciphertext = flip(entry.ciphertext)), /encryptionKeys\[0\] does not decrypt/)
    await expectCorrupt((entry) => (entry.publicKey = flip(entry.publicKey)), /encryptionKeys\[0\] does not decrypt/)
    await expectCorrupt((entry) => (entry.nonce = 'zz'), /encryptionKeys\[0\]\.nonce: expected 12 bytes of hex/)
    await writeFile(account.path, original)
    assert.equal((await unlockAccount(account.path, PASSWORD)).encryptionKeys.length, 1)
  })
})
