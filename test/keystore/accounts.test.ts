/**
 * Accounts on disk: create, list, find, unlock, import (the published vectors and ethers'
 * files), recover, change password; file modes, names, and tampered or corrupt files.
 */
import assert from 'node:assert/strict'
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { computeAddress, decryptKeystoreJson, encryptKeystoreJson, randomBytes as ethersRandomBytes } from 'ethers'
import { publicKeyOf } from '../../src/crypto/ed25519.js'
import { formatParticipantId, participantIdOf } from '../../src/crypto/identity.js'
import { fromHex, toHex } from '../../src/encoding/bytes.js'
import {
  changePassword,
  createAccount,
  findAccount,
  importAccount,
  listAccounts,
  recoverAccount,
  unlockAccount,
} from '../../src/keystore/accounts.js'
import { ACCOUNT_FILE_PATTERN } from '../../src/keystore/constants.js'
import { KeystoreError } from '../../src/keystore/errors.js'
import { accountFileName } from '../../src/keystore/files.js'

const VECTORS = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/keystore/v3_test_vector.json', import.meta.url), 'utf8'),
) as Record<string, { json: object; password: string; priv: string }>

const PASSWORD = 'correct horse battery staple'
const LIGHT = { lightKdf: true }

let root: string
let counter = 0
/** A fresh data dir for each test, under one temporary root. */
const freshDatadir = (): string => join(root, `datadir-${++counter}`)

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'chain-accounts-'))
})
after(async () => rm(root, { recursive: true, force: true }))

function idOf(secretKey: Uint8Array): string {
  return formatParticipantId(participantIdOf(publicKeyOf(secretKey)))
}

describe('createAccount', () => {
  it('writes one 0600 file in a 0700 keystore, named UTC--<time>--<id>, carrying the id and key', async () => {
    const datadir = freshDatadir()
    const account = await createAccount(datadir, PASSWORD, LIGHT)
    assert.equal(account.mnemonic.split(' ').length, 24)
    assert.equal(account.id, formatParticipantId(participantIdOf(account.publicKey)))
    assert.deepEqual(await readdir(join(datadir, 'keystore')), [basename(account.path)])
    assert.match(basename(account.path), ACCOUNT_FILE_PATTERN)
    assert.ok(basename(account.path).endsWith(`--${account.id}`))
    assert.equal((await stat(join(datadir, 'keystore'))).mode & 0o777, 0o700)
    assert.equal((await stat(account.path)).mode & 0o777, 0o600)
    const json = JSON.parse(await readFile(account.path, 'utf8')) as Record<string, unknown>
    assert.deepEqual(Object.keys(json).sort(), ['crypto', 'encryptionKeys', 'id', 'participant', 'publicKey', 'version'])
    assert.equal(json.participant, account.id)
    assert.equal(json.publicKey, toHex(account.publicKey))
    const unlocked = await unlockAccount(account.path, PASSWORD)
    assert.deepEqual({ id: unlocked.id, publicKey: unlocked.publicKey }, { id: account.id, publicKey: account.publicKey })
    assert.deepEqual(publicKeyOf(unlocked.secretKey), account.publicKey)
  })

  it('writes a file that ethers decrypts to the same secret key', async () => {
    const account = await createAccount(freshDatadir(), PASSWORD, LIGHT)
    const unlocked = await unlockAccount(account.path, PASSWORD)
    const decrypted = await decryptKeystoreJson(await readFile(account.path, 'utf8'), PASSWORD)
    assert.equal(decrypted.privateKey, `0x${toHex(unlocked.secretKey)}`)
  })
})

