/**
 * `chain account change-password`: the old password is checked first; a wrong one changes
 * nothing; a right one leaves one file, under the new password, in the same place in order.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { errorLine, GOOD_PASSWORD, runChain, secretFile, tempDir } from '../../helpers/cli.js'

const NEW_PASSWORD = 'an entirely new passphrase'

let dir: { path: string; remove: () => Promise<void> }
before(async () => {
  dir = await tempDir('account-change-password')
})
after(async () => dir.remove())

async function initialized(name: string): Promise<{ datadir: string; id: string; keystore: string }> {
  const datadir = join(dir.path, name)
  const run = await runChain(['init', '--datadir', datadir, '--light-kdf', '--json', '--no-mnemonic'], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } })
  assert.equal(run.code, 0, run.stderr)
  return { datadir, ...(JSON.parse(run.stdout) as { id: string; keystore: string }) }
}

describe('chain account change-password', () => {
  it('wrong password: exit 1, exactly `wrong password`, the file untouched', async () => {
    const { datadir, keystore } = await initialized('wrong')
    const before = await readFile(keystore)
    const run = await runChain(['account', 'change-password', '--datadir', datadir, '--light-kdf'], {
      env: { CHAIN_PASSWORD: 'not the password', CHAIN_NEW_PASSWORD: NEW_PASSWORD },
    })
    assert.equal(run.code, 1)
    assert.equal(errorLine(run.stderr), 'wrong password')
    assert.deepEqual(await readFile(keystore), before)
    assert.deepEqual(await readdir(join(datadir, 'keystore')), [keystore.slice(keystore.lastIndexOf('/') + 1)])
    const json = await runChain(['account', 'change-password', '--datadir', datadir, '--json'], {
      env: { CHAIN_PASSWORD: 'not the password', CHAIN_NEW_PASSWORD: NEW_PASSWORD },
    })
    assert.equal(json.code, 1)
    assert.equal((JSON.parse(json.stdout) as { error: { message: string } }).error.message, 'wrong password')
  })

  it('re-encrypts: one file, new name, the new password opens it and the old does not', async () => {
    const { datadir, id, keystore } = await initialized('right')
    const oldFile = await secretFile(dir.path, 'old.txt', `${GOOD_PASSWORD}\n`)
    const newFile = await secretFile(dir.path, 'new.txt', `${NEW_PASSWORD}\n`)
    const run = await runChain(['account', 'change-password', id, '--datadir', datadir, '--password-file', oldFile, '--new-password-file', newFile, '--light-kdf', '--json'])
    assert.equal(run.code, 0, run.stderr)
    const changed = JSON.parse(run.stdout) as { id: string; keystore: string }
    assert.equal(changed.id, id)
    assert.notEqual(changed.keystore, keystore)
    assert.deepEqual(await readdir(join(datadir, 'keystore')), [changed.keystore.slice(changed.keystore.lastIndexOf('/') + 1)])
    // Opening it again: with the old password it fails, with the new one it works.
    const again = await runChain(['account', 'change-password', '--datadir', datadir, '--password-file', oldFile, '--new-password-file', newFile, '--light-kdf'])
    assert.equal(errorLine(again.stderr), 'wrong password')
    const back = await runChain(['account', 'change-password', '--datadir', datadir, '--password-file', newFile, '--new-password-file', oldFile, '--light-kdf', '--json'])
    assert.equal(back.code, 0, back.stderr)
  })

  it('refuses a weak new password, changing nothing', async () => {
    const { datadir, keystore } = await initialized('weak')
    const run = await runChain(['account', 'change-password', '--datadir', datadir, '--light-kdf'], {
      env: { CHAIN_PASSWORD: GOOD_PASSWORD, CHAIN_NEW_PASSWORD: 'short' },
    })
    assert.equal(run.code, 1)
    assert.match(errorLine(run.stderr), /^the password in CHAIN_NEW_PASSWORD is too weak: Single words are easy to guess; score 0 of 4, /)
    assert.deepEqual(await readdir(join(datadir, 'keystore')), [keystore.slice(keystore.lastIndexOf('/') + 1)])
  })
})
