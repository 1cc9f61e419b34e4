/**
 * `chain account import FILE`: go-ethereum's published files and ethers' files become
 * accounts; the id comes from the decrypted key.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { computeAddress, encryptKeystoreJson } from 'ethers'
import { publicKeyOf } from '../../../src/crypto/ed25519.js'
import { formatParticipantId, participantIdOf } from '../../../src/crypto/identity.js'
import { fromHex, toHex } from '../../../src/encoding/bytes.js'
import { errorLine, GOOD_PASSWORD, runChain, secretFile, tempDir } from '../../helpers/cli.js'

const VECTORS = JSON.parse(
  readFileSync(new URL('../../../../test/fixtures/keystore/v3_test_vector.json', import.meta.url), 'utf8'),
) as Record<string, { json: object; password: string; priv: string }>

let dir: { path: string; remove: () => Promise<void> }
before(async () => {
  dir = await tempDir('account-import')
})
after(async () => dir.remove())

/** The id of a key as `chain` uses it: left-padded to 32 bytes, as an Ed25519 secret. */
function idOfKey(hex: string): { id: string; publicKey: string } {
  const key = new Uint8Array(32)
  const bytes = fromHex(hex)!
  key.set(bytes, 32 - bytes.length)
  const publicKey = publicKeyOf(key)
  return { id: formatParticipantId(participantIdOf(publicKey)), publicKey: toHex(publicKey) }
}

describe('chain account import', () => {
  for (const name of ['31_byte_key', '30_byte_key', 'wikipage_test_vector_pbkdf2']) {
    it(`imports go-ethereum's ${name}`, async () => {
      const vector = VECTORS[name]!
      const file = join(dir.path, `${name}.json`)
      await writeFile(file, JSON.stringify(vector.json))
      const datadir = join(dir.path, name)
      const run = await runChain(['account', 'import', file, '--datadir', datadir, '--light-kdf', '--json'], {
        env: { CHAIN_PASSWORD: vector.password },
      })
      assert.equal(run.code, 0, run.stderr)
      const result = JSON.parse(run.stdout) as { id: string; publicKey: string; keystore: string }
      assert.deepEqual({ id: result.id, publicKey: result.publicKey }, idOfKey(vector.priv))
      assert.ok(result.keystore.startsWith(join(datadir, 'keystore', 'UTC--')))
    })
  }

  it('imports a file ethers wrote, with the password from a file', async () => {
    const privateKey = `0x${'5a'.repeat(32)}`
    const file = join(dir.path, 'ethers.json')
    await writeFile(file, await encryptKeystoreJson({ address: computeAddress(privateKey), privateKey }, GOOD_PASSWORD, { scrypt: { N: 1 << 10 } }))
    const passwordFile = await secretFile(dir.path, 'ethers-password', `${GOOD_PASSWORD}\n`)
    const run = await runChain(['account', 'import', file, '--datadir', join(dir.path, 'ethers'), '--password-file', passwordFile, '--light-kdf', '--json'])
    assert.equal(run.code, 0, run.stderr)
    assert.equal((JSON.parse(run.stdout) as { id: string }).id, idOfKey('5a'.repeat(32)).id)
  })

  it('imports a file whose password is empty: an empty first line of --password-file, or CHAIN_PASSWORD set and empty', async () => {
    const vector = (
      JSON.parse(readFileSync(new URL('../../../../test/fixtures/keystore/empty_password_ethers.json', import.meta.url), 'utf8')) as Record<string, { json: object; priv: string }>
    ).empty_password_ethers!
    const file = join(dir.path, 'empty-password.json')
    await writeFile(file, JSON.stringify(vector.json))
    const emptyLine = await secretFile(dir.path, 'empty-password', '\n')
    const fromFile = await runChain(['account', 'import', file, '--datadir', join(dir.path, 'empty-file'), '--password-file', emptyLine, '--light-kdf', '--json'])
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.equal((JSON.parse(fromFile.stdout) as { id: string }).id, idOfKey(vector.priv).id)
    const fromEnv = await runChain(['account', 'import', file, '--datadir', join(dir.path, 'empty-env'), '--light-kdf', '--json'], { env: { CHAIN_PASSWORD: '' } })
    assert.equal(fromEnv.code, 0, fromEnv.stderr)
    assert.equal((JSON.parse(fromEnv.stdout) as { id: string }).id, idOfKey(vector.priv).id)
  })

  it('wrong password: exit 1, `wrong password`, nothing written, the file untouched', async () => {
    const file = join(dir.path, 'wrong.json')
    await writeFile(file, JSON.stringify(VECTORS['31_byte_key']!.json))
    const before = await readFile(file)
    const datadir = join(dir.path, 'wrong')
    const run = await runChain(['account', 'import', file, '--datadir', datadir, '--light-kdf'], { env: { CHAIN_PASSWORD: 'bar' } })
    assert.equal(run.code, 1)
    assert.equal(errorLine(run.stderr), 'wrong password')
    assert.deepEqual(await readFile(file), before)
    const list = await runChain(['account', 'list', '--datadir', datadir, '--json'])
    assert.deepEqual(JSON.parse(list.stdout), [])
  })

  it('a corrupt or hostile file: exit 5 and one line naming the problem', async () => {
    const truncated = await secretFile(dir.path, 'truncated.json', JSON.stringify(VECTORS['31_byte_key']!.json).slice(0, 80))
    const run = await runChain(['account', 'import', truncated, '--datadir', join(dir.path, 'bad')], { env: { CHAIN_PASSWORD: 'foo' } })
    assert.equal(run.code, 5)
    assert.equal(errorLine(run.stderr), `${truncated}: corrupt keystore: not JSON (truncated or not a keystore)`)

    const json = structuredClone(VECTORS['31_byte_key']!.json) as { crypto: { kdfparams: { n: number } } }
    json.crypto.kdfparams.n = 2 ** 40
    const hostile = await secretFile(dir.path, 'hostile.json', JSON.stringify(json))
    const refused = await runChain(['account', 'import', hostile, '--datadir', join(dir.path, 'bad')], { env: { CHAIN_PASSWORD: 'foo' } })
    assert.equal(refused.code, 5)
    assert.equal(errorLine(refused.stderr), `${hostile}: unsupported keystore: kdfparams.n: expected a power of 2 from 2 to 4194304, got 1099511627776`)

    const missing = join(dir.path, 'missing.json')
    const absent = await runChain(['account', 'import', missing, '--datadir', join(dir.path, 'bad')], { env: { CHAIN_PASSWORD: 'foo' } })
    assert.equal(absent.code, 3)
    assert.equal(errorLine(absent.stderr), `${missing}: no such file`)
  })
})