describe('listAccounts and findAccount', () => {
  it('list oldest first; the oldest is the identity; an id finds its account', async () => {
    const datadir = freshDatadir()
    assert.deepEqual(await listAccounts(datadir), [])
    const first = await createAccount(datadir, PASSWORD, LIGHT)
    await new Promise((resolve) => setTimeout(resolve, 5))
    const second = await createAccount(datadir, PASSWORD, LIGHT)
    const listed = await listAccounts(datadir)
    assert.deepEqual(listed.map((account) => account.id), [first.id, second.id])
    assert.ok(listed[0]!.created <= listed[1]!.created)
    assert.equal((await findAccount(datadir)).id, first.id)
    assert.equal((await findAccount(datadir, second.id)).path, second.path)
    // Ids are case-insensitive text (Bech32m): the upper-case form finds the same account.
    assert.equal((await findAccount(datadir, second.id.toUpperCase())).id, second.id)
  })

  it('ignore files that are not account files (temporary files, notes)', async () => {
    const datadir = freshDatadir()
    const account = await createAccount(datadir, PASSWORD, LIGHT)
    await writeFile(join(datadir, 'keystore', '.tmp-0123456789abcdef'), 'half written')
    await writeFile(join(datadir, 'keystore', 'README'), 'notes')
    assert.deepEqual((await listAccounts(datadir)).map((entry) => entry.id), [account.id])
  })

  it('say what is missing, with the data dir', async () => {
    const datadir = freshDatadir()
    const dir = join(datadir, 'keystore')
    await assert.rejects(
      findAccount(datadir),
      new KeystoreError('KEYSTORE_ERROR_NOT_FOUND', { path: dir }, `no account in ${dir}: create one with \`chain init\``),
    )
    const other = idOf(new Uint8Array(32).fill(9))
    await assert.rejects(
      findAccount(datadir, other),
      new KeystoreError('KEYSTORE_ERROR_NOT_FOUND', { path: dir, detail: other }, `no account ${other} in ${dir}`),
    )
  })
})

describe('unlockAccount', () => {
  it('reports exactly `wrong password` and leaves the file untouched', async () => {
    const account = await createAccount(freshDatadir(), PASSWORD, LIGHT)
    const before = await readFile(account.path)
    const mtime = (await stat(account.path)).mtimeMs
    await assert.rejects(
      unlockAccount(account.path, 'not the password'),
      new KeystoreError('KEYSTORE_ERROR_WRONG_PASSWORD', { path: account.path }, 'wrong password'),
    )
    assert.deepEqual(await readFile(account.path), before)
    assert.equal((await stat(account.path)).mtimeMs, mtime)
  })

  it('refuses a file whose public key was edited (it is outside the MAC)', async () => {
    const datadir = freshDatadir()
    const account = await createAccount(datadir, PASSWORD, LIGHT)
    const other = await createAccount(freshDatadir(), PASSWORD, LIGHT)
    const json = JSON.parse(await readFile(account.path, 'utf8')) as Record<string, unknown>
    // Claim the other account's identity in both the name and the fields, keep our ciphertext.
    const forged = join(datadir, 'keystore', accountFileName(1_000_000n, other.id))
    await writeFile(forged, JSON.stringify({ ...json, participant: other.id, publicKey: toHex(other.publicKey) }))
    await assert.rejects(
      unlockAccount(forged, PASSWORD),
      new KeystoreError(
        'KEYSTORE_ERROR_CORRUPT',
        { path: forged, detail: 'publicKey does not match the encrypted key (the file was edited)' },
        `${forged}: corrupt keystore: publicKey does not match the encrypted key (the file was edited)`,
      ),
    )
  })

  it('refuses files whose fields disagree with their name, and truncated files, naming them', async () => {
    const datadir = freshDatadir()
    const account = await createAccount(datadir, PASSWORD, LIGHT)
    const json = JSON.parse(await readFile(account.path, 'utf8')) as Record<string, unknown>
    await writeFile(account.path, JSON.stringify({ ...json, publicKey: '00'.repeat(32) }))
    const detail = `publicKey is not the key of ${account.id}`
    await assert.rejects(
      listAccounts(datadir),
      new KeystoreError('KEYSTORE_ERROR_CORRUPT', { path: account.path, detail }, `${account.path}: corrupt keystore: ${detail}`),
    )
    await writeFile(account.path, JSON.stringify(json).slice(0, 200))
    const truncated = 'not JSON (truncated or not a keystore)'
    await assert.rejects(
      unlockAccount(account.path, PASSWORD),
      new KeystoreError('KEYSTORE_ERROR_CORRUPT', { path: account.path, detail: truncated }, `${account.path}: corrupt keystore: ${truncated}`),
    )
  })
})

