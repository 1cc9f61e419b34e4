/**
 * `chain account show` and `chain account list`: what is readable without a password.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { errorLine, GOOD_PASSWORD, runChain, tempDir } from '../../helpers/cli.js'

let dir: { path: string; remove: () => Promise<void> }
let datadir: string
let identity: { id: string; publicKey: string; keystore: string }
let second: { id: string; publicKey: string; keystore: string }

before(async () => {
  dir = await tempDir('account-show')
  datadir = join(dir.path, 'datadir')
  const env = { CHAIN_PASSWORD: GOOD_PASSWORD }
  identity = JSON.parse((await runChain(['init', '--datadir', datadir, '--light-kdf', '--json', '--no-mnemonic'], { env })).stdout) as typeof identity
  second = JSON.parse((await runChain(['account', 'new', '--datadir', datadir, '--light-kdf', '--json', '--no-mnemonic'], { env })).stdout) as typeof second
})
after(async () => dir.remove())

describe('chain account show', () => {
  it('shows the identity by default: id, publicKey, keystore, and registered and nonce null without chain data', async () => {
    const run = await runChain(['account', 'show', '--datadir', datadir, '--json'])
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(JSON.parse(run.stdout), { ...identity, registered: null, nonce: null })
  })

  it('shows the account named, also from CHAIN_DATADIR', async () => {
    const run = await runChain(['account', 'show', second.id, '--json'], { env: { CHAIN_DATADIR: datadir } })
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(JSON.parse(run.stdout), { ...second, registered: null, nonce: null })
  })

  it('exits 3 for an account that is not there, and 2 (a bad argument) for a mistyped id', async () => {
    const other = await runChain(['account', 'show', second.id, '--datadir', join(dir.path, 'empty')])
    assert.equal(other.code, 3)
    assert.equal(errorLine(other.stderr), `no account ${second.id} in ${join(dir.path, 'empty', 'keystore')}`)
    const typo = `${second.id.slice(0, -1)}${second.id.endsWith('q') ? 'p' : 'q'}`
    const mistyped = await runChain(['account', 'show', typo, '--datadir', datadir])
    assert.equal(mistyped.code, 2)
    assert.equal(errorLine(mistyped.stderr), `invalid participant id (bad characters or checksum): "${typo}"`)
  })
})

describe('chain account list', () => {
  it('lists oldest first with the identity marked', async () => {
    const run = await runChain(['account', 'list', '--datadir', datadir])
    assert.equal(run.code, 0, run.stderr)
    const lines = run.stdout.trimEnd().split('\n')
    assert.equal(lines.length, 3)
    assert.ok(lines[0]!.startsWith(`* ${identity.id}  `))
    assert.ok(lines[0]!.endsWith(`  ${identity.keystore}`))
    assert.ok(lines[1]!.startsWith(`  ${second.id}  `))
    assert.equal(lines[2], '(* the node identity)')
  })

  it('says how to begin when there is no account', async () => {
    const empty = join(dir.path, 'nothing')
    const run = await runChain(['account', 'list', '--datadir', empty])
    assert.equal(run.code, 0)
    assert.equal(run.stdout, `No account in ${empty}. Create the identity with \`chain init\`.\n`)
    const json = await runChain(['account', 'list', '--datadir', empty, '--json'])
    assert.deepEqual(JSON.parse(json.stdout), [])
  })
})
