/**
 * `chain genesis --consensus poa`: signers given as public keys or as accounts of the data dir,
 * the printed file valid and sorted, and one-line usage errors for the flags that do not fit.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { toHex } from '../../src/encoding/bytes.js'
import { compareKeys, parseGenesis } from '../../src/ledger/genesis.js'
import { BUILT_IN_NETWORKS } from '../../src/ledger/networks.js'
import { errorLine, GOOD_PASSWORD, runChain, secretFile, tempDir } from '../helpers/cli.js'
import { testKey } from '../helpers/chain.js'

test('chain genesis --consensus poa prints a valid proof-of-authority genesis from keys and accounts', async (t) => {
  const dir = await tempDir('genesis-poa')
  t.after(() => dir.remove())
  const datadir = dir.path
  const password = await secretFile(datadir, 'password', `${GOOD_PASSWORD}\n`)
  const made = await runChain(['init', '--datadir', datadir, '--password-file', password, '--light-kdf', '--json'])
  assert.equal(made.code, 0, made.stderr)
  const account = JSON.parse(made.stdout) as { id: string; publicKey: string }
  const other = toHex(testKey('genesis signer').publicKey)

  const printed = await runChain(['genesis', '--network', 'dev', '--consensus', 'poa', '--signer', other, '--signer', account.id, '--epoch', '30', '--json', '--datadir', datadir])
  assert.equal(printed.code, 0, printed.stderr)
  const { genesis, networkId } = JSON.parse(printed.stdout) as { genesis: { consensus: unknown; params: unknown }; networkId: string }
  const expected = [account.publicKey, other].map((k) => Buffer.from(k, 'hex')).sort(compareKeys).map(toHex)
  assert.deepEqual(genesis.consensus, { type: 'poa', signers: expected, epoch: 30 })
  assert.deepEqual(genesis.params, BUILT_IN_NETWORKS.dev!.params)
  assert.equal(parseGenesis(JSON.stringify(genesis)).consensus.type, 'poa')
  assert.notEqual(networkId, '')

  const refusals: [string[], number, string][] = [
    [['--consensus', 'poa'], 2, '--consensus poa needs at least one --signer KEY'],
    [['--signer', other], 2, '--signer and --epoch go with --consensus poa'],
    [['--consensus', 'poa', '--signer', 'ch1nobody'], 2, ''],
    [['--consensus', 'poa', '--signer', other, '--signer', other], 2, 'invalid genesis: consensus.signers[1]: listed twice'],
  ]
  for (const [flags, code, message] of refusals) {
    const run = await runChain(['genesis', '--network', 'dev', ...flags, '--datadir', join(datadir)])
    assert.notEqual(run.code, 0, flags.join(' '))
    if (message !== '') {
      assert.equal(run.code, code, `${flags.join(' ')}: ${run.stderr}`)
      assert.equal(errorLine(run.stderr), message)
    }
    assert.equal(run.stdout, '', 'nothing printed on a refusal')
  }
})