describe('importAccount', () => {
  for (const [name, vector] of Object.entries(VECTORS)) {
    it(`imports go-ethereum's ${name}, padding short keys on the left`, async () => {
      const datadir = freshDatadir()
      const file = join(root, `${name}.json`)
      await writeFile(file, JSON.stringify(vector.json))
      const imported = await importAccount(datadir, file, vector.password, LIGHT)
      const expectedKey = new Uint8Array(32)
      expectedKey.set(fromHex(vector.priv)!, 32 - fromHex(vector.priv)!.length)
      assert.equal(imported.id, idOf(expectedKey))
      const unlocked = await unlockAccount(imported.path, vector.password)
      assert.deepEqual(unlocked.secretKey, expectedKey)
      // The foreign file is left as it was.
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), vector.json)
    })
  }

  it('imports a file written by ethers, and refuses the same key twice', async () => {
    const datadir = freshDatadir()
    const privateKey = `0x${toHex(ethersRandomBytes(32))}`
    const file = join(root, 'ethers.json')
    await writeFile(file, await encryptKeystoreJson({ address: computeAddress(privateKey), privateKey }, PASSWORD, { scrypt: { N: 1 << 10 } }))
    const imported = await importAccount(datadir, file, PASSWORD, LIGHT)
    assert.equal(imported.id, idOf(fromHex(privateKey)!))
    await assert.rejects(
      importAccount(datadir, file, PASSWORD, LIGHT),
      new KeystoreError(
        'KEYSTORE_ERROR_ALREADY_EXISTS',
        { path: imported.path, detail: imported.id },
        `account ${imported.id} is already in the keystore (${imported.path})`,
      ),
    )
    assert.equal((await listAccounts(datadir)).length, 1)
  })

  it('reports a wrong password and a missing file', async () => {
    const datadir = freshDatadir()
    const file = join(root, 'vector-31.json')
    await writeFile(file, JSON.stringify(VECTORS['31_byte_key']!.json))
    await assert.rejects(importAccount(datadir, file, 'bar'), new KeystoreError('KEYSTORE_ERROR_WRONG_PASSWORD', { path: file }, 'wrong password'))
    const missing = join(root, 'missing.json')
    await assert.rejects(importAccount(datadir, missing, 'bar'), new KeystoreError('KEYSTORE_ERROR_NOT_FOUND', { path: missing }, `${missing}: no such file`))
    assert.deepEqual(await listAccounts(datadir), [])
  })
})

describe('recoverAccount', () => {
  it('rebuilds the same id and public key after the keystore is deleted', async () => {
    const datadir = freshDatadir()
    const created = await createAccount(datadir, PASSWORD, LIGHT)
    await rm(join(datadir, 'keystore'), { recursive: true })
    const recovered = await recoverAccount(datadir, created.mnemonic, 'another good password', LIGHT)
    assert.deepEqual({ id: recovered.id, publicKey: recovered.publicKey }, { id: created.id, publicKey: created.publicKey })
    await assert.rejects(recoverAccount(datadir, created.mnemonic, PASSWORD, LIGHT), { code: 'KEYSTORE_ERROR_ALREADY_EXISTS' })
  })
})

describe('changePassword', () => {
  it('re-encrypts under a new name, removes the old file, and keeps the account first', async () => {
    const datadir = freshDatadir()
    const identity = await createAccount(datadir, PASSWORD, LIGHT)
    await new Promise((resolve) => setTimeout(resolve, 5))
    const later = await createAccount(datadir, PASSWORD, LIGHT)
    const account = await findAccount(datadir)
    const changed = await changePassword(datadir, account, PASSWORD, 'a new good password', LIGHT)
    assert.notEqual(changed.path, identity.path)
    await assert.rejects(stat(identity.path), { code: 'ENOENT' })
    assert.deepEqual((await listAccounts(datadir)).map((entry) => entry.id), [identity.id, later.id])
    await assert.rejects(unlockAccount(changed.path, PASSWORD), { code: 'KEYSTORE_ERROR_WRONG_PASSWORD' })
    assert.deepEqual((await unlockAccount(changed.path, 'a new good password')).publicKey, identity.publicKey)
  })

  it('with a wrong old password changes nothing', async () => {
    const datadir = freshDatadir()
    await createAccount(datadir, PASSWORD, LIGHT)
    const account = await findAccount(datadir)
    const before = await readdir(join(datadir, 'keystore'))
    await assert.rejects(changePassword(datadir, account, 'wrong', 'a new good password', LIGHT), { message: 'wrong password' })
    assert.deepEqual(await readdir(join(datadir, 'keystore')), before)
  })

  it('after a crash between writing and removing, lists the account once, at the newer file', async () => {
    const datadir = freshDatadir()
    const account = await createAccount(datadir, PASSWORD, LIGHT)
    const name = basename(account.path)
    // What an interrupted change leaves: the old file and one a nanosecond later.
    const newer = join(datadir, 'keystore', name.replace(/000000Z--/, '000001Z--'))
    await copyFile(account.path, newer)
    const listed = await listAccounts(datadir)
    assert.deepEqual(listed.map((entry) => [entry.id, entry.path]), [[account.id, newer]])
  })
})
