/**
 * `chain account recover`: init, delete the keystore, recover from the phrase: the same id
 * and public key. Phrases that are not BIP39 are refused with the reason.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { errorLine, GOOD_PASSWORD, runChain, secretFile, tempDir } from '../../helpers/cli.js'

let dir: { path: string; remove: () => Promise<void> }
before(async () => {
  dir = await tempDir('account-recover')
})
after(async () => dir.remove())

describe('chain account recover', () => {
  it('rebuilds the identity from its phrase after the keystore is deleted', async () => {
    const datadir = join(dir.path, 'datadir')
    const env = { CHAIN_PASSWORD: GOOD_PASSWORD }
    const init = await runChain(['init', '--datadir', datadir, '--light-kdf', '--json'], { env })
    const created = JSON.parse(init.stdout) as { id: string; publicKey: string; mnemonic: string }
    await rm(join(datadir, 'keystore'), { recursive: true })
    // Written by hand: upper case, one word per line.
    const phrase = await secretFile(dir.path, 'phrase.txt', `${created.mnemonic.toUpperCase().replaceAll(' ', '\n')}\n`)
    const run = await runChain(['account', 'recover', '--mnemonic-file', phrase, '--datadir', datadir, '--light-kdf', '--json'], { env })
    assert.equal(run.code, 0, run.stderr)
    const recovered = JSON.parse(run.stdout) as { id: string; publicKey: string; keystore: string }
    assert.deepEqual(Object.keys(recovered).sort(), ['id', 'keystore', 'publicKey'])
    assert.deepEqual({ id: recovered.id, publicKey: recovered.publicKey }, { id: created.id, publicKey: created.publicKey })
    const show = await runChain(['account', 'show', '--datadir', datadir, '--json'])
    assert.deepEqual(JSON.parse(show.stdout), { ...recovered, registered: null, nonce: null })

    const twice = await runChain(['account', 'recover', '--mnemonic-file', phrase, '--datadir', datadir, '--light-kdf'], { env })
    assert.equal(twice.code, 1)
    assert.equal(errorLine(twice.stderr), `account ${created.id} is already in the keystore (${recovered.keystore})`)
  })

  it('refuses a phrase with a wrong word, saying so', async () => {
    const phrase = await secretFile(dir.path, 'bad.txt', `${'abandon '.repeat(23)}abandon\n`)
    const run = await runChain(['account', 'recover', '--mnemonic-file', phrase, '--datadir', join(dir.path, 'bad'), '--light-kdf'], {
      env: { CHAIN_PASSWORD: GOOD_PASSWORD },
    })
    assert.equal(run.code, 2)
    assert.equal(errorLine(run.stderr), 'invalid recovery phrase: the checksum does not match (a word is wrong or out of order)')
  })

  it('without a phrase file or a terminal, says how to give one (exit 2)', async () => {
    const run = await runChain(['account', 'recover', '--datadir', join(dir.path, 'none')], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } })
    assert.equal(run.code, 2)
    assert.equal(errorLine(run.stderr), 'a recovery phrase is needed: give --mnemonic-file FILE, or run in a terminal to be asked')
  })
})
