/**
 * `chain account export`: prints the keystore file as stored, which ethers can decrypt.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { decryptKeystoreJson } from 'ethers'
import { unlockAccount } from '../../../src/keystore/accounts.js'
import { toHex } from '../../../src/encoding/bytes.js'
import { GOOD_PASSWORD, runChain, tempDir } from '../../helpers/cli.js'

let dir: { path: string; remove: () => Promise<void> }
before(async () => {
  dir = await tempDir('account-export')
})
after(async () => dir.remove())

describe('chain account export', () => {
  it('prints the file exactly; with --json the same object; ethers decrypts it', async () => {
    const datadir = join(dir.path, 'datadir')
    const init = await runChain(['init', '--datadir', datadir, '--light-kdf', '--json'], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } })
    const { keystore } = JSON.parse(init.stdout) as { keystore: string }
    const text = await readFile(keystore, 'utf8')
    const human = await runChain(['account', 'export', '--datadir', datadir])
    assert.equal(human.code, 0, human.stderr)
    assert.equal(human.stdout, text)
    const json = await runChain(['account', 'export', '--datadir', datadir, '--json'])
    assert.deepEqual(JSON.parse(json.stdout), JSON.parse(text))
    const decrypted = await decryptKeystoreJson(human.stdout, GOOD_PASSWORD)
    const unlocked = await unlockAccount(keystore, GOOD_PASSWORD)
    assert.equal(decrypted.privateKey, `0x${toHex(unlocked.secretKey)}`)
  })
})
