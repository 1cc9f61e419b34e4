/**
 * `chain account new`: another account beside the identity, and many at once: concurrent
 * processes never lose or overwrite a file.
 */
import assert from 'node:assert/strict'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { errorLine, GOOD_PASSWORD, runChain, tempDir } from '../../helpers/cli.js'

let dir: { path: string; remove: () => Promise<void> }
before(async () => {
  dir = await tempDir('account-new')
})
after(async () => dir.remove())

interface Identity {
  readonly id: string
  readonly publicKey: string
  readonly keystore: string
  readonly mnemonic?: string
}

describe('chain account new', () => {
  it('adds an account after the identity, which stays first', async () => {
    const datadir = join(dir.path, 'two')
    const env = { CHAIN_PASSWORD: GOOD_PASSWORD }
    const init = await runChain(['init', '--datadir', datadir, '--light-kdf', '--json'], { env })
    const created = await runChain(['account', 'new', '--datadir', datadir, '--light-kdf', '--json'], { env })
    assert.equal(created.code, 0, created.stderr)
    const identity = JSON.parse(init.stdout) as Identity
    const account = JSON.parse(created.stdout) as Identity
    assert.deepEqual(Object.keys(account).sort(), ['id', 'keystore', 'mnemonic', 'publicKey'])
    assert.notEqual(account.id, identity.id)
    const list = await runChain(['account', 'list', '--datadir', datadir, '--json'])
    const entries = JSON.parse(list.stdout) as { id: string; identity: boolean }[]
    assert.deepEqual(entries.map((entry) => [entry.id, entry.identity]), [[identity.id, true], [account.id, false]])
  })

  it('prints the phrase for people, or leaves it out with --no-mnemonic', async () => {
    const datadir = join(dir.path, 'human')
    const env = { CHAIN_PASSWORD: GOOD_PASSWORD }
    const human = await runChain(['account', 'new', '--datadir', datadir, '--light-kdf'], { env })
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^Account created\.\n {2}id {10}ch1\S+\n {2}public key {2}[0-9a-f]{64}\n {2}keystore {4}\S+\n\nRecovery phrase/)
    assert.equal([...human.stdout.matchAll(/\d+\. [a-z]+/g)].length, 24)
    const quiet = await runChain(['account', 'new', '--datadir', datadir, '--light-kdf', '--no-mnemonic'], { env })
    assert.ok(!quiet.stdout.includes('Recovery phrase'))
  })

  it('uses the standard scrypt cost without --light-kdf', async () => {
    const datadir = join(dir.path, 'standard')
    const run = await runChain(['account', 'new', '--datadir', datadir, '--json'], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } })
    assert.equal(run.code, 0, run.stderr)
    const exported = await runChain(['account', 'export', '--datadir', datadir, '--json'])
    const json = JSON.parse(exported.stdout) as { crypto: { kdfparams: { n: number; r: number; p: number } } }
    assert.deepEqual(json.crypto.kdfparams.n, 262144)
    assert.deepEqual([json.crypto.kdfparams.r, json.crypto.kdfparams.p], [8, 1])
  })

  it('refuses a weak password from CHAIN_PASSWORD', async () => {
    const datadir = join(dir.path, 'weak')
    const run = await runChain(['account', 'new', '--datadir', datadir, '--light-kdf'], { env: { CHAIN_PASSWORD: 'aaaaaaaaaa' } })
    assert.equal(run.code, 1)
    assert.match(errorLine(run.stderr), /^the password in CHAIN_PASSWORD is too weak: Repeated characters like "aaa" are easy to guess; score 0 of 4, about \d+ guesses, less than a second to crack offline\. /)
  })

  it('run concurrently, never loses or overwrites a file', async () => {
    const datadir = join(dir.path, 'concurrent')
    const runs = await Promise.all(
      Array.from({ length: 6 }, () =>
        runChain(['account', 'new', '--datadir', datadir, '--light-kdf', '--json'], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } }),
      ),
    )
    for (const run of runs) assert.equal(run.code, 0, run.stderr)
    const created = runs.map((run) => JSON.parse(run.stdout) as Identity)
    assert.equal(new Set(created.map((account) => account.id)).size, 6)
    const files = await readdir(join(datadir, 'keystore'))
    assert.deepEqual(files.sort(), created.map((account) => account.keystore.slice(account.keystore.lastIndexOf('/') + 1)).sort())
    for (const account of created) assert.equal((await stat(account.keystore)).mode & 0o777, 0o600)
    const list = await runChain(['account', 'list', '--datadir', datadir, '--json'])
    assert.deepEqual(
      (JSON.parse(list.stdout) as { id: string }[]).map((entry) => entry.id).sort(),
      created.map((account) => account.id).sort(),
    )
  })
})
